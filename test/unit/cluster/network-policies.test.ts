// NetworkPolicies in a running lab's overlay: apply replaces by namespace/name, delete removes
// one (and a deleted namespace takes its policies along), and `get` lists them as kubectl does.
import { describe, expect, it } from 'vitest';
import { deleteChange } from '../../../src/cluster/changes.js';
import { networkPolicyRows } from '../../../src/cluster/network-policies.js';
import { applyDeletions, EMPTY_OVERLAY, mergeObjects } from '../../../src/cluster/overlay.js';
import type { Lab } from '../../../src/labfile/model.js';
import type { NetworkPolicySpec } from '../../../src/labfile/policy-model.js';
import { twoNodeLab } from '../../helpers/plan-fixtures.js';

const at = { file: 'lab.yaml', line: 1, column: 1 };
const policy = (name: string, namespace: string, matchLabels: Record<string, string> = {}): NetworkPolicySpec => ({
  name,
  namespace,
  podSelector: { matchLabels, matchExpressions: [] },
  policyTypes: ['Ingress'],
  ingress: [],
  egress: [],
  at,
});

function lab(): Lab {
  return {
    ...twoNodeLab([]),
    namespaces: [{ name: 'shop', labels: {}, at }],
    networkPolicies: [policy('deny', 'default'), policy('deny', 'shop', { app: 'api' })],
  };
}

describe('NetworkPolicies in the overlay', () => {
  it('apply replaces a policy of the same namespace and name, and adds others', () => {
    const merged = mergeObjects(lab(), {
      pods: [],
      services: [],
      deployments: [],
      namespaces: [],
      networkPolicies: [policy('deny', 'shop', { app: 'db' }), policy('x', 'default')],
    });
    expect(networkPolicyRows(merged)).toEqual([
      { namespace: 'default', name: 'deny', podSelector: '<none>' },
      { namespace: 'shop', name: 'deny', podSelector: 'app=db' },
      { namespace: 'default', name: 'x', podSelector: '<none>' },
    ]);
  });

  it('delete removes one; deleting the last leaves an empty list, so that the next sync removes the rules', async () => {
    const overlay = structuredClone(EMPTY_OVERLAY);
    expect(await deleteChange('l', 'networkpolicy/deny', 'shop')(lab(), overlay)).toBe('deleted networkpolicy/deny');
    expect(overlay.deleted).toEqual(['NetworkPolicy/shop/deny']);
    expect(await deleteChange('l', 'netpol/deny', 'default')(lab(), overlay)).toBe('deleted networkpolicy/deny');
    expect(applyDeletions(lab(), overlay.deleted).networkPolicies).toEqual([]);
    await expect(deleteChange('l', 'networkpolicy/nope', 'default')(lab(), overlay)).rejects.toThrow(/No networkpolicy nope in namespace default/);
  });

  it('a deleted namespace takes its policies along', async () => {
    const overlay = structuredClone(EMPTY_OVERLAY);
    await deleteChange('l', 'namespace/shop', 'default')(lab(), overlay);
    expect(networkPolicyRows(applyDeletions(lab(), overlay.deleted)).map((r) => `${r.namespace}/${r.name}`)).toEqual(['default/deny']);
  });
});
