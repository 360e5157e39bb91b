// kube-proxy's three modes against the real kernel: the rules netlab generates are
// loaded into a node container (NET_ADMIN/NET_RAW only, never privileged) and real
// traffic from a client container, routed to the cluster IPs through that node, must
// reach both backends, stick to one with session affinity, and be refused at once for a
// service without endpoints. Traffic flows only between containers this test starts,
// on a network it creates; everything carries netlab.lab=<lab> and is removed in afterAll.
// The network is set up as `netlab up` sets up a lab's underlay: not `internal` (Docker's
// isolation rules for internal networks drop every bridged packet addressed outside the
// subnet, i.e. to a cluster IP), Docker's masquerade off, and no container keeps a default
// route, so nothing leaves the lab network.
import { randomBytes } from 'node:crypto';
import { down } from '../../src/cluster/down.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContainerCreate } from '../../src/core/container-create.js';
import type { Engine } from '../../src/engine/engine.js';
import { ensureImages, type ImageName } from '../../src/images/index.js';
import type { AgentStep } from '../../src/core/toolbox-request.js';
import type { NodeSync } from '../../src/plan/proxy/driver.js';
import { iptablesDriver } from '../../src/plan/proxy/iptables/driver.js';
import { chainsFromSave, iptablesRestore } from '../../src/plan/proxy/iptables/rules.js';
import { nftablesDriver } from '../../src/plan/proxy/nftables/driver.js';
import { nftablesScript } from '../../src/plan/proxy/nftables/rules.js';
import type { ProxyInput, ServicePortState } from '../../src/plan/proxy/types.js';
import { userspaceDriver } from '../../src/plan/proxy/userspace/driver.js';
import { PROXY_CONFIG, userspaceConfig } from '../../src/plan/proxy/userspace/rules.js';
import { engine } from '../helpers/e2e.js';

const lab = `test-proxy-${randomBytes(4).toString('hex')}`;
const labels = { 'netlab.lab': lab };
const SERVICE_CIDR = '10.96.0.0/16';
const WEB = '10.96.0.50';
const EMPTY = '10.96.0.51';
const STICKY = '10.96.0.52';
const NODE_PORT = 30500;

let e: Engine;
let refs: Record<ImageName, string>;
let network: string;
const ip: Record<'a' | 'b' | 'client', string> = { a: '', b: '', client: '' };
/** The client container's id. */
let client: string;

/** Starts a container on the lab network (with NET_ADMIN at least) and removes its default route; its id. */
async function run(suffix: string, spec: ContainerCreate): Promise<string> {
  const caps = spec.HostConfig?.CapAdd ?? ['NET_ADMIN'];
  const container = await e.createContainer(`${lab}-${suffix}`, {
    ...spec,
    Labels: labels,
    HostConfig: { NetworkMode: network, ...spec.HostConfig, CapAdd: caps },
  });
  await e.startContainer(container);
  await ok(container, 'ip route del default 2>/dev/null; true');
  return container;
}

async function ipOf(container: string): Promise<string> {
  const info = await e.inspectContainer(container);
  if (!info) throw new Error(`container ${container} is gone`);
  const addr = info.NetworkSettings.Networks[network]?.IPAddress;
  if (!addr) throw new Error(`${info.Name} has no address on ${network}`);
  return addr;
}

function sh(container: string, script: string, stdin?: string) {
  return e.exec(container, ['sh', '-c', script], stdin === undefined ? {} : { stdin });
}

async function ok(container: string, script: string, stdin?: string): Promise<string> {
  const r = await sh(container, script, stdin);
  expect(r.exitCode, `${script}\n${r.stdout}${r.stderr}`).toBe(0);
  return r.stdout;
}

/**
 * A node as netlab starts one: the node image, NET_ADMIN and NET_RAW, IP forwarding.
 * Also no ICMP redirects: here the client sits on the node's own network, so the node
 * forwards service traffic out of the interface it came in on and first sends the client
 * a redirect, which resets the kernel's per-peer ICMP rate limit (inet_peer rate_last):
 * the port-unreachable of a REJECT right after it is then suppressed, and curl only
 * learns "refused" after SYN retransmits (1-3 s). Pods behind the node's cbr0 never hit
 * this (their traffic leaves by another interface).
 */
