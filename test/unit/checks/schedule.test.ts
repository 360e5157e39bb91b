import { describe, expect, it } from 'vitest';
import type { CheckResult, LabEvent } from '../../../src/core/events.js';
import {
  BATCH_PROBES,
  inFileOrder,
  layers,
  schedule,
  withNeeds,
  type ProbeJob,
  type ProbeOutcome,
  type ProbeRunner,
  type ScheduledCheck,
} from '../../../src/checks/schedule.js';
import type { CheckSpec } from '../../../src/labfile/model.js';

const at = { file: 'lab.yaml', line: 1, column: 1 };

function spec(name: string, extra: Partial<CheckSpec> = {}): CheckSpec {
  return { name, from: 'client', to: 'server:8080', probe: 'http', expect: 'reachable', needs: [], wait: 0, points: 1, level: 'error', at, ...extra };
}

/** A check probing from `source` (checks of one source are batched together). */
function item(check: CheckSpec, source = 1, hidden = false): ScheduledCheck {
  return { check, hidden, probe: { kind: check.probe, expect: check.expect, sourcePid: source } };
}

/**
 * A fake toolbox: answers from `script[name]`, one outcome per try (the last repeats),
 * and records every batch it ran (the check names in it) with the fake clock.
 */
function fakeRunner(items: ScheduledCheck[], script: Record<string, boolean[]>, clock: { t: number }, probeMs = 100) {
  const batches: { t: number; names: string[] }[] = [];
  const tries = new Map<string, number>();
  const runner: ProbeRunner = {
    async runBatch(jobs: ProbeJob[]) {
      batches.push({ t: clock.t, names: jobs.map((j) => items[j.index]!.check.name) });
      const out = new Map<number, ProbeOutcome>();
      for (const j of jobs) {
        const name = items[j.index]!.check.name;
        const n = tries.get(name) ?? 0;
        tries.set(name, n + 1);
        const answers = script[name] ?? [true];
        const ok = answers[Math.min(n, answers.length - 1)]!;
        out.set(j.index, { ok, ms: probeMs, detail: ok ? `${name} ok` : `${name} broke (try ${n + 1})` });
      }
      clock.t += probeMs;
      return out;
    },
  };
  return { runner, batches };
}

async function run(items: ScheduledCheck[], script: Record<string, boolean[]> = {}) {
  const clock = { t: 0 };
  const { runner, batches } = fakeRunner(items, script, clock);
  const events: LabEvent[] = [];
  const results = await schedule(items, runner, (e) => events.push(e), {
    now: () => clock.t,
    sleep: async (ms) => {
      clock.t += ms;
    },
  });
  const emitted = events.flatMap((e) => (e.type === 'check' ? [e.result] : []));
  return { results, batches, emitted, clock };
}

const byName = (rs: CheckResult[]) => Object.fromEntries(rs.map((r) => [r.name, r]));

describe('layers', () => {
  it('puts needs first and keeps the lab order within a layer', () => {
    const checks = [spec('c', { needs: ['b'] }), spec('a'), spec('b', { needs: ['a'] }), spec('d'), spec('e', { needs: ['a', 'c'] })];
    expect(layers(checks)).toEqual([[1, 3], [2], [0], [4]]);
  });
  it('ignores needs outside the list', () => {
    expect(layers([spec('a', { needs: ['gone'] }), spec('b')])).toEqual([[0, 1]]);
  });
  it('rejects a cycle, naming it', () => {
    expect(() => layers([spec('a', { needs: ['b'] }), spec('b', { needs: ['a'] })])).toThrow(/circle: "a" → "b" → "a"|circle: "b" → "a" → "b"/);
    expect(() => layers([spec('a', { needs: ['a'] })])).toThrow(/needs itself/);
  });
  it('treats a check without the new fields (older loader) as needing nothing', () => {
    const bare = { name: 'x', from: 'client', probe: 'http', expect: 'reachable', at } as unknown as CheckSpec;
    expect(layers([bare, spec('y', { needs: ['x'] })])).toEqual([[0], [1]]);
  });
});

describe('withNeeds', () => {
  it('adds what the selected checks need, transitively, as hidden, in lab order', () => {
    const all = [spec('a'), spec('b', { needs: ['a'] }), spec('c', { needs: ['b'] }), spec('d')];
    expect(withNeeds(all, [all[2]!]).map((x) => [x.check.name, x.hidden])).toEqual([
      ['a', true],
      ['b', true],
      ['c', false],
    ]);
    expect(withNeeds(all, all).every((x) => !x.hidden)).toBe(true);
  });
});

