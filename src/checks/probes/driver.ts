// What a probe kind is at run time: one driver per kind (./<kind>.ts), listed in ./index.ts.
// What a kind takes in a lab file is data of the lab-file language (labfile/probe-fields.ts).
import type { AgentStep, StepResult } from '../../core/toolbox-request.js';
import type { CheckSpec, Expectation, ProbeKind } from '../../labfile/model.js';
import type { Proto } from '../diagnose/path.js';

/**
 * A probe with every name already resolved to addresses, host PIDs and, where known, the IDs
 * of the containers those PIDs are (the agent then enters a namespace only if they match).
 */
export interface ResolvedProbe {
  kind: ProbeKind;
  expect: Expectation;
  /** PID whose network namespace the probe runs in, and its container. */
  sourcePid: number;
  sourceContainer?: string;
  targetIp?: string;
  port?: number;
  /** netns: the target container's PID and ID. */
  targetPid?: number;
  targetContainer?: string;
  /** gateway, conntrack: the source node's PID and ID; traceroute: the IPs that count as `via`. */
  nodePid?: number;
  nodeContainer?: string;
  viaIps?: string[];
  viaName?: string;
  contains?: string;
  /** http: the Host header and the path. */
  host?: string;
  path?: string;
  /** By name: the host the probe asks the pod's resolver for (its resolv.conf, search list, ndots). */
  targetName?: string;
  /** http/udp: requests to send, and how many different pods must answer. */
  count?: number;
  distinct?: number;
  /** udp: the source port of every datagram. */
  sourcePort?: number;
  /** dns: record type; conntrack: the source pod's IP and the endpoints that count as translations. */
  record?: 'A' | 'SRV' | 'PTR';
  /** dns: the exact set of records the answer must hold (as dig prints their data). */
  answers?: string[];
  sourceIp?: string;
  endpointIps?: string[];
  /** http/tcp/ping: the time measured must be at most this (ms). */
  maxMs?: number;
}

export interface Verdict {
  ok: boolean;
  detail: string;
}

/** What a driver may read when it fills in its own fields of a probe. */
export interface ProbeSite {
  check: CheckSpec;
  /** The source's address. */
  sourceIp?: string;
  /** The source's node (by name). */
  node?: string;
  /** PID of the namespace it `enters` besides the source's (0 when it enters none), and its container's ID. */
  enteredPid: number;
  enteredContainer?: string;
  /** The addresses that count as passing `via` (the router, a node's underlay and cbr0, an IP). */
  viaIps(via: string): string[];
}

export interface ProbeDriver {
  kind: ProbeKind;
  /**
   * A namespace it enters besides the source's: the target's (netns) or the source's node's
   * (gateway, conntrack). Its PID is read with the others; the check fails when it is not running.
   */
  enters?: 'target' | 'node';
  /** Its own fields of the probe, from the check (dns: the name, conntrack: the node's PID...). */
  prepare?(site: ProbeSite): Partial<ResolvedProbe>;
  /**
   * The programs the toolbox's agent runs for it, each by argv in the namespace it names (no
   * shell). They run at once, with the batch's other probes; a step's `after` is the index of
   * an earlier step of the same probe it must follow (run.ts renumbers it in the batch).
   */
  steps(p: ResolvedProbe): AgentStep[];
  /** The verdict on what its steps gave back: one result per step, in the steps' order. */
  judge(p: ResolvedProbe, results: StepResult[]): Verdict;
  /** The time a check's maxMs holds it to (ms); default: the longest step, as the agent timed it. */
  measuredMs?(results: StepResult[]): number | undefined;
  /**
   * How a failure is diagnosed: the protocol its packets use on the path, and `lookup` when
   * it asks the cluster DNS for `to` (the path is then to kube-dns). None: not a connectivity
   * probe, nothing to diagnose.
   */
  diagnosis?: { proto: Proto; lookup?: boolean };
}
