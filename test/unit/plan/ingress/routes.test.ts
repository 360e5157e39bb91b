// The Ingress API's matching rules, on the routing table: exact host before wildcard (one
// label), the catch-all for other hosts; the longest path first, Exact before Prefix on a tie,
// Prefix by whole segments; unmatched paths to the default backend ingress-nginx would pick.
import { describe, expect, it } from 'vitest';
import type { IngressBackend, IngressPathType, IngressSpec } from '../../../../src/labfile/model.js';
import { describeRouting, hostMatches, ingressTable, pathMatches, routeRequest } from '../../../../src/plan/ingress/routes.js';
import type { PlannedService } from '../../../../src/plan/services.js';

const at = { file: 'i.yaml', line: 1, column: 1 };
const backend = (service: string, port: number | string = 80): IngressBackend => ({ service, port, at });
const path = (p: string, pathType: IngressPathType, service: string) => ({ path: p, pathType, backend: backend(service), at });

function ingress(name: string, rules: IngressSpec['rules'], defaultBackend?: string): IngressSpec {
  return { name, namespace: 'default', className: 'nginx', rules, ...(defaultBackend ? { defaultBackend: backend(defaultBackend) } : {}), at };
}

function service(name: string, ports: { name?: string; port: number }[], endpoints: string[]): PlannedService {
  return {
    spec: { name, namespace: 'default', type: 'ClusterIP', selector: { app: name }, ports: [], sessionAffinity: 'None', affinitySeconds: 0, at },
    ports: ports.map((p) => ({
      spec: { ...(p.name ? { name: p.name } : {}), protocol: 'TCP', port: p.port, targetPort: 8080, at },
      name: `default/${name}:${p.name ?? ''}`,
      endpoints: endpoints.map((ip) => ({ ip, port: 8080, node: 'node1' })),
      notReady: 0,
    })),
  };
}

const services = [
  service('exact', [{ name: 'http', port: 80 }], ['10.0.1.2']),
  service('prefix', [{ name: 'http', port: 80 }], ['10.0.1.3', '10.0.1.4']),
  service('deeper', [{ port: 80 }], ['10.0.1.5']),
  service('wild', [{ port: 80 }], ['10.0.1.6']),
  service('fallback', [{ port: 80 }], ['10.0.1.7']),
  service('empty', [{ port: 80 }], []),
];

const table = ingressTable(
  [
    ingress(
      'a',
      [
        {
          host: 'foo.example.com',
          paths: [path('/app', 'Prefix', 'prefix'), path('/app', 'Exact', 'exact'), path('/app/deep/', 'Prefix', 'deeper'), path('/idle', 'Prefix', 'empty')],
          at,
        },
        { host: '*.example.com', paths: [path('/', 'Prefix', 'wild')], at },
      ],
      'fallback',
    ),
    ingress('b', [{ paths: [path('/any', 'ImplementationSpecific', 'prefix')], at }]),
  ],
  services,
);
const to = (host: string, p: string) => routeRequest(table, host, p)?.name ?? '404';

describe('host matching', () => {
  it('is exact, or "*." and exactly one more label; case and port do not count', () => {
    expect(hostMatches('foo.example.com', 'FOO.example.com:80')).toBe(true);
    expect(hostMatches('*.example.com', 'bar.example.com')).toBe(true);
    expect(hostMatches('*.example.com', 'baz.bar.example.com')).toBe(false);
    expect(hostMatches('*.example.com', 'example.com')).toBe(false);
    expect(hostMatches('*.example.com', '.example.com')).toBe(false);
  });

  it('prefers the exact host to a wildcard, and sends other hosts to the catch-all server', () => {
    expect(table.hosts.map((h) => h.host ?? '(catch-all)')).toEqual(['foo.example.com', '*.example.com', '(catch-all)']);
    expect(to('foo.example.com', '/')).toBe('default/fallback:80');
    expect(to('bar.example.com', '/app')).toBe('default/wild:80');
    expect(to('a.bar.example.com', '/any/x')).toBe('default/prefix:80');
    expect(to('other.test', '/')).toBe('404');
  });
});