async function startNode(suffix: string): Promise<{ node: string; nodeIP: string }> {
  const node = await run(`node-${suffix}`, {
    Image: refs.node,
    HostConfig: {
      CapAdd: ['NET_ADMIN', 'NET_RAW'],
      Sysctls: { 'net.ipv4.ip_forward': '1', 'net.ipv4.conf.all.send_redirects': '0', 'net.ipv4.conf.eth0.send_redirects': '0' },
    },
  });
  const nodeIP = await ipOf(node);
  // A real node has a route for the service range (its default route); this one has none,
  // so give it an on-link one: traffic kube-proxy does not DNAT is then forwarded (through
  // the filter rules) rather than dropped as unroutable.
  await ok(node, `ip route replace ${SERVICE_CIDR} dev eth0`);
  // The client reaches the cluster IPs through this node, as a pod reaches them through its node.
  await ok(client, `ip route replace ${SERVICE_CIDR} via ${nodeIP}`);
  return { node, nodeIP };
}

function input(nodeIP: string): ProxyInput {
  const ep = (who: 'a' | 'b', port: number) => ({ ip: ip[who], port, node: 'node1' });
  const svc = (s: Partial<ServicePortState> & Pick<ServicePortState, 'service' | 'clusterIP'>): ServicePortState => ({
    namespace: 'default',
    portName: 'http',
    protocol: 'TCP',
    port: 80,
    endpoints: [ep('a', 8080), ep('b', 8080)],
    ...s,
  });
  return {
    node: 'node1',
    nodeIP,
    clusterCIDR: '10.244.0.0/16',
    serviceCIDR: SERVICE_CIDR,
    services: [
      svc({ service: 'web', clusterIP: WEB, nodePort: NODE_PORT }),
      svc({ service: 'web', portName: 'dns', protocol: 'UDP', clusterIP: WEB, port: 53, endpoints: [ep('a', 5353), ep('b', 5353)] }),
      svc({ service: 'empty', clusterIP: EMPTY, endpoints: [] }),
      svc({ service: 'sticky', clusterIP: STICKY, affinitySeconds: 600 }),
    ],
  };
}

/**
 * A driver's sync as netlab runs it (its steps and checks at once, then what `after` finds left),
 * but run by the test in the node container itself: the same programs, by the same argv, with
 * the same stdin (netlab's toolbox runs them in the node's network namespace).
 */
async function runSync(node: string, sync: NodeSync): Promise<AgentStep[]> {
  const run = async (s: AgentStep) => ({ ...(await e.exec(node, [...s.argv], s.stdin === undefined ? {} : { stdin: s.stdin })), ms: 0 });
  if (sync.files) await e.putFiles(node, sync.files.dir, { ...sync.files.files });
  const [loaded, checks] = await Promise.all([Promise.all(sync.steps.map(run)), Promise.all(sync.checks.map(run))]);
  for (const r of loaded) expect(r.exitCode, r.stderr).toBe(0);
  const left = sync.after(checks);
  for (const r of await Promise.all(left.map(run))) expect(r.exitCode, r.stderr).toBe(0);
  return left;
}

/** `count` HTTP requests from the client, in one exec; the answers' "Hello from X" lines. */
async function requests(url: string, count: number): Promise<string[]> {
  const out = await ok(client, `for i in $(seq ${count}); do curl -s -m 3 ${url} || echo "curl-failed $?"; done`);
  return out.trim().split('\n');
}

function backends(lines: string[]): Set<string> {
  return new Set(lines.map((l) => /^Hello from (\w+)/.exec(l)?.[1] ?? l));
}

/** curl's exit code and how long it took, from inside the client. */
async function timedCurl(url: string, maxSeconds = 5): Promise<{ exit: number; ms: number }> {
  const out = await ok(client, `s=$(date +%s%N); curl -s -m ${maxSeconds} ${url} >/dev/null; e=$?; echo "$e $(( ($(date +%s%N) - s) / 1000000 ))"`);
  const [exit, ms] = out.trim().split(' ').map(Number);
  return { exit: exit!, ms: ms! };
}

