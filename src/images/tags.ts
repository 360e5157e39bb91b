// Content tags: an image's tag is a hash of what it is built from, so an edited
// folder yields a new tag (and a build) and an unchanged one reuses the cached image.
// Reads files only; never talks to Docker.
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { dockerDir } from '../core/paths.js';
import { NetlabError } from '../core/errors.js';
import { IMAGE_NAMES, RECIPES, repositoryOf, type ImageName } from './catalogue.js';

export interface SourceFile {
  /** Path inside the image's folder, with `/` separators. */
  path: string;
  absolute: string;
}

/** Files in an image's folder that are not part of the image: Go tests run on the host (scripts/go-test.sh). */
const NOT_IN_IMAGE = /_test\.go$/;

/** Every file under `dir` (recursively) that goes into the image, sorted by path. */
export async function folderFiles(dir: string): Promise<SourceFile[]> {
  const files: SourceFile[] = [];
  const walk = async (absolute: string, prefix: string): Promise<void> => {
    for (const entry of await readdir(absolute, { withFileTypes: true })) {
      const path = prefix + entry.name;
      if (entry.isDirectory()) await walk(join(absolute, entry.name), `${path}/`);
      else if (entry.isFile() && !NOT_IN_IMAGE.test(entry.name)) files.push({ path, absolute: join(absolute, entry.name) });
    }
  };
  try {
    await walk(dir, '');
  } catch (err) {
    throw new NetlabError(`Cannot read the image sources in ${dir}: ${(err as Error).message}`, {
      hint: "netlab's docker/ folder is part of the package: reinstall netlab, or run it from a full clone.",
      cause: err,
    });
  }
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

async function folderDigest(dir: string, name: ImageName): Promise<ReturnType<typeof createHash>> {
  const hash = createHash('sha256');
  const compile = RECIPES[name].compile;
  if (compile) hash.update(`compile ${compile.tool} ${JSON.stringify(compile.flags)}\n`);
  for (const file of await folderFiles(dir)) {
    const content = await readFile(file.absolute);
    hash.update(`file ${file.path} ${content.length}\n`);
    hash.update(content);
    hash.update('\n');
  }
  return hash;
}

/** Each image's content tag (12 hex digits). `root` is the docker/ folder (tests pass a copy). */
export async function imageTags(root: string = dockerDir): Promise<Record<ImageName, string>> {
  const digests = await Promise.all(IMAGE_NAMES.map((name) => folderDigest(join(root, name), name)));
  const tags = {} as Record<ImageName, string>;
  // IMAGE_NAMES is in dependency order, so every dependency's tag is known when it is needed.
  IMAGE_NAMES.forEach((name, i) => {
    const hash = digests[i]!;
    for (const dep of RECIPES[name].deps) hash.update(`from ${dep} ${tags[dep]}\n`);
    tags[name] = hash.digest('hex').slice(0, 12);
  });
  return tags;
}

/** Each image's reference, `netlab/<name>:<content tag>`. */
export async function imageRefs(root: string = dockerDir): Promise<Record<ImageName, string>> {
  const tags = await imageTags(root);
  return Object.fromEntries(IMAGE_NAMES.map((name) => [name, `${repositoryOf(name)}:${tags[name]}`])) as Record<ImageName, string>;
}
