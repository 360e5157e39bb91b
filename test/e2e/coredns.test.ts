// netlab's CoreDNS image against the real engine, serving the zone files and Corefile
// that src/plan/dns generates: every kind of record, NXDOMAIN and REFUSED where the
// Kubernetes DNS spec and netlab's Corefile say so, a pod's resolv.conf search list,
// and a zone update served within about a second. Traffic flows only between the two
// containers this test starts, on an internal network it creates; everything it
// creates carries netlab.lab=<lab> and is removed in afterAll. The images stay.
import { randomBytes } from 'node:crypto';
import { down } from '../../src/cluster/down.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../src/engine/engine.js';
import type { ContainerDetails } from '../../src/engine/types.js';
import { DNS_CONFIG_DIR, dnsFiles, dnsZoneFiles, type DnsFile } from '../../src/plan/dns/files.js';
import { resolvConfText } from '../../src/plan/dns/resolv.js';
import type { DnsInput } from '../../src/plan/dns/types.js';
import type { LabEvent } from '../../src/core/events.js';
import { ensureImages, imageRefs } from '../../src/images/index.js';
import { fixture } from '../helpers/dns-fixture.js';
import { engine } from '../helpers/e2e.js';

const lab = `test-coredns-${randomBytes(4).toString('hex')}`;
const labels = { 'netlab.lab': lab };
const network = `${lab}-net`;

let e: Engine;
/** Container ids. */
let coredns: string;
let probe: string;
let dnsIp: string;
const events: LabEvent[] = [];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Puts the files into /etc/coredns of the CoreDNS container (running or not), as `docker cp` does. */
async function putDnsFiles(files: readonly DnsFile[]): Promise<void> {
  // The image has the folder: the engine needs the target of an archive to exist.
  await e.putFiles(coredns, DNS_CONFIG_DIR, Object.fromEntries(files.map((f) => [f.name, f.content])));
}

/** A container's details; one that is gone fails the test. */
async function inspect(id: string): Promise<ContainerDetails> {
  const info = await e.inspectContainer(id);
  if (!info) throw new Error(`container ${id} is gone`);
  return info;
}

interface DigAnswer {
  status: string;
  answers: string[];
}

/** `dig` from the probe at the CoreDNS container: the status and the answer records' data. */
async function dig(name: string, type = 'A'): Promise<DigAnswer> {
  const r = await e.exec(probe, ['dig', '+noall', '+comments', '+answer', '+tries=1', '+time=2', `@${dnsIp}`, name, type]);
  expect(r.exitCode, `dig ${name} ${type}: ${r.stdout}${r.stderr}`).toBe(0);
  const status = /status: (\w+)/.exec(r.stdout)?.[1] ?? `no status in: ${r.stdout}`;
  const answers = r.stdout
    .split('\n')
    .filter((l) => l.trim() && !l.startsWith(';'))
    .map((l) => l.trim().split(/\s+/).slice(4).join(' '))
    .sort();
  return { status, answers };
}

beforeAll(async () => {
  e = await engine();
  const started = performance.now();
  const refs = await ensureImages(e, (event) => events.push(event), { only: ['coredns', 'probe'] });
  const built = events.filter((event) => event.type === 'task-done').map((event) => (event as { id: string }).id);
  console.log(`images ready in ${Math.round(performance.now() - started)} ms${built.length ? ` (built ${built.join(', ')})` : ' (cached)'}`);
  expect((await imageRefs()).coredns).toBe(refs.coredns);

  await e.createNetwork({ Name: network, Driver: 'bridge', Internal: true, Labels: labels });
  coredns = await e.createContainer(`${lab}-coredns`, {
    Image: refs.coredns,
    Labels: labels,
    HostConfig: { NetworkMode: network },
  });
  await putDnsFiles(dnsFiles(fixture));
  probe = await e.createContainer(`${lab}-probe`, { Image: refs.probe, Labels: labels, HostConfig: { NetworkMode: network } });
  await Promise.all([e.startContainer(coredns), e.startContainer(probe)]);
  dnsIp = (await inspect(coredns)).NetworkSettings.Networks[network]?.IPAddress ?? '';
  expect(dnsIp).toMatch(/^\d+\.\d+\.\d+\.\d+$/);

  // Ready when the ready plugin says so (it answers once every server block is up).
  const readyStarted = performance.now();
  let ready = '';
  for (let i = 0; i < 100 && ready !== '200'; i++) {
    if (i) await sleep(100);
    ready = (await e.exec(probe, ['curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', `http://${dnsIp}:8181/ready`])).stdout;
  }
  const logs = () => e.logs(coredns, 10_000);
  expect(ready, await logs()).toBe('200');
  console.log(`coredns ready ${Math.round(performance.now() - readyStarted)} ms after start`);
});

