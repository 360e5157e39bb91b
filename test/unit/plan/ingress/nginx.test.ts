// nginx's configuration from the routing table: ingress-nginx's shapes (a server per host, a
// Prefix path as `= /p` and `/p/`, Exact as `= /p`, 503 without endpoints, the controller's
// own 404), the wildcard as a one-label regex, and every value quoted (what cannot be quoted
// safely is refused).
import { describe, expect, it } from 'vitest';
import { NetlabError } from '../../../../src/core/errors.js';
import { nginxConfig, nginxQuote } from '../../../../src/plan/ingress/nginx.js';
import type { IngressTable, RouteBackend } from '../../../../src/plan/ingress/routes.js';

const web: RouteBackend = { name: 'default/web:80', upstream: 'default_web_80', endpoints: ['10.0.1.2:8080', '10.0.2.2:8080'] };
const idle: RouteBackend = { name: 'default/idle:http', upstream: 'default_idle_http', endpoints: [], why: 'service default/idle has no ready endpoints' };

const table: IngressTable = {
  hosts: [
    {
      host: 'web.example.com',
      routes: [
        { path: '/app', type: 'Exact', backend: idle, ingress: 'default/a' },
        { path: '/app', type: 'Prefix', backend: web, ingress: 'default/a' },
      ],
      fallback: web,
    },
    { host: '*.example.com', routes: [{ path: '/', type: 'Prefix', backend: web, ingress: 'default/a' }] },
    { routes: [] },
  ],
};

/** The location lines of the server with this server_name. */
function serverOf(conf: string, name: string): string {
  const start = conf.indexOf(`server_name ${name};`);
  return conf.slice(start, conf.indexOf('\n  }\n', start));
}

describe('nginxConfig', () => {
  const conf = nginxConfig(table, 42);

  it('starts with its generation, which the status port serves', () => {
    expect(conf.split('\n')[0]).toBe('# generation 42');
    expect(conf).toContain('listen 127.0.0.1:10246;');
    expect(conf).toContain('location = /generation { return 200 "42"; }');
  });

  it("has an upstream of each backend's endpoints, none for a backend without", () => {
    expect(conf).toContain('  upstream default_web_80 {\n    server 10.0.1.2:8080 max_fails=0;\n    server 10.0.2.2:8080 max_fails=0;\n  }');
    expect(conf).not.toContain('upstream default_idle_http');
  });

  it('writes Exact as "= /p", Prefix as "= /p" and "/p/" (Exact keeps "= /p"), and the default backend at "/"', () => {
    const server = serverOf(conf, '"web.example.com"');
    expect(server.match(/location [^{]+/g)).toEqual(['location = "/app" ', 'location "/app/" ', 'location "/" ']);
    expect(server).toMatch(/location = "\/app" \{\n {6}# service default\/idle has no ready endpoints\n {6}return 503/);
    expect(server).toMatch(/location "\/app\/" \{\n {6}proxy_pass http:\/\/default_web_80;/);
    expect(server).toMatch(/# default backend -> default\/web:80\n {4}location "\/" \{\n {6}proxy_pass http:\/\/default_web_80;/);
  });

  it('matches a wildcard host with one label only, and answers 404 itself where there is no default backend', () => {
    expect(conf).toContain('server_name "~^[^.]+\\\\.example\\\\.com$";');
    const catchAll = serverOf(conf, '_');
    expect(conf).toContain('listen 80 default_server;\n    server_name _;');
    expect(catchAll).toContain('return 404 "default backend - 404\\n";');
  });

  it('refuses an upstream or endpoint that is not one, and keeps a comment on one line', () => {
    const bad = (b: Partial<RouteBackend>): IngressTable => ({
      hosts: [{ routes: [{ path: '/', type: 'Prefix', backend: { ...web, ...b }, ingress: 'x/y' }] }],
    });
    expect(() => nginxConfig(bad({ upstream: 'a; evil' }), 1)).toThrow(NetlabError);
    expect(() => nginxConfig(bad({ endpoints: ['10.0.0.1:80; evil'] }), 1)).toThrow(NetlabError);
    const commented = nginxConfig(bad({ name: 'x\n}\nserver {' }), 1);
    expect(commented).toContain('# x } server {');
  });
});

describe('nginxQuote', () => {
  it('makes one token of anything printable: quotes and backslashes escaped', () => {
    expect(nginxQuote('/app')).toBe('"/app"');
    expect(nginxQuote('/x" { return 200 pwned; } location "/y')).toBe('"/x\\" { return 200 pwned; } location \\"/y"');
    expect(nginxQuote('a\\"b')).toBe('"a\\\\\\"b"');
  });

  it('refuses control characters (a newline would end the directive)', () => {
    expect(() => nginxQuote('/a\nb')).toThrow(NetlabError);
    expect(() => nginxQuote('/a\u0000')).toThrow(NetlabError);
  });
});
