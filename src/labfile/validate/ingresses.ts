// Ingresses against the rest of the lab: each backend's Service and port. kube-apiserver takes
// an Ingress whose Service or port does not exist (it may come later), and so does netlab,
// with a warning: the controller answers 503 for that path until it exists, as ingress-nginx does.
import type { IngressBackend, IngressSpec, ServiceSpec } from '../model.js';
import type { IngressEntry } from '../read/ingresses.js';
import type { Problems } from '../read/problems.js';
import { didYouMean } from '../../core/suggest.js';

export function validateIngresses(entries: readonly IngressEntry[], services: readonly ServiceSpec[], problems: Problems): IngressSpec[] {
  const seen = new Map<string, string>();
  for (const { ingress } of entries) {
    const label = `Ingress ${ingress.name}`;
    const backends = [...(ingress.defaultBackend ? [ingress.defaultBackend] : []), ...ingress.rules.flatMap((r) => r.paths.map((p) => p.backend))];
    for (const backend of backends) checkBackend(label, ingress.namespace, backend, services, problems);
    for (const rule of ingress.rules)
      for (const p of rule.paths) {
        const key = `${ingress.className} ${rule.host ?? '*'} ${p.pathType === 'Exact' ? 'Exact' : 'Prefix'} ${p.path}`;
        const first = seen.get(key);
        if (first)
          problems.warn(
            p.at,
            `${label}: ${rule.host ?? 'every host'} ${p.path} (${p.pathType}) is routed by ${first} already`,
            'ingress-nginx keeps the first (oldest) Ingress for a host and path; remove one of them',
          );
        else seen.set(key, label);
      }
  }
  return entries.map((e) => e.ingress);
}

function checkBackend(label: string, namespace: string, backend: IngressBackend, services: readonly ServiceSpec[], problems: Problems): void {
  const inNamespace = services.filter((s) => s.namespace === namespace);
  const service = inNamespace.find((s) => s.name === backend.service);
  if (!service) {
    problems.warn(
      backend.at,
      `${label}: service "${backend.service}" not found in namespace ${namespace}: the controller answers 503 for it`,
      didYouMean(
        backend.service,
        inNamespace.map((s) => s.name),
      ) ?? `Services in ${namespace}: ${inNamespace.map((s) => s.name).join(', ') || 'none'}`,
    );
    return;
  }
  const ports = service.ports.map((p) => (typeof backend.port === 'number' ? p.port : p.name));
  if (ports.includes(backend.port)) return;
  const named = service.ports.map((p) => (typeof backend.port === 'number' ? String(p.port) : (p.name ?? '(no name)')));
  problems.warn(
    backend.at,
    `${label}: Service ${service.name} has no port ${typeof backend.port === 'number' ? backend.port : `named "${backend.port}"`}: the controller answers 503 for it`,
    `its ports: ${named.join(', ')}${typeof backend.port === 'string' ? " (an Ingress names the Service port's name, not the container port's)" : ''}`,
  );
}