afterAll(async () => {
  // Everything the test made carries its label: netlab's own `down` removes it.
  if (e) await down(e, lab, () => {});
});

describe('netlab coredns', () => {
  it('is CoreDNS with only the plugins netlab uses, started with /etc/coredns/Corefile', async () => {
    const image = (await inspect(coredns)).Image;
    const info = await e.inspectImage(image);
    if (!info) throw new Error(`image ${image} is gone`);
    expect(info.Config.Entrypoint).toEqual(['/usr/local/bin/coredns']);
    expect(info.Config.Cmd).toEqual(['-conf', '/etc/coredns/Corefile']);
    expect(info.Config.Labels?.['netlab.image']).toBe('coredns');
    const version = await e.exec(coredns, ['/usr/local/bin/coredns', '-version']);
    expect(version.stdout).toMatch(/^CoreDNS-1\.12\.4\b/);
    const plugins = (await e.exec(coredns, ['/usr/local/bin/coredns', '-plugins'])).stdout.split('\n').filter(Boolean);
    // The linked ones, and the few they register themselves (file uses transfer, forward dnstap...).
    const linked = [
      'errors',
      'health',
      'ready',
      'file',
      'hosts',
      'template',
      'prometheus',
      'cache',
      'loop',
      'reload',
      'loadbalance',
      'log',
      'forward',
      'whoami',
    ];
    expect(plugins).toEqual(expect.arrayContaining(linked));
    expect(plugins.filter((p) => !linked.includes(p)).sort()).toEqual(['debug', 'dnstap', 'metadata', 'transfer']);
    const health = await e.exec(probe, ['curl', '-s', `http://${dnsIp}:8080/health`]);
    expect(health.stdout).toBe('OK');
  });

  it('answers a service by its cluster IP, and SRV for its named port only', async () => {
    expect(await dig('web.default.svc.cluster.local')).toEqual({ status: 'NOERROR', answers: ['10.96.0.20'] });
    expect(await dig('api.shop.svc.cluster.local')).toEqual({ status: 'NOERROR', answers: ['10.96.0.30'] });
    expect(await dig('_http._tcp.web.default.svc.cluster.local', 'SRV')).toEqual({
      status: 'NOERROR',
      answers: ['0 100 80 web.default.svc.cluster.local.'],
    });
    expect(await dig('_dns._udp.api.shop.svc.cluster.local', 'SRV')).toEqual({
      status: 'NOERROR',
      answers: ['0 100 53 api.shop.svc.cluster.local.'],
    });
  });

  it('answers a headless service with its ready endpoints, each also by name', async () => {
    expect(await dig('db.default.svc.cluster.local')).toEqual({ status: 'NOERROR', answers: ['10.244.1.5', '10.244.2.7'] });
    expect(await dig('db-0.db.default.svc.cluster.local')).toEqual({ status: 'NOERROR', answers: ['10.244.1.5'] });
    expect(await dig('_pg._tcp.db.default.svc.cluster.local', 'SRV')).toEqual({
      status: 'NOERROR',
      answers: ['0 100 5432 10-244-2-7.db.default.svc.cluster.local.', '0 100 5432 db-0.db.default.svc.cluster.local.'],
    });
  });

  it('says NXDOMAIN for a missing name and for a headless service without ready endpoints', async () => {
    expect((await dig('nothere.default.svc.cluster.local')).status).toBe('NXDOMAIN');
    expect((await dig('empty.default.svc.cluster.local')).status).toBe('NXDOMAIN');
    expect((await dig('_x._tcp.empty.default.svc.cluster.local', 'SRV')).status).toBe('NXDOMAIN');
    // A service's name exists without an AAAA record: no data, not NXDOMAIN.
    expect(await dig('web.default.svc.cluster.local', 'AAAA')).toEqual({ status: 'NOERROR', answers: [] });
  });

  it('answers pods, PTR for cluster IPs and pod IPs, and the schema version', async () => {
    expect(await dig('10-244-2-3.shop.pod.cluster.local')).toEqual({ status: 'NOERROR', answers: ['10.244.2.3'] });
    expect(await dig('30.0.96.10.in-addr.arpa', 'PTR')).toEqual({ status: 'NOERROR', answers: ['api.shop.svc.cluster.local.'] });
    expect(await dig('9.1.244.10.in-addr.arpa', 'PTR')).toEqual({ status: 'NOERROR', answers: ['10-244-1-9.default.pod.cluster.local.'] });
    expect((await dig('1.2.3.4.in-addr.arpa', 'PTR')).status).toBe('NXDOMAIN');
    expect(await dig('dns-version.cluster.local', 'TXT')).toEqual({ status: 'NOERROR', answers: ['"1.1.0"'] });
  });

  it('answers NXDOMAIN at once for a name outside the cluster (no upstream), and never waits for one', async () => {
    const started = performance.now();
    expect(await dig('example.com')).toEqual({ status: 'NXDOMAIN', answers: [] });
    expect(performance.now() - started).toBeLessThan(1500);
  });

  it("resolves short and namespaced names through kubelet's resolv.conf search list", async () => {
    const write = await e.exec(probe, ['sh', '-c', 'cat > /etc/resolv.conf'], { stdin: resolvConfText('default', dnsIp) });
    expect(write.exitCode, write.stderr).toBe(0);
    const lookup = async (name: string) => (await e.exec(probe, ['getent', 'ahostsv4', name])).stdout.split(/\s+/)[0];
    expect(await lookup('web')).toBe('10.96.0.20');
    expect(await lookup('api.shop')).toBe('10.96.0.30');
    expect(await lookup('kube-dns.kube-system.svc')).toBe('10.96.0.10');
    expect(await lookup('web.default.svc.cluster.local')).toBe('10.96.0.20');
  });

  it('serves a changed zone within about a second of the new files being put', async () => {
    const changed: DnsInput = {
      ...fixture,
      serial: fixture.serial + 1,
      services: fixture.services.map((s) => (s.name === 'web' ? { ...s, clusterIP: '10.96.0.21' } : s)),
    };
    // Polled from inside the probe (an exec per query would add ~0.1 s each): prints the
    // milliseconds until the new address is answered (or gives up after 10 s).
    const wait = e.exec(probe, [
      'sh',
      '-c',
      `start=$(date +%s%N); while ! [ "$(dig +short +tries=1 +time=1 @${dnsIp} web.default.svc.cluster.local A)" = 10.96.0.21 ]; do` +
        ` [ $(( ($(date +%s%N) - start) / 1000000 )) -gt 10000 ] && { echo timeout; exit 1; }; sleep 0.02; done;` +
        ' echo $(( ($(date +%s%N) - start) / 1000000 ))',
    ]);
    // The poll is started first, so it counts from before the files change.
    await sleep(300);
    const put = performance.now();
    await putDnsFiles(dnsZoneFiles(changed));
    const result = await wait;
    const total = Math.round(performance.now() - put);
    expect(result.stdout.trim(), result.stderr).toMatch(/^\d+$/);
    console.log(`zone update served ${total} ms after putFiles returned (poll saw it after ${result.stdout.trim()} ms, 300 ms of them before the put)`);
    expect(total).toBeLessThan(3000);
    expect(await dig('web.default.svc.cluster.local')).toEqual({ status: 'NOERROR', answers: ['10.96.0.21'] });
    expect(await dig('21.0.96.10.in-addr.arpa', 'PTR')).toEqual({ status: 'NOERROR', answers: ['web.default.svc.cluster.local.'] });
    expect((await dig('20.0.96.10.in-addr.arpa', 'PTR')).status).toBe('NXDOMAIN');
  });

  it('stops at once on SIGTERM', async () => {
    const started = performance.now();
    await e.stopContainer(coredns, 10);
    expect(performance.now() - started).toBeLessThan(3000);
  });
});
