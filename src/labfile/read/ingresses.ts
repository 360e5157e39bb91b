// An Ingress manifest -> an IngressSpec, with the rules kube-apiserver checks on the Ingress
// alone (hosts, paths, backends) and ingress-nginx's stricter path rule (the path becomes
// nginx configuration, so only characters that cannot change its meaning are taken). Rules
// that need the rest of the lab (the backends' Services) are in validate/ingresses.ts.
import { isIP } from 'node:net';
import { IGNORED_FIELDS, valueIn, warnIgnored } from './fields.js';
import { parseAt } from './issues.js';
import type { IngressBackend, IngressPath, IngressRule, IngressSpec, SourceLocation } from '../model.js';
import { keyAt, valueAt, type Place } from './positions.js';
import type { Problems } from './problems.js';
import { INGRESS_CLASS, ingressManifestSchema, type IngressBackendInput } from '../schema/ingresses.js';

/** An Ingress as read, with where it was written. */
export interface IngressEntry {
  ingress: IngressSpec;
  /** The manifest's root. */
  place: Place;
}

const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** ingress-nginx's strict path validation (Exact and Prefix): letters, digits and - _ . ~ / only. */
const SAFE_PATH = /^\/[A-Za-z0-9\-._~/]*$/;

/** Why `host` is not an Ingress rule's host (a DNS-1123 subdomain, or `*.` and one), or undefined. */
export function ingressHostProblem(host: string): { message: string; hint: string } | undefined {
  const base = host.startsWith('*.') ? host.slice(2) : host;
  if (isIP(host))
    return {
      message: `host ${JSON.stringify(host)} must be a DNS name, not an IP address`,
      hint: 'write a name (web.example.com), or leave host out to match every host',
    };
  if (host.includes('*') && !host.startsWith('*.'))
    return {
      message: `host ${JSON.stringify(host)}: a wildcard host is "*." and a domain`,
      hint: 'write e.g. host: "*.example.com" (it matches any one label before the domain)',
    };
  if (host.length > 253 || !SUBDOMAIN.test(base) || base.split('.').some((l) => l.length > 63))
    return {
      message: `host ${JSON.stringify(host)} is not a valid DNS name (lowercase letters, digits, "-" and ".", at most 253 characters)`,
      hint: `write e.g. host: ${JSON.stringify(host.toLowerCase().replace(/[^a-z0-9.*-]/g, '') || 'web.example.com')}`,
    };
  return undefined;
}

/** Why `path` cannot be an Exact or Prefix path (kube-apiserver's rules, then ingress-nginx's), or undefined. */
export function ingressPathProblem(path: string): { message: string; hint: string } | undefined {
  const shown = JSON.stringify(path);
  if (!path.startsWith('/')) return { message: `path ${shown} must be an absolute path`, hint: `write path: /${path.replace(/^\/*/, '')}` };
  for (const bad of ['//', '/./', '/../', '%2f', '%2F'])
    if (path.includes(bad))
      return { message: `path ${shown} must not contain '${bad}'`, hint: 'write the path as the request names it, without empty, . or .. segments' };
  if (path.endsWith('/..') || path.endsWith('/.')) return { message: `path ${shown} must not end with '/..' or '/.'`, hint: 'remove the last segment' };
  if (!SAFE_PATH.test(path))
    return {
      message: `path ${shown} has characters ingress-nginx refuses for Exact and Prefix paths (its strict path validation)`,
      hint: 'use letters, digits, "/", "-", "_", "." and "~" only',
    };
  return undefined;
}

