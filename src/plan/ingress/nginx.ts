// The routing table as nginx's configuration, shaped like ingress-nginx's: one server per
// host (the default server takes the rules without host and every other host), a Prefix path
// as `location = /p` plus `location /p/` (whole segments), an Exact path as `location = /p`,
// upstreams of the Services' endpoints. Hosts and paths are validated when read (they can hold
// no quote, brace, semicolon or space); here every value is quoted as well, and anything that
// still could end a token is refused. Pure.
import { NetlabError } from '../../core/errors.js';
import type { HostRoutes, IngressTable, RouteBackend } from './routes.js';

/** The controller's status port (ingress-nginx's is 10246): the generation it serves, for the reload to wait on. */
export const STATUS_PORT = 10246;

/** `text` as one nginx string token: in double quotes, `\` and `"` escaped; control characters are refused. */
export function nginxQuote(text: string): string {
  if (/[\u0000-\u001f\u007f]/.test(text)) throw new NetlabError(`Refusing a control character in nginx configuration: ${JSON.stringify(text)}.`);
  return `"${text.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** A host as nginx's server_name: exact, or a regex for a wildcard (the API's `*.` is exactly one label; nginx's own would take more). */
function serverName(host: string): string {
  if (!host.startsWith('*.')) return nginxQuote(host);
  return nginxQuote(`~^[^.]+${host.slice(1).replace(/\./g, '\\.')}$`);
}

/** The text of nginx.conf; `generation` is served on the status port once nginx runs it. */
export function nginxConfig(table: IngressTable, generation: number): string {
  const upstreams = new Map<string, RouteBackend>();
  const all = table.hosts.flatMap((h) => [...h.routes.map((r) => r.backend), ...(h.fallback ? [h.fallback] : [])]);
  for (const b of all) if (b.endpoints.length && !upstreams.has(b.upstream)) upstreams.set(b.upstream, b);
  const catchAll = table.hosts.find((h) => h.host === undefined) ?? { routes: [] };
  const lines = [
    `# generation ${generation}`,
    "# Written by netlab from the lab's Ingresses (src/plan/ingress/nginx.ts); reloaded by netlab-ingress-reload.",
    'worker_processes 1;',
    'pid /run/nginx.pid;',
    'error_log stderr notice;',
    'events { worker_connections 1024; }',
    'http {',
    '  access_log /dev/stdout;',
    '  server_tokens off;',
    '  default_type text/plain;',
    '  proxy_http_version 1.1;',
    '  proxy_connect_timeout 5s;',
    '  proxy_set_header Host $host;',
    '  proxy_set_header Connection "";',
    '  proxy_set_header X-Real-IP $remote_addr;',
    '  proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
    '  proxy_set_header X-Forwarded-Host $host;',
    '  proxy_set_header X-Forwarded-Proto $scheme;',
    '  proxy_next_upstream error timeout;',
    ...[...upstreams.values()].flatMap((b) => [
      `  # ${comment(b.name)}`,
      `  upstream ${upstreamName(b)} {`,
      ...b.endpoints.map((e) => `    server ${endpoint(e)} max_fails=0;`),
      '  }',
    ]),
    ...server(catchAll, true),
    ...table.hosts.filter((h) => h.host !== undefined).flatMap((h) => server(h, false)),
    '  server {',
    `    listen 127.0.0.1:${STATUS_PORT};`,
    '    access_log off;',
    `    location = /generation { return 200 "${generation}"; }`,
    '    location = /healthz { return 200 "ok"; }',
    '  }',
    '}',
  ];
  return `${lines.join('\n')}\n`;
}

function server(h: HostRoutes, isDefault: boolean): string[] {
  const seen = new Set<string>();
  const locations: string[] = [];
  const add = (modifier: '=' | '', path: string, backend: RouteBackend | undefined, text: string) => {
    const key = `${modifier}${path}`;
    if (seen.has(key)) return; // Exact before Prefix: the routes come sorted so
    seen.add(key);
    locations.push(`    # ${comment(text)}`, `    location ${modifier ? '= ' : ''}${nginxQuote(path)} {`, ...proxy(backend), '    }');
  };
  for (const r of h.routes) {
    const text = `${r.type} ${r.path} -> ${r.backend.name} (${r.ingress})`;
    if (r.type === 'Exact') add('=', r.path, r.backend, text);
    else if (r.path === '/') add('', '/', r.backend, text);
    else {
      add('=', r.path, r.backend, text);
      add('', `${r.path}/`, r.backend, text);
    }
  }
  add('', '/', h.fallback, h.fallback ? `default backend -> ${h.fallback.name}` : 'no default backend: the controller answers 404');
  return [
    '  server {',
    isDefault ? '    listen 80 default_server;' : '    listen 80;',
    `    server_name ${isDefault ? '_' : serverName(h.host!)};`,
    ...locations,
    '  }',
  ];
}

/** A location's body: proxied to the backend's endpoints, 503 when it has none, 404 for no backend. */
function proxy(backend: RouteBackend | undefined): string[] {
  if (!backend) return ['      return 404 "default backend - 404\\n";'];
  if (!backend.endpoints.length) return [`      # ${comment(backend.why ?? 'no endpoints')}`, '      return 503 "503 Service Temporarily Unavailable\\n";'];
  return [`      proxy_pass http://${upstreamName(backend)};`];
}

/** A comment's text: one line, whatever it holds. */
function comment(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f]/g, ' ');
}

function upstreamName(b: RouteBackend): string {
  if (!/^[a-z0-9_-]+$/.test(b.upstream)) throw new NetlabError(`Refusing upstream name ${JSON.stringify(b.upstream)} in nginx configuration.`);
  return b.upstream;
}

function endpoint(e: string): string {
  if (!/^\d{1,3}(\.\d{1,3}){3}:\d{1,5}$/.test(e)) throw new NetlabError(`Refusing endpoint ${JSON.stringify(e)} in nginx configuration.`);
  return e;
}
