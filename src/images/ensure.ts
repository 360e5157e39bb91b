// `ensureImages`: build the netlab images the engine lacks, in dependency order,
// independent ones at the same time, each as a task with its build output as progress.
// When everything is there it costs one image-list call. An engine that is not this machine's
// own gets what it lacks built here and shipped (ship.ts).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localBuildEngine } from '../engine/connect.js';
import type { Engine } from '../engine/engine.js';
import { task, type EventSink } from '../core/events.js';
import { NetlabError } from '../core/errors.js';
import { dockerDir } from '../core/paths.js';
import { IMAGE_NAMES, LABEL_IMAGE, RECIPES, isImageName, latestRefOf, repositoryOf, type ImageName } from './catalogue.js';
import { buildContext, dockerBuild, importRootfs, type ContextFile } from './engine-build.js';
import { buildBaseRootfs, compileApp, compilePause, type LineSink } from './host-build.js';
import { netlabImagesByTag } from './inventory.js';
import { canShip, shipImages } from './ship.js';
import { folderFiles, imageRefs } from './tags.js';

export interface EnsureOptions {
  /** Images wanted (default: all); the images they are built from are built too when missing. */
  only?: ImageName[];
  /** Build the wanted images again even when present. */
  rebuild?: boolean;
  /**
   * Where images the engine lacks are built when it is not that engine itself: this machine's own
   * engine (the default), then shipped; null builds on the engine itself. When it gives none (no
   * local engine answers), or one of another architecture, they are built on the engine itself.
   */
  shipFrom?: (() => Promise<Engine | undefined>) | null;
}

/**
 * The images to build, in dependency order: each wanted image that is missing (or
 * every wanted one, with `rebuild`), plus whatever missing image those are built from.
 */
export function planBuilds(wanted: readonly ImageName[], present: ReadonlySet<ImageName>, rebuild = false): ImageName[] {
  const build = new Set<ImageName>();
  const need = (name: ImageName, forced: boolean) => {
    if (build.has(name) || (present.has(name) && !forced)) return;
    build.add(name);
    for (const dep of RECIPES[name].deps) need(dep, false);
  };
  for (const name of wanted) need(name, rebuild);
  return IMAGE_NAMES.filter((name) => build.has(name));
}

/** The dependency images in a build's plan; the build waits for them. */
function depsInPlan(name: ImageName, plan: readonly ImageName[]): ImageName[] {
  return RECIPES[name].deps.filter((dep) => plan.includes(dep));
}

/** Waits until the images `name` is built from are built; their failure becomes one that names them. */
async function waitForBases(job: BuildJob, name: ImageName, waitFor: readonly ImageName[]): Promise<void> {
  await Promise.all(
    waitFor.map((dep) =>
      job.built(dep).catch((err: unknown) => {
        throw new NetlabError(`${job.refs[name]} was not built: ${job.refs[dep]}, which it is built from, failed.`, {
          hint: (err as NetlabError).hint,
          cause: err,
        });
      }),
    ),
  );
}

interface BuildJob {
  engine: Engine;
  refs: Record<ImageName, string>;
  rebuild: boolean;
  /** Settles when the named image of the plan is built. */
  built: (name: ImageName) => Promise<void>;
  /** Images of the plan built so far. */
  finished: Set<ImageName>;
  engineArch: () => Promise<string>;
}

