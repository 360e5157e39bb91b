import { describe, expect, it } from 'vitest';
import { EMPTY_OVERLAY, readOverlay } from '../../../src/cluster/overlay.js';
import { NetlabError } from '../../../src/core/errors.js';
import type { Engine } from '../../../src/engine/engine.js';

/** An engine whose only answer is the overlay file's text (undefined: no such file); it records what was asked. */
function engineWith(text: string | undefined): { engine: Engine; asked: string[] } {
  const asked: string[] = [];
  const engine = {
    readFile: async (container: string, path: string) => {
      asked.push(`${container}:${path}`);
      return text;
    },
  } as unknown as Engine;
  return { engine, asked };
}

describe("a running lab's overlay, read from its toolbox", () => {
  it('is read with one file read (no exec), from the toolbox it names', async () => {
    const { engine, asked } = engineWith(JSON.stringify({ replicas: { 'default/web': 3 } }));
    const overlay = await readOverlay(engine, 'lab.toolbox');
    expect(asked).toEqual(['lab.toolbox:/var/lib/netlab/overlay.json']);
    expect(overlay).toEqual({ ...EMPTY_OVERLAY, replicas: { 'default/web': 3 } });
  });

  it('is empty when the file is missing or blank, and a fresh object each time', async () => {
    for (const text of [undefined, '', '  \n']) {
      const overlay = await readOverlay(engineWith(text).engine, 'lab.toolbox');
      expect(overlay).toEqual(EMPTY_OVERLAY);
      expect(overlay).not.toBe(EMPTY_OVERLAY);
      overlay.deleted.push('Service/default/x');
      expect(EMPTY_OVERLAY.deleted).toEqual([]);
    }
  });

  it('that is unreadable is an error that says how to start again', async () => {
    const err = await readOverlay(engineWith('{not json').engine, 'lab.toolbox').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetlabError);
    expect((err as NetlabError).message).toContain('/var/lib/netlab/overlay.json in lab.toolbox');
    expect((err as NetlabError).hint).toMatch(/netlab down and up/);
  });
});