async function udpAnswer(host: string, port: number): Promise<string> {
  return (await ok(client, `echo ping | nc -u -w1 ${host} ${port}; true`)).trim();
}

/** The same traffic checks for every mode. */
async function serviceTraffic(nodeIP: string) {
  const answers = await requests(`http://${WEB}/`, 20);
  expect(answers.filter((l) => l.startsWith('Hello from')).length, answers.join('\n')).toBe(20);
  expect(backends(answers)).toEqual(new Set(['a', 'b']));

  const viaNodePort = await requests(`http://${nodeIP}:${NODE_PORT}/`, 24);
  expect(backends(viaNodePort)).toEqual(new Set(['a', 'b']));

  // ClientIP affinity: every request of this client lands on the same endpoint.
  const sticky = await requests(`http://${STICKY}/`, 10);
  expect(
    sticky.every((l) => l.startsWith('Hello from')),
    sticky.join('\n'),
  ).toBe(true);
  expect(backends(sticky).size, sticky.join('\n')).toBe(1);

  expect(await udpAnswer(WEB, 53)).toMatch(/^Hello from [ab] /);
}

beforeAll(async () => {
  e = await engine();
  refs = await ensureImages(e, () => {}, { only: ['node', 'probe', 'app'] });
  await e.createNetwork({
    Name: lab,
    Driver: 'bridge',
    Internal: false,
    Options: { 'com.docker.network.bridge.enable_ip_masquerade': 'false' },
    Labels: labels,
  });
  network = lab;
  const [a, b, c] = await Promise.all([
    run('a', { Image: refs.app, Cmd: ['--http', '8080', '--udp', '5353'], Env: ['POD_NAME=a'] }),
    run('b', { Image: refs.app, Cmd: ['--http', '8080', '--udp', '5353'], Env: ['POD_NAME=b'] }),
    run('client', { Image: refs.probe }),
  ]);
  client = c;
  [ip.a, ip.b, ip.client] = await Promise.all([ipOf(a), ipOf(b), ipOf(c)]);
  // The backends answer before any rule is involved.
  for (const who of ['a', 'b'] as const) {
    expect(await ok(client, `curl -s -m 3 http://${ip[who]}:8080/`)).toContain(`Hello from ${who}`);
  }
});

afterAll(async () => {
  // Everything the test made carries its label: netlab's own `down` removes it.
  if (e) await down(e, lab, () => {});
});

