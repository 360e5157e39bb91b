// The Ingresses as one routing table, the way the Ingress API defines matching: a request's
// host picks a rule set (an exact host before a `*.` wildcard, which matches exactly one label;
// rules without host match any host), then the longest matching path wins, Exact before
// Prefix on a tie; Prefix matches whole path segments (/foo matches /foo and /foo/bar, not
// /foobar). A request that matches no path goes to the default backend as ingress-nginx
// picks it: on a host, the spec.defaultBackend of the Ingress that first named the host; on
// the catch-all server (rules without host, and every other host), the defaultBackend of an
// Ingress that has no rules; else the controller's own 404. Pure.
import type { IngressBackend, IngressSpec } from '../../labfile/model.js';
import type { PlannedService } from '../services.js';

/** A backend resolved to what the controller proxies to: the Service's ready endpoints (as ingress-nginx does). */
export interface RouteBackend {
  /** `namespace/service:port` as written (port: a number or a name). */
  name: string;
  /** nginx upstream name: lowercase letters, digits, "-" and "_". */
  upstream: string;
  /** ip:port of each ready endpoint; empty = the controller answers 503. */
  endpoints: string[];
  /** Why there are none, when there are none. */
  why?: string;
  /** Its Service does not exist. */
  missing?: boolean;
}

export interface Route {
  path: string;
  /** ImplementationSpecific is matched as Prefix. */
  type: 'Exact' | 'Prefix';
  backend: RouteBackend;
  /** `namespace/name` of the Ingress that wrote it. */
  ingress: string;
}

export interface HostRoutes {
  /** undefined: every host (the default server). */
  host?: string;
  routes: Route[];
  /** Where its unmatched paths go (undefined: the controller's 404). */
  fallback?: RouteBackend;
}

export interface IngressTable {
  /** Exact hosts first, then wildcards, then the rules for every host (the catch-all, always there); each host once. */
  hosts: HostRoutes[];
}

/** The routing table of `ingresses` (those of the controller's class) over the Services as planned now. */
export function ingressTable(ingresses: readonly IngressSpec[], services: readonly PlannedService[]): IngressTable {
  // ingress-nginx orders Ingresses by creation (the oldest wins a conflict); netlab by the order written.
  const catchAll: HostRoutes = { routes: [] };
  const byHost = new Map<string | undefined, HostRoutes>([[undefined, catchAll]]);
  for (const ingress of ingresses) {
    const resolve = (b: IngressBackend) => resolveBackend(ingress.namespace, b, services);
    // ingress-nginx takes a default backend whose Service exists (it may have no endpoints: 503).
    const own = ingress.defaultBackend && resolve(ingress.defaultBackend);
    const fallback = own && !own.missing ? own : undefined;
    if (fallback && !ingress.rules.length && !catchAll.fallback) catchAll.fallback = fallback;
    for (const rule of ingress.rules) {
      let server = byHost.get(rule.host);
      if (!server) {
        server = { ...(rule.host === undefined ? {} : { host: rule.host }), routes: [], ...(fallback ? { fallback } : {}) };
        byHost.set(rule.host, server);
      }
      const routes = server.routes;
      for (const p of rule.paths) {
        const type = p.pathType === 'Exact' ? 'Exact' : 'Prefix';
        const path = type === 'Prefix' ? trimSlash(p.path) : p.path;
        if (routes.some((r) => r.type === type && r.path === path)) continue; // the first one keeps it
        routes.push({ path, type, backend: resolve(p.backend), ingress: `${ingress.namespace}/${ingress.name}` });
      }
    }
  }
  const rank = (host: string | undefined) => (host === undefined ? 2 : host.startsWith('*.') ? 1 : 0);
  const hosts = [...byHost.values()]
    .map((h) => ({ ...h, routes: sortRoutes(h.routes) }))
    .sort((a, b) => rank(a.host) - rank(b.host) || (a.host ?? '').localeCompare(b.host ?? ''));
  return { hosts };
}

/** Longest path first; on the same path Exact before Prefix. */
function sortRoutes(routes: Route[]): Route[] {
  return [...routes].sort((a, b) => b.path.length - a.path.length || (a.type === b.type ? 0 : a.type === 'Exact' ? -1 : 1) || a.path.localeCompare(b.path));
}