describe('schedule', () => {
  it("runs needs first, one batch per layer whatever the sources, a source's probes together", async () => {
    const items = [item(spec('dns'), 1), item(spec('http', { needs: ['dns'] }), 1), item(spec('ping'), 2), item(spec('tcp', { needs: ['ping'] }), 1)];
    const { results, batches } = await run(items);
    expect(results.map((r) => r.ok)).toEqual([true, true, true, true]);
    // Layer 0: dns (source 1) and ping (source 2), one batch; layer 1: http and tcp.
    expect(batches.map((b) => b.names)).toEqual([
      ['dns', 'ping'],
      ['http', 'tcp'],
    ]);
  });

  it("splits a layer of many probes into even batches the agent runs at once, a source's probes together", async () => {
    const items = Array.from({ length: BATCH_PROBES * 2 + 1 }, (_, i) => item(spec(`c${i}`), i % 3));
    const { results, batches } = await run(items);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(batches).toHaveLength(3);
    expect(batches.map((b) => b.names.length)).toEqual([17, 17, 15]);
    // Source 0's checks first, in file order, then source 1's, then source 2's.
    const order = batches.flatMap((b) => b.names);
    expect(order.slice(0, 17)).toEqual(Array.from({ length: 17 }, (_, k) => `c${k * 3}`));
    expect(new Set(order)).toEqual(new Set(items.map((it) => it.check.name)));
  });

  it('blocks a check whose need failed, transitively, without running it', async () => {
    const items = [item(spec('route')), item(spec('ping', { needs: ['route'] })), item(spec('http', { needs: ['ping'] })), item(spec('other'))];
    const { results, batches } = await run(items, { route: [false] });
    const r = byName(results);
    expect(r.route).toMatchObject({ ok: false, attempts: 1 });
    expect(r.ping).toMatchObject({ ok: false, blockedBy: 'route', detail: 'blocked by "route"', attempts: 0 });
    // Blocked by its own need (which was blocked), not by the root.
    expect(r.http).toMatchObject({ ok: false, blockedBy: 'ping', detail: 'blocked by "ping"' });
    expect(r.other!.ok).toBe(true);
    expect(batches.flatMap((b) => b.names)).not.toContain('ping');
    expect(batches.flatMap((b) => b.names)).not.toContain('http');
  });

  it('retries only the failed checks with a wait, every 0.5 s, until they pass', async () => {
    const items = [item(spec('dns', { wait: 5 })), item(spec('ok'))];
    const { results, batches } = await run(items, { dns: [false, false, true] });
    const r = byName(results);
    expect(r.dns).toMatchObject({ ok: true, attempts: 3, detail: 'dns ok' });
    expect(r.ok).toMatchObject({ ok: true, attempts: 1, ms: 100 });
    expect(batches.map((b) => b.names)).toEqual([['dns', 'ok'], ['dns'], ['dns']]);
    // 100 ms probe + 500 ms pause between tries.
    expect(batches.map((b) => b.t)).toEqual([0, 600, 1200]);
    // Several tries: the time from the first try to the verdict.
    expect(r.dns!.ms).toBe(1300);
  });

  it('gives up when the wait ran out, with the last failure', async () => {
    const { results, batches } = await run([item(spec('dns', { wait: 2 }))], { dns: [false] });
    expect(results[0]).toMatchObject({ ok: false, detail: 'dns broke (try 4)', attempts: 4 });
    // Tries at 0, 0.6, 1.2, 1.8 s; a fifth would start at 2.4 s, past the 2 s wait.
    expect(batches.map((b) => b.t)).toEqual([0, 600, 1200, 1800]);
  });

  it('does not retry a check without wait', async () => {
    const { results, batches } = await run([item(spec('once'))], { once: [false, true] });
    expect(results[0]).toMatchObject({ ok: false, attempts: 1 });
    expect(batches).toHaveLength(1);
  });

  it('waits for a retried need before running what needs it', async () => {
    const items = [item(spec('endpoints', { wait: 3 })), item(spec('http', { needs: ['endpoints'] }))];
    const { results, batches } = await run(items, { endpoints: [false, true] });
    expect(results.map((r) => r.ok)).toEqual([true, true]);
    expect(batches.map((b) => b.names)).toEqual([['endpoints'], ['endpoints'], ['http']]);
  });

  it('emits each reported result once, when final, and never a hidden one', async () => {
    const items = [item(spec('base'), 1, true), item(spec('dns', { wait: 2, needs: ['base'] })), item(spec('x'))];
    const { results, emitted } = await run(items, { dns: [false, false, true] });
    expect(results.map((r) => r.name)).toEqual(['dns', 'x']);
    expect(emitted.map((r) => r.name).sort()).toEqual(['dns', 'x']);
    expect(emitted.find((r) => r.name === 'dns')).toMatchObject({ ok: true, attempts: 3 });
  });

  it('a hidden need that fails still blocks', async () => {
    const items = [item(spec('base'), 1, true), item(spec('top', { needs: ['base'] }))];
    const { results } = await run(items, { base: [false] });
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ name: 'top', ok: false, blockedBy: 'base' });
  });

  it('fills level, points, pass/fail messages and the hint on failure', async () => {
    const items = [
      item(spec('good', { points: 3, pass: 'DNS works', fail: 'DNS broken', hint: 'look at CoreDNS' })),
      item(spec('bad', { level: 'warning', points: 2, pass: 'fine', fail: 'not fine', hint: 'try harder' })),
      item(spec('after', { needs: ['bad'], fail: 'never', hint: 'no' })),
    ];
    const { results } = await run(items, { bad: [false] });
    const r = byName(results);
    expect(r.good).toMatchObject({ ok: true, level: 'error', points: 3, message: 'DNS works' });
    expect(r.good!.hint).toBeUndefined();
    expect(r.bad).toMatchObject({ ok: false, level: 'warning', points: 2, message: 'not fine', hint: 'try harder' });
    // Blocked: not run, so no fail message or hint that would claim it was.
    expect(r.after).toMatchObject({ ok: false, blockedBy: 'bad', level: 'error', points: 1 });
    expect(r.after!.message).toBeUndefined();
  });

  it('keeps a check decided before probing (source down) as a final failure', async () => {
    const items: ScheduledCheck[] = [
      { check: spec('down', { wait: 5 }), decided: { ok: false, detail: 'source client is not running (exited)' } },
      item(spec('next', { needs: ['down'] })),
    ];
    const { results, batches } = await run(items);
    expect(results[0]).toMatchObject({ ok: false, detail: 'source client is not running (exited)', attempts: 0 });
    expect(results[1]).toMatchObject({ blockedBy: 'down' });
    expect(batches).toHaveLength(0);
  });

  it('counts a probe that did not report as a failure', async () => {
    const items = [item(spec('lost'))];
    const runner: ProbeRunner = { runBatch: async () => new Map() };
    const results = await schedule(items, runner, () => {});
    expect(results[0]).toMatchObject({ ok: false, detail: 'probe did not report' });
  });

  it('retries with real timers too (0.5 s)', async () => {
    let n = 0;
    const runner: ProbeRunner = { runBatch: async (jobs) => new Map(jobs.map((j) => [j.index, { ok: ++n >= 2, ms: 1, detail: '' }])) };
    const started = Date.now();
    const results = await schedule([item(spec('w', { wait: 2 }))], runner, () => {});
    expect(results[0]).toMatchObject({ ok: true, attempts: 2 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(450);
  });
});

