// The policy engine's planning: selectors, what each node enforces, named ports resolved per
// pod, ipBlock except, each mode's rule text, the verdict on one packet, and the fix after a read.
import { describe, expect, it } from 'vitest';
import type { LabelSelector, NetworkPolicySpec, PolicyPeer, PolicyPort, PolicyRule } from '../../../../src/labfile/policy-model.js';
import { packetVerdict, planNodePolicies } from '../../../../src/plan/policy/compile.js';
import {
  FORWARD_JUMP,
  POLICY_TOP_CHAIN,
  policyChainName,
  podChainName,
  policyFix,
  policyRestore,
  declaredPolicyChains,
} from '../../../../src/plan/policy/iptables.js';
import { peerRanges, policyScript } from '../../../../src/plan/policy/nftables.js';
import { namespaceLabels, selects } from '../../../../src/plan/policy/selectors.js';
import { formatSelector } from '../../../../src/labfile/policy-model.js';
import { policySync, withPolicies } from '../../../../src/plan/policy/sync.js';
import type { PolicyInput, PolicyPod } from '../../../../src/plan/policy/types.js';
import type { NodeSync } from '../../../../src/plan/proxy/driver.js';

const at = { file: 'p.yaml', line: 1, column: 1 };
const sel = (matchLabels: Record<string, string> = {}, matchExpressions: LabelSelector['matchExpressions'] = []): LabelSelector => ({
  matchLabels,
  matchExpressions,
});
const pods = (peer: Omit<Extract<PolicyPeer, { kind: 'pods' }>, 'kind' | 'at'>): PolicyPeer => ({ kind: 'pods', at, ...peer });
const block = (cidr: string, except: string[] = []): PolicyPeer => ({ kind: 'ipBlock', cidr, except, at });
const port = (p: Omit<PolicyPort, 'at'>): PolicyPort => ({ ...p, at });
const rule = (peers: PolicyPeer[], ports: PolicyPort[] = []): PolicyRule => ({ peers, ports, at });

function policy(p: Partial<NetworkPolicySpec> & Pick<NetworkPolicySpec, 'name'>): NetworkPolicySpec {
  return { namespace: 'default', podSelector: sel(), policyTypes: ['Ingress'], ingress: [], egress: [], at, ...p };
}

const pod = (name: string, namespace: string, ip: string, node: string, labels: Record<string, string>, ports: PolicyPod['ports'] = []): PolicyPod => ({
  name,
  namespace,
  ip,
  node,
  labels,
  ports,
});

const PODS: PolicyPod[] = [
  pod('web', 'default', '10.0.1.2', 'node1', { app: 'web' }, [{ name: 'http', containerPort: 8080, protocol: 'TCP' }]),
  pod('web2', 'default', '10.0.2.2', 'node2', { app: 'web' }, [{ name: 'http', containerPort: 9090, protocol: 'TCP' }]),
  pod('client', 'default', '10.0.1.3', 'node1', { app: 'client' }),
  pod('api', 'shop', '10.0.2.3', 'node2', { app: 'api' }),
  pod('coredns', 'kube-system', '10.0.1.4', 'node1', { 'k8s-app': 'kube-dns' }, [{ name: 'dns', containerPort: 53, protocol: 'UDP' }]),
];
const NAMESPACES: PolicyInput['namespaces'] = [
  { name: 'default', labels: {} },
  { name: 'kube-system', labels: {} },
  { name: 'shop', labels: { team: 'shop' } },
];
const input = (...policies: NetworkPolicySpec[]): PolicyInput => ({ policies, pods: PODS, namespaces: NAMESPACES });