/** A Prefix path's trailing slash does not count (/foo/ matches /foo). */
function trimSlash(path: string): string {
  return path.length > 1 ? path.replace(/\/+$/, '') || '/' : path;
}

function resolveBackend(namespace: string, backend: IngressBackend, services: readonly PlannedService[]): RouteBackend {
  const name = `${namespace}/${backend.service}:${backend.port}`;
  // "_" is in no DNS label nor port name, so two backends never share a name.
  const upstream = `${namespace}_${backend.service}_${backend.port}`;
  const service = services.find((s) => s.spec.namespace === namespace && s.spec.name === backend.service);
  if (!service) return { name, upstream, endpoints: [], why: `service ${namespace}/${backend.service} does not exist`, missing: true };
  const port = service.ports.find((p) => (typeof backend.port === 'number' ? p.spec.port === backend.port : p.spec.name === backend.port));
  if (!port) return { name, upstream, endpoints: [], why: `service ${namespace}/${backend.service} has no port ${backend.port}` };
  if (port.spec.protocol !== 'TCP') return { name, upstream, endpoints: [], why: `port ${backend.port} of service ${namespace}/${backend.service} is not TCP` };
  const endpoints = port.endpoints.map((e) => `${e.ip}:${e.port}`);
  return { name, upstream, endpoints, ...(endpoints.length ? {} : { why: `service ${namespace}/${backend.service} has no ready endpoints` }) };
}

/** Does `pattern` (a rule's host) match the request's host? A wildcard stands for exactly one label. */
export function hostMatches(pattern: string, host: string): boolean {
  const h = host.toLowerCase().replace(/:\d+$/, '').replace(/\.$/, '');
  if (!pattern.startsWith('*.')) return h === pattern;
  const suffix = pattern.slice(1);
  return h.endsWith(suffix) && h.length > suffix.length && !h.slice(0, -suffix.length).includes('.');
}

/** Does a route match the request's path? */
export function pathMatches(route: Pick<Route, 'path' | 'type'>, path: string): boolean {
  if (route.type === 'Exact') return path === route.path;
  return route.path === '/' || path === route.path || path.startsWith(`${route.path}/`);
}

/** Where a request goes: the backend of the route it matches, else its server's default backend; undefined: the controller's 404. */
export function routeRequest(table: IngressTable, host: string, path: string): RouteBackend | undefined {
  const server = table.hosts.find((h) => h.host !== undefined && hostMatches(h.host, host)) ?? table.hosts.find((h) => h.host === undefined);
  return server?.routes.find((r) => pathMatches(r, path))?.backend ?? server?.fallback;
}

/** How the controller routes one request, for a diagnosis: its server, the route it matched, where it goes. */
export interface RoutedRequest {
  server?: HostRoutes;
  route?: Route;
  /** undefined: the controller's own 404. */
  backend?: RouteBackend;
}

export function explainRequest(table: IngressTable, host: string, path: string): RoutedRequest {
  const server = table.hosts.find((h) => h.host !== undefined && hostMatches(h.host, host)) ?? table.hosts.find((h) => h.host === undefined);
  const route = server?.routes.find((r) => pathMatches(r, path));
  const backend = route?.backend ?? server?.fallback;
  return { ...(server ? { server } : {}), ...(route ? { route } : {}), ...(backend ? { backend } : {}) };
}

/** One sentence: where the controller sends `host` + `path`, and why (the rule, or that none matched). */
export function describeRouting(table: IngressTable, host: string, path: string): string {
  const { server, route, backend } = explainRequest(table, host, path);
  const where = server?.host === undefined ? `the catch-all server (no rule names host ${host})` : `host ${server.host}`;
  const paths = server?.routes.length ? ` (its paths: ${server.routes.map((r) => `${r.type} ${r.path}`).join(', ')})` : '';
  const to = (b: RouteBackend) =>
    b.endpoints.length ? `service ${b.name} (${b.endpoints.join(', ')})` : `service ${b.name}, and answers 503: ${b.why ?? 'it has no endpoints'}`;
  if (route)
    return `the ingress controller matches ${path} on ${where} by ${route.type} ${route.path} (Ingress ${route.ingress}) and sends it to ${to(route.backend)}`;
  if (backend) return `no path of ${where} matches ${path}${paths}: the ingress controller sends it to the default backend, ${to(backend)}`;
  return `no path of ${where} matches ${path}${paths}, and it has no default backend: the ingress controller answers 404 itself`;
}
