// Ingress manifests in lab files: what loads (labs/ingress), every mistake at its line with
// what to write instead, and what is taken with a warning (kube-apiserver takes it too).
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadLab } from '../../../src/labfile/load.js';
import { ingressHostProblem, ingressPathProblem } from '../../../src/labfile/read/ingresses.js';
import { problemsOf, summary } from '../../helpers/labfile-fixtures.js';

const LABS = join(import.meta.dirname, '../../../labs');

describe('the ingress lab', () => {
  it('loads its Ingress: class, hosts, path types, backends by port number and by port name, the default backend', async () => {
    const { lab, warnings } = await loadLab(join(LABS, 'ingress', 'lab.yaml'));
    expect(warnings).toEqual([]);
    expect(lab.ingresses).toHaveLength(1);
    const shop = lab.ingresses[0]!;
    expect([shop.name, shop.namespace, shop.className]).toEqual(['shop', 'default', 'nginx']);
    expect(shop.defaultBackend).toMatchObject({ service: 'fallback', port: 80 });
    expect(shop.rules.map((r) => [r.host, r.paths.map((p) => `${p.pathType} ${p.path} -> ${p.backend.service}:${p.backend.port}`)])).toEqual([
      ['web.example.com', ['Prefix / -> web:80']],
      ['*.example.com', ['Prefix / -> web:80']],
      ['api.example.com', ['Prefix /v1 -> api:http', 'Exact /status -> web:80']],
    ]);
    expect(lab.checks.find((c) => c.name === 'api.example.com/v1 goes to api')).toMatchObject({ host: 'api.example.com', path: '/v1', probe: 'http' });
    expect(lab.exercises.map((e) => e.id)).toEqual(['wrong-path-type', 'backend-port-name']);
  });
});

describe('Ingress mistakes', () => {
  it('says where a host, a path, a backend or tls is wrong, and what to write', async () => {
    expect(summary(await problemsOf('ingress.yaml'))).toEqual([
      [
        '19:7',
        "Ingress hosts: netlab's ingress controller serves HTTP only: spec.tls is refused",
        'remove spec.tls: a lab has no Secrets to hold the certificate, and ingress-nginx would redirect HTTP to HTTPS for these hosts, which netlab cannot show',
      ],
      [
        '21:17',
        'Ingress hosts: host "10.0.0.1" must be a DNS name, not an IP address',
        'write a name (web.example.com), or leave host out to match every host',
      ],
      [
        '22:17',
        'Ingress hosts: host "web.*.example.com": a wildcard host is "*." and a domain',
        'write e.g. host: "*.example.com" (it matches any one label before the domain)',
      ],
      [
        '23:17',
        'Ingress hosts: host "Web.Example.com" is not a valid DNS name (lowercase letters, digits, "-" and ".", at most 253 characters)',
        'write e.g. host: "web.example.com"',
      ],
      ['33:25', 'Ingress paths: path "app" must be an absolute path', 'write path: /app'],
      ['34:25', `Ingress paths: path "/a//b" must not contain '//'`, 'write the path as the request names it, without empty, . or .. segments'],
      [
        '35:25',
        'Ingress paths: path "/x;}" has characters ingress-nginx refuses for Exact and Prefix paths (its strict path validation)',
        'use letters, digits, "/", "-", "_", "." and "~" only',
      ],
      ['36:86', 'Ingress paths: a backend port has exactly one of number and name', 'keep number or name, not both'],
      ['37:68', 'Ingress paths: netlab routes to Services only: a resource backend is refused', 'write service: {name: <service>, port: {number: <port>}}'],
      ['41:5', 'Ingress empty: either defaultBackend or rules must be specified', 'add rules (host and http paths), or a defaultBackend'],
      ['46:33', 'pathType is required', 'write pathType: Prefix (the path and everything under it) or pathType: Exact'],
    ]);
  });

  it('takes an unknown Service or port, another class and ImplementationSpecific, each with a warning at its line', async () => {
    const { warnings } = await loadLab(join(LABS, '..', 'test', 'fixtures', 'labs', 'good', 'ingress-warnings.yaml'));
    expect(summary(warnings)).toEqual([
      [
        '19:25',
        'Ingress warned: no ingress controller serves class "haproxy", so this Ingress is not routed',
        "netlab's controller is ingress-nginx's, class nginx (the default): write ingressClassName: nginx, or leave it out",
      ],
      ['20:53', 'Ingress warned: service "wbe" not found in namespace default: the controller answers 503 for it', 'did you mean "web"?'],
      [
        '25:38',
        "Ingress warned: pathType ImplementationSpecific is matched as Prefix by netlab's controller",
        'ingress-nginx matches it as an nginx prefix (or a regex, with its use-regex annotation); write Prefix or Exact to say which you mean',
      ],
      [
        '25:101',
        'Ingress warned: Service web has no port named "web": the controller answers 503 for it',
        "its ports: http (an Ingress names the Service port's name, not the container port's)",
      ],
      ['26:86', 'Ingress warned: Service web has no port 8080: the controller answers 503 for it', 'its ports: 80'],
    ]);
  });

  it('hosts: exact DNS names and "*." wildcards; never an IP, a port, a quote or a brace', () => {
    for (const ok of ['web.example.com', '*.example.com', 'a-b.c', 'localhost']) expect(ingressHostProblem(ok), ok).toBeUndefined();
    for (const bad of ['10.1.2.3', 'web.example.com:80', '*', '*.', 'a.*.b', 'we"b', 'web;', 'a{b}', 'a b', '-a.com', `${'a'.repeat(64)}.com`])
      expect(ingressHostProblem(bad), bad).toBeDefined();
  });

  it("paths: absolute, no empty or dot segments, ingress-nginx's characters only", () => {
    for (const ok of ['/', '/v1', '/v1/orders/', '/a.b_c~d-e']) expect(ingressPathProblem(ok), ok).toBeUndefined();
    for (const bad of ['v1', '/a//b', '/a/./b', '/a/../b', '/a%2fb', '/a/..', '/a/.', '/a b', '/a;b', '/a{b', '/a"b', '/$host', '/a\nb', '/a\\b', '/(a)'])
      expect(ingressPathProblem(bad), bad).toBeDefined();
  });
});
