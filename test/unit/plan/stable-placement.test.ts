// A running lab keeps its pods where they are: planning with the current placement moves, re-addresses
// and re-specs nothing but what the change owns; new pods are scheduled as kube-scheduler spreads them.
import { describe, expect, it } from 'vitest';
import { applyReplicas } from '../../../src/cluster/overlay.js';
import type { CurrentPlacement, PodPlacement } from '../../../src/labfile/placement.js';
import type { Lab, PodSpec } from '../../../src/labfile/model.js';
import { planLab } from '../../../src/plan/plan.js';
import type { LabPlan, PodPlan } from '../../../src/plan/types.js';
import { images, pod, twoNodeLab } from '../../helpers/plan-fixtures.js';

const UNDERLAY = '10.250.3.0/24';

function replica(deployment: string, i: number, extra: Partial<PodSpec> = {}): PodSpec {
  return pod(`${deployment}-${i}`, { deployment, labels: { app: deployment }, ...extra });
}

/** Two Deployments and a pinned client: web x2, api x2, client on node1. */
function twoDeployments(): Lab {
  const lab = twoNodeLab([replica('web', 0), replica('web', 1), replica('api', 0), replica('api', 1), pod('client', { nodeName: 'node1' })]);
  lab.deployments = [
    { name: 'web', namespace: 'default', replicas: 2, selector: { app: 'web' }, at: lab.pods[0]!.at },
    { name: 'api', namespace: 'default', replicas: 2, selector: { app: 'api' }, at: lab.pods[2]!.at },
  ];
  return lab;
}

/** The placement `up` reads back from the sandboxes of a lab brought up with `plan`. */
function running(plan: LabPlan, extra: Record<string, PodPlacement> = {}): CurrentPlacement {
  return new Map([
    ...plan.pods.map((p): [string, PodPlacement] => [`${p.namespace}/${p.name}`, { node: p.node, ip: p.ip, running: true }]),
    ...Object.entries(extra),
  ]);
}

const where = (plan: LabPlan) => Object.fromEntries(plan.pods.map((p) => [p.name, `${p.node} ${p.ip}`]));

/** Every container of a pod, as Docker would be asked to create it (labels carry the spec hash). */
const specs = (p: PodPlan) => [p.pause, ...p.containers].map((c) => c.create);

function expectUntouched(before: LabPlan, after: LabPlan, except: string[] = []): void {
  for (const old of before.pods.filter((p) => !except.includes(p.name))) {
    const now = after.pods.find((p) => p.name === old.name && p.namespace === old.namespace);
    expect(now, `${old.name} is still planned`).toBeDefined();
    expect(`${now!.node} ${now!.ip}`, old.name).toBe(`${old.node} ${old.ip}`);
    // Same create bodies, so the same spec hashes: `up` keeps their containers as they run.
    expect(specs(now!), old.name).toEqual(specs(old));
  }
}

