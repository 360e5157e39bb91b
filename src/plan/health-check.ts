// kube-proxy's health-check server for LoadBalancer Services with externalTrafficPolicy
// Local, as netlab runs it in each node: a netlab-proxy process of its own (docker/node/
// health.go) whose config lists, per Service, its healthCheckNodePort and how many of its
// ready endpoints run on that node (200 with some, 503 without). Pure.
import type { PlannedService } from './services.js';

export const HEALTH_CONFIG = '/etc/netlab/healthz.json';

/** Starts the node's health-check server on the config sync wrote, or has the running one re-read it. */
export const HEALTH_START: readonly [string, ...string[]] = [
  'netlab-proxy',
  '--reload-or-start',
  '--config',
  HEALTH_CONFIG,
  '--pid-file',
  '/run/netlab-healthz.pid',
  '--log',
  '/var/log/netlab-healthz.log',
];

export interface HealthCheckEntry {
  namespace: string;
  name: string;
  port: number;
  localEndpoints: number;
}

/** Whether a lab needs the server: it has a LoadBalancer Service (one may turn Local, or stop being it, at any sync). */
export const needsHealthChecks = (planned: readonly PlannedService[]): boolean => planned.some((s) => s.spec.type === 'LoadBalancer');

/** The config of `node`'s server: each Service with a health-check port, and its ready endpoints on the node (counted once per address). */
export function healthCheckConfig(planned: readonly PlannedService[], node: string): { services: []; healthChecks: HealthCheckEntry[] } {
  const healthChecks = planned.flatMap((s) => {
    if (s.healthCheckNodePort === undefined) return [];
    const local = new Set(s.ports.flatMap((p) => p.endpoints.filter((e) => e.node === node).map((e) => e.ip)));
    return [{ namespace: s.spec.namespace, name: s.spec.name, port: s.healthCheckNodePort, localEndpoints: local.size }];
  });
  return { services: [], healthChecks };
}