describe('kube-proxy modes on a real node', () => {
  it('iptables: one iptables-restore --noflush, idempotent jumps, load spreading, REJECT, stale chains removed', async () => {
    const { node, nodeIP } = await startNode('iptables');
    const rules = iptablesRestore(input(nodeIP));
    // Twice: the jumps are ensured (by a second restore, the first time only), not duplicated,
    // and the restore replaces its chains.
    expect(await runSync(node, iptablesDriver.sync(input(nodeIP), { pid: 0 }))).toHaveLength(1);
    expect(await runSync(node, iptablesDriver.sync(input(nodeIP), { pid: 0 }))).toEqual([]);
    const save = await ok(node, 'iptables-save');
    // kube-proxy's canary chains, as its iptables Monitor leaves them: empty, in mangle, nat and filter.
    for (const table of ['mangle', 'nat', 'filter'] as const) expect(chainsFromSave(save, table), table).toContain('KUBE-PROXY-CANARY');
    // Every rule of the restore is in the kernel (kube-proxy's chains hold nothing else).
    for (const table of ['filter', 'nat']) {
      const section = (text: string) => text.split(`*${table}\n`)[1]!.split('COMMIT')[0]!;
      const ours = section(rules)
        .split('\n')
        .filter((l) => l.startsWith('-A ')).length;
      const loaded = section(save)
        .split('\n')
        .filter((l) => /^-A KUBE-/.test(l)).length;
      expect(loaded, table).toBe(ours);
    }
    expect(save.match(/^-A PREROUTING .*-j KUBE-SERVICES$/gm)).toHaveLength(1);
    expect(save.match(/^-A FORWARD .*-j KUBE-SERVICES$/gm)).toHaveLength(1);
    expect(save).toContain(
      '-A KUBE-SERVICES -d 10.96.0.51/32 -p tcp -m comment --comment "default/empty:http has no endpoints" -m tcp --dport 80 -j REJECT --reject-with icmp-port-unreachable',
    );
    expect(save).toMatch(
      /-A KUBE-SVC-\w+ -m comment --comment "default\/web:http -> [\d.]+:8080" -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-\w+/,
    );

    await serviceTraffic(nodeIP);
    const refused = await timedCurl(`http://${EMPTY}/`);
    expect(refused.exit).toBe(7); // connection refused: the ICMP port unreachable of REJECT
    expect(refused.ms).toBeLessThan(1000);

    // The sticky service goes away: its chains are flushed and deleted (-X) by the next restore.
    const before = chainsFromSave(save, 'nat');
    const without = input(nodeIP);
    without.services = without.services.filter((s) => s.service !== 'sticky');
    await ok(node, 'iptables-restore --noflush', iptablesRestore(without, before));
    // And by the sync, which finds them in what it reads back: the web service goes too.
    const webless = { ...without, services: without.services.filter((s) => s.service !== 'web') };
    expect(await runSync(node, iptablesDriver.sync(webless, { pid: 0 }))).toHaveLength(1);
    const left = chainsFromSave(await ok(node, 'iptables-save'), 'nat').filter((c) => /^KUBE-(SVC|SEP|EXT)-/.test(c));
    expect(left).toEqual([]);
    await runSync(node, iptablesDriver.sync(without, { pid: 0 }));
    const after = chainsFromSave(await ok(node, 'iptables-save'), 'nat');
    const kept = after.filter((c) => /^KUBE-(SVC|SEP|EXT)-/.test(c));
    expect(before.filter((c) => /^KUBE-(SVC|SEP|EXT)-/.test(c)).length - kept.length).toBe(3); // 1 SVC + 2 SEP
    expect((await timedCurl(`http://${STICKY}/`, 1)).exit).not.toBe(0);
    expect(backends(await requests(`http://${WEB}/`, 24))).toEqual(new Set(['a', 'b']));
  });

  it('nftables: the ip kube-proxy table replaced atomically, verdict maps, numgen, reject', async () => {
    const { node, nodeIP } = await startNode('nftables');
    const script = nftablesScript(input(nodeIP));
    expect(nftablesDriver.sync(input(nodeIP), { pid: 0 }).steps[0]!.stdin).toBe(script);
    for (let i = 0; i < 2; i++) expect(await runSync(node, nftablesDriver.sync(input(nodeIP), { pid: 0 }))).toEqual([]);
    const table = await ok(node, 'nft list table ip kube-proxy');
    expect(table).toContain('map service-ips {');
    expect(table).toMatch(/numgen random mod 2 vmap \{ 0 : goto endpoint-\w{8}-default\/web\/tcp\/http__/);
    expect(table).toContain(`${EMPTY} . tcp . 80 comment "default/empty:http" : goto reject-chain`);
    // Nothing in iptables: this mode is nftables only.
    expect(await ok(node, 'iptables-save -t nat')).not.toContain('KUBE-');

    await serviceTraffic(nodeIP);
    const refused = await timedCurl(`http://${EMPTY}/`);
    expect(refused.exit).toBe(7);
    expect(refused.ms).toBeLessThan(1000);
  });

  it('userspace: netlab-proxy in the node, REDIRECT to its ports, round robin, reload, SIGTERM', async () => {
    const { node, nodeIP } = await startNode('userspace');
    const setup = userspaceDriver.nodeSetup!;
    // As netlab syncs a new node: nothing kept yet, the config in, the rules loaded, the proxy started (by argv, no shell).
    expect((await e.exec(node, [...setup.read])).exitCode).not.toBe(0);
    const { config } = userspaceConfig(input(nodeIP));
    await runSync(node, userspaceDriver.sync(input(nodeIP), { pid: 0 }));
    expect(JSON.parse(await ok(node, `cat ${PROXY_CONFIG}`))).toEqual(config);
    const started = await e.exec(node, [...setup.start]);
    expect(started.exitCode, started.stderr).toBe(0);
    const web = config.services.find((s) => s.serviceport === 'default/web:http')!;
    expect(web.proxyPort).toBeGreaterThanOrEqual(10400);
    // It listens once the start returns.
    expect(await ok(node, 'ss -ltn')).toContain(`:${web.proxyPort} `);
    // The jumps were added once: a second sync finds nothing to fix.
    expect(await runSync(node, userspaceDriver.sync(input(nodeIP), { pid: 0 }))).toEqual([]);

    await serviceTraffic(nodeIP);
    // Round robin, as the old proxier: consecutive connections alternate.
    const answers = await requests(`http://${WEB}/`, 6);
    const seq = answers.map((l) => /^Hello from (\w)/.exec(l)?.[1]);
    for (let i = 1; i < seq.length; i++) expect(seq[i], answers.join('\n')).not.toBe(seq[i - 1]);
    const log = await ok(node, 'cat /var/log/netlab-proxy.log');
    expect(log).toContain(`default/web:http ${ip.client}:`);
    expect(log).toMatch(new RegExp(`-> ${ip.a.replace(/\./g, '\\.')}:8080`));

    // No endpoints: the old proxier accepted and closed at once ("Empty reply"), no timeout.
    const empty = await timedCurl(`http://${EMPTY}/`);
    expect([52, 56]).toContain(empty.exit);
    expect(empty.ms).toBeLessThan(1000);

    // Reload: b leaves the web service; the listener (same socket inode) keeps running.
    const inode = async () => /ino:(\d+)/.exec(await ok(node, `ss -ltne 'sport = :${web.proxyPort}'`))?.[1];
    const before = await inode();
    expect(before).toBeTruthy();
    const next = input(nodeIP);
    next.services[0]!.endpoints = next.services[0]!.endpoints.filter((e) => e.ip === ip.a);
    const kept = setup.state((await e.exec(node, [...setup.read])).stdout);
    expect(kept).toEqual(Object.fromEntries(config.services.map((s) => [`${s.serviceport}/${s.protocol}`, s.proxyPort])));
    const reloaded = userspaceConfig(next, 10400, kept);
    expect(reloaded.config.services.map((s) => s.proxyPort)).toEqual(config.services.map((s) => s.proxyPort));
    await runSync(node, userspaceDriver.sync(next, { pid: 0 }, kept));
    // The proxy runs: the start is a SIGHUP, not a second proxy.
    const pid = (await ok(node, 'cat /run/netlab-proxy.pid')).trim();
    expect((await e.exec(node, [...setup.start])).exitCode).toBe(0);
    expect((await ok(node, 'cat /run/netlab-proxy.pid')).trim()).toBe(pid);
    expect((await ok(node, 'pgrep -x netlab-proxy')).trim()).toBe(pid);
    await ok(node, `for i in $(seq 50); do grep -q reloading /var/log/netlab-proxy.log && exit 0; sleep 0.1; done; exit 1`);
    expect(backends(await requests(`http://${WEB}/`, 6))).toEqual(new Set(['a']));
    expect(await inode()).toBe(before);

    // SIGTERM: every listener closed, the process gone, its pid file removed.
    await ok(node, 'kill -TERM "$(cat /run/netlab-proxy.pid)"');
    await ok(node, `for i in $(seq 50); do [ ! -e /run/netlab-proxy.pid ] && ! pgrep -x netlab-proxy >/dev/null && exit 0; sleep 0.1; done; exit 1`);
    expect(await ok(node, 'ss -ltn')).not.toContain(`:${web.proxyPort} `);
    expect(await ok(node, 'tail -n1 /var/log/netlab-proxy.log')).toContain('exiting');
  });
});
