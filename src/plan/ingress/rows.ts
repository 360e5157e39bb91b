// `get ingresses` as kubectl prints them: CLASS, HOSTS ("*" for none), ADDRESS (what the
// controller publishes in status.loadBalancer: its Service's load-balancer address), PORTS. Pure.
import type { IngressSpec } from '../../labfile/model.js';
import type { PlannedService } from '../services.js';
import { INGRESS_CLASS } from '../../labfile/ingress-controller.js';
import { ingressService } from './controller.js';

export interface IngressRow {
  namespace: string;
  name: string;
  className: string;
  hosts: string;
  address: string;
  ports: string;
}

export function ingressRows(ingresses: readonly IngressSpec[], services: readonly PlannedService[]): IngressRow[] {
  const exposed = ingressService(services.map((s) => s.spec));
  const planned = exposed && services.find((s) => s.spec === exposed);
  // ingress-nginx publishes its Service's load-balancer address, else (NodePort) nothing.
  const address = planned?.loadBalancerIP ?? '';
  return ingresses.map((i) => {
    const hosts = [...new Set(i.rules.flatMap((r) => (r.host === undefined ? [] : [r.host])))];
    return {
      namespace: i.namespace,
      name: i.name,
      className: i.className,
      hosts: hosts.length ? hosts.join(',') : '*',
      address: i.className === INGRESS_CLASS ? address : '',
      ports: '80',
    };
  });
}
