// `images build|list|save|load`: netlab's own images, built here without a registry.
import { connectEngine } from '../../cluster/connect.js';
import { ensureImages, listImages, loadImages, saveImages, type ImageName } from '../../cluster/images.js';
import { rendered, type OutputOptions } from '../output.js';
import { table } from '../table.js';

export async function imagesBuildCommand(names: string[], opts: OutputOptions & { rebuild?: boolean }): Promise<number> {
  const engine = await connectEngine();
  const started = performance.now();
  await rendered(
    opts,
    'netlab images build',
    (r) => ensureImages(engine, r.sink, { only: names.length ? (names as ImageName[]) : undefined, rebuild: opts.rebuild }),
    (refs) => `${Object.keys(refs).length} image(s) ready in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  return 0;
}

export async function imagesListCommand(opts: OutputOptions): Promise<number> {
  const images = await listImages(await connectEngine());
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(images, null, 2)}\n`);
    return 0;
  }
  process.stdout.write(
    table(
      ['IMAGE', 'REF', 'PRESENT', 'SIZE'],
      images.map((i) => [i.name, i.ref, i.present ? 'yes' : 'no (netlab images build)', i.size ? `${(i.size / 1e6).toFixed(0)} MB` : '']),
    ),
  );
  return 0;
}

export async function imagesSaveCommand(file: string): Promise<number> {
  await saveImages(await connectEngine(), file);
  process.stdout.write(`saved netlab images to ${file}\n`);
  return 0;
}

export async function imagesLoadCommand(file: string): Promise<number> {
  await loadImages(await connectEngine(), file);
  process.stdout.write(`loaded netlab images from ${file}\n`);
  return 0;
}
