// Images on an engine that lacks them (ensureImages with shipping): only the missing ones are
// taken from the local build engine, as one save streamed into one load, with bytes as progress;
// nothing is shipped between two handles of one engine nor across architectures, and an engine
// that has everything costs one list call.
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { LabEvent } from '../../../src/core/events.js';
import type { Engine, EngineInfo } from '../../../src/engine/engine.js';
import { IMAGE_NAMES, type ImageName, latestRefOf } from '../../../src/images/catalogue.js';
import { ensureImages } from '../../../src/images/ensure.js';
import { canShip } from '../../../src/images/ship.js';
import { imageRefs } from '../../../src/images/tags.js';

interface FakeImage {
  id: string;
  tags: string[];
}

/** An engine holding `images`, recording its calls; load adds the images of the tar it is given (a JSON list here). */
function fakeEngine(name: string, images: FakeImage[], info: Partial<EngineInfo> = {}) {
  const calls: string[] = [];
  const engine = {
    endpoint: { source: name, options: {}, local: true, transport: 'tcp' },
    calls,
    images,
    async listImages() {
      calls.push('list');
      return images.map((i) => ({ Id: i.id, RepoTags: i.tags, Size: 1, Created: 0 }));
    },
    async info() {
      calls.push('info');
      return { id: `${name}-id`, name, memTotalBytes: 0, ncpu: 1, serverVersion: '', os: '', arch: 'amd64', ...info };
    },
    async saveImages(refs: string[]) {
      calls.push(`save ${refs.join(' ')}`);
      const saved = refs.map((ref) => images.find((i) => i.tags.includes(ref))!).map((i) => ({ id: i.id, ref: refs.find((r) => i.tags.includes(r)) }));
      // Big enough to report progress along the way.
      return Readable.from([Buffer.from(JSON.stringify(saved)), Buffer.alloc(20 * 1024 * 1024, 32)]);
    },
    async loadImages(body: Readable) {
      const chunks: Buffer[] = [];
      for await (const c of body) chunks.push(c as Buffer);
      const text = Buffer.concat(chunks).toString('utf8').trimEnd();
      const loaded = JSON.parse(text) as { id: string; ref: string }[];
      calls.push(`load ${loaded.map((l) => l.ref).join(' ')} (${chunks.reduce((n, c) => n + c.length, 0)} bytes)`);
      for (const l of loaded) images.push({ id: l.id, tags: [l.ref] });
      return Readable.from(loaded.map((l) => `${JSON.stringify({ stream: `Loaded image: ${l.ref}\n` })}\n`));
    },
    async tagImage(image: string, ref: string) {
      calls.push(`tag ${ref}`);
      images.find((i) => i.tags.includes(image))!.tags.push(ref);
    },
  };
  return engine;
}

const asEngine = (e: ReturnType<typeof fakeEngine>) => e as unknown as Engine;

async function all(except: ImageName[] = []): Promise<FakeImage[]> {
  const refs = await imageRefs();
  return IMAGE_NAMES.filter((n) => !except.includes(n)).map((n) => ({ id: `sha256:${n}`, tags: [refs[n], latestRefOf(n)] }));
}

describe('images shipped to an engine that lacks them', () => {
  it('ships only the missing ones from the local build engine: one save into one load, bytes as progress', async () => {
    const refs = await imageRefs();
    const local = fakeEngine('local', await all());
    const target = fakeEngine('far', await all(['pause', 'probe']));
    const events: LabEvent[] = [];
    const out = await ensureImages(asEngine(target), (e) => events.push(e), { only: ['pause', 'app', 'probe'], shipFrom: async () => asEngine(local) });
    expect(out.pause).toBe(refs.pause);
    expect(local.calls.filter((c) => c.startsWith('save'))).toEqual([`save ${refs.pause} ${refs.probe}`]);
    expect(target.calls.filter((c) => c.startsWith('load'))).toEqual([
      expect.stringMatching(new RegExp(`^load ${refs.pause} ${refs.probe} \\(\\d+ bytes\\)$`)),
    ]);
    // The shipped ones are the same images, and their :latest moves to them.
    expect(target.images.find((i) => i.tags.includes(refs.probe))).toEqual({ id: 'sha256:probe', tags: [refs.probe, latestRefOf('probe')] });
    const ship = events.filter((e) => 'id' in e && e.id === 'image:ship');
    expect(ship.some((e) => e.type === 'task-progress' && /^\d+\.\d MB moved$/.test(e.text))).toBe(true);
    expect(ship.at(-1)).toMatchObject({
      type: 'task-done',
      detail: expect.stringMatching(new RegExp(`^shipped ${refs.pause}, ${refs.probe} \\(20\\.\\d MB\\)$`)),
    });
  });

  it('an engine with everything: one list call, no local engine asked', async () => {
    const target = fakeEngine('far', await all());
    let asked = false;
    await ensureImages(asEngine(target), () => undefined, {
      shipFrom: async () => {
        asked = true;
        return undefined;
      },
    });
    expect(target.calls).toEqual(['list']);
    expect(asked).toBe(false);
  });

  it('ships only to another engine of the same architecture (not to one engine reached two ways)', async () => {
    const socket = (name: string, path: string) => ({
      ...fakeEngine(name, []),
      endpoint: { source: name, options: { socketPath: path }, local: true, transport: 'unix' },
    });
    const a = socket('a', '/var/run/docker.sock') as unknown as Engine;
    const b = socket('b', '/var/run/docker.sock') as unknown as Engine;
    expect(await canShip(a, b)).toBe(false);
    expect(await canShip(a, asEngine(fakeEngine('ssh', [], { id: 'a-id' })))).toBe(false);
    // A second engine on the same machine shares the ID of /etc/docker/key.json, not the data root.
    expect(await canShip(a, asEngine(fakeEngine('d2', [], { id: 'a-id-but@/var/lib/d2' })))).toBe(true);
    expect(await canShip(a, asEngine(fakeEngine('pi', [], { arch: 'arm64' })))).toBe(false);
  });
});
