// Link impairment on the real engine, with real packets: a lab file's `impair:` applied at up
// and shown by status and graph; `netlab impair --delay` holding ping's echoes and `--clear`
// taking it back; `--loss 100%` failing a check with a timeout; a check's maxMs failing under
// the delay and passing once cleared. One lab for all of it.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkJson, labObjects, netlab, uniqueName } from '../helpers/e2e.js';

const name = uniqueName('impair');
const dir = mkdtempSync(join(tmpdir(), 'netlab-impair-'));
const file = join(dir, 'lab.yaml');
writeFileSync(
  file,
  `name: ${name}
topology:
  nodes: [{ name: node1 }, { name: node2 }]
  impair:
    - { target: node2, delay: 40ms, rate: 10mbit }
workloads:
  - { apiVersion: v1, kind: Pod, metadata: { name: client }, spec: { nodeName: node1, containers: [{ name: app, image: netlab/app, ports: [{ name: http, containerPort: 8080 }] }] } }
  - { apiVersion: v1, kind: Pod, metadata: { name: server }, spec: { nodeName: node2, containers: [{ name: app, image: netlab/app, ports: [{ name: http, containerPort: 8080 }] }] } }
checks:
  - { name: quick ping, from: client, to: server, probe: ping, maxMs: 150 }
  - { name: web, from: client, to: "server:http", contains: Hello from server }
`,
);

let serverIp = '';

beforeAll(async () => {
  const up = await netlab(['up', file, '--json']);
  expect(up.exitCode, up.all).toBe(0);
  const status = JSON.parse((await netlab(['status', name, '--json'])).stdout) as { rows: { name: string; ip: string }[] };
  serverIp = status.rows.find((r) => r.name === 'server')!.ip;
}, 180_000);

afterAll(async () => {
  expect((await netlab(['down', name])).exitCode).toBe(0);
  expect(await labObjects(name)).toEqual({ containers: 0, networks: 0, volumes: 0 });
}, 120_000);

describe('link impairment', () => {
  const ping = async (count: number) => {
    const r = await netlab(['exec', name, 'client', '--', 'ping', '-n', '-c', String(count), '-i', '0.2', '-W', '2', serverIp]);
    return [...r.stdout.matchAll(/time=([\d.]+) ms/g)].map((m) => Number(m[1]));
  };

  it("applies the lab file's impair at up, shows it in status and graph, and a second up leaves it running", async () => {
    const status = JSON.parse((await netlab(['status', name, '--json'])).stdout) as { rows: { name: string; impair?: string[] }[] };
    expect(status.rows.find((r) => r.name === 'node2')?.impair).toEqual(['eth0: delay 40ms, rate 10Mbit']);
    expect(status.rows.filter((r) => r.impair).map((r) => r.name)).toEqual(['node2']);
    // The server's answers leave through node2's eth0: every round trip holds the 40 ms.
    const rtts = await ping(3);
    expect(rtts).toHaveLength(3);
    for (const t of rtts) expect(t).toBeGreaterThanOrEqual(40);
    const graph = await netlab(['graph', name]);
    expect(graph.stdout).toContain('impaired\n  node2 eth0: delay 40ms, rate 10Mbit');
    const again = await netlab(['up', file, '--json']);
    expect(again.exitCode, again.all).toBe(0);
    const plain = await netlab(['status', name]);
    expect(plain.stdout).toContain('node2 eth0: delay 40ms, rate 10Mbit');
  });

  it('--delay 200ms makes ping RTT at least 200 ms, fails a check with maxMs, and --clear takes it back', async () => {
    const set = await netlab(['impair', name, 'client', '--delay', '200ms']);
    expect(set.exitCode, set.all).toBe(0);
    expect(set.stdout).toBe('client eth0: delay 200ms');
    for (const t of await ping(3)) expect(t).toBeGreaterThanOrEqual(240);
    const slow = await checkJson(name, ['--only', 'quick ping']);
    expect(slow.exitCode).toBe(1);
    expect(slow.report.checks[0]!.detail).toMatch(/^took 2\d\d(\.\d)? ms, more than maxMs 150: echo reply in/);

    const clear = await netlab(['impair', name, 'client', '--clear']);
    expect(clear.exitCode, clear.all).toBe(0);
    for (const t of await ping(3)) expect(t).toBeLessThan(200);
    const quick = await checkJson(name, ['--only', 'quick ping']);
    expect(quick.report.checks[0]!.detail).toMatch(/within 150\)$/);
    expect(quick.exitCode).toBe(0);
  });

  it('--loss 100% on a link makes a check fail with a timeout, diagnosed; --clear restores it', async () => {
    expect((await netlab(['impair', name, 'node1--router', '--loss', '100%'])).stdout).toBe(
      'node1 link to router: loss 100%\nrouter link to node1: loss 100%\n'.trimEnd(),
    );
    const lost = await checkJson(name, ['--only', 'web']);
    expect(lost.exitCode).toBe(1);
    expect(lost.report.checks[0]!.detail).toMatch(/Timeout was reached|timed out/);
    const diagnosis = (lost.report.checks[0] as { diagnosis?: string }).diagnosis;
    expect(diagnosis).toContain(
      "the lab's links are impaired (node1 link to router: loss 100%; node2 eth0: delay 40ms; router link to node1: loss 100%): packets on the path are lost or held",
    );
    expect((await netlab(['impair', name, 'node1--router', '--clear'])).exitCode).toBe(0);
    const back = await checkJson(name);
    expect(back.report.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`)).toEqual([]);
  });

  it('refuses what cannot be impaired, saying how to write it', async () => {
    const r = await netlab(['impair', name, 'node9', '--delay', '10ms']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('error: Cannot impair node9: no pod or node named "node9".');
    const flag = await netlab(['impair', name, 'node1', '--loss', 'lots']);
    expect(flag.exitCode).toBe(2);
    expect(flag.stderr).toContain('error: loss "lots" is not a percentage (--loss).');
    const iface = await netlab(['impair', name, 'node1:eth9', '--delay', '10ms']);
    expect(iface.exitCode).toBe(2);
    expect(iface.stderr).toMatch(/error: node1 has no interface eth9\.\nhint: its interfaces: .*eth0/);
  });
});
