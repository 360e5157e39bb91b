// A pull's progress as the engine streams it: layers counted as they arrive and land, the
// engine's error (mid-stream) becoming the pull's failure.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { followPull, type PullMessage, PullProgress, pullReason } from '../../../src/images/pull.js';

const REF = '127.0.0.1:5000/course/web:1';

/** The messages of a pull of three layers, one already on the engine (as Docker 20.10 sends them). */
const PULL: PullMessage[] = [
  { status: 'Pulling from course/web', id: '1' },
  { status: 'Already exists', id: 'aaa' },
  { status: 'Pulling fs layer', id: 'bbb' },
  { status: 'Pulling fs layer', id: 'ccc' },
  { status: 'Waiting', id: 'ccc' },
  { status: 'Downloading', id: 'bbb', progressDetail: { current: 100, total: 400 } },
  { status: 'Download complete', id: 'bbb' },
  { status: 'Extracting', id: 'bbb', progressDetail: { current: 400, total: 400 } },
  { status: 'Pull complete', id: 'bbb' },
  { status: 'Downloading', id: 'ccc', progressDetail: { current: 1, total: 2 } },
  { status: 'Pull complete', id: 'ccc' },
  { status: 'Digest: sha256:abc' },
  { status: `Status: Downloaded newer image for ${REF}` },
];

describe('PullProgress', () => {
  it('counts layers: "3/5 layers" as the task progress says it, changing only when a count does', () => {
    const p = new PullProgress();
    const texts: string[] = [];
    for (const m of PULL) if (p.take(m)) texts.push(p.text(REF));
    expect(texts).toEqual([
      `pulling ${REF}: 1/1 layers`,
      `pulling ${REF}: 1/2 layers`,
      `pulling ${REF}: 1/3 layers`,
      `pulling ${REF}: 2/3 layers`,
      `pulling ${REF}: 3/3 layers`,
    ]);
    expect([p.total, p.done, p.fetched]).toEqual([3, 3, 2]);
    expect(p.summary()).toBe('pulled 2 layers (1 already on the engine)');
  });

  it('an image already up to date (Always on a present image)', () => {
    const p = new PullProgress();
    p.take({ status: 'Pulling from course/web', id: '1' });
    p.take({ status: 'Digest: sha256:abc' });
    p.take({ status: `Status: Image is up to date for ${REF}` });
    expect(p.summary()).toBe('up to date');
    expect(p.total).toBe(0);
  });

  it('a new tag whose layers the engine holds already', () => {
    const p = new PullProgress();
    p.take({ status: 'Already exists', id: 'aaa' });
    p.take({ status: 'Already exists', id: 'bbb' });
    p.take({ status: `Status: Downloaded newer image for ${REF}` });
    expect(p.summary()).toBe('pulled (its 2 layers were on the engine already)');
  });
});

describe('followPull', () => {
  it('hands over each message, across chunk boundaries', async () => {
    const stream = new PassThrough();
    const got: PullMessage[] = [];
    const done = followPull(stream, (m) => got.push(m));
    const text = PULL.map((m) => JSON.stringify(m)).join('\r\n');
    stream.write(text.slice(0, 37));
    stream.end(text.slice(37));
    await done;
    expect(got).toEqual(PULL);
  });

  it("rejects with the engine's reason when the stream carries an error", async () => {
    const stream = new PassThrough();
    const done = followPull(stream, () => {});
    stream.write(`${JSON.stringify(PULL[0])}\n`);
    stream.end(`${JSON.stringify({ errorDetail: { message: 'unexpected EOF' }, error: 'unexpected EOF' })}\n`);
    await expect(done).rejects.toThrow('unexpected EOF');
  });
});

describe('pullReason', () => {
  it("drops the client's HTTP prefix: the engine's reason says it all", () => {
    const err = Object.assign(new Error('(HTTP code 404) unexpected - manifest for r/web:nope not found: manifest unknown: manifest unknown '), {
      statusCode: 404,
    });
    expect(pullReason(err)).toBe('manifest for r/web:nope not found: manifest unknown: manifest unknown');
    expect(pullReason(new Error('unexpected EOF'))).toBe('unexpected EOF');
  });
});
