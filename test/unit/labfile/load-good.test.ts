import { DEFAULT_LIMITS } from '../../../src/labfile/limits.js';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NetlabError } from '../../../src/core/errors.js';
import { loadLab } from '../../../src/labfile/load.js';
import { GOOD, shown } from '../../helpers/labfile-fixtures.js';

describe('loadLab: multi-node lab', () => {
  const file = join(GOOD, 'multi-node', 'lab.yaml');

  it('reads name, title, description and topology with defaults filled in', async () => {
    const { lab, warnings } = await loadLab(file);
    expect(warnings).toEqual([]);
    expect(lab.name).toBe('multi-node');
    expect(lab.title).toBe('Pod to pod across nodes');
    expect(lab.description).toBe('Two nodes, each with its own pod CIDR, joined by a router.\n');
    expect(lab.file).toBe(file);
    expect(lab.dir).toBe(join(GOOD, 'multi-node'));
    expect(lab.topology).toEqual({
      underlay: '172.30.5.0/24',
      // Where the underlay and a written podCIDR are: preflight names these lines.
      underlayAt: { file: shown(file), line: 7, column: 13 },
      serviceCIDR: '10.96.0.0/12',
      clusterCIDR: '10.0.0.0/16',
      proxyMode: 'iptables',
      // No Service: no cluster DNS unless asked for.
      dns: false,
      publish: false,
      limits: DEFAULT_LIMITS,
      routing: 'router',
      external: true,
      nodes: [
        {
          name: 'node1',
          podCIDR: '10.0.1.0/24',
          at: { file: shown(file), line: 11, column: 7 },
          podCIDRAt: { file: shown(file), line: 12, column: 16 },
        },
        // No podCIDR written: the second node gets 10.0.2.0/24.
        { name: 'node2', podCIDR: '10.0.2.0/24', at: { file: shown(file), line: 13, column: 7 } },
      ],
    });
  });

  it('expands the Deployment into replicas named <deployment>-<i>', async () => {
    const { lab } = await loadLab(file);
    expect(lab.pods.map((p) => `${p.namespace}/${p.name}`)).toEqual(['default/client', 'default/server-0', 'default/server-1', 'ops/tools']);
    const [client, server0, server1, tools] = lab.pods;
    expect(client!.nodeName).toBe('node1');
    expect(client!.labels).toEqual({ app: 'client' });
    expect(client!.containers[0]).toEqual({
      name: 'app',
      image: 'netlab/app',
      imageAt: { file: shown(file), line: 22, column: 18 },
      command: ['sleep', 'infinity'],
      env: [],
      ports: [],
      at: { file: shown(file), line: 21, column: 11 },
    });
    expect(server0!.deployment).toBe('server');
    expect(server0!.nodeName).toBeUndefined();
    expect(server0!.labels).toEqual({ app: 'server', tier: 'web' });
    // Every replica is at the Deployment's location.
    expect(server0!.at).toEqual({ file: shown(file), line: 24, column: 5 });
    expect(server1!.at).toEqual(server0!.at);
    expect(server1!.containers.map((c) => c.name)).toEqual(['web', 'sidecar']);
    expect(server1!.containers[0]!.env).toEqual([{ name: 'GREETING', value: 'Hello' }]);
    expect(server1!.containers[0]!.ports).toEqual([
      { name: 'http', containerPort: 8080, protocol: 'TCP' },
      { name: 'dns', containerPort: 5353, protocol: 'UDP' },
    ]);
    expect(server1!.containers[1]!.args).toEqual(['--port', '9090']);
    // Replicas do not share objects: the planner may annotate one without touching the other.
    expect(server1!.containers[0]).not.toBe(server0!.containers[0]);
    expect(tools!.namespace).toBe('ops');
    expect(lab.deployments).toEqual([{ name: 'server', namespace: 'default', replicas: 2, selector: { app: 'server' }, at: server0!.at }]);
  });

  it('defaults probe and expect from what the check names', async () => {
    const { lab } = await loadLab(file);
    expect(lab.checks.map((c) => [c.name, c.probe, c.expect])).toEqual([
      ['client reaches server over http', 'http', 'reachable'],
      ["client reaches the other node's pod", 'ping', 'reachable'],
      ['udp port', 'udp', 'reachable'],
      ["containers share the pod's namespace", 'netns', 'same-netns'],
      ['pods do not share', 'netns', 'different-netns'],
      ['path goes through the router', 'traceroute', 'reachable'],
      ['pod gateway is cbr0', 'gateway', 'reachable'],
      ['external reaches pod', 'ping', 'unreachable'],
      ['sidecar from web over localhost', 'tcp', 'reachable'],
    ]);
    expect(lab.checks[0]).toEqual({
      name: 'client reaches server over http',
      from: 'client',
      to: 'server-0:http',
      probe: 'http',
      expect: 'reachable',
      contains: 'Hello',
      // Defaults of the grading fields.
      needs: [],
      wait: 0,
      points: 1,
      level: 'error',
      at: { file: shown(file), line: 63, column: 5 },
    });
    expect(lab.exercises).toEqual([]);
    expect(lab.checks[5]!.via).toBe('router');
    expect(lab.checks[6]!.to).toBeUndefined();
  });

  it('takes another name for copies of the lab', async () => {
    const { lab } = await loadLab(file, { name: 'alice' });
    expect(lab.name).toBe('alice');
  });

  it('rejects an override that is not a valid lab name', async () => {
    const err = await loadLab(file, { name: 'Alice_1' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetlabError);
    expect((err as NetlabError).message).toBe('lab name "Alice_1" is not a valid name');
    expect((err as NetlabError).hint).toContain('did you mean "alice-1"?');
  });
});

describe('loadLab: manifests from a file (the seed Deployment)', () => {
  const file = join(GOOD, 'with-manifests', 'lab.yaml');
  const manifests = join(GOOD, 'with-manifests', 'manifests.yaml');

  it('reads every document of the file, in place of the file: item', async () => {
    const { lab } = await loadLab(file);
    expect(lab.pods.map((p) => p.name)).toEqual(['service-test-0', 'service-test-1', 'service-test-2', 'service-test-3', 'pinned', 'client']);
    const seed = lab.pods[0]!;
    expect(seed.labels).toEqual({ app: 'service_test_pod' });
    expect(seed.deployment).toBe('service-test');
    // Located in the manifests file, not the lab file.
    expect(seed.at).toEqual({ file: shown(manifests), line: 4, column: 1 });
    expect(seed.containers[0]).toMatchObject({
      name: 'simple-http',
      image: 'python:2.7',
      imagePullPolicy: 'IfNotPresent',
      command: ['/bin/bash'],
      args: ['-c', 'echo "<p>Hello from $(hostname)</p>" > index.html; python-m SimpleHTTPServer 8080'],
      ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
      at: { file: shown(manifests), line: 19, column: 9 },
    });
    expect(lab.pods[4]).toMatchObject({ name: 'pinned', nodeName: 'node2', at: { file: shown(manifests), line: 28, column: 1 } });
    expect(lab.deployments).toEqual([{ name: 'service-test', namespace: 'default', replicas: 4, selector: { app: 'service_test_pod' }, at: seed.at }]);
    expect(lab.checks[0]).toMatchObject({ to: 'service-test-3:http', probe: 'http' });
  });

  it('warns about Kubernetes fields it accepts and ignores, at their keys', async () => {
    const { warnings } = await loadLab(file);
    expect(warnings).toEqual([
      { at: { file: shown(manifests), line: 32, column: 3 }, message: '`annotations` is accepted but ignored', hint: 'annotations have no effect in netlab' },
    ]);
  });
});

describe('loadLab: defaults', () => {
  it('gives a lab without topology one node, node1, with 10.0.1.0/24, behind a router', async () => {
    const { lab } = await loadLab(join(GOOD, 'minimal', 'lab.yaml'));
    expect(lab.topology.routing).toBe('router');
    expect(lab.topology.external).toBe(false);
    expect(lab.topology.underlay).toBeUndefined();
    expect(lab.topology.nodes.map((n) => [n.name, n.podCIDR])).toEqual([['node1', '10.0.1.0/24']]);
    expect(lab.pods.map((p) => [p.name, p.namespace, p.nodeName])).toEqual([
      ['a', 'default', undefined],
      ['b', 'default', undefined],
    ]);
    expect(lab.checks[0]).toMatchObject({ probe: 'ping', expect: 'reachable' });
    expect(lab.title).toBeUndefined();
    expect(lab.deployments).toEqual([]);
  });

  it('says so when the lab file does not exist', async () => {
    const err = await loadLab(join(GOOD, 'nope', 'lab.yaml')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetlabError);
    expect((err as Error).message).toMatch(/lab file .*nope\/lab\.yaml does not exist/);
  });
});
