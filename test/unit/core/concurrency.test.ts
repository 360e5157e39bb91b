import { describe, expect, it } from 'vitest';
import { batcher, limiter } from '../../../src/core/concurrency.js';

describe('batcher', () => {
  it('one batch for the calls of one turn, each answered with its own result', async () => {
    const batches: number[][] = [];
    const submit = batcher(async (xs: number[]) => {
      batches.push(xs);
      return xs.map((x) => x * 10);
    });
    expect(await Promise.all([submit(1), submit(2), submit(3)])).toEqual([10, 20, 30]);
    expect(batches).toEqual([[1, 2, 3]]);
  });

  it('a call made while a batch runs is a batch of its own, at once (it does not wait for the first)', async () => {
    const started: number[][] = [];
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const submit = batcher(async (xs: number[]) => {
      started.push(xs);
      if (xs.includes(1)) await held;
      return xs;
    });
    const first = submit(1);
    await new Promise((r) => setImmediate(r));
    const second = await submit(2);
    expect(second).toBe(2);
    expect(started).toEqual([[1], [2]]);
    release();
    expect(await first).toBe(1);
  });

  it('a failed batch fails each of its calls, not the next batch', async () => {
    const submit = batcher(async (xs: number[]) => {
      if (xs.includes(0)) throw new Error('boom');
      return xs;
    });
    const a = submit(0);
    const b = submit(5);
    await expect(a).rejects.toThrow('boom');
    await expect(b).rejects.toThrow('boom');
    await expect(submit(7)).resolves.toBe(7);
  });
});

describe('limiter', () => {
  it('runs at most `slots` at once, in the order asked', async () => {
    const limit = limiter(2);
    let running = 0;
    let most = 0;
    const order: number[] = [];
    await Promise.all(
      [1, 2, 3, 4, 5].map((i) =>
        limit(async () => {
          running++;
          most = Math.max(most, running);
          order.push(i);
          await new Promise((r) => setTimeout(r, 5));
          running--;
        }),
      ),
    );
    expect(most).toBe(2);
    expect(order).toEqual([1, 2, 3, 4, 5]);
  });
});