export function readIngress(value: unknown, place: Place, problems: Problems): IngressEntry | undefined {
  const manifest = parseAt(ingressManifestSchema, value, place, problems);
  if (!manifest) return undefined;
  const before = problems.errors.length;
  warnIgnored(value, place, [], IGNORED_FIELDS.manifest, problems);
  warnIgnored(valueIn(value, ['metadata']), place, ['metadata'], IGNORED_FIELDS.metadata, problems);
  const { metadata, spec } = manifest;
  const label = `Ingress ${metadata.name}`;
  const at = (...steps: (string | number)[]) => valueAt(place, 'spec', ...steps);

  if (spec.tls !== undefined)
    problems.error(
      keyAt(place, 'spec', 'tls'),
      `${label}: netlab's ingress controller serves HTTP only: spec.tls is refused`,
      'remove spec.tls: a lab has no Secrets to hold the certificate, and ingress-nginx would redirect HTTP to HTTPS for these hosts, which netlab cannot show',
    );
  const className = spec.ingressClassName ?? INGRESS_CLASS;
  if (className !== INGRESS_CLASS)
    problems.warn(
      at('ingressClassName'),
      `${label}: no ingress controller serves class ${JSON.stringify(className)}, so this Ingress is not routed`,
      `netlab's controller is ingress-nginx's, class ${INGRESS_CLASS} (the default): write ingressClassName: ${INGRESS_CLASS}, or leave it out`,
    );

  const rules: IngressRule[] = (spec.rules ?? []).map((rule, r) => {
    const read: IngressRule = { paths: [], at: at('rules', r) };
    if (rule.host !== undefined) {
      const problem = ingressHostProblem(rule.host);
      if (problem) problems.error(at('rules', r, 'host'), `${label}: ${problem.message}`, problem.hint);
      else read.host = rule.host;
    }
    read.paths = (rule.http?.paths ?? []).flatMap((p, i): IngressPath[] => {
      const pathAt = (...steps: (string | number)[]) => at('rules', r, 'http', 'paths', i, ...steps);
      const path = p.path ?? '/';
      const problem = ingressPathProblem(path);
      if (problem) problems.error(pathAt(p.path === undefined ? 'pathType' : 'path'), `${label}: ${problem.message}`, problem.hint);
      if (p.pathType === 'ImplementationSpecific')
        problems.warn(
          pathAt('pathType'),
          `${label}: pathType ImplementationSpecific is matched as Prefix by netlab's controller`,
          'ingress-nginx matches it as an nginx prefix (or a regex, with its use-regex annotation); write Prefix or Exact to say which you mean',
        );
      const backend = readBackend(p.backend, label, (...steps) => pathAt('backend', ...steps), problems);
      return problem || !backend ? [] : [{ path, pathType: p.pathType, backend, at: pathAt() }];
    });
    return read;
  });

  const ingress: IngressSpec = { name: metadata.name, namespace: metadata.namespace ?? 'default', className, rules, at: valueAt(place) };
  if (spec.defaultBackend) {
    const backend = readBackend(spec.defaultBackend, label, (...steps) => at('defaultBackend', ...steps), problems);
    if (backend) ingress.defaultBackend = backend;
  }
  if (!spec.defaultBackend && rules.length === 0)
    problems.error(keyAt(place, 'spec'), `${label}: either defaultBackend or rules must be specified`, 'add rules (host and http paths), or a defaultBackend');
  return problems.errors.length > before ? undefined : { ingress, place };
}

function readBackend(
  input: IngressBackendInput,
  label: string,
  at: (...steps: (string | number)[]) => SourceLocation,
  problems: Problems,
): IngressBackend | undefined {
  if (input.resource !== undefined) {
    problems.error(
      at('resource'),
      `${label}: netlab routes to Services only: a resource backend is refused`,
      'write service: {name: <service>, port: {number: <port>}}',
    );
    return undefined;
  }
  const service = input.service;
  if (!service) {
    problems.error(at(), `${label}: a backend names a service`, 'write service: {name: <service>, port: {number: 80}} (or port: {name: http})');
    return undefined;
  }
  const { number, name } = service.port;
  if ((number === undefined) === (name === undefined)) {
    problems.error(
      at('service', 'port'),
      `${label}: a backend port has exactly one of number and name`,
      number === undefined ? "write port: {number: 80} or port: {name: http} (the Service port's name)" : 'keep number or name, not both',
    );
    return undefined;
  }
  return { service: service.name, port: number ?? name!, at: at('service', 'port') };
}
