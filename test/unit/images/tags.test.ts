import { appendFile, cp, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IMAGE_NAMES, RECIPES, type ImageName } from '../../../src/images/catalogue.js';
import { folderFiles, imageRefs, imageTags } from '../../../src/images/tags.js';
import { dockerDir } from '../../../src/core/paths.js';

/** Which images' tags differ between two tag sets. */
function changed(before: Record<ImageName, string>, after: Record<ImageName, string>): ImageName[] {
  return IMAGE_NAMES.filter((name) => before[name] !== after[name]);
}

describe('image tags', () => {
  let root: string;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'netlab-tags-'));
    await cp(dockerDir, root, { recursive: true });
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('gives every image a 12-hex tag and a netlab/<name>:<tag> ref', async () => {
    const tags = await imageTags(root);
    const refs = await imageRefs(root);
    for (const name of IMAGE_NAMES) {
      expect(tags[name]).toMatch(/^[0-9a-f]{12}$/);
      expect(refs[name]).toBe(`netlab/${name}:${tags[name]}`);
    }
    // Six different folders, six different tags.
    expect(new Set(Object.values(tags)).size).toBe(IMAGE_NAMES.length);
  });

  it('is the same for the same files, wherever the folder is', async () => {
    expect(await imageTags(root)).toEqual(await imageTags(dockerDir));
    expect(await imageTags(root)).toEqual(await imageTags(root));
  });

  it('changes only the edited image when a folder without dependents changes', async () => {
    const before = await imageTags(root);
    await appendFile(join(root, 'node', 'Dockerfile'), '# edited\n');
    expect(changed(before, await imageTags(root))).toEqual(['node']);
    await appendFile(join(root, 'app', 'main.go'), '// edited\n');
    expect(changed(before, await imageTags(root))).toEqual(['app', 'node']);
  });

  it("changes every image built from base when base's folder changes", async () => {
    const before = await imageTags(root);
    await appendFile(join(root, 'base', 'build.sh'), '# edited\n');
    expect(changed(before, await imageTags(root))).toEqual(['base', 'app', 'node', 'router', 'probe', 'coredns', 'ingress']);
  });

  it('changes the images that carry the pause binary when pause.c changes, and not app', async () => {
    const before = await imageTags(root);
    await appendFile(join(root, 'pause', 'pause.c'), '/* edited */\n');
    expect(changed(before, await imageTags(root))).toEqual(['pause', 'node', 'router', 'probe']);
  });

  it('counts file names and new files, not only contents', async () => {
    const before = await imageTags(root);
    await rename(join(root, 'node', 'cni-README'), join(root, 'node', 'cni-README.txt'));
    const renamed = await imageTags(root);
    expect(changed(before, renamed)).toEqual(['node']);
    await writeFile(join(root, 'router', 'extra'), 'x');
    expect(changed(renamed, await imageTags(root))).toEqual(['router']);
  });

  it('depends on what recipes declare: every dependency comes earlier in IMAGE_NAMES', () => {
    IMAGE_NAMES.forEach((name, i) => {
      for (const dep of RECIPES[name].deps) expect(IMAGE_NAMES.indexOf(dep)).toBeLessThan(i);
    });
  });

  it('lists folder files recursively, sorted, with / paths', async () => {
    await writeFile(join(root, 'app', 'zz.txt'), 'z');
    await cp(join(root, 'app', 'go.mod'), join(root, 'app', 'sub', 'go.mod'), { recursive: true });
    const files = (await folderFiles(join(root, 'app'))).map((f) => f.path);
    expect(files).toEqual([...files].sort());
    expect(files).toContain('sub/go.mod');
    expect(files).toContain('main.go');
  });
});