describe('label selectors', () => {
  it('match labels and expressions as metav1.LabelSelector does', () => {
    const labels = { app: 'web', tier: 'front' };
    expect(selects(sel(), labels)).toBe(true);
    expect(selects(sel({ app: 'web' }), labels)).toBe(true);
    expect(selects(sel({ app: 'db' }), labels)).toBe(false);
    expect(selects(sel({}, [{ key: 'tier', operator: 'In', values: ['front', 'back'] }]), labels)).toBe(true);
    expect(selects(sel({}, [{ key: 'tier', operator: 'NotIn', values: ['front'] }]), labels)).toBe(false);
    expect(selects(sel({}, [{ key: 'zone', operator: 'NotIn', values: ['a'] }]), labels)).toBe(true);
    expect(selects(sel({}, [{ key: 'zone', operator: 'Exists', values: [] }]), labels)).toBe(false);
    expect(selects(sel({}, [{ key: 'zone', operator: 'DoesNotExist', values: [] }]), labels)).toBe(true);
    expect(
      formatSelector(
        sel({ app: 'web' }, [
          { key: 'tier', operator: 'In', values: ['a', 'b'] },
          { key: 'x', operator: 'DoesNotExist', values: [] },
        ]),
      ),
    ).toBe('app=web,tier in (a,b),!x');
    expect(formatSelector(sel())).toBe('<none>');
  });

  it('give every namespace its kubernetes.io/metadata.name label', () => {
    expect(namespaceLabels({ name: 'shop', labels: { team: 'shop' } })).toEqual({ team: 'shop', 'kubernetes.io/metadata.name': 'shop' });
  });
});

describe('what a node enforces', () => {
  it('has a firewall for each local pod a policy selects, per direction, and no other', () => {
    const deny = policy({ name: 'deny', podSelector: sel({ app: 'web' }), policyTypes: ['Ingress', 'Egress'] });
    const n1 = planNodePolicies(input(deny), 'node1');
    expect(n1.firewalls.map((f) => `${f.direction} ${f.namespace}/${f.pod} ${f.policies.join(',')}`)).toEqual([
      'ingress default/web default/deny',
      'egress default/web default/deny',
    ]);
    expect(n1.policies.map((p) => [p.direction, p.rules])).toEqual([
      ['ingress', []],
      ['egress', []],
    ]);
    expect(planNodePolicies(input(deny), 'node2').firewalls.map((f) => f.pod)).toEqual(['web2', 'web2']);
  });

  it('selects peers by pod, by namespace, and by both at once (AND), in the policy namespace by default', () => {
    const p = policy({
      name: 'p',
      podSelector: sel({ app: 'web' }),
      ingress: [
        rule([pods({ podSelector: sel({ app: 'client' }) })]),
        rule([pods({ namespaceSelector: sel({ 'kubernetes.io/metadata.name': 'shop' }) })]),
        rule([pods({ namespaceSelector: sel(), podSelector: sel({ 'k8s-app': 'kube-dns' }) })]),
        rule([pods({ podSelector: sel({ app: 'api' }) })]),
      ],
    });
    const rules = planNodePolicies(input(p), 'node1').policies[0]!.rules;
    expect(rules.map((r) => (r.peers === 'any' ? 'any' : r.peers.map((x) => (x.kind === 'pod' ? x.pod : x.cidr))))).toEqual([
      ['default/client'],
      ['shop/api'],
      ['kube-system/coredns'],
      [], // app=api is in shop, not in the policy's namespace
    ]);
  });

  it('resolves a named port per pod: ingress on the selected pods, egress on the pods it leads to', () => {
    const p = policy({ name: 'p', podSelector: sel({ app: 'web' }), ingress: [rule([], [port({ protocol: 'TCP', port: 'http' })])] });
    expect(planNodePolicies(input(p), 'node1').policies[0]!.rules[0]!.ports).toEqual([{ protocol: 'TCP', port: 8080, name: 'http', to: ['10.0.1.2'] }]);
    expect(planNodePolicies(input(p), 'node2').policies[0]!.rules[0]!.ports).toEqual([{ protocol: 'TCP', port: 9090, name: 'http', to: ['10.0.2.2'] }]);
    const e = policy({
      name: 'e',
      podSelector: sel({ app: 'client' }),
      policyTypes: ['Egress'],
      egress: [rule([], [port({ protocol: 'TCP', port: 'http' })])],
    });
    expect(planNodePolicies(input(e), 'node1').policies[0]!.rules[0]!.ports).toEqual([
      { protocol: 'TCP', port: 8080, name: 'http', to: ['10.0.1.2'] },
      { protocol: 'TCP', port: 9090, name: 'http', to: ['10.0.2.2'] },
    ]);
    // The protocol is part of the name: http/UDP is no port of theirs.
    const u = policy({ name: 'u', podSelector: sel({ app: 'web' }), ingress: [rule([], [port({ protocol: 'UDP', port: 'http' })])] });
    expect(planNodePolicies(input(u), 'node1').policies[0]!.rules[0]!.ports).toEqual([]);
  });
});

