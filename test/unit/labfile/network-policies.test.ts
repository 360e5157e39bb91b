// NetworkPolicy manifests: read, validated as kube-apiserver validates them, each error at its
// line, and defaulted as the API defaults them (policyTypes, protocol).
import { describe, expect, it } from 'vitest';
import { loadLab } from '../../../src/labfile/load.js';
import { LabFileError } from '../../../src/core/errors.js';

const DIR = '/tmp/netlab-unit-netpol';
const LAB = `${DIR}/lab.yaml`;
const LAB_TEXT = `name: np
topology:
  nodes: [{ name: node1, podCIDR: 10.0.1.0/24 }]
workloads:
  - apiVersion: v1
    kind: Namespace
    metadata: { name: shop, labels: { team: a } }
  - apiVersion: v1
    kind: Pod
    metadata: { name: web, labels: { app: web } }
    spec: { containers: [{ name: web, image: netlab/app, ports: [{ name: http, containerPort: 8080 }] }] }
  - file: policies.yaml
`;

async function load(policies: string) {
  return loadLab(LAB, {
    files: new Map([
      [LAB, LAB_TEXT],
      [`${DIR}/policies.yaml`, policies],
    ]),
  });
}

async function problems(policies: string): Promise<string[]> {
  try {
    await load(policies);
  } catch (err) {
    if (err instanceof LabFileError) return err.problems.map((p) => `${p.at.line}: ${p.message}`);
    throw err;
  }
  return [];
}

const policy = (spec: string, meta = '{ name: p }') => `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: ${meta}\nspec:\n${spec}`;

describe('reading a NetworkPolicy', () => {
  it('reads selectors, peers and ports, with protocol TCP by default', async () => {
    const { lab } = await load(
      policy(`  podSelector:
    matchLabels: { app: web }
    matchExpressions: [{ key: tier, operator: NotIn, values: [db] }]
  ingress:
    - from:
        - namespaceSelector: { matchLabels: { kubernetes.io/metadata.name: shop } }
          podSelector: { matchLabels: { app: client } }
        - ipBlock: { cidr: 10.0.0.0/16, except: [10.0.2.0/24] }
      ports:
        - port: http
        - { protocol: UDP, port: 5000, endPort: 5010 }
`),
    );
    const [p] = lab.networkPolicies!;
    expect(p).toMatchObject({
      name: 'p',
      namespace: 'default',
      policyTypes: ['Ingress'],
      podSelector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['db'] }] },
      egress: [],
    });
    expect(p!.ingress[0]!.peers).toMatchObject([
      { kind: 'pods', namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'shop' } }, podSelector: { matchLabels: { app: 'client' } } },
      { kind: 'ipBlock', cidr: '10.0.0.0/16', except: ['10.0.2.0/24'] },
    ]);
    expect(p!.ingress[0]!.ports.map(({ at: _, ...rest }) => rest)).toEqual([
      { protocol: 'TCP', port: 'http' },
      { protocol: 'UDP', port: 5000, endPort: 5010 },
    ]);
  });

  it('defaults policyTypes as the API does: Ingress always, Egress only when egress rules are written', async () => {
    const types = async (spec: string) => (await load(policy(spec))).lab.networkPolicies![0]!.policyTypes;
    expect(await types('  podSelector: {}\n')).toEqual(['Ingress']);
    expect(await types('  podSelector: {}\n  egress: []\n')).toEqual(['Ingress']);
    expect(await types('  podSelector: {}\n  egress: [{}]\n')).toEqual(['Ingress', 'Egress']);
    expect(await types('  podSelector: {}\n  policyTypes: [Egress]\n  ingress: [{}]\n')).toEqual(['Egress']);
  });

  it('keeps an empty rule (every peer, every port) apart from no rule', async () => {
    const { lab } = await load(policy('  podSelector: {}\n  ingress: [{}]\n'));
    expect(lab.networkPolicies![0]!.ingress.map((r) => [r.peers, r.ports])).toEqual([[[], []]]);
  });

  it('refuses what kube-apiserver refuses, each at its line', async () => {
    expect(await problems(policy('  podSelector: {}\n  ingress:\n    - from:\n        - {}\n'))).toEqual([
      '8: a peer must have podSelector, namespaceSelector or ipBlock',
    ]);
    expect(await problems(policy('  podSelector: {}\n  ingress:\n    - from:\n        - ipBlock: { cidr: 10.0.0.0/16 }\n          podSelector: {}\n'))).toEqual(
      ['8: a peer may not have both ipBlock and podSelector/namespaceSelector'],
    );
    expect(await problems(policy('  podSelector: {}\n  ingress:\n    - from:\n        - ipBlock: { cidr: 10.0.0.0/16, except: [10.1.0.0/24] }\n'))).toEqual([
      '8: except 10.1.0.0/24 is not inside ipBlock.cidr 10.0.0.0/16',
    ]);
    expect(await problems(policy('  podSelector: {}\n  ingress:\n    - ports:\n        - { port: http, endPort: 90 }\n'))).toEqual([
      '8: endPort may not be used with a named port (http)',
    ]);
    expect(await problems(policy('  podSelector: {}\n  ingress:\n    - ports:\n        - { port: 90, endPort: 80 }\n'))).toEqual([
      '8: endPort 80 is below port 90',
    ]);
    expect(await problems(policy('  podSelector:\n    matchExpressions: [{ key: app, operator: In }]\n'))).toEqual(['6: operator In needs values']);
    expect((await problems(policy('  podSelector: {}\n  policyTypes: [Ingres]\n')))[0]).toMatch(/^6: policyTypes holds Ingress and Egress/);
  });

  it('needs its namespace to exist', async () => {
    expect(await problems(policy('  podSelector: {}\n', '{ name: p, namespace: nope }'))).toEqual(['3: NetworkPolicy p: namespaces "nope" not found']);
    const { lab } = await load(policy('  podSelector: {}\n', '{ name: p, namespace: shop }'));
    expect(lab.networkPolicies![0]!.namespace).toBe('shop');
  });
});
