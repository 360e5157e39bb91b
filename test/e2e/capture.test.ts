// `netlab capture` and `explain --capture` on a real lab: tcpdump in the pod's and nodes'
// namespaces through the toolbox, pcap read back with tshark, and no tcpdump left behind.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engine, labObjects, netlab, root, uniqueName, waitFor } from '../helpers/e2e.js';
import { SERVER_NODEPORT } from '../helpers/manifests.js';

const lab = uniqueName('capture');
const CLUSTER_IP = '10.3.241.152';
const CLIENT_IP = '10.0.1.3';
let dir = '';

interface Capture {
  child: ChildProcess;
  stdout: Buffer[];
  stderr: () => string;
  exited: Promise<number | null>;
}

/** `netlab capture ...`, running; resolves once tcpdump listens in the lab. */
async function startCapture(args: string[]): Promise<Capture> {
  const child = spawn('node', [join(root, 'bin', 'netlab.js'), 'capture', lab, ...args], { env: { ...process.env, CI: '1', NO_COLOR: '1' } });
  const stdout: Buffer[] = [];
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => stdout.push(c));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let done = false;
  void exited.then(() => (done = true));
  await waitFor(async () => /listening on/.test(stderr) || done, 30_000);
  expect(stderr, stderr).toMatch(/listening on/);
  return { child, stdout, stderr: () => stderr, exited };
}

async function curlService(): Promise<void> {
  const r = await netlab(['exec', lab, 'client', '--', 'curl', '-sS', '--max-time', '5', `http://${CLUSTER_IP}/`]);
  expect(r.exitCode, r.all).toBe(0);
}

/** tshark's reading of a pcap file: one line a packet (source, destination, TCP flags, ports). */
async function tshark(file: string): Promise<string[]> {
  const r = await execa('tshark', ['-r', file, '-T', 'fields', '-e', 'ip.src', '-e', 'ip.dst', '-e', 'tcp.dstport', '-e', 'tcp.flags.str'], { reject: false });
  expect(r.exitCode, r.stderr).toBe(0);
  return r.stdout.split('\n').filter(Boolean);
}

/** The tcpdump processes in the toolbox (every capture runs there, in the target's network namespace). */
async function tcpdumps(): Promise<string[]> {
  const r = await (await engine()).exec(`${lab}.toolbox`, ['ps', '-eo', 'pid,args']);
  expect(r.stdout, 'ps lists the toolbox processes').toContain('/usr/local/bin/pause');
  return r.stdout.split('\n').filter((l) => l.includes('tcpdump'));
}