describe('the verdict on one packet', () => {
  const web = policy({
    name: 'web-in',
    podSelector: sel({ app: 'web' }),
    ingress: [rule([block('10.0.0.0/16', ['10.0.2.0/24'])], [port({ protocol: 'TCP', port: 8000, endPort: 8100 })])],
  });
  const dnsOnly = policy({
    name: 'dns-only',
    podSelector: sel({ app: 'client' }),
    policyTypes: ['Egress'],
    egress: [rule([pods({ namespaceSelector: sel(), podSelector: sel({ 'k8s-app': 'kube-dns' }) })], [port({ protocol: 'UDP', port: 53 })])],
  });

  it('allows by the first rule that matches, drops what none of the selecting policies allows', () => {
    const v = (src: string, dst: string, protocol: 'TCP' | 'UDP', p: number) => packetVerdict(input(web, dnsOnly), { src, dst, protocol, port: p });
    expect(v('10.0.2.3', '10.0.1.2', 'TCP', 8080)).toEqual([
      { direction: 'egress', selected: false },
      { direction: 'ingress', selected: true, allowed: false, policies: ['default/web-in'] },
    ]);
    expect(v('10.0.3.9', '10.0.1.2', 'TCP', 8080)[1]).toEqual({ direction: 'ingress', selected: true, allowed: true, policy: 'default/web-in', rule: 0 });
    expect(v('10.0.3.9', '10.0.1.2', 'TCP', 8200)[1]).toMatchObject({ allowed: false });
    expect(v('10.0.1.3', '10.0.1.4', 'UDP', 53)[0]).toMatchObject({ direction: 'egress', allowed: true, policy: 'default/dns-only' });
    expect(v('10.0.1.3', '10.0.1.2', 'TCP', 8080)[0]).toMatchObject({ direction: 'egress', allowed: false, policies: ['default/dns-only'] });
  });
});