describe('inFileOrder', () => {
  const result = (name: string): LabEvent => ({ type: 'check', result: { name, from: 'a', to: 'b', expect: 'reachable', ok: true, ms: 1, detail: '' } });
  const names = (events: LabEvent[]) => events.map((e) => (e.type === 'check' ? e.result.name : e.type));

  it('passes results on in the file order, each as soon as those before it came', () => {
    const out: LabEvent[] = [];
    const o = inFileOrder(['one', 'two', 'three'], (e) => out.push(e));
    o.sink(result('three'));
    o.sink(result('two'));
    expect(names(out)).toEqual([]);
    o.sink({ type: 'message', level: 'info', text: 'x' });
    expect(names(out)).toEqual(['message']);
    o.sink(result('one'));
    expect(names(out)).toEqual(['message', 'one', 'two', 'three']);
  });

  it('flush passes on what is held, in order, when one never came', () => {
    const out: LabEvent[] = [];
    const o = inFileOrder(['one', 'two', 'three'], (e) => out.push(e));
    o.sink(result('three'));
    o.sink(result('two'));
    o.flush();
    expect(names(out)).toEqual(['two', 'three']);
  });

  it('keeps the file order when the scheduler finishes checks out of order', async () => {
    // `slow` is retried (wait) and passes last; the others finish first.
    const items = [item(spec('slow', { wait: 5 }), 1), item(spec('fast'), 2), item(spec('blocked', { needs: ['fast'] }), 3)];
    const clock = { t: 0 };
    const { runner } = fakeRunner(items, { slow: [false, false, true] }, clock);
    const out: LabEvent[] = [];
    const o = inFileOrder(
      items.map((i) => i.check.name),
      (e) => out.push(e),
    );
    const raw: string[] = [];
    await schedule(
      items,
      runner,
      (e) => {
        if (e.type === 'check') raw.push(e.result.name);
        o.sink(e);
      },
      { now: () => clock.t, sleep: async (ms) => void (clock.t += ms) },
    );
    o.flush();
    expect(raw).not.toEqual(['slow', 'fast', 'blocked']);
    expect(names(out)).toEqual(['slow', 'fast', 'blocked']);
  });
});
