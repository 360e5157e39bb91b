// Running independent work side by side, within limits; used wherever Docker work fans out.

/** Docker work in flight at once: measured on 2 cores, 8 parallel creates beat sequential by ~4x. */
export const ENGINE_PARALLEL = 8;

export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs `fn` over `items` with at most `limit` running at once; results keep the input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failed: unknown;
  const worker = async () => {
    while (failed === undefined && next < items.length) {
      const i = next++;
      try {
        results[i] = await fn(items[i] as T, i);
      } catch (err) {
        failed ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failed !== undefined) throw failed;
  return results;
}

/** A limit on concurrent work shared by independent pipelines: `limit(fn)` runs fn when a slot frees. */
export function limiter(slots: number): <T>(fn: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    if (active >= slots) await new Promise<void>((resolve) => waiting.push(resolve));
    active++;
    try {
      return await fn();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

/** Awaits every promise (so nothing is left running), then throws the first failure, if any. */
export async function settleAll<T>(promises: Promise<T>[]): Promise<T[]> {
  const results = await Promise.allSettled(promises);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<T>).value);
}

/**
 * Groups calls made in the same turn of the event loop into one batch: `submit(x)` resolves
 * with x's result. One `docker exec` for many pods costs little more than for one, and pods
 * that become ready together (their node just started) ask together. A batch never waits for
 * another: a pod ready a moment later is not held back by the exec before it.
 */
export function batcher<In, Out>(run: (items: In[]) => Promise<Out[]>): (item: In) => Promise<Out> {
  let queue: { item: In; resolve: (o: Out) => void; reject: (e: unknown) => void }[] = [];
  const flush = async () => {
    const batch = queue;
    queue = [];
    try {
      const out = await run(batch.map((b) => b.item));
      for (const [i, b] of batch.entries()) b.resolve(out[i]!);
    } catch (err) {
      for (const b of batch) b.reject(err);
    }
  };
  return (item) =>
    new Promise<Out>((resolve, reject) => {
      if (queue.length === 0) setImmediate(() => void flush());
      queue.push({ item, resolve, reject });
    });
}
