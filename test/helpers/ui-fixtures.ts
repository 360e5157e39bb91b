import { Writable } from 'node:stream';
import type { CheckResult, LabEvent } from '../../src/core/events.js';
import { stripAnsi } from '../../src/ui/ansi.js';

export const passCheck: CheckResult = {
  name: 'pod to pod',
  from: 'client',
  to: 'server:8080',
  expect: 'reachable',
  ok: true,
  ms: 12,
  detail: 'HTTP 200 "Hello from server-0"',
};

export const failCheck: CheckResult = {
  name: 'isolated',
  from: 'client',
  to: 'db:5432',
  expect: 'unreachable',
  ok: false,
  ms: 1003,
  detail: 'connected, expected no answer',
};

/** A short `netlab up` then `check` run. */
export const upEvents: LabEvent[] = [
  { type: 'task-start', id: 'network', title: 'network' },
  { type: 'task-done', id: 'network', ms: 35, detail: 'created' },
  { type: 'task-start', id: 'node1', title: 'node node1', group: 'nodes' },
  { type: 'task-start', id: 'node2', title: 'node node2', group: 'nodes' },
  { type: 'task-done', id: 'node1', ms: 412, detail: 'created' },
  { type: 'task-done', id: 'node2', ms: 530, detail: 'unchanged' },
  { type: 'task-start', id: 'pod web', title: 'pod web', group: 'pods' },
  { type: 'task-fail', id: 'pod web', ms: 90, error: 'veth create failed', hint: 'is the node running?' },
  { type: 'check', result: passCheck },
  { type: 'check', result: failCheck },
];

/** A writable that records what is written; optionally pretends to be a TTY. */
export class FakeStream extends Writable {
  chunks: string[] = [];
  isTTY: boolean;
  columns = 100;
  rows = 40;
  constructor(tty = false) {
    super();
    this.isTTY = tty;
  }
  override _write(chunk: Buffer | string, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.chunks.push(chunk.toString());
    cb();
  }
  get text(): string {
    return this.chunks.join('');
  }
  get lines(): string[] {
    return this.text.split('\n').filter((l) => l !== '');
  }
}

/** Polls an Ink test frame (colours stripped) until `pred` holds; fails with the last frame after `ms`. */
export async function untilFrame(frame: () => string | undefined, pred: (f: string) => boolean, ms = 3000): Promise<string> {
  const deadline = Date.now() + ms;
  for (;;) {
    const f = stripAnsi(frame() ?? '');
    if (pred(f)) return f;
    if (Date.now() > deadline) throw new Error(`frame never matched:\n${f}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
