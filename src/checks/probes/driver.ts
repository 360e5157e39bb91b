// What a probe kind is at run time: one driver per kind (./<kind>.ts), listed in ./index.ts.
// What a kind takes in a lab file is data of the lab-file language (labfile/probe-fields.ts).
import type { CheckSpec, Expectation, ProbeKind } from '../../labfile/model.js';
import type { Proto } from '../diagnose/path.js';

/** A probe with every name already resolved to addresses and host PIDs. */
export interface ResolvedProbe {
  kind: ProbeKind;
  expect: Expectation;
  /** PID whose network namespace the probe runs in. */
  sourcePid: number;
  targetIp?: string;
  port?: number;
  /** netns: the target container's PID. */
  targetPid?: number;
  /** gateway: the node's PID and bridge address; traceroute: the IPs that count as `via`. */
  nodePid?: number;
  viaIps?: string[];
  viaName?: string;
  contains?: string;
  /** By name: the host the probe asks the pod's resolver for (its resolv.conf, search list, ndots). */
  targetName?: string;
  /** http/udp: requests to send, and how many different pods must answer. */
  count?: number;
  distinct?: number;
  /** dns: record type; conntrack: the source pod's IP and the endpoints that count as translations. */
  record?: 'A' | 'SRV' | 'PTR';
  sourceIp?: string;
  endpointIps?: string[];
}

/** What a probe printed (trimmed) and how its command exited. */
export interface ProbeOutput {
  exitCode: number;
  output: string;
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
  /** PID of the namespace it `enters` besides the source's (0 when it enters none). */
  enteredPid: number;
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
  /** The shell functions its command calls, defined once per batch. */
  helpers: readonly string[];
  /** Its own fields of the probe, from the check (dns: the name, conntrack: the node's PID...). */
  prepare?(site: ProbeSite): Partial<ResolvedProbe>;
  /** The command the toolbox runs (in netlab's own container; it enters the namespaces itself). */
  command(p: ResolvedProbe): string;
  /** The verdict on what the command printed. */
  judge(p: ResolvedProbe, out: ProbeOutput): Verdict;
  /**
   * How a failure is diagnosed: the protocol its packets use on the path, and `lookup` when
   * it asks the cluster DNS for `to` (the path is then to kube-dns). None: not a connectivity
   * probe, nothing to diagnose.
   */
  diagnosis?: { proto: Proto; lookup?: boolean };
}