describe('iptables rules (kube-router shape)', () => {
  const p = policy({
    name: 'web-in',
    podSelector: sel({ app: 'web' }),
    ingress: [rule([pods({ podSelector: sel({ app: 'client' }) }), block('10.0.0.0/16', ['10.0.2.0/24'])], [port({ protocol: 'TCP', port: 'http' })])],
  });
  const text = policyRestore(planNodePolicies(input(p), 'node1'));
  const pod = podChainName({ namespace: 'default', pod: 'web', direction: 'ingress' });
  const chain = policyChainName({ namespace: 'default', policy: 'web-in', direction: 'ingress' });

  it('accepts established packets first, then sends each selected pod to its chain, which drops what no policy marked', () => {
    const lines = text.split('\n');
    expect(lines[0]).toBe('*filter');
    expect(pod).toMatch(/^KUBE-POD-FW-[A-Z2-7]{16}$/);
    expect(chain).toMatch(/^KUBE-NWPLCY-[A-Z2-7]{16}$/);
    const top = lines.filter((l) => l.startsWith(`-A ${POLICY_TOP_CHAIN} `));
    expect(top).toEqual([
      `-A ${POLICY_TOP_CHAIN} -m comment --comment "netlab network policies: packets of accepted connections" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`,
      `-A ${POLICY_TOP_CHAIN} -d 10.0.1.2/32 -m comment --comment "ingress to pod default/web" -j ${pod}`,
    ]);
    expect(lines.filter((l) => l.startsWith(`-A ${pod} `))).toEqual([
      `-A ${pod} -m comment --comment "default/web-in ingress" -j ${chain}`,
      `-A ${pod} -m comment --comment "default deny ingress to default/web (default/web-in)" -m mark ! --mark 0x10000/0x10000 -j DROP`,
      `-A ${pod} -j MARK --set-xmark 0x0/0x10000`,
    ]);
  });

  it('allows by marking: a pod peer by its address and the named port as this pod has it; an ipBlock through a chain that returns on except', () => {
    const lines = text.split('\n');
    const mine = lines.filter((l) => l.startsWith(`-A ${chain} `));
    expect(mine[0]).toBe(
      `-A ${chain} -s 10.0.1.3/32 -d 10.0.1.2/32 -p tcp -m tcp --dport 8080 -m comment --comment "default/web-in ingress rule 1" -j MARK --set-xmark 0x10000/0x10000`,
    );
    const blockChain = /-j (KUBE-NWPLCY-\S+)$/.exec(mine[1]!)![1]!;
    expect(mine[1]).toBe(`-A ${chain} -d 10.0.1.2/32 -p tcp -m tcp --dport 8080 -m comment --comment "default/web-in ingress rule 1" -j ${blockChain}`);
    expect(mine.at(-1)).toBe(`-A ${chain} -m mark --mark 0x10000/0x10000 -j RETURN`);
    expect(lines.filter((l) => l.startsWith(`-A ${blockChain} `))).toEqual([
      `-A ${blockChain} -s 10.0.2.0/24 -m comment --comment "default/web-in ingress rule 1: except 10.0.2.0/24" -j RETURN`,
      `-A ${blockChain} -s 10.0.0.0/16 -m comment --comment "default/web-in ingress rule 1: ipBlock 10.0.0.0/16" -j MARK --set-xmark 0x10000/0x10000`,
    ]);
    expect([...declaredPolicyChains(text)].sort()).toEqual([POLICY_TOP_CHAIN, pod, chain, blockChain].sort());
  });

  it('puts the jump first in FORWARD and removes chains no longer declared; with no policy, everything it made', () => {
    const save = (forward: string[], chains: string[]) =>
      ['*filter', ':FORWARD ACCEPT [0:0]', ...chains.map((c) => `:${c} - [0:0]`), ...forward.map((f) => `-A FORWARD ${f}`), 'COMMIT'].join('\n');
    const declared = declaredPolicyChains(text);
    expect(policyFix(save([FORWARD_JUMP, '-j KUBE-FORWARD'], [...declared]), declared, true)).toBe('');
    expect(policyFix(save(['-j KUBE-FORWARD'], [...declared]), declared, true)).toBe(`*filter\n-I FORWARD 1 ${FORWARD_JUMP}\nCOMMIT\n`);
    expect(policyFix(save(['-j KUBE-FORWARD', FORWARD_JUMP], [...declared, 'KUBE-POD-FW-AAAAAAAAAAAAAAAA']), declared, true)).toBe(
      `*filter\n:KUBE-POD-FW-AAAAAAAAAAAAAAAA - [0:0]\n-D FORWARD ${FORWARD_JUMP}\n-I FORWARD 1 ${FORWARD_JUMP}\n-X KUBE-POD-FW-AAAAAAAAAAAAAAAA\nCOMMIT\n`,
    );
    expect(policyFix(save([FORWARD_JUMP], [POLICY_TOP_CHAIN, pod, 'KUBE-SVC-AAAAAAAAAAAAAAAA']), new Set(), false)).toBe(
      `*filter\n:${POLICY_TOP_CHAIN} - [0:0]\n:${pod} - [0:0]\n-D FORWARD ${FORWARD_JUMP}\n-X ${POLICY_TOP_CHAIN}\n-X ${pod}\nCOMMIT\n`,
    );
  });
});

