// The probe kinds: one driver per kind, and what run.ts and the diagnosis ask of a probe
// (its command, the batch it runs in, its verdict). A kind is added by adding its driver here
// and its fields to the lab-file language (labfile/model.ts PROBE_KIND_NAMES,
// labfile/probe-fields.ts); the compiler and a unit test hold the lists equal.
import type { ProbeKind } from '../../labfile/model.js';
import { parallelScript, type JobResult, type ParallelJob } from '../../plan/scripts.js';
import { conntrack } from './conntrack.js';
import { dns } from './dns.js';
import type { ProbeDriver, ResolvedProbe, Verdict } from './driver.js';
import { gateway } from './gateway.js';
import { http } from './http.js';
import { netns } from './netns.js';
import { ping } from './ping.js';
import { IN_POD } from './shell.js';
import { tcp } from './tcp.js';
import { traceroute } from './traceroute.js';
import { udp } from './udp.js';

export type { ProbeDriver, ProbeOutput, ProbeSite, ResolvedProbe, Verdict } from './driver.js';
export { CONNECT_TIMEOUT_S, MAX_TIME_S } from './shell.js';
export { parseParallelOutput as parseBatchOutput, type JobResult as RawResult } from '../../plan/scripts.js';

const DRIVERS: Readonly<Record<ProbeKind, ProbeDriver>> = { http, tcp, udp, ping, traceroute, netns, gateway, dns, conntrack };

/** Every probe kind with a driver, in the lab-file language's order. */
export const PROBE_KINDS = Object.keys(DRIVERS) as readonly ProbeKind[];

export function probeDriver(kind: ProbeKind): ProbeDriver {
  const driver = DRIVERS[kind];
  if (!driver) throw new Error(`no probe driver for "${kind}"`);
  return driver;
}

export function probeCommand(p: ResolvedProbe): string {
  return probeDriver(p.kind).command(p);
}

export function judge(p: ResolvedProbe, raw: Pick<JobResult, 'exitCode' | 'output'>): Verdict {
  return probeDriver(p.kind).judge(p, { exitCode: raw.exitCode, output: raw.output.trim() });
}

/** Shell helpers the batched script defines once: every driver's (the pod's resolver first, the diagnosis uses it too). */
export const PROBE_HELPERS = [...new Set([IN_POD, ...PROBE_KINDS.flatMap((k) => DRIVERS[k].helpers)])].join('\n');

/** One script for one source: every probe in parallel (expected drops cost one timeout, not one each). */
export function batchScript(probes: ParallelJob[]): string {
  return parallelScript(probes, PROBE_HELPERS);
}
