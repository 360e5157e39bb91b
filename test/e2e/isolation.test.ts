// Nothing in a lab reaches the engine host's own services or another lab (issue 8). A listener
// in this process (on the engine host, bound to 0.0.0.0, TCP and UDP) must hear nothing from
// any node, router, external client or pod, at any of the host's addresses: the lab networks'
// gateways, docker0, the host's own. Not even when a node or the router is given a route to
// them, as a student with `netlab exec` may do. One lab must not reach another's. The labs' own
// checks still pass, and --publish still answers on 127.0.0.1.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withGuard } from '../../src/cluster/isolation.js';
import { networkName } from '../../src/core/names.js';
import { rawStepsRequest, type StepResult } from '../../src/core/toolbox-request.js';
import { imageRefs } from '../../src/images/index.js';
import type { Engine } from '../../src/engine/engine.js';
import { checkJson, engine, failures, labObjects, netlab, uniqueName } from '../helpers/e2e.js';

const labA = uniqueName('iso-a'); // labs/multi-node: router, external client, pods on two nodes
const labB = uniqueName('iso-b'); // direct routing, other pod CIDRs, a NodePort published on 127.0.0.1
const nodePort = 30000 + Math.floor(Math.random() * 2700);
const dir = mkdtempSync(join(tmpdir(), 'netlab-isolation-'));

const LAB_B = `
name: iso-b
topology:
  routing: direct
  publish: true
  nodes:
    - { name: node1, podCIDR: 10.0.201.0/24 }
    - { name: node2, podCIDR: 10.0.202.0/24 }
workloads:
  - apiVersion: apps/v1
    kind: Deployment
    metadata: { name: web, labels: { app: web } }
    spec:
      replicas: 2
      selector: { matchLabels: { app: web } }
      template:
        metadata: { labels: { app: web } }
        spec:
          containers:
            - { name: app, image: netlab/app, ports: [{ name: http, containerPort: 8080 }] }
  - apiVersion: v1
    kind: Service
    metadata: { name: web }
    spec:
      type: NodePort
      selector: { app: web }
      ports: [{ port: 80, targetPort: http, nodePort: ${nodePort} }]
checks:
  - { name: web-0 reaches web-1 on the other node, from: web-0, to: "web-1:http", contains: Hello from web-1 }
  - { name: node2 reaches the NodePort on node1, from: node2, to: "node1:${nodePort}", contains: Hello from web }
`;

/** What the host heard: TCP connections and UDP datagrams, with where they came from. */
const heard: string[] = [];
let tcp: Server;
let udp: UdpSocket;
let tcpPort = 0;
let udpPort = 0;
let docker: Engine;

beforeAll(async () => {
  docker = await engine();
  tcp = createServer((socket) => {
    heard.push(`tcp from ${socket.remoteAddress}`);
    socket.on('error', () => undefined);
    socket.end('host\n');
  });
  await new Promise<void>((resolve) => tcp.listen(0, '0.0.0.0', resolve));
  tcpPort = (tcp.address() as AddressInfo).port;
  udp = createSocket('udp4');
  udp.on('message', (msg, from) => heard.push(`udp ${msg.toString().trim()} from ${from.address}`));
  await new Promise<void>((resolve) => udp.bind(0, '0.0.0.0', resolve));
  udpPort = udp.address().port;
  writeFileSync(join(dir, 'lab.yaml'), LAB_B);
  const [a, b] = await Promise.all([netlab(['up', 'multi-node', '--name', labA]), netlab(['up', join(dir, 'lab.yaml'), '--name', labB])]);
  expect(a.exitCode, a.all).toBe(0);
  expect(b.exitCode, b.all).toBe(0);
});

