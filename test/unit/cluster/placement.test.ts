// What `up` gives the planner of a running lab: each pod's node and IP, from its sandbox's labels.
import { describe, expect, it } from 'vitest';
import { currentPlacement } from '../../../src/cluster/placement.js';
import type { LabState } from '../../../src/engine/state.js';
import type { ContainerSummary } from '../../../src/engine/types.js';

function container(name: string, labels: Record<string, string>, state = 'running'): [string, ContainerSummary] {
  return [name, { Id: `id-${name}`, Names: [`/${name}`], Labels: { 'netlab.lab': 't', ...labels }, State: state } as unknown as ContainerSummary];
}

describe('currentPlacement', () => {
  it("reads every sandbox's pod, node and IP, running or not, and nothing else", () => {
    const sandbox = (pod: string, node: string, ip: string) => ({
      'netlab.role': 'pause',
      'netlab.pod': pod,
      'netlab.namespace': 'default',
      'netlab.node': node,
      'netlab.pod-ip': ip,
    });
    const state: LabState = {
      containers: new Map([
        container('t-web-0', sandbox('web-0', 'node1', '10.0.1.2')),
        container('t-web-1', sandbox('web-1', 'node2', '10.0.2.2'), 'exited'),
        // An app container carries the pod and node too, but no IP: the sandbox speaks for the pod.
        container('t-web-0-app', { 'netlab.role': 'container', 'netlab.pod': 'web-0', 'netlab.namespace': 'default', 'netlab.node': 'node1' }),
        container('t-node1', { 'netlab.role': 'node', 'netlab.node': 'node1' }),
      ]),
    };
    expect(Object.fromEntries(currentPlacement(state))).toEqual({
      'default/web-0': { node: 'node1', ip: '10.0.1.2', running: true },
      'default/web-1': { node: 'node2', ip: '10.0.2.2', running: false },
    });
  });
});
