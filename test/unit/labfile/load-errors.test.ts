// Every class of lab file mistake: the exact line and column, what is wrong, what to write.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LabFileError } from '../../../src/core/errors.js';
import { loadLab } from '../../../src/labfile/load.js';
import { BAD, problemsOf, shown, summary } from '../../helpers/labfile-fixtures.js';

describe('YAML syntax', () => {
  it('points at a tab used as indentation', async () => {
    expect(summary(await problemsOf('syntax.yaml'))).toEqual([['5:1', 'YAML syntax: Tabs are not allowed as indentation', 'indent with spaces, not tabs']]);
  });

  it('points at the second of two equal keys', async () => {
    expect(summary(await problemsOf('duplicate-key.yaml'))).toEqual([
      ['3:1', 'YAML syntax: Map keys must be unique', 'write each key once per mapping: remove or rename one of them'],
    ]);
  });

  it('says a lab file is one document', async () => {
    const [problem] = await problemsOf('two-documents.yaml');
    expect(problem!.at).toEqual({ file: shown(join(BAD, 'two-documents.yaml')), line: 2, column: 1 });
    expect(problem!.hint).toContain('a lab file is one YAML document');
  });

  it('explains the seed\'s \\\\" inside double quotes, in the manifests file', async () => {
    const problems = await problemsOf('seed-escape.yaml');
    expect(problems).toEqual([
      {
        at: { file: shown(join(BAD, 'parts', 'seed-literal.yaml')), line: 20, column: 31 },
        message: 'YAML syntax: Missing , or : between flow sequence items',
        hint: 'inside double quotes \\\\ is one backslash and the " after it ends the text: write \\" for a quote character',
      },
    ]);
  });

  it('reports an empty file and a file that is not a mapping', async () => {
    expect(summary(await problemsOf('empty.yaml'))).toEqual([
      ['1:1', 'the lab file is empty', 'start with `name: my-lab`, then topology, workloads and checks'],
    ]);
    expect(summary(await problemsOf('not-a-mapping.yaml'))).toEqual([
      ['1:1', 'a lab file is a mapping of keys (name, topology, workloads, checks)', 'start with `name: my-lab` at the beginning of a line'],
    ]);
  });
});

describe('fields', () => {
  it('rejects unknown fields at the key with "did you mean", and unsupported ones with why', async () => {
    expect(summary(await problemsOf('unknown-fields.yaml'))).toEqual([
      ['2:1', 'unknown field `worklods`', 'did you mean "workloads"?'],
      ['9:7', 'unknown field `nodename` in workloads[0].spec', 'did you mean "nodeName"?'],
      ['10:7', '`hostNetwork` is not supported by netlab', 'netlab pods always get their own network namespace from CNI; remove hostNetwork'],
      ['16:11', 'unknown field `portz` in workloads[0].spec.containers[0]', 'did you mean "ports"?'],
    ]);
  });

  it('image references the engine would refuse, and an imagePullPolicy Kubernetes does not know, at their lines', async () => {
    expect(summary(await problemsOf('images.yaml'))).toEqual([
      [
        '9:18',
        'image "APP_IMAGE" is not a valid image reference: repository name must be lowercase',
        '"APP_IMAGE" looks like a placeholder that was never filled in: write the image itself, e.g. netlab/app, nginx:1.27 or 127.0.0.1:5000/course/web:1',
      ],
      [
        '12:28',
        '`workloads[0].spec.containers[1].imagePullPolicy` must be one of Always, IfNotPresent, Never, not the text "always"',
        'did you mean "Always"?',
      ],
      ['22:35', 'image "https://127.0.0.1:5000/course/api:1" is not a valid image reference', 'write the image without a scheme: 127.0.0.1:5000/course/api:1'],
    ]);
  });

  it('accepts imagePullPolicy, and known Kubernetes fields it ignores (resources), without an error', async () => {
    const problems = await problemsOf('unknown-fields.yaml');
    expect(problems.some((p) => /imagePullPolicy|resources/.test(p.message))).toBe(false);
  });

  it('reports wrong types with the value written and what to write', async () => {
    expect(summary(await problemsOf('wrong-types.yaml'))).toEqual([
      ['3:13', '`topology.external` must be true or false, not the text "yes"', 'write `external: true` or `external: false`'],
      ['4:12', '`topology.routing` must be one of router, direct, not the text "routed"', 'did you mean "router"?'],
      ['10:17', '`workloads[0].spec.replicas` must be a number, not the text "two"', 'write a number, e.g. `replicas: 2`'],
      ['20:26', '`workloads[0].spec.template.spec.containers[0].env[0].value` must be text, not the number 8080', 'put it in quotes: `value: "8080"`'],
      [
        '22:34',
        '`workloads[0].spec.template.spec.containers[0].ports[0].containerPort` must be a number, not the text "8080"',
        'remove the quotes: `containerPort: 8080`',
      ],
      [
        '27:12',
        '`checks[0].probe` must be one of http, tcp, udp, ping, traceroute, netns, gateway, dns, conntrack, not the text "htp"',
        'did you mean "http"?',
      ],
    ]);
  });

  it('reports missing required fields at their mapping', async () => {
    expect(summary(await problemsOf('missing-name.yaml'))).toEqual([
      ['1:1', '`name` is missing', 'add `name: my-lab`'],
      ['4:7', '`topology.nodes[0].name` is missing', 'add `name: node1`'],
    ]);
  });

  it('rejects invalid names, reserved names and pods named like nodes', async () => {
    expect(summary(await problemsOf('names.yaml'))).toEqual([
      [
        '1:7',
        'lab name "Names_Lab" is not a valid name',
        'did you mean "names-lab"? (lowercase letters, digits and "-", starting and ending with a letter or digit, at most 30 characters)',
      ],
      ['5:13', '"external" is reserved for netlab\'s own external container and cannot name a node', 'rename the node, e.g. node2'],
      ['9:23', '"router" is reserved for checks (router, external, localhost) and cannot name a pod', 'rename the pod, e.g. router-pod'],
      ['14:23', 'pod node1 has the same name as a node', 'rename the pod: checks name pods and nodes alike, so they must differ'],
      ['21:17', 'nodeName nod1 names no node of this lab', 'did you mean "node1"?'],
    ]);
  });
});

