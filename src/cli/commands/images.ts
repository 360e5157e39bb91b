// `images build|list|save|load`: netlab's own images, built here without a registry.
import { ensureImages, listImages, loadImages, saveImages, type ImageName } from '../../images/index.js';
import { engine, renderer, type OutputOptions } from '../../cluster/context.js';
import { table } from '../table.js';

export async function imagesBuildCommand(names: string[], opts: OutputOptions & { rebuild?: boolean }): Promise<number> {
  const docker = await engine();
  const r = renderer(opts, 'netlab images build');
  const started = performance.now();
  try {
    const refs = await ensureImages(docker, r.sink, {
      only: names.length ? (names as ImageName[]) : undefined,
      rebuild: opts.rebuild,
    });
    await r.finish(`${Object.keys(refs).length} image(s) ready in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    return 0;
  } catch (err) {
    await r.finish();
    throw err;
  }
}

export async function imagesListCommand(opts: OutputOptions): Promise<number> {
  const images = await listImages(await engine());
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
  await saveImages(await engine(), file);
  process.stdout.write(`saved netlab images to ${file}\n`);
  return 0;
}

export async function imagesLoadCommand(file: string): Promise<number> {
  await loadImages(await engine(), file);
  process.stdout.write(`loaded netlab images from ${file}\n`);
  return 0;
}