describe('netlab capture', () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'netlab-capture-'));
    const up = await netlab(['up', 'pod-to-service', '--name', lab]);
    expect(up.exitCode, up.all).toBe(0);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
    await netlab(['down', lab]);
    expect(await labObjects(lab)).toEqual({ containers: 0, networks: 0, volumes: 0 });
  });

  it('-c and -w FILE on a pod while it curls the service: a pcap tshark reads, the SYN to the cluster IP in it', async () => {
    const file = join(dir, 'client.pcap');
    const capture = await startCapture(['client', '-c', '3', '-w', file, 'tcp', 'port', '80']);
    await curlService();
    expect(await capture.exited, capture.stderr()).toBe(0);
    expect(capture.stdout).toEqual([]);
    const packets = await tshark(file);
    expect(packets).toHaveLength(3);
    expect(packets[0]!.split('\t').slice(0, 3)).toEqual([CLIENT_IP, CLUSTER_IP, '80']);
    expect(packets[0]).toMatch(/S/);
    expect(packets[1]!.split('\t').slice(0, 2)).toEqual([CLUSTER_IP, CLIENT_IP]);
    expect(await tcpdumps()).toEqual([]);
  });

  it('-w - streams a pcap to stdout as packets come, and Ctrl-C stops tcpdump in the lab too', async () => {
    const capture = await startCapture(['client', '-w', '-', 'tcp', 'port', '80']);
    expect(await tcpdumps()).toHaveLength(1);
    await curlService();
    // Streamed: the packets are on stdout while the capture still runs.
    await waitFor(async () => Buffer.concat(capture.stdout).length > 24 + 3 * 70, 10_000);
    expect(capture.child.exitCode).toBeNull();
    capture.child.kill('SIGINT');
    expect(await capture.exited, capture.stderr()).toBe(0);
    const pcap = Buffer.concat(capture.stdout);
    expect(pcap.readUInt32LE(0)).toBe(0xa1b2c3d4);
    const file = join(dir, 'stdout.pcap');
    await writeFile(file, pcap);
    const packets = await tshark(file);
    expect(packets.length).toBeGreaterThanOrEqual(3);
    expect(packets[0]!.split('\t').slice(0, 3)).toEqual([CLIENT_IP, CLUSTER_IP, '80']);
    expect(capture.stderr()).toMatch(/packets captured/);
    expect(await tcpdumps()).toEqual([]);
  });

  it('a netlab killed outright leaves no tcpdump either (the engine closes the capture for it); text lines by default', async () => {
    const capture = await startCapture(['node1:cbr0', 'tcp', 'port', '8080']);
    await curlService();
    await waitFor(async () => Buffer.concat(capture.stdout).toString().includes(' IP '), 10_000);
    expect(Buffer.concat(capture.stdout).toString()).toMatch(/IP 10\.0\.1\.3\.\d+ > 10\.0\.[12]\.2\.8080: Flags \[S\]/);
    capture.child.kill('SIGKILL');
    await capture.exited;
    await waitFor(async () => (await tcpdumps()).length === 0, 10_000);
  });

  it('refuses an interface the target has not, naming those it has', async () => {
    const r = await netlab(['capture', lab, 'client:eth7', '-c', '1']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('No interface eth7 on client');
    expect(r.stderr).toMatch(/Its interfaces: lo, eth0/);
  });

  it('explain --capture: the cluster IP on the client eth0, the pod IP on the server eth0 (--json and text)', async () => {
    const r = await netlab(['explain', lab, 'client', 'service-test:80', '--capture', '--json']);
    expect(r.exitCode, r.all).toBe(0);
    const e = JSON.parse(r.stdout) as {
      capture: { flow: string[]; hops: { where: string; interface: string; packets: { src: string; dst: string; dport?: number; flags?: string }[] }[] };
    };
    const client = e.capture.hops.find((h) => h.where === 'client');
    expect(client?.packets[0]).toMatchObject({ src: CLIENT_IP, dst: CLUSTER_IP, dport: 80, flags: 'SYN' });
    const server = e.capture.hops.find((h) => h.where.startsWith('server-'));
    const serverIP = server?.where === 'server-0' ? '10.0.1.2' : '10.0.2.2';
    expect(server?.packets[0]).toMatchObject({ src: CLIENT_IP, dst: serverIP, dport: 8080, flags: 'SYN' });
    expect(server?.packets.some((p) => p.dst === CLUSTER_IP || p.src === CLUSTER_IP)).toBe(false);
    // Only the one flow: no other connection's packet on any hop.
    for (const h of e.capture.hops) for (const p of h.packets) expect([p.src, p.dst]).toContain(CLIENT_IP);
    expect(await tcpdumps()).toEqual([]);

    const text = await netlab(['explain', lab, 'client', 'service-test:80', '--capture']);
    expect(text.exitCode, text.all).toBe(0);
    expect(text.stdout).toMatch(new RegExp(`client eth0 +\\+0\\.000ms  ${CLIENT_IP}:\\d+ > ${CLUSTER_IP}:80 SYN`));
    expect(text.stdout).toMatch(/server-[01] eth0 .* > 10\.0\.[12]\.2:8080 SYN/);
  });

  it('explain --capture, external → a nodePort: the node address on external eth0, then masqueraded and DNATed at the server', async () => {
    const file = join(dir, 'nodeport.yaml');
    await writeFile(file, SERVER_NODEPORT);
    const applied = await netlab(['apply', lab, '-f', file]);
    expect(applied.exitCode, applied.all).toBe(0);
    const r = await netlab(['explain', lab, 'external', 'node1:30600', '--capture', '--json']);
    expect(r.exitCode, r.all).toBe(0);
    const e = JSON.parse(r.stdout) as { capture: { hops: { where: string; packets: { src: string; dst: string; dport?: number; flags?: string }[] }[] } };
    const external = e.capture.hops.find((h) => h.where === 'external')?.packets[0];
    expect(external).toMatchObject({ dport: 30600, flags: 'SYN' });
    const server = e.capture.hops.find((h) => h.where.startsWith('server-'))?.packets[0];
    expect(server).toMatchObject({ dport: 8080, flags: 'SYN' });
    expect(server!.dst).toMatch(/^10\.0\.[12]\.2$/);
    // Masqueraded: the server sees a node's address, not external's.
    expect(server!.src).not.toBe(external!.src);
  });

  // Last: it deletes the client.
  it('stops when its target goes away (the pod deleted), saying so', async () => {
    const capture = await startCapture(['client']);
    const deleted = await netlab(['delete', lab, 'pod/client']);
    expect(deleted.exitCode, deleted.all).toBe(0);
    expect(await capture.exited, capture.stderr()).toBe(0);
    expect(capture.stderr()).toContain("stopping tcpdump: its network namespace's container went away");
    expect(await tcpdumps()).toEqual([]);
  });
});
