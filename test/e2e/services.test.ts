// Services on a real engine: kube-proxy's rules in each mode, CoreDNS, NodePort, and endpoints
// that follow pods as they change, are deleted behind netlab's back, or are scaled away.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { servicePortChainName, servicePortEndpointChainName } from '../../src/plan/proxy/iptables/rules.js';
import { checkJson, engine, failures, labObjects, netlab, netlabSpawn, uniqueName } from '../helpers/e2e.js';

const made: string[] = [];
afterAll(async () => {
  for (const lab of made) await netlab(['down', lab]);
});

async function upLab(args: string[], name: string) {
  made.push(name);
  const r = await netlab(['up', ...args, '--name', name]);
  expect(r.exitCode, r.all).toBe(0);
}

async function endpointsOf(lab: string, service: string): Promise<string> {
  const r = await netlab(['get', lab, 'endpoints', '--json']);
  const rows = JSON.parse(r.stdout) as { name: string; endpoints: string }[];
  return rows.find((x) => x.name === service)?.endpoints ?? 'missing';
}

/** What curl in the client pod gets: 20 requests to http://service-test, each a new connection. */
async function curlFromClient(lab: string, url = 'http://service-test', times = 20) {
  const r = await netlab(['exec', lab, 'client', '--', 'sh', '-c', `for i in $(seq ${times}); do curl -s -m 2 ${url}; echo; done`]);
  return new Set([...r.stdout.matchAll(/Hello from (\S+)/g)].map((m) => m[1]));
}

describe('pod-to-service (iptables)', () => {
  const name = uniqueName('pts');

  it('every check passes; curl http://service-test from the client reaches both pods', async () => {
    await upLab(['pod-to-service'], name);
    const { exitCode, report } = await checkJson(name);
    expect(failures(report)).toEqual([]);
    expect(exitCode).toBe(0);
    expect([...(await curlFromClient(name))].sort()).toEqual(['server-0', 'server-1']);
  });

  it("the node's nat table has kube-proxy's chains, with its hash names", async () => {
    const r = await netlab(['exec', name, 'node1', '--', 'iptables-save', '-t', 'nat']);
    expect(r.exitCode).toBe(0);
    const svc = servicePortChainName('KUBE-SVC', 'default/service-test', 'tcp');
    const sep = servicePortEndpointChainName('default/service-test', 'tcp', '10.0.2.2:8080');
    for (const chain of ['KUBE-SERVICES', 'KUBE-NODEPORTS', 'KUBE-POSTROUTING', 'KUBE-MARK-MASQ', svc, sep]) {
      expect(r.stdout).toContain(`:${chain} `);
    }
    expect(r.stdout).toMatch(new RegExp(`-A KUBE-SERVICES -d 10\\.3\\.241\\.152/32 -p tcp .*--dport 80 -j ${svc}`));
    expect(r.stdout).toMatch(new RegExp(`-A ${svc} .*-m statistic --mode random --probability 0\\.50000000000 -j KUBE-SEP-`));
    expect(r.stdout).toMatch(new RegExp(`-A ${sep} -p tcp .*-j DNAT --to-destination 10\\.0\\.2\\.2:8080`));
  });

  it("a pod killed behind netlab's back drops out at the next sync", async () => {
    await (await engine()).killContainer(`${name}-server-1-server`);
    // `get endpoints` reads the pods as they are now; the nodes' rules follow at the sync.
    expect(await endpointsOf(name, 'service-test')).toBe('10.0.1.2:8080');
    const sync = await netlab(['sync', name]);
    expect(sync.exitCode, sync.all).toBe(0);
    expect([...(await curlFromClient(name))]).toEqual(['server-0']);
  });

  it('with every pod gone, the service refuses at once (REJECT), not a timeout', async () => {
    const scale = await netlab(['scale', name, 'deployment/server', '--replicas', '0']);
    expect(scale.exitCode, scale.all).toBe(0);
    expect(await endpointsOf(name, 'service-test')).toBe('<none>');
    const started = Date.now();
    const r = await netlab(['exec', name, 'client', '--', 'curl', '-s', '-m', '5', 'http://10.3.241.152/']);
    expect(r.exitCode).toBe(7); // connection refused
    expect(Date.now() - started).toBeLessThan(2500);
    const filter = await netlab(['exec', name, 'node1', '--', 'iptables-save', '-t', 'filter']);
    expect(filter.stdout).toMatch(/default\/service-test has no endpoints.*-j REJECT/);
  });

  it('scaling back up brings the endpoints back; watch drops a killed pod within 5 s', async () => {
    expect((await netlab(['scale', name, 'deployment/server', '--replicas', '2'])).exitCode).toBe(0);
    expect(await endpointsOf(name, 'service-test')).toBe('10.0.1.2:8080,10.0.2.2:8080');
    const watch = netlabSpawn(['watch', name, '--interval', '500']);
    try {
      await new Promise((r) => setTimeout(r, 1500));
      await (await engine()).killContainer(`${name}-server-0-server`);
      const killed = Date.now();
      let seen = [...(await curlFromClient(name, 'http://service-test', 6))];
      // Until only server-1 answers (a request may fail outright while the rules are rewritten).
      while (!(seen.length === 1 && seen[0] === 'server-1') && Date.now() - killed < 8000) {
        await new Promise((r) => setTimeout(r, 300));
        seen = [...(await curlFromClient(name, 'http://service-test', 6))];
      }
      expect(seen).toEqual(['server-1']);
      expect(Date.now() - killed).toBeLessThan(5000);
    } finally {
      watch.kill('SIGINT');
      await watch;
    }
  });

  it('apply of a changed selector moves the service to other pods', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'netlab-apply-'));
    const file = join(dir, 'service.yaml');
    writeFileSync(
      file,
      [
        'apiVersion: v1',
        'kind: Service',
        'metadata: { name: service-test }',
        'spec:',
        '  clusterIP: 10.3.241.152',
        '  selector: { app: client }',
        '  ports: [{ port: 80, targetPort: 8080 }]',
        '',
      ].join('\n'),
    );
    const r = await netlab(['apply', name, '-f', file]);
    expect(r.exitCode, r.all).toBe(0);
    expect(await endpointsOf(name, 'service-test')).toBe('10.0.1.3:8080');
    expect([...(await curlFromClient(name, 'http://service-test', 4))]).toEqual(['client']);
    const down = await netlab(['down', name]);
    expect(down.exitCode).toBe(0);
    expect(await labObjects(name)).toEqual({ containers: 0, networks: 0, volumes: 0 });
  });
});