afterAll(async () => {
  await Promise.all([netlab(['down', labA]), netlab(['down', labB])]);
  tcp?.close();
  udp?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function network(lab: string) {
  const n = (await docker.listNetworks({ name: [networkName(lab)] })).find((x) => x.Name === networkName(lab))!;
  return { id: n.Id, bridge: `br-${n.Id.slice(0, 12)}`, gateway: n.IPAM!.Config![0]!.Gateway!, subnet: n.IPAM!.Config![0]!.Subnet! };
}

/** nft on the engine host, through a guard as netlab runs it (argv, NET_ADMIN on the host network). */
async function nft(...args: string[]): Promise<StepResult> {
  const image = (await imageRefs()).probe;
  const [result] = await withGuard(docker, labA, image, (guard) => guard.run(rawStepsRequest('test nft', [{ argv: ['nft', ...args] }])));
  return result!;
}

async function underlayIP(lab: string, part: string): Promise<string> {
  return (await docker.inspectContainer(`${lab}-${part}`))!.NetworkSettings.Networks[networkName(lab)]!.IPAddress;
}

/** Every IPv4 address this host holds (the labs' gateways, docker0, its own interfaces). */
function hostAddresses(): string[] {
  return [
    ...new Set(
      Object.values(networkInterfaces())
        .flat()
        .filter((a) => a && a.family === 'IPv4' && !a.internal)
        .map((a) => a!.address),
    ),
  ];
}

/**
 * From one container: a TCP connection and a UDP datagram to each address (2 s at most each).
 * With `via`, first a route to each address through that gateway, as a student could add;
 * the routes are taken away again after. Prints `tcp <addr> reached` for a connection made.
 */
async function probeFrom(container: string, addresses: string[], via?: string): Promise<string> {
  const script = [
    'port=$1 uport=$2 via=$3 tag=$4; shift 4',
    'if [ -n "$via" ]; then for a in "$@"; do [ "$a" = "$via" ] || ip route replace "$a/32" via "$via"; done; fi',
    'for a in "$@"; do',
    '  (if timeout 2 bash -c \'exec 3<>"/dev/tcp/$0/$1"\' "$a" "$port" 2>/dev/null; then echo "tcp $a reached"; else echo "tcp $a blocked"; fi) &',
    '  (echo "$tag->$a" | timeout 2 nc -u -w 1 "$a" "$uport" 2>/dev/null) &',
    'done',
    'wait',
    'if [ -n "$via" ]; then for a in "$@"; do [ "$a" = "$via" ] || ip route del "$a/32" via "$via"; done; fi',
    'true',
  ].join('\n');
  const r = await docker.exec(container, ['bash', '-c', script, 'probe', String(tcpPort), String(udpPort), via ?? '', container, ...addresses]);
  expect(r.exitCode, `${container}: ${r.stderr}`).toBe(0);
  return r.stdout;
}

/** Lines saying a connection was made; the host's own record is checked separately. */
const reached = (out: string) => out.split('\n').filter((l) => l.endsWith(' reached'));

async function settle(): Promise<void> {
  // Datagrams in flight arrive within milliseconds; a second is generous.
  await new Promise((resolve) => setTimeout(resolve, 1000));
}

describe('isolation from the host and between labs', () => {
  it('both labs come up and pass their own checks; the published NodePort answers on 127.0.0.1', async () => {
    for (const lab of [labA, labB]) {
      const { exitCode, report } = await checkJson(lab);
      expect(failures(report), lab).toEqual([]);
      expect(exitCode).toBe(0);
    }
    // Each lab's guard is on the engine's network with NET_ADMIN alone; its table is there.
    for (const lab of [labA, labB]) {
      const guards = await docker.listContainers({ label: ['netlab.role=guard', `netlab.lab=${lab}`] });
      expect(guards.map((g) => g.Names[0])).toEqual([`/${lab}.guard`]);
      const info = await docker.inspectContainer(`${lab}.guard`);
      expect(info?.HostConfig).toMatchObject({ NetworkMode: 'host', CapAdd: ['NET_ADMIN'], CapDrop: ['ALL'], Privileged: false });
    }
    const exec = await netlab(['exec', labA, 'guard', '--', 'id']);
    expect(exec.exitCode).not.toBe(0);
    expect(exec.all).toMatch(/No guard in lab/);
    for (const lab of [labA, labB]) expect((await nft('list', 'table', 'inet', `netlab-${(await network(lab)).bridge}`)).exitCode).toBe(0);
    const res = await fetch(`http://127.0.0.1:${nodePort}/`, { signal: AbortSignal.timeout(5000) });
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/Hello from web-[01]/);
  });

  it('no node, router, external client or pod reaches a service on any of the host addresses', async () => {
    const [a, b] = await Promise.all([network(labA), network(labB)]);
    const addresses = hostAddresses();
    expect(addresses).toContain(a.gateway);
    expect(addresses).toContain(b.gateway);
    const sources = [
      ...['node1', 'node2', 'router', 'external', 'client-app', 'server-0-app'].map((c) => `${labA}-${c}`),
      ...['node1', 'node2', 'web-0-app'].map((c) => `${labB}-${c}`),
    ];
    heard.length = 0;
    const outs = await Promise.all(sources.map((c) => probeFrom(c, addresses)));
    for (const [i, out] of outs.entries()) {
      expect(reached(out), sources[i]).toEqual([]);
      expect(out).toContain(`tcp ${a.gateway} blocked`);
    }
    await settle();
    expect(heard).toEqual([]);
  });

  it('nor when a node or the router holds a route to each host address through its gateway', async () => {
    const [a, b] = await Promise.all([network(labA), network(labB)]);
    const addresses = hostAddresses();
    heard.length = 0;
    const outs = await Promise.all([
      probeFrom(`${labA}-node1`, addresses, a.gateway),
      probeFrom(`${labA}-router`, addresses, a.gateway),
      probeFrom(`${labB}-node2`, addresses, b.gateway),
    ]);
    for (const out of outs) expect(reached(out)).toEqual([]);
    await settle();
    expect(heard).toEqual([]);
  });

  it("lab B cannot reach lab A's nodes, router or pods, not even through its own gateway", async () => {
    const [a, b] = await Promise.all([network(labA), network(labB)]);
    const aUnderlay = await Promise.all(['node1', 'node2', 'router', 'external'].map((c) => underlayIP(labA, c)));
    const aPods = ['10.0.1.2', '10.0.1.3', '10.0.2.2'];
    // The probe works: lab A's client reaches its servers with the same command.
    const control = await docker.exec(`${labA}-client-app`, ['timeout', '2', 'bash', '-c', 'exec 3<>/dev/tcp/10.0.2.2/8080']);
    expect(control.exitCode).toBe(0);
    const script = [
      'gw=$1 subnet=$2; shift 2',
      // As a student could: lab A's underlay and pod CIDRs through lab B's gateway (the host).
      'ip route replace "$subnet" via "$gw"; ip route replace 10.0.1.0/24 via "$gw"; ip route replace 10.0.2.0/24 via "$gw"',
      'for t in "$@"; do',
      '  (if ping -c 1 -W 1 "$t" >/dev/null 2>&1; then echo "ping $t reached"; fi) &',
      '  (if timeout 2 bash -c \'exec 3<>"/dev/tcp/$0/8080"\' "$t" 2>/dev/null; then echo "tcp $t reached"; fi) &',
      'done',
      'wait',
      'ip route del "$subnet" via "$gw"; ip route del 10.0.1.0/24 via "$gw"; ip route del 10.0.2.0/24 via "$gw"',
    ].join('\n');
    const fromNode = await docker.exec(`${labB}-node1`, ['bash', '-c', script, 'probe', b.gateway, a.subnet, ...aUnderlay, ...aPods]);
    expect(fromNode.stdout + fromNode.stderr).toBe('');
    // A pod of lab B, with its node's ordinary routes.
    const fromPod = await docker.exec(`${labB}-web-0-app`, [
      'bash',
      '-c',
      'for t in "$@"; do (timeout 2 bash -c \'exec 3<>"/dev/tcp/$0/8080"\' "$t" 2>/dev/null && echo "tcp $t reached") & done; wait',
      'probe',
      ...aUnderlay,
      ...aPods,
    ]);
    expect(fromPod.stdout).toBe('');
  });

  it("without netlab's table the host answers (the hole this closes); Docker alone still keeps the labs apart; up puts the table back", async () => {
    const [a, b] = await Promise.all([network(labA), network(labB)]);
    expect((await nft('list', 'table', 'inet', `netlab-${a.bridge}`)).stdout).toContain(`iifname "${a.bridge}" drop`);
    expect((await nft('list', 'table', 'inet', `netlab-${b.bridge}`)).exitCode).toBe(0);
    for (const bridge of [a.bridge, b.bridge]) expect((await nft('delete', 'table', 'inet', `netlab-${bridge}`)).exitCode).toBe(0);

    heard.length = 0;
    const out = await probeFrom(`${labA}-node1`, [a.gateway]);
    expect(out).toContain(`tcp ${a.gateway} reached`);
    const aNode1 = await underlayIP(labA, 'node1');
    const crossing = await docker.exec(`${labB}-node1`, [
      'bash',
      '-c',
      'ip route replace "$1" via "$2"; ping -c 1 -W 1 "$3" >/dev/null 2>&1 && echo reached; ip route del "$1" via "$2"; true',
      'probe',
      a.subnet,
      b.gateway,
      aNode1,
    ]);
    expect(crossing.stdout).toBe('');
    await settle();
    expect(heard).toContain(`tcp from ${aNode1}`);
    expect(heard).toContain(`udp ${labA}-node1->${a.gateway} from ${aNode1}`);

    for (const r of await Promise.all([netlab(['up', labA]), netlab(['up', labB])])) expect(r.exitCode, r.all).toBe(0);
    expect((await nft('list', 'table', 'inet', `netlab-${a.bridge}`)).exitCode).toBe(0);
    expect((await nft('list', 'table', 'inet', `netlab-${b.bridge}`)).exitCode).toBe(0);
    heard.length = 0;
    expect(reached(await probeFrom(`${labA}-node1`, [a.gateway]))).toEqual([]);
    await settle();
    expect(heard).toEqual([]);
  });

  it('down removes the labs, their tables, and leaves nothing behind', async () => {
    const [a, b] = await Promise.all([network(labA), network(labB)]);
    const r = await netlab(['down', labA]);
    expect(r.exitCode, r.all).toBe(0);
    expect(r.stdout).toContain(`removed inet netlab-${a.bridge}`);
    expect(await labObjects(labA)).toEqual({ containers: 0, networks: 0, volumes: 0 });
    // A's table is gone, B's is still there.
    const tables = await nft('list', 'tables', 'inet');
    expect(tables.stdout).not.toContain(`netlab-${a.bridge}`);
    expect(tables.stdout).toContain(`netlab-${b.bridge}`);
    // A table left by a network removed behind netlab's back (its bridge no longer exists) goes with the next down.
    const orphan = `br-${randomBytes(6).toString('hex')}`;
    expect((await nft('add', 'table', 'inet', `netlab-${orphan}`)).exitCode).toBe(0);
    const rb = await netlab(['down', labB]);
    expect(rb.exitCode, rb.all).toBe(0);
    expect(rb.stdout).toContain(`removed inet netlab-${b.bridge}, inet netlab-${orphan}`);
    const left = await nft('list', 'tables', 'inet');
    expect(left.stdout).not.toContain(`netlab-${b.bridge}`);
    expect(left.stdout).not.toContain(`netlab-${orphan}`);
    expect(await labObjects(labB)).toEqual({ containers: 0, networks: 0, volumes: 0 });
  });
});
