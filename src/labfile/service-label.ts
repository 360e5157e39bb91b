// How messages name a Service.
import type { ServiceSpec } from './model.js';

/** `Service web` or `Service web.team-a`, as messages name it. */
export function serviceLabel(service: Pick<ServiceSpec, 'name' | 'namespace'>): string {
  return `Service ${service.name}${service.namespace === 'default' ? '' : `.${service.namespace}`}`;
}