describe('path matching', () => {
  it('Prefix matches whole segments, with or without a trailing slash', () => {
    const prefix = { path: '/app', type: 'Prefix' as const };
    expect(['/app', '/app/', '/app/x'].map((p) => pathMatches(prefix, p))).toEqual([true, true, true]);
    expect(['/apps', '/ap', '/'].map((p) => pathMatches(prefix, p))).toEqual([false, false, false]);
    expect(pathMatches({ path: '/', type: 'Prefix' }, '/anything')).toBe(true);
    expect(pathMatches({ path: '/app', type: 'Exact' }, '/app/')).toBe(false);
  });

  it('takes the longest match, and Exact before Prefix on the same path', () => {
    expect(table.hosts[0]!.routes.map((r) => `${r.type} ${r.path}`)).toEqual(['Prefix /app/deep', 'Prefix /idle', 'Exact /app', 'Prefix /app']);
    expect(to('foo.example.com', '/app')).toBe('default/exact:80');
    expect(to('foo.example.com', '/app/')).toBe('default/prefix:80');
    expect(to('foo.example.com', '/app/x')).toBe('default/prefix:80');
    expect(to('foo.example.com', '/app/deep')).toBe('default/deeper:80');
    expect(to('foo.example.com', '/app/deep/er')).toBe('default/deeper:80');
    expect(to('foo.example.com', '/app/deeper')).toBe('default/prefix:80');
    expect(to('foo.example.com', '/application')).toBe('default/fallback:80');
  });

  it('matches ImplementationSpecific as Prefix', () => {
    expect(to('x.test', '/any')).toBe('default/prefix:80');
    expect(to('x.test', '/any/more')).toBe('default/prefix:80');
    expect(to('x.test', '/anyway')).toBe('404');
  });
});

describe('backends', () => {
  it("are the Services' ready endpoints, by port number or by the Service port's name", () => {
    const t = ingressTable([ingress('n', [{ paths: [path('/', 'Prefix', 'exact')], at }])], services);
    expect(routeRequest(t, 'h', '/')?.endpoints).toEqual(['10.0.1.2:8080']);
    const named = ingressTable([ingress('n', [{ paths: [{ ...path('/', 'Prefix', 'x'), backend: backend('prefix', 'http') }], at }])], services);
    expect(routeRequest(named, 'h', '/')).toMatchObject({ name: 'default/prefix:http', endpoints: ['10.0.1.3:8080', '10.0.1.4:8080'] });
  });

  it('say why there are none: no Service, no such port (a container port name), no ready pod', () => {
    const t = ingressTable(
      [
        ingress('n', [
          {
            paths: [path('/gone', 'Prefix', 'gone'), { ...path('/port', 'Prefix', 'x'), backend: backend('prefix', 'web') }, path('/idle', 'Prefix', 'empty')],
            at,
          },
        ]),
      ],
      services,
    );
    expect(routeRequest(t, 'h', '/gone')?.why).toBe('service default/gone does not exist');
    expect(routeRequest(t, 'h', '/port')?.why).toBe('service default/prefix has no port web');
    expect(routeRequest(t, 'h', '/idle')?.why).toBe('service default/empty has no ready endpoints');
  });

  it("default backend: a host's is its Ingress's; the catch-all's only from an Ingress without rules", () => {
    const rulesOnly = ingressTable([ingress('a', [{ host: 'h.test', paths: [path('/x', 'Exact', 'exact')], at }], 'fallback')], services);
    expect(routeRequest(rulesOnly, 'h.test', '/y')?.name).toBe('default/fallback:80');
    expect(routeRequest(rulesOnly, 'other.test', '/y')).toBeUndefined();
    const catchAll = ingressTable([ingress('a', [], 'fallback'), ingress('b', [{ host: 'h.test', paths: [path('/x', 'Exact', 'exact')], at }])], services);
    expect(routeRequest(catchAll, 'other.test', '/y')?.name).toBe('default/fallback:80');
    expect(routeRequest(catchAll, 'h.test', '/y')).toBeUndefined();
  });

  it('the first Ingress keeps a host and path two of them name', () => {
    const t = ingressTable(
      [
        ingress('first', [{ host: 'h.test', paths: [path('/x', 'Prefix', 'exact')], at }]),
        ingress('second', [{ host: 'h.test', paths: [path('/x/', 'Prefix', 'wild')], at }]),
      ],
      services,
    );
    expect(t.hosts[0]!.routes.map((r) => r.ingress)).toEqual(['default/first']);
  });
});

describe('describeRouting', () => {
  it('names the rule a request matched, or that none did, and where it went', () => {
    expect(describeRouting(table, 'foo.example.com', '/app/x')).toBe(
      'the ingress controller matches /app/x on host foo.example.com by Prefix /app (Ingress default/a) and sends it to service default/prefix:80 (10.0.1.3:8080, 10.0.1.4:8080)',
    );
    expect(describeRouting(table, 'foo.example.com', '/idle')).toBe(
      'the ingress controller matches /idle on host foo.example.com by Prefix /idle (Ingress default/a) and sends it to service default/empty:80, and answers 503: service default/empty has no ready endpoints',
    );
    expect(describeRouting(table, 'foo.example.com', '/nope')).toBe(
      'no path of host foo.example.com matches /nope (its paths: Prefix /app/deep, Prefix /idle, Exact /app, Prefix /app): the ingress controller sends it to the default backend, service default/fallback:80 (10.0.1.7:8080)',
    );
    expect(describeRouting(table, 'x.test', '/')).toBe(
      'no path of the catch-all server (no rule names host x.test) matches / (its paths: Prefix /any), and it has no default backend: the ingress controller answers 404 itself',
    );
  });
});