describe('nftables rules (table inet netlab-policy)', () => {
  it('cuts except out of an ipBlock and merges peers into an interval set', () => {
    const ranges = peerRanges([
      { kind: 'block', cidr: '10.0.0.0/16', except: ['10.0.2.0/24', '10.0.4.0/23'] },
      { kind: 'pod', ip: '10.0.2.7', pod: 'default/x' },
    ]);
    const fmt = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
    expect(ranges.map(([a, b]) => `${fmt(a)}-${fmt(b)}`)).toEqual(['10.0.0.0-10.0.1.255', '10.0.2.7-10.0.2.7', '10.0.3.0-10.0.3.255', '10.0.6.0-10.0.255.255']);
  });

  it('replaces the whole table: forward hook, accepted connections first, pod and policy chains, counting rules', () => {
    const p = policy({
      name: 'web-in',
      podSelector: sel({ app: 'web' }),
      ingress: [rule([block('10.0.0.0/16', ['10.0.2.0/24'])], [port({ protocol: 'TCP', port: 8000, endPort: 8100 })])],
    });
    const script = policyScript(planNodePolicies(input(p), 'node1'), true).split('\n');
    expect(script.slice(0, 5)).toEqual([
      'add table inet netlab-policy',
      'delete table inet netlab-policy',
      'add table inet netlab-policy { comment "netlab network policies" ; }',
      'add chain inet netlab-policy forward { type filter hook forward priority 0 ; policy accept ; }',
      'add rule inet netlab-policy forward ct state established,related accept comment "netlab network policies: packets of accepted connections"',
    ]);
    expect(script).toContain(
      'add set inet netlab-policy nwplcy-ingress-default/web-in-rule-1 { type ipv4_addr ; flags interval ; elements = { 10.0.0.0-10.0.1.255, 10.0.3.0-10.0.255.255 } ; }',
    );
    expect(script).toContain(
      'add rule inet netlab-policy nwplcy-ingress-default/web-in ip saddr @nwplcy-ingress-default/web-in-rule-1 meta l4proto tcp th dport 8000-8100 counter meta mark set meta mark | 0x10000 return comment "default/web-in ingress rule 1"',
    );
    expect(script).toContain(
      'add rule inet netlab-policy pod-fw-ingress-default/web meta mark & 0x10000 == 0 counter drop comment "default deny ingress to default/web (default/web-in)"',
    );
    // Chains are made before the forward rules that jump to them.
    expect(script.filter(Boolean).at(-1)).toBe(
      'add rule inet netlab-policy forward ip daddr 10.0.1.2 jump pod-fw-ingress-default/web comment "ingress to pod default/web"',
    );
    expect(policyScript(planNodePolicies(input(), 'node1'), false)).toBe('add table inet netlab-policy\ndelete table inet netlab-policy\n');
  });
});

describe("riding along kube-proxy's sync", () => {
  const ref = { pid: 42 };
  const restore = (stdin: string) => ({ argv: ['iptables-restore', '-w', '--noflush'] as ['iptables-restore', ...string[]], netns: ref, stdin });
  const kube: NodeSync = { steps: [restore('*nat\nCOMMIT\n')], checks: [{ argv: ['iptables-save', '-t', 'nat'], netns: ref }], after: () => [restore('K\n')] };

  it("loads and reads with kube-proxy's, and merges what both left into one restore, kube-proxy's first", () => {
    const merged = withPolicies(kube, policySync('iptables', input(policy({ name: 'p' })), 'node1', ref));
    expect(merged.steps.map((s) => s.argv[0])).toEqual(['iptables-restore', 'iptables-restore']);
    expect(merged.checks.map((s) => s.argv.join(' '))).toEqual(['iptables-save -t nat', 'iptables-save -t filter']);
    const ok = { exitCode: 0, stderr: '', ms: 1 };
    const left = merged.after([
      { ...ok, stdout: '' },
      { ...ok, stdout: '*filter\n:FORWARD ACCEPT [0:0]\nCOMMIT\n' },
    ]);
    expect(left).toHaveLength(1);
    expect(left[0]!.stdin).toBe(`K\n*filter\n-I FORWARD 1 ${FORWARD_JUMP}\nCOMMIT\n`);
  });

  it('in nftables mode loads its own table in one nft -f, with nothing to read', () => {
    const s = policySync('nftables', input(), 'node1', ref);
    expect(s.steps.map((x) => x.argv.join(' '))).toEqual(['nft -f -']);
    expect(s.checks).toEqual([]);
  });
});
