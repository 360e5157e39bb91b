// The ingress controller add-on: deployed with an Ingress of its class (nginx, the default),
// in ingress-nginx, exposed by the lab's own Service when it has one, else by a LoadBalancer.
import { describe, expect, it } from 'vitest';
import type { IngressSpec, Lab, ServiceSpec } from '../../../../src/labfile/model.js';
import { withAddons } from '../../../../src/plan/addons.js';
import { INGRESS_LABELS, ingressService, isIngressPod, withIngressController } from '../../../../src/plan/ingress/controller.js';
import { ingressRows } from '../../../../src/plan/ingress/rows.js';
import { planServices } from '../../../../src/plan/services.js';
import { twoNodeLab } from '../../../helpers/plan-fixtures.js';

const at = { file: 'lab.yaml', line: 1, column: 1 };
const shop = (className = 'nginx'): IngressSpec => ({
  name: 'shop',
  namespace: 'default',
  className,
  rules: [
    { host: 'a.test', paths: [], at },
    { paths: [], at },
  ],
  defaultBackend: { service: 'web', port: 80, at },
  at,
});

describe('withIngressController', () => {
  const base: Lab = { ...twoNodeLab([]), ingresses: [shop()] };

  it('adds the controller pod, its namespace and a LoadBalancer Service; idempotent', () => {
    const lab = withIngressController(base);
    const pod = lab.pods.find(isIngressPod)!;
    expect([pod.namespace, pod.name, pod.containers[0]!.image, pod.labels]).toEqual([
      'ingress-nginx',
      'ingress-nginx-controller-0',
      'netlab/ingress',
      INGRESS_LABELS,
    ]);
    expect(lab.namespaces.map((n) => n.name)).toContain('ingress-nginx');
    expect(ingressService(lab.services)).toMatchObject({ name: 'ingress-nginx-controller', namespace: 'ingress-nginx', type: 'LoadBalancer' });
    expect(withIngressController(lab)).toBe(lab);
    expect(withAddons(withAddons(base)).pods.filter(isIngressPod)).toHaveLength(1);
  });

  it("uses the lab's own Service for the controller when it has one", () => {
    const own: ServiceSpec = { ...ingressService(withIngressController(base).services)!, name: 'edge', type: 'NodePort' };
    const lab = withIngressController({ ...base, services: [...base.services, own] });
    expect(lab.services.filter((s) => s.namespace === 'ingress-nginx').map((s) => s.name)).toEqual(['edge']);
  });

  it('is not deployed without an Ingress of its class', () => {
    for (const ingresses of [[], [shop('haproxy')]]) {
      const lab = { ...base, ingresses };
      expect(withIngressController(lab)).toBe(lab);
    }
  });
});

describe('ingressRows', () => {
  it('as kubectl: hosts ("*" for none), the controller Service address for its class only, port 80', () => {
    const lab = withIngressController({ ...twoNodeLab([]), ingresses: [shop(), { ...shop('haproxy'), name: 'other', rules: [{ paths: [], at }] }] });
    const planned = planServices(lab.services, [], lab.topology.serviceCIDR, [], { pool: { first: 0x0afa00f0, last: 0x0afa00fe }, nodes: ['node1', 'node2'] });
    const rows = ingressRows(lab.ingresses, planned);
    expect(rows[0]!.address).toBe('10.250.0.240');
    expect(rows.map((r) => [r.name, r.className, r.hosts, r.ports])).toEqual([
      ['shop', 'nginx', 'a.test', '80'],
      ['other', 'haproxy', '*', '80'],
    ]);
    expect(rows[1]!.address).toBe('');
  });
});
