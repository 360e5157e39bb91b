// What each probe kind takes in a check, as data the validator reads (validate/check-rules.ts,
// validate/check-services.ts): what `to` names, the port it needs, its expectations, its
// optional fields and the texts of its own errors. What a probe does when it runs is its
// driver (src/checks/probes/<kind>.ts); a unit test holds the kinds here and there equal.
import { PROBE_KIND_NAMES, type Expectation, type ProbeKind } from './model.js';

/** Optional check fields only some kinds take (`via` is described by ProbeFields.via). */
export type ProbeOption = 'contains' | 'by' | 'count' | 'distinct' | 'record' | 'answers' | 'maxMs' | 'host' | 'path' | 'sourcePort';

export interface ProbeFields {
  /** What `to` names: any lab endpoint, a pod, a Service, a name for the pod's resolver, or nothing. */
  to: 'endpoint' | 'pod' | 'service' | 'name' | 'none';
  /** The protocol of the port `to` needs ('any': the Service port's own); absent: `to` takes no port. */
  port?: 'TCP' | 'UDP' | 'any';
  /** The expectations it takes, its default first. */
  expects: readonly Expectation[];
  /** The optional fields it takes (besides `via`). */
  options: readonly ProbeOption[];
  /** It takes `via`: what `via` names in its checks ("a hop"), and names it takes besides the lab's hops. */
  via?: { names: string; also: readonly string[] };
  /** It runs in a pod: why `from` must be one (`service`: said even when `from` is a Service, already an error). */
  fromPod?: { why: string; service?: boolean };
  /** The hint when `to` is missing (to: 'none': when `to` is written). */
  toHint?: string;
  /** to 'pod' or 'service': the error when `to` names something else (`{to}`: the text of `to`), and its hint. */
  wrongTo?: { message: string; hint: string };
  /** Expectations of its own only: what its error says it expects, and the hint. */
  ownExpects?: { what: string; hint: string };
  /** An expectation only this kind takes, written in a check of another kind: the hint (default: write probe: <kind>). */
  claimHint?: string;
  /** A headless Service in `to`: what it would do with the cluster IP, and the hint. */
  headless?: { verb: string; hint: string };
}

const REACH: readonly Expectation[] = ['reachable', 'unreachable'];

export const PROBE_FIELDS: Readonly<Record<ProbeKind, ProbeFields>> = {
  http: { to: 'endpoint', port: 'TCP', expects: REACH, options: ['contains', 'by', 'count', 'distinct', 'maxMs', 'host', 'path'] },
  tcp: { to: 'endpoint', port: 'TCP', expects: REACH, options: ['by', 'maxMs'] },
  udp: { to: 'endpoint', port: 'UDP', expects: REACH, options: ['by', 'count', 'distinct', 'sourcePort'] },
  ping: { to: 'endpoint', expects: REACH, options: ['maxMs'] },
  traceroute: { to: 'endpoint', expects: REACH, options: [], via: { names: 'a hop', also: [] } },
  netns: {
    to: 'pod',
    expects: ['same-netns', 'different-netns'],
    options: [],
    toHint: 'add `to: <pod>` (the pod to compare with)',
    wrongTo: { message: 'a netns check compares network namespaces of pods: to: {to} is not a pod', hint: 'write to: <pod> or to: <pod>/<container>' },
    ownExpects: { what: 'same-netns or different-netns', hint: 'write expect: same-netns or expect: different-netns' },
  },
  gateway: {
    to: 'none',
    expects: REACH,
    options: [],
    via: { names: 'a gateway', also: ['cbr0'] },
    fromPod: { why: "a gateway check looks at a pod's default route", service: true },
    toHint: "remove `to`; write the expected gateway in `via` (default: the node's cbr0 bridge)",
  },
  dns: {
    to: 'name',
    expects: ['reachable', 'nxdomain'],
    options: ['record', 'answers', 'contains'],
    fromPod: { why: "a dns check asks a pod's resolver (its resolv.conf)" },
    toHint: 'add `to:` with the name to look up, e.g. to: web.default.svc.cluster.local',
    ownExpects: { what: 'reachable (an answer) or nxdomain', hint: 'write expect: nxdomain for a name that must not exist, or remove expect' },
    claimHint: 'write probe: dns with a name in `to`',
  },
  conntrack: {
    to: 'service',
    port: 'any',
    expects: ['reachable'],
    options: [],
    fromPod: { why: "a conntrack check sends from a pod and reads its node's conntrack table" },
    toHint: 'add `to: <service>[:port]` (the Service whose translation to find)',
    wrongTo: {
      message: "a conntrack check follows a connection to a Service's cluster IP, and to: {to} is not a Service",
      hint: 'write to: <service>[:port], e.g. to: web:80',
    },
    ownExpects: { what: 'reachable (the translation is in the table)', hint: 'remove expect' },
    headless: { verb: 'translate', hint: 'name a Service with a cluster IP: a headless Service is not translated' },
  },
};

/** The kinds whose checks take a field, in list order. */
export function kindsTaking(field: ProbeOption | 'via'): ProbeKind[] {
  return PROBE_KIND_NAMES.filter((k) => (field === 'via' ? PROBE_FIELDS[k].via !== undefined : PROBE_FIELDS[k].options.includes(field)));
}

/** The kinds that go without `to`. */
export function kindsWithoutTo(): ProbeKind[] {
  return PROBE_KIND_NAMES.filter((k) => PROBE_FIELDS[k].to === 'none');
}

/** The kind an expectation belongs to, when only one kind takes it (same-netns: netns). */
export function claimedBy(expect: Expectation): ProbeKind | undefined {
  const takers = PROBE_KIND_NAMES.filter((k) => PROBE_FIELDS[k].expects.includes(expect));
  return takers.length === 1 ? takers[0] : undefined;
}