describe('addresses', () => {
  it('rejects bad CIDRs, suggesting the block meant', async () => {
    expect(summary(await problemsOf('bad-cidrs.yaml'))).toEqual([
      ['3:13', 'underlay 172.30.5.0/8 has prefix /8; netlab takes /16 to /28', 'write a block from /16 to /28, e.g. 172.30.5.0/24'],
      ['6:16', 'pod CIDR 10.0.1.5/24 has host bits set', 'did you mean 10.0.1.0/24?'],
      ['8:16', 'pod CIDR "10.0.3.0" is not an IPv4 CIDR', 'add the prefix length, e.g. 10.0.3.0/24'],
      ['10:16', 'pod CIDR 10.0.4.0/31 has prefix /31; netlab takes /16 to /30', 'write a block from /16 to /30, e.g. 10.0.4.0/24'],
    ]);
  });

  it('rejects pod CIDRs that overlap each other or the underlay, and duplicate node names', async () => {
    const file = shown(join(BAD, 'overlaps.yaml'));
    expect(summary(await problemsOf('overlaps.yaml'))).toEqual([
      [
        '8:16',
        `pod CIDR 192.168.0.0/16 of node node2 overlaps node node1's 192.168.1.0/24 (${file}:6:16)`,
        'give this node a block of its own, e.g. podCIDR: 10.1.0.0/16',
      ],
      ['9:13', `node name "node1" is used twice (first at ${file}:5:13)`, 'give each node its own name, e.g. node4'],
      [
        '10:16',
        `pod CIDR 10.0.3.0/24 of node node1 overlaps the underlay 10.0.0.0/16 (${file}:3:13)`,
        'give this node a block of its own, e.g. podCIDR: 10.1.0.0/24; pod addresses and node addresses must not mix',
      ],
    ]);
  });

  it('rejects more pods on a node than its pod CIDR holds (spread round-robin)', async () => {
    expect(summary(await problemsOf('capacity.yaml'))).toEqual([
      [
        '5:16',
        "node node1's pod CIDR 10.0.1.0/30 holds 1 pod, but 3 are placed on it (pinned, spread-0, spread-2)",
        'use a larger block, e.g. podCIDR: 10.0.1.0/29, or put pods on other nodes with spec.nodeName',
      ],
    ]);
  });

  it('points at the Deployment when the default node overflows', async () => {
    const [problem, ...rest] = await problemsOf('capacity-default.yaml');
    expect(rest).toEqual([]);
    expect([problem!.at.line, problem!.at.column]).toEqual([5, 23]);
    expect(problem!.message).toMatch(/^node node1's pod CIDR 10\.0\.1\.0\/24 holds 253 pods, but 254 are placed on it/);
  });
});

describe('workloads', () => {
  it('rejects duplicate pods (after expansion), containers, ports and port names', async () => {
    const file = shown(join(BAD, 'duplicates.yaml'));
    expect(summary(await problemsOf('duplicates.yaml'))).toEqual([
      ['13:17', 'container name app is used twice in Pod server-0', 'give each container of a pod its own name'],
      ['16:21', 'port name http is already used in this pod (container app)', 'port names must be unique in a pod: rename one of them'],
      [
        '17:30',
        'port 8080/TCP is already used by container app of this pod',
        'containers of a pod share one network namespace, so each port can be used once: pick another port, e.g. containerPort: 8081',
      ],
      [
        '22:23',
        `pod name server-0 is used twice in namespace default: by Pod server-0 at ${file}:5:23 and by Deployment server (pods server-0..server-1)`,
        'pod names must be unique in a namespace: rename one of them',
      ],
    ]);
  });

  it('rejects a selector its template does not satisfy', async () => {
    expect(summary(await problemsOf('selector.yaml'))).toEqual([
      [
        '9:16',
        "Deployment server: selector app=server does not match the template's labels (app=servr)",
        'make them equal: write `app: servr` here, or `app: server` in spec.template.metadata.labels',
      ],
      [
        '10:17',
        "Deployment server: selector tier=web does not match the template's labels (no tier label)",
        'add `tier: web` to spec.template.metadata.labels, or remove it from the selector',
      ],
    ]);
  });

  it('says at the kind line which kinds netlab does without (Endpoints) and does not know; unknown kinds get "did you mean"', async () => {
    expect(summary(await problemsOf('kinds.yaml'))).toEqual([
      [
        '5:11',
        "netlab does not read Endpoints manifests: netlab derives every Service's endpoints from its selector",
        'remove this Endpoints manifest (netlab reads Pod, Deployment, Service, Ingress, Namespace and NetworkPolicy)',
      ],
      ['11:11', 'netlab does not read Deploymnet manifests', 'did you mean "Deployment"?'],
      [
        '13:5',
        'this manifest has no `kind`',
        'write kind: Pod (apiVersion: v1), kind: Deployment (apiVersion: apps/v1), kind: Service (apiVersion: v1), kind: Ingress (apiVersion: networking.k8s.io/v1), kind: Namespace (apiVersion: v1) or kind: NetworkPolicy (apiVersion: networking.k8s.io/v1), or `file: manifests.yaml` to read manifests from a file',
      ],
      ['15:17', 'a Pod has apiVersion v1', 'write apiVersion: v1'],
      ['20:11', '`workloads[3].spec.containers[0].image` is missing', 'add `image: netlab/app`'],
    ]);
  });

  it('reports a missing manifests file at its line, and errors inside a manifests file in that file', async () => {
    const problems = await problemsOf('missing-file.yaml');
    expect(problems.map((p) => [p.at.file, p.at.line, p.at.column])).toEqual([
      [shown(join(BAD, 'missing-file.yaml')), 3, 11],
      [shown(join(BAD, 'parts', 'bad-manifests.yaml')), 19, 26],
    ]);
    expect(problems[0]!.message).toBe(`manifests file parts/manifest.yaml does not exist (looked for ${join(BAD, 'parts', 'manifest.yaml')})`);
    expect(problems[0]!.hint).toBe('did you mean "parts/manifests.yaml"?');
    expect(problems[1]!.message).toBe('`spec.containers[0].ports[0].containerPort` must be at most 65535, not the number 70000');
    // The check naming pod `two` (whose manifest is broken) gets no second, misleading error.
    expect(problems).toHaveLength(2);
  });
});

describe('checks', () => {
  it('reports unresolvable endpoints and probe combinations that make no sense', async () => {
    const file = shown(join(BAD, 'checks.yaml'));
    expect(summary(await problemsOf('checks.yaml'))).toEqual([
      ['25:11', 'from: no pod or node named "clinet"', 'did you mean "client"?'],
      ['27:11', `check name "typo in from" is used twice (first at ${file}:24:11)`, 'give each check its own name'],
      ['29:9', 'to: pod server declares no port named "htp"', 'did you mean "http"?'],
      [
        '31:11',
        'a check starts from a pod, a node, router or external, not an IP address',
        'write the name of the pod or node the probe runs in, e.g. from: client',
      ],
      ['35:9', 'an http check needs a port in `to`, and server has none', 'write server:http'],
      ['39:9', 'a netns check compares network namespaces of pods: to: node1 is not a pod', 'write to: <pod> or to: <pod>/<container>'],
      ['44:13', 'expect: same-netns only applies to probe: netns', 'write probe: netns, or expect: reachable / unreachable'],
      [
        '49:5',
        '`contains` only applies to http and dns checks, and this is a tcp check',
        'remove contains, or set probe: http with a port in `to` (or probe: dns with a name)',
      ],
      ['52:5', 'a gateway check takes no `to`', "remove `to`; write the expected gateway in `via` (default: the node's cbr0 bridge)"],
      ['58:10', 'via: router, but this lab has no router (topology.routing is direct)', 'name a node or an IP address'],
      ['59:5', 'check "no to" has no `to`', 'add `to: <pod>[:port]` (what the check reaches); only `probe: gateway` goes without one'],
      ['63:9', 'port dns of server is UDP, but a tcp check needs a TCP port', 'use probe: udp, or name a TCP port'],
      ['66:11', 'from: this lab has no external client', 'set topology.external: true'],
    ]);
  });
});

describe('LabFileError', () => {
  it('lists every problem as file:line:column with its hint', async () => {
    const err = await loadLab(join(BAD, 'selector.yaml')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LabFileError);
    const file = shown(join(BAD, 'selector.yaml'));
    expect((err as LabFileError).message.split('\n')).toEqual([
      `${file}:9:16: Deployment server: selector app=server does not match the template's labels (app=servr)`,
      '  hint: make them equal: write `app: servr` here, or `app: server` in spec.template.metadata.labels',
      `${file}:10:17: Deployment server: selector tier=web does not match the template's labels (no tier label)`,
      '  hint: add `tier: web` to spec.template.metadata.labels, or remove it from the selector',
    ]);
    expect((err as LabFileError).exitCode).toBe(2);
  });
});