describe('planning a running lab with its current placement', () => {
  const lab = twoDeployments();
  const fresh = planLab(lab, { images, underlay: UNDERLAY });

  it('plans a fresh lab as before: round-robin in lab order, the lowest addresses', () => {
    expect(where(fresh)).toEqual({
      'web-0': 'node1 10.0.1.2',
      'web-1': 'node2 10.0.2.2',
      'api-0': 'node1 10.0.1.3',
      'api-1': 'node2 10.0.2.3',
      client: 'node1 10.0.1.4',
    });
    // No placement and an empty one (a lab with no pod running) are both fresh.
    expect(planLab(lab, { images, underlay: UNDERLAY, current: new Map() })).toEqual(fresh);
  });

  it('plans an unchanged running lab exactly as it runs', () => {
    expect(planLab(lab, { images, underlay: UNDERLAY, current: running(fresh) })).toEqual(fresh);
  });

  it('adding a replica moves nothing else; the new one goes where its Deployment has fewest pods, then fewest pods', () => {
    const scaled = planLab(applyReplicas(lab, { 'default/web': 3 }), { images, underlay: UNDERLAY, current: running(fresh) });
    expectUntouched(fresh, scaled);
    // web has one pod on each node; node2 holds 2 pods, node1 3 (with the client).
    expect(where(scaled)['web-2']).toBe('node2 10.0.2.4');
    // In round-robin order every pod after web-1 would have moved.
    expect(where(planLab(applyReplicas(lab, { 'default/web': 3 }), { images, underlay: UNDERLAY }))['api-0']).not.toBe(where(fresh)['api-0']);

    const again = planLab(applyReplicas(lab, { 'default/web': 4 }), { images, underlay: UNDERLAY, current: running(scaled) });
    expectUntouched(scaled, again);
    // web: node1 1, node2 2: node1, although it holds more pods.
    expect(where(again)['web-3']).toBe('node1 10.0.1.5');
  });

  it('removing replicas drops the highest-numbered ones and moves nothing else', () => {
    const down = planLab(applyReplicas(lab, { 'default/web': 1 }), { images, underlay: UNDERLAY, current: running(fresh) });
    expect(down.pods.map((p) => p.name)).toEqual(['web-0', 'api-0', 'api-1', 'client']);
    expectUntouched(fresh, down, ['web-1']);
    // Scaling back up: web-1 comes back on the node with no web pod, and a free address.
    const up = planLab(applyReplicas(lab, { 'default/web': 2 }), { images, underlay: UNDERLAY, current: running(down) });
    expectUntouched(down, up);
    expect(where(up)['web-1']).toBe('node2 10.0.2.2');
  });

  it('deleting a workload, or changing another one, touches no other pod', () => {
    const noApi = { ...lab, pods: lab.pods.filter((p) => p.deployment !== 'api'), deployments: lab.deployments.filter((d) => d.name !== 'api') };
    expectUntouched(fresh, planLab(noApi, { images, underlay: UNDERLAY, current: running(fresh) }), ['api-0', 'api-1']);

    const changed = {
      ...lab,
      pods: lab.pods.map((p) => (p.deployment === 'api' ? { ...p, containers: p.containers.map((c) => ({ ...c, env: [{ name: 'V', value: '2' }] })) } : p)),
    };
    const replanned = planLab(changed, { images, underlay: UNDERLAY, current: running(fresh) });
    expectUntouched(fresh, replanned, ['api-0', 'api-1']);
    // The changed pods stay where they were too; only their containers' specs differ.
    expect(where(replanned)['api-1']).toBe(where(fresh)['api-1']);
    expect(specs(replanned.pods.find((p) => p.name === 'api-1')!)).not.toEqual(specs(fresh.pods.find((p) => p.name === 'api-1')!));
  });

  it('never gives a new pod an address a running pod holds, even one this change removes', () => {
    // web-1 (node2, 10.0.2.2) is being removed while web-2 is added: web-2 may not take 10.0.2.2.
    const lab3 = applyReplicas(lab, { 'default/web': 3 });
    const without1 = { ...lab3, pods: lab3.pods.filter((p) => p.name !== 'web-1') };
    const plan = planLab(without1, { images, underlay: UNDERLAY, current: running(fresh) });
    expect(where(plan)['web-2']).toBe('node2 10.0.2.4');
    const ips = plan.pods.map((p) => p.ip);
    expect(new Set(ips).size).toBe(ips.length);
    // A pod running that the lab file does not know at all holds its address as well.
    const stray = running(fresh, { 'default/stray': { node: 'node2', ip: '10.0.2.4', running: true } });
    expect(where(planLab(lab3, { images, underlay: UNDERLAY, current: stray }))['web-2']).toBe('node2 10.0.2.5');
  });

  it('pins a new pod with nodeName, and skips a node whose pod CIDR is full', () => {
    const pinned = planLab({ ...lab, pods: [...lab.pods, pod('extra', { nodeName: 'node1' })] }, { images, underlay: UNDERLAY, current: running(fresh) });
    expect(where(pinned).extra).toBe('node1 10.0.1.5');

    const small = twoDeployments();
    small.topology.nodes[1]!.podCIDR = '10.0.2.0/30'; // one pod
    const smallFresh = planLab({ ...small, pods: small.pods.filter((p) => p.name !== 'api-1' && p.name !== 'web-1') }, { images, underlay: UNDERLAY });
    expect(where(smallFresh)['api-0']).toBe('node2 10.0.2.2');
    const grown = planLab({ ...small, pods: small.pods.filter((p) => p.name !== 'api-1') }, { images, underlay: UNDERLAY, current: running(smallFresh) });
    expectUntouched(smallFresh, grown);
    expect(where(grown)['web-1']).toBe('node1 10.0.1.4');
  });

  it('keeps a stopped pod on its node; its address goes to a running pod that holds it', () => {
    const current = new Map<string, PodPlacement>([
      ['default/web-0', { node: 'node1', ip: '10.0.1.2', running: false }],
      ['default/api-0', { node: 'node1', ip: '10.0.1.2', running: true }],
    ]);
    const plan = planLab(lab, { images, underlay: UNDERLAY, current });
    expect(where(plan)['api-0']).toBe('node1 10.0.1.2');
    expect(where(plan)['web-0']).toBe('node1 10.0.1.3');
  });
});
