// The files a lab load read, as it read them: what a cached load must find unchanged.
import { AsyncLocalStorage } from 'node:async_hooks';

export interface FileRead {
  /** The path as the lab named it (absolute). */
  path: string;
  /** Where it led (links followed): a cached load is used only if it still leads there. */
  real: string;
  text: string;
}

const recording = new AsyncLocalStorage<FileRead[]>();

/** Called by every reader of a lab's files: recorded when a load is recording. */
export function recordRead(read: FileRead): void {
  recording.getStore()?.push(read);
}

/** Runs `fn`, returning what it gave and every file it read. */
export async function recordingReads<T>(fn: () => Promise<T>): Promise<{ value: T; reads: FileRead[] }> {
  const reads: FileRead[] = [];
  const value = await recording.run(reads, fn);
  return { value, reads };
}
