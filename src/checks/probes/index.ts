// The probe kinds: one driver per kind, and what run.ts and the diagnosis ask of a probe
// (its steps, its verdict). A kind is added by adding its driver here and its fields to the
// lab-file language (labfile/model.ts PROBE_KIND_NAMES, labfile/probe-fields.ts); the compiler
// and a unit test hold the lists equal.
import type { AgentStep, StepResult } from '../../core/toolbox-request.js';
import type { ProbeKind } from '../../labfile/model.js';
import { conntrack } from './conntrack.js';
import { dns } from './dns.js';
import type { ProbeDriver, ResolvedProbe, Verdict } from './driver.js';
import { gateway } from './gateway.js';
import { http } from './http.js';
import { netns } from './netns.js';
import { ping } from './ping.js';
import { tcp } from './tcp.js';
import { traceroute } from './traceroute.js';
import { udp } from './udp.js';

export type { ProbeDriver, ProbeSite, ResolvedProbe, Verdict } from './driver.js';
export { CONNECT_TIMEOUT_S, MAX_TIME_S } from './steps.js';

const DRIVERS: Readonly<Record<ProbeKind, ProbeDriver>> = { http, tcp, udp, ping, traceroute, netns, gateway, dns, conntrack };

/** Every probe kind with a driver, in the lab-file language's order. */
export const PROBE_KINDS = Object.keys(DRIVERS) as readonly ProbeKind[];

export function probeDriver(kind: ProbeKind): ProbeDriver {
  const driver = DRIVERS[kind];
  if (!driver) throw new Error(`no probe driver for "${kind}"`);
  return driver;
}

/** The programs the toolbox's agent runs for a probe (a step's `after` counts within the probe's own steps). */
export function probeSteps(p: ResolvedProbe): AgentStep[] {
  return probeDriver(p.kind).steps(p);
}

/**
 * The verdict on a probe's results (one per step, in order). A step the agent never ran (its
 * namespace was not the container's, or gone) fails the probe whatever it expects: a drop
 * that was never tried is not a drop.
 */
export function judge(p: ResolvedProbe, results: StepResult[]): Verdict {
  const never = results.find((r) => r.exitCode === -1);
  if (never) return { ok: false, detail: `the probe did not run: ${never.error || 'no reason given'}` };
  const driver = probeDriver(p.kind);
  return withinMaxMs(p, driver, results, driver.judge(p, results));
}

/** A reached target that answered too slowly fails, saying how long it took. */
export function withinMaxMs(p: ResolvedProbe, driver: ProbeDriver, results: StepResult[], verdict: Verdict): Verdict {
  if (p.maxMs === undefined || !verdict.ok || p.expect === 'unreachable') return verdict;
  const ms = driver.measuredMs?.(results) ?? Math.max(0, ...results.map((r) => r.ms));
  const shown = Math.round(ms * 10) / 10;
  return ms > p.maxMs
    ? { ok: false, detail: `took ${shown} ms, more than maxMs ${p.maxMs}: ${verdict.detail}` }
    : { ok: true, detail: `${verdict.detail} (${shown} ms, within ${p.maxMs})` };
}
