// $(VAR) expansion, env from the pod's fields and how command/args/env/workingDir/restartPolicy
// reach Docker's create body.
import { describe, expect, it } from 'vitest';
import { containerEnv, expand, expandedCommand } from '../../../src/plan/container-env.js';
import { planLab } from '../../../src/plan/plan.js';
import type { PodSpec } from '../../../src/labfile/model.js';
import { twoNodeLab } from '../../helpers/plan-fixtures.js';

const at = { file: 'lab.yaml', line: 1, column: 1 };
const images = { base: 'b', pause: 'p', app: 'netlab-app:1', node: 'n', router: 'r', probe: 'pr', coredns: 'c', ingress: 'i' };

describe("kubelet's $(VAR) expansion", () => {
  const vars = new Map([
    ['A', 'one'],
    ['B', 'two'],
  ]);
  const lookup = (n: string) => vars.get(n);
  it.each([
    ['$(A)', 'one'],
    ['x$(A)-$(B)y', 'xone-twoy'],
    ['$$(A)', '$(A)'],
    ['$$$(A)', '$one'],
    ['$(MISSING)', '$(MISSING)'],
    ['$(A', '$(A'],
    ['$A $', '$A $'],
    ['$', '$'],
    ['$()', '$()'],
    ['cost: $$5', 'cost: $5'],
  ])('%s -> %s', (input, output) => {
    expect(expand(input, lookup)).toBe(output);
  });
});

describe("a container's env", () => {
  const fields = { pod: { name: 'web', namespace: 'shop', labels: { app: 'web' } }, node: 'node2', podIP: '10.0.2.5', hostIP: '192.168.9.12' };

  it('expands values with earlier variables only; a later one of the same name replaces it; fieldRefs are the pod fields', () => {
    const env = containerEnv(
      {
        env: [
          { name: 'LATER', value: '$(FIRST)' },
          { name: 'FIRST', value: 'a' },
          { name: 'BOTH', value: '$(FIRST)-$(IP)' },
          { name: 'IP', value: '', fieldPath: 'status.podIP' },
          { name: 'NODE', value: '', fieldPath: 'spec.nodeName' },
          { name: 'HOST', value: '', fieldPath: 'status.hostIP' },
          { name: 'NS', value: '', fieldPath: 'metadata.namespace' },
          { name: 'APP', value: '', fieldPath: "metadata.labels['app']" },
          { name: 'SA', value: '', fieldPath: 'spec.serviceAccountName' },
          { name: 'FIRST', value: 'b' },
        ],
      },
      fields,
    );
    expect(Object.fromEntries(env)).toEqual({
      LATER: '$(FIRST)',
      FIRST: 'b',
      BOTH: 'a-$(IP)',
      IP: '10.0.2.5',
      NODE: 'node2',
      HOST: '192.168.9.12',
      NS: 'shop',
      APP: 'web',
      SA: 'default',
    });
    expect(expandedCommand({ command: ['sh', '-c', 'echo $(FIRST) $$(FIRST) $(NOPE)'], args: ['$(IP)'] }, env)).toEqual({
      command: ['sh', '-c', 'echo b $(FIRST) $(NOPE)'],
      args: ['10.0.2.5'],
    });
  });
});

describe('the app container Docker creates', () => {
  const pod = (extra: Partial<PodSpec>, container: Partial<PodSpec['containers'][number]> = {}): PodSpec => ({
    name: 'web',
    namespace: 'default',
    labels: { app: 'web' },
    nodeName: 'node2',
    containers: [{ name: 'app', image: 'netlab/app', env: [{ name: 'GREETING', value: 'hi' }], ports: [], at, ...container }],
    at,
    ...extra,
  });
  const create = (p: PodSpec) => planLab(twoNodeLab([p]), { images, underlay: '192.168.9.0/24' }).pods[0]!.containers[0]!.create;

  it('command replaces ENTRYPOINT (expanded), args replace CMD, workingDir, and Always by default', () => {
    const c = create(pod({}, { command: ['/bin/sh', '-c', 'echo $(GREETING) from $(POD_NAME)'], args: ['x'], workingDir: '/srv' }));
    expect(c.Entrypoint).toEqual(['/bin/sh', '-c', 'echo hi from $(POD_NAME)']);
    expect(c.Cmd).toEqual(['x']);
    expect(c.WorkingDir).toBe('/srv');
    expect(c.HostConfig?.RestartPolicy).toEqual({ Name: 'always' });
    expect(c.Env).toEqual(['POD_NAME=web', 'POD_NAMESPACE=default', 'NODE_NAME=node2', 'POD_IP=10.0.2.2', 'GREETING=hi']);
  });

  it('args alone keep the ENTRYPOINT; empty command or args are none', () => {
    const alone = create(pod({}, { args: ['--port', '9090'] }));
    expect(alone.Entrypoint).toBeUndefined();
    expect(alone.Cmd).toEqual(['--port', '9090']);
    const empty = create(pod({}, { command: [], args: [] }));
    expect(empty.Entrypoint).toBeUndefined();
    expect(empty.Cmd).toBeUndefined();
    expect(empty.WorkingDir).toBeUndefined();
  });

  it("restartPolicy maps onto Docker's restart policies", () => {
    expect(create(pod({ restartPolicy: 'OnFailure' })).HostConfig?.RestartPolicy).toEqual({ Name: 'on-failure' });
    expect(create(pod({ restartPolicy: 'Never' })).HostConfig?.RestartPolicy).toEqual({ Name: 'no' });
  });

  it("a container's own variable of the same name wins over netlab's", () => {
    expect(create(pod({}, { env: [{ name: 'POD_IP', value: 'mine' }] })).Env).toContain('POD_IP=mine');
    expect(create(pod({}, { env: [{ name: 'POD_IP', value: 'mine' }] })).Env).not.toContain('POD_IP=10.0.2.2');
  });
});
