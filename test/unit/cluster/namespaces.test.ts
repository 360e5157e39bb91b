// `netlab delete <lab> namespace/x`: the namespace and every object in it, as kubectl does.
import { describe, expect, it } from 'vitest';
import { deleteChange } from '../../../src/cluster/changes.js';
import { applyDeletions, EMPTY_OVERLAY, mergeObjects } from '../../../src/cluster/overlay.js';
import type { Lab, PodSpec } from '../../../src/labfile/model.js';
import { twoNodeLab } from '../../helpers/plan-fixtures.js';

const at = { file: 'lab.yaml', line: 1, column: 1 };
const pod = (name: string, namespace: string, deployment?: string): PodSpec => ({
  name,
  namespace,
  labels: { app: name },
  containers: [{ name: 'app', image: 'netlab/app', env: [], ports: [], at }],
  at,
  ...(deployment ? { deployment } : {}),
});

function shopLab(): Lab {
  const lab = twoNodeLab([pod('client', 'default'), pod('api-0', 'shop', 'api'), pod('api-1', 'shop', 'api'), pod('db', 'shop')]);
  return {
    ...lab,
    namespaces: [{ name: 'shop', labels: {}, at }],
    deployments: [{ name: 'api', namespace: 'shop', replicas: 2, selector: { app: 'api' }, at }],
    services: [{ name: 'api', namespace: 'shop', type: 'ClusterIP', selector: { app: 'api' }, ports: [], sessionAffinity: 'None', affinitySeconds: 10800, at }],
  };
}

describe('delete namespace/x', () => {
  it('deletes the namespace and each object in it, by its own key', async () => {
    const lab = shopLab();
    const overlay = structuredClone(EMPTY_OVERLAY);
    overlay.replicas['shop/api'] = 3;
    expect(await deleteChange('l', 'namespace/shop', 'default')(lab, overlay)).toBe('deleted namespace/shop and its 3 object(s)');
    expect(overlay.deleted.sort()).toEqual(['Deployment/shop/api', 'Namespace/shop', 'Pod/shop/db', 'Service/shop/api']);
    expect(overlay.replicas).toEqual({});
    const after = applyDeletions(lab, overlay.deleted);
    expect(after.namespaces).toEqual([]);
    expect(after.pods.map((p) => p.name)).toEqual(['client']);
    expect(after.services).toEqual([]);
    expect(after.deployments).toEqual([]);
  });

  it('the namespace applied again comes back empty', () => {
    const lab = shopLab();
    const deleted = ['Namespace/shop', 'Pod/shop/db'];
    const again = mergeObjects(applyDeletions(lab, deleted), { pods: [], services: [], deployments: [], namespaces: [{ name: 'shop', labels: {}, at }] });
    expect(again.namespaces.map((n) => n.name)).toEqual(['shop']);
    expect(again.pods.some((p) => p.name === 'db')).toBe(false);
  });

  it('refuses what kube-apiserver refuses, in its words', async () => {
    expect(() => deleteChange('l', 'ns/default', 'default')).toThrow('namespaces "default" is forbidden: this namespace may not be deleted.');
    expect(() => deleteChange('l', 'namespaces/kube-system', 'default')).toThrow(/forbidden/);
    await expect(deleteChange('l', 'namespace/nope', 'default')(shopLab(), structuredClone(EMPTY_OVERLAY))).rejects.toThrow('namespaces "nope" not found');
  });
});