describe.each(['userspace', 'iptables', 'nftables'])('proxy-modes in %s mode', (mode) => {
  const name = uniqueName(`pm-${mode.slice(0, 3)}`);

  it('TCP and UDP through the service, spread over both pods, by IP and by name', async () => {
    await upLab(['proxy-modes', '--proxy-mode', mode], name);
    const { exitCode, report } = await checkJson(name);
    expect(failures(report)).toEqual([]);
    expect(exitCode).toBe(0);
    expect([...(await curlFromClient(name))].sort()).toEqual(['server-0', 'server-1']);
  });

  it('the node shows what this mode wrote', async () => {
    if (mode === 'nftables') {
      const r = await netlab(['exec', name, 'node1', '--', 'nft', 'list', 'table', 'ip', 'kube-proxy']);
      expect(r.stdout).toMatch(/map service-ips/);
      expect(r.stdout).toMatch(/numgen random mod 2 vmap/);
    } else {
      const r = await netlab(['exec', name, 'node1', '--', 'iptables-save', '-t', 'nat']);
      expect(r.stdout).toMatch(mode === 'userspace' ? /KUBE-PORTALS-CONTAINER.*REDIRECT --to-ports 104\d\d/ : /-j KUBE-SVC-[A-Z2-7]{16}/);
    }
  });

  // kube-proxy's conntrack housekeeping (iptables and nftables; the userspace proxy holds its flows itself).
  if (mode !== 'userspace')
    it("a UDP flow's pod goes away: the sync deletes its conntrack entry, so the same flow reaches the other pod", async () => {
      const send = async () => {
        const r = await netlab(['exec', name, 'client', '--', 'sh', '-c', 'echo x | nc -u -p 40100 -W 1 -w 2 udp-echo 53']);
        return /Hello from (server-\d)/.exec(r.stdout)?.[1];
      };
      const first = await send();
      expect(first).toMatch(/^server-[01]$/);
      await (await engine()).killContainer(`${name}-${first}-server`);
      const sync = await netlab(['sync', name]);
      expect(sync.exitCode, sync.all).toBe(0);
      expect(await send()).toBe(first === 'server-0' ? 'server-1' : 'server-0');
    });

  it('down leaves nothing', async () => {
    const down = await netlab(['down', name]);
    expect(down.exitCode).toBe(0);
    expect(await labObjects(name)).toEqual({ containers: 0, networks: 0, volumes: 0 });
  });
});

describe.each(['service-dns', 'nodeport'])('%s', (lab) => {
  it('comes up, every check passes, down leaves nothing', async () => {
    const name = uniqueName(lab.slice(0, 6));
    await upLab([lab], name);
    const { exitCode, report } = await checkJson(name);
    expect(failures(report)).toEqual([]);
    expect(exitCode).toBe(0);
    const down = await netlab(['down', name]);
    expect(down.exitCode).toBe(0);
    expect(await labObjects(name)).toEqual({ containers: 0, networks: 0, volumes: 0 });
  });
});
