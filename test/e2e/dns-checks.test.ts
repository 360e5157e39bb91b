// DNS checks on a real lab (service-dns): `answers` that match and one that does not, with
// expected and got in its detail, and the diagnosis of names whose Service lost its pods
// (`netlab scale` to 0): a ClusterIP name still resolves, its Service has no ready endpoints;
// a headless name is NXDOMAIN, as CoreDNS should answer. Only the lab this test starts.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labObjects, netlab, uniqueName } from '../helpers/e2e.js';

const lab = uniqueName('dns-checks');
let dir: string;

interface Result {
  name: string;
  ok: boolean;
  detail: string;
  expected?: string;
  diagnosis?: string;
}

const CHECKS = `checks:
  - { name: api by its SRV record, from: client, probe: dns, record: SRV, to: _http._tcp.api.shop.svc.cluster.local, answers: ["0 100 80 api.shop.svc.cluster.local."] }
  - { name: web at a wrong address, from: client, probe: dns, to: web, answers: [10.96.99.99] }
  - { name: the api pods answer by name, from: client, to: "service/api.shop:http", by: dns, contains: Hello from api }
  - { name: the headless db has its pods, from: client, probe: dns, to: db.shop }
`;

async function check(): Promise<Map<string, Result>> {
  const r = await netlab(['check', lab, '--checks', join(dir, 'checks.yaml'), '--json']);
  const report = JSON.parse(r.stdout) as { checks: Result[] };
  return new Map(report.checks.map((c) => [c.name, c]));
}

describe('dns checks on service-dns', () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'netlab-dns-checks-'));
    await writeFile(join(dir, 'checks.yaml'), CHECKS);
    const up = await netlab(['up', 'service-dns', '--name', lab]);
    expect(up.exitCode, up.all).toBe(0);
  });
  afterAll(async () => {
    await netlab(['down', lab]);
    await rm(dir, { recursive: true, force: true });
    expect(await labObjects(lab)).toEqual({ containers: 0, networks: 0, volumes: 0 });
  });

  it('answers: the exact records pass; others fail saying what was expected and what came', async () => {
    const results = await check();
    expect(results.get('api by its SRV record')).toMatchObject({ ok: true, expected: 'resolves to SRV 0 100 80 api.shop.svc.cluster.local.' });
    const wrong = results.get('web at a wrong address')!;
    expect(wrong.ok).toBe(false);
    expect(wrong.expected).toBe('resolves to 10.96.99.99');
    expect(wrong.detail).toMatch(/^expected A 10\.96\.99\.99; got (\d+\.\d+\.\d+\.\d+) \(missing 10\.96\.99\.99; not expected \1\)$/);
    expect(results.get('the api pods answer by name')?.ok).toBe(true);
    expect(results.get('the headless db has its pods')?.ok).toBe(true);
  });

  it('a Service scaled to 0: the name resolves, and the diagnosis names the missing ready endpoints; a headless name is NXDOMAIN, as it should be', async () => {
    for (const d of ['api', 'db']) {
      const scaled = await netlab(['scale', lab, `deployment/${d}`, '--replicas', '0', '-n', 'shop']);
      expect(scaled.exitCode, scaled.all).toBe(0);
    }
    const results = await check();
    const byName = results.get('the api pods answer by name')!;
    expect(byName.ok).toBe(false);
    expect(byName.diagnosis).toMatch(
      /^api\.shop resolves to \d+\.\d+\.\d+\.\d+ \(the cluster IP of service shop\/api\), but the service has no ready endpoints: its selector app=api matches no pod/,
    );
    const headless = results.get('the headless db has its pods')!;
    expect(headless.ok).toBe(false);
    expect(headless.detail).toBe('NXDOMAIN for db.shop, no A record');
    expect(headless.diagnosis).toMatch(
      /^CoreDNS answers NXDOMAIN for db\.shop, as it should: service shop\/db is headless \(clusterIP: None\) and has no ready endpoints/,
    );
    // The SRV record of a ClusterIP Service stays.
    expect(results.get('api by its SRV record')?.ok).toBe(true);
  });
});
