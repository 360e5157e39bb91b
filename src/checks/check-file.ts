// An instructor's check file, named in a report by its path and the sha256 of what it held, so a
// grade says exactly which checks it applied.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';

export interface CheckFileId {
  path: string;
  sha256: string;
}

export async function checkFileId(file: string): Promise<CheckFileId> {
  const path = resolve(file);
  return {
    path,
    sha256: createHash('sha256')
      .update(await readFile(path))
      .digest('hex'),
  };
}
