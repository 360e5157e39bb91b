import { describe, expect, it } from 'vitest';
import { IMAGE_NAMES, type ImageName } from '../../../src/images/catalogue.js';
import { ensureImages, planBuilds } from '../../../src/images/ensure.js';
import type { Engine } from '../../../src/engine/engine.js';
import { ignoreEvents } from '../../../src/core/events.js';
import { NetlabError } from '../../../src/core/errors.js';

const all = new Set<ImageName>(IMAGE_NAMES);
const without = (...names: ImageName[]) => new Set(IMAGE_NAMES.filter((n) => !names.includes(n)));

describe('planBuilds', () => {
  it('builds nothing when everything is present', () => {
    expect(planBuilds(IMAGE_NAMES, all)).toEqual([]);
  });

  it('builds everything, in dependency order, on an empty engine', () => {
    expect(planBuilds(IMAGE_NAMES, new Set())).toEqual(['base', 'pause', 'app', 'node', 'router', 'probe', 'coredns', 'ingress']);
  });

  it('builds only the missing image when its bases are present', () => {
    expect(planBuilds(IMAGE_NAMES, without('router'))).toEqual(['router']);
  });

  it('builds the missing bases of a wanted image, and nothing else', () => {
    expect(planBuilds(['node'], new Set(['app', 'base']))).toEqual(['pause', 'node']);
    expect(planBuilds(['app'], new Set())).toEqual(['base', 'app']);
  });

  it('does not need the bases of a present image', () => {
    expect(planBuilds(['node'], new Set(['node']))).toEqual([]);
  });

  it('rebuilds the wanted images but not their present bases', () => {
    expect(planBuilds(['probe'], all, true)).toEqual(['probe']);
    expect(planBuilds(IMAGE_NAMES, all, true)).toEqual([...IMAGE_NAMES]);
  });

  it('refuses an unknown image name before asking the engine anything', async () => {
    const err = await ensureImages({} as Engine, ignoreEvents, { only: ['nodes' as ImageName] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetlabError);
    expect((err as NetlabError).hint).toContain('base, pause, app, node, router, probe');
  });
});
