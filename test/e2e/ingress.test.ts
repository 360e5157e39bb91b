// labs/ingress on the real engine: the controller (nginx in the ingress-nginx namespace) routes
// by host and path, every check passes (a 404 from the controller included); get ingresses
// shows the controller's load-balancer address; an applied Ingress is routed at once, by a
// graceful reload (same container, same nginx master); a path that would inject nginx
// configuration is refused at its line; down leaves nothing.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkJson, engine, failures, labObjects, netlab, root, uniqueName } from '../helpers/e2e.js';

const name = uniqueName('ingr');
afterAll(async () => {
  await netlab(['down', name]);
});

const CONTROLLER = `${name}-ingress-nginx-ingress-nginx-controller-0-controller`;

async function curl(host: string, address: string, path = '/'): Promise<string> {
  const r = await netlab(['exec', name, 'external', '--', 'curl', '-sS', '--max-time', '2', '-H', `Host: ${host}`, '--', `http://${address}${path}`]);
  return r.all ?? '';
}

describe('labs/ingress', () => {
  let address = '';

  it('comes up, every check passes, and get ingresses shows the controller address', async () => {
    const up = await netlab(['up', 'ingress', '--name', name]);
    expect(up.exitCode, up.all).toBe(0);
    const { exitCode, report } = await checkJson(name);
    expect(failures(report)).toEqual([]);
    expect(exitCode).toBe(0);
    expect(report.checks.length).toBeGreaterThanOrEqual(9);

    const services = JSON.parse((await netlab(['get', name, 'services', '-n', 'ingress-nginx', '--json'])).stdout) as { 'external-ip': string }[];
    address = services[0]!['external-ip'];
    expect(address).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    const get = await netlab(['get', name, 'ingresses', '--json']);
    expect(get.exitCode, get.all).toBe(0);
    expect(JSON.parse(get.stdout)).toEqual([
      expect.objectContaining({ name: 'shop', class: 'nginx', hosts: 'web.example.com,*.example.com,api.example.com', address, ports: '80' }),
    ]);
  });

  it('routes an applied Ingress within a couple of seconds, by a reload, not a restart', async () => {
    const e = await engine();
    const before = await e.inspectContainer(CONTROLLER);
    expect(before?.State.Running).toBe(true);
    const masterBefore = (await e.exec(CONTROLLER, ['cat', '/run/nginx.pid'])).stdout.trim();
    expect(await curl('new.shop.test', address)).toContain('default backend - 404');

    const dir = await mkdtemp(join(tmpdir(), 'netlab-ingress-'));
    const changed = (await readFile(join(root, 'labs', 'ingress', 'ingress.yaml'), 'utf8')).replace(
      '  rules:\n',
      '  rules:\n    - host: new.shop.test\n      http:\n        paths:\n          - { path: /, pathType: Prefix, backend: { service: { name: api, port: { number: 80 } } } }\n',
    );
    await writeFile(join(dir, 'ingress.yaml'), changed);
    const started = Date.now();
    const apply = await netlab(['apply', name, '-f', join(dir, 'ingress.yaml')]);
    expect(apply.exitCode, apply.all).toBe(0);
    // apply returns once nginx serves the new configuration: the very next request is routed.
    expect(await curl('new.shop.test', address)).toContain('Hello from api-');
    // The whole command (a CLI start, the lab read, one sync, the reload): a few seconds, even on a busy CI machine.
    expect(Date.now() - started).toBeLessThan(10_000);

    const after = await e.inspectContainer(CONTROLLER);
    expect(after?.Id).toBe(before!.Id);
    expect(after?.State.StartedAt).toBe(before!.State.StartedAt);
    expect((await e.exec(CONTROLLER, ['cat', '/run/nginx.pid'])).stdout.trim()).toBe(masterBefore);
    // The rest still routes as before.
    expect(await curl('web.example.com', address)).toContain('Hello from web-');
  });

  it('refuses a path that would inject nginx configuration, at its line', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'netlab-ingress-'));
    const file = join(dir, 'evil.yaml');
    await writeFile(
      file,
      [
        'apiVersion: networking.k8s.io/v1',
        'kind: Ingress',
        'metadata: {name: evil}',
        'spec:',
        '  rules:',
        '    - http:',
        '        paths:',
        '          - path: "/x\\" { return 200 pwned; } location /y"',
        '            pathType: Prefix',
        '            backend: {service: {name: web, port: {number: 80}}}',
        '',
      ].join('\n'),
    );
    const r = await netlab(['apply', name, '-f', file]);
    expect(r.exitCode).not.toBe(0);
    expect(r.all).toContain('evil.yaml:8:');
    expect(r.all).toContain('ingress-nginx refuses');
    expect(await curl('anything.test', address, '/x')).toContain('default backend - 404');
  });

  it('down leaves nothing', async () => {
    expect((await netlab(['down', name])).exitCode).toBe(0);
    expect(await labObjects(name)).toEqual({ containers: 0, networks: 0, volumes: 0 });
  });
});