async function buildOne(job: BuildJob, name: ImageName, waitFor: ImageName[], onLine: LineSink): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), `netlab-image-${name}-`));
  try {
    if (RECIPES[name].kind === 'script') await buildFromScript(job, name, work, onLine);
    else await buildFromDockerfile(job, name, waitFor, work, onLine);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** docker/<name>/build.sh writes a root file system, which is imported as the image. */
async function buildFromScript(job: BuildJob, name: ImageName, work: string, onLine: LineSink): Promise<void> {
  const ref = job.refs[name];
  const rootfs = join(work, 'rootfs.tar');
  const changes = await buildBaseRootfs(join(dockerDir, name), rootfs, onLine);
  onLine(`importing the root file system as ${ref}`);
  await importRootfs(job.engine, rootfs, ref, changes, onLine);
  await job.engine.tagImage(ref, latestRefOf(name));
}

/** docker build of docker/<name>/, with the binary compiled on the host (if any) added to the context. */
async function buildFromDockerfile(job: BuildJob, name: ImageName, waitFor: ImageName[], work: string, onLine: LineSink): Promise<void> {
  const recipe = RECIPES[name];
  const ref = job.refs[name];
  const sourceDir = join(dockerDir, name);
  const files: ContextFile[] = (await folderFiles(sourceDir)).map((f) => ({ name: f.path, source: f.absolute }));
  if (recipe.compile) {
    const output = join(work, recipe.compile.output);
    const compile = recipe.compile.tool === 'gcc' ? compilePause : compileApp;
    onLine(`compiling ${recipe.compile.output} with ${recipe.compile.tool}`);
    await compile(sourceDir, recipe.compile, output, await job.engineArch(), onLine);
    files.push({ name: recipe.compile.output, source: output, mode: 0o755 });
  }
  const pending = waitFor.filter((dep) => !job.finished.has(dep));
  if (pending.length) onLine(`waiting for ${pending.map((dep) => job.refs[dep]).join(', ')}`);
  await waitForBases(job, name, waitFor);

  const buildArgs = Object.fromEntries(Object.entries(recipe.buildArgs ?? {}).map(([arg, dep]) => [arg, job.refs[dep]]));
  await dockerBuild(
    job.engine,
    await buildContext(files),
    { tags: [ref, latestRefOf(name)], buildArgs, labels: { [LABEL_IMAGE]: name }, noCache: job.rebuild, network: recipe.network ?? false },
    `Building ${ref}`,
    onLine,
  );
}

/**
 * After a rebuild, removes the image a ref pointed at before, so rebuilds leave no
 * untagged copies behind. Without force: an image a container still uses is kept.
 */
async function dropReplaced(engine: Engine, ref: string, old: string): Promise<void> {
  const now = await engine.inspectImage(ref).catch(() => undefined);
  if (!now || now.Id === old) return;
  await engine.removeImage(old);
}

/**
 * Makes sure the engine has every wanted netlab image at its current content tag,
 * building what is missing; returns the refs (`netlab/<name>:<tag>`) of all images.
 */
export async function ensureImages(engine: Engine, emit: EventSink, options: EnsureOptions = {}): Promise<Record<ImageName, string>> {
  const wanted = options.only ?? [...IMAGE_NAMES];
  const unknown = wanted.filter((name) => !isImageName(name));
  if (unknown.length) {
    throw new NetlabError(`No netlab image is called ${unknown.map((n) => `"${n}"`).join(', ')}.`, {
      hint: `The images are: ${IMAGE_NAMES.join(', ')}.`,
      exitCode: 2,
    });
  }
  const [refs, byTag] = await Promise.all([imageRefs(), netlabImagesByTag(engine)]);
  const present = new Set(IMAGE_NAMES.filter((name) => byTag.has(refs[name])));
  const missing = wanted.filter((name) => !present.has(name));
  if (missing.length && !options.rebuild && options.shipFrom !== null) {
    const source = await (options.shipFrom ?? localBuildEngine)();
    if (source && (await canShip(source, engine))) {
      await ensureImages(source, emit, { only: missing, shipFrom: null });
      await shipImages(source, engine, missing, refs, emit);
      for (const name of missing) present.add(name);
    } else if (!source && !engine.endpoint.local) {
      emit({ type: 'message', level: 'info', text: `no engine of this machine answers to build on: building the images on ${engine.endpoint.source}` });
    }
  }
  const plan = planBuilds(wanted, present, options.rebuild ?? false);

  // Present images whose :latest points elsewhere (after a `load`, or a build by an
  // older checkout): move :latest, which costs a call only then.
  await Promise.all(
    wanted
      .filter((name) => !plan.includes(name) && !byTag.get(refs[name])?.repoTags.includes(latestRefOf(name)))
      .map((name) => engine.tagImage(refs[name], latestRefOf(name))),
  );
  if (plan.length === 0) return refs;

  let arch: Promise<string> | undefined;
  const done = new Map<ImageName, Promise<void>>();
  const job: BuildJob = {
    engine,
    refs,
    rebuild: options.rebuild ?? false,
    built: (name) => done.get(name) ?? Promise.resolve(),
    finished: new Set(),
    engineArch: () => (arch ??= engine.version().then((v) => v.Arch)),
  };
  for (const name of plan) {
    const waitFor = depsInPlan(name, plan);
    const id = `image:${name}`;
    done.set(
      name,
      (async () => {
        // A build with work of its own on this machine (compiling) starts at once and
        // waits for its base image later; the others start when their bases are built.
        if (!RECIPES[name].compile) await waitForBases(job, name, waitFor);
        await task(
          emit,
          id,
          `image ${repositoryOf(name)}`,
          () => buildOne(job, name, waitFor, (text) => emit({ type: 'task-progress', id, text })),
          () => refs[name],
          'images',
        );
        job.finished.add(name);
      })(),
    );
  }
  const results = await Promise.allSettled(plan.map((name) => done.get(name)!));
  // Rebuilt images replaced older ones: drop those, dependents first (a base image
  // cannot go while an image built from it is still there).
  for (let i = plan.length - 1; i >= 0; i--) {
    const name = plan[i]!;
    const old = byTag.get(refs[name])?.id;
    if (old && results[i]?.status === 'fulfilled') await dropReplaced(engine, refs[name], old);
  }
  // The first failure in dependency order is the cause; later ones only waited for it.
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    throw failed.reason instanceof NetlabError
      ? failed.reason
      : new NetlabError(`Building the netlab images failed: ${(failed.reason as Error)?.message ?? failed.reason}`, {
          cause: failed.reason,
        });
  }
  return refs;
}
