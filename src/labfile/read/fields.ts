// Kubernetes fields real manifests carry that netlab does not model: they are
// accepted (so real manifests load) and reported as warnings, each at its key.
import { z } from 'zod';
import { keyAt, type Path, type Place } from './positions.js';
import type { Problems } from './problems.js';

/** The accepted-but-ignored fields, by the object they appear in. */
export const IGNORED_FIELDS = {
  manifest: ['status'],
  metadata: ['annotations', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'managedFields', 'ownerReferences', 'finalizers', 'generateName'],
  deploymentSpec: ['strategy', 'revisionHistoryLimit', 'minReadySeconds', 'progressDeadlineSeconds', 'paused'],
  podSpec: [
    'terminationGracePeriodSeconds',
    'activeDeadlineSeconds',
    'securityContext',
    'volumes',
    'serviceAccountName',
    'serviceAccount',
    'automountServiceAccountToken',
    'dnsPolicy',
    'dnsConfig',
    'schedulerName',
    'tolerations',
    'affinity',
    'nodeSelector',
    'imagePullSecrets',
    'priorityClassName',
    'priority',
    'enableServiceLinks',
    'hostname',
    'subdomain',
    'topologySpreadConstraints',
    'shareProcessNamespace',
    'readinessGates',
    'runtimeClassName',
  ],
  container: [
    'resources',
    'startupProbe',
    'securityContext',
    'volumeMounts',
    'volumeDevices',
    'lifecycle',
    'terminationMessagePath',
    'terminationMessagePolicy',
    'stdin',
    'stdinOnce',
    'tty',
    'resizePolicy',
    'restartPolicy',
  ],
  containerPort: ['hostPort', 'hostIP'],
  serviceSpec: ['ipFamilies', 'ipFamilyPolicy', 'publishNotReadyAddresses', 'allocateLoadBalancerNodePorts', 'loadBalancerClass', 'trafficDistribution'],
  servicePort: ['appProtocol'],
} as const;

/** Why an ignored field has no effect, where there is more to say than "not modelled". */
export const IGNORED_REASONS: Partial<Record<string, string>> = {
  resources: 'netlab containers run without requests or limits',
  startupProbe: 'netlab runs readiness and liveness probes only',
  restartPolicy: "a container's own restartPolicy makes an init container a sidecar; netlab runs no init containers (the pod's spec.restartPolicy applies)",
  terminationGracePeriodSeconds: 'netlab stops pods at `down` without a grace period',
  strategy: 'netlab creates all replicas at once; there are no rolling updates',
  hostPort: 'to reach a pod from outside, use a NodePort Service (type: NodePort) or a check from `external`',
  annotations: 'annotations have no effect in netlab',
  status: 'status is written by Kubernetes, not by the manifest author',
  nodeSelector: 'pin a pod with spec.nodeName instead',
  affinity: 'pin a pod with spec.nodeName instead',
  ipFamilies: 'netlab is IPv4 only',
  ipFamilyPolicy: 'netlab is IPv4 only',
  clusterIPs: 'netlab is IPv4 only: clusterIP says it all',
  publishNotReadyAddresses: 'netlab publishes only ready pods as endpoints (in rules and DNS)',
  allocateLoadBalancerNodePorts: 'netlab always gives LoadBalancer Services nodePorts (the default, true)',
  loadBalancerClass: "netlab's one load balancer (MetalLB's layer 2, in effect) serves every LoadBalancer Service",
  trafficDistribution: 'netlab spreads traffic over all endpoints of the Service',
  appProtocol: "netlab's probes choose their protocol themselves (probe: http, tcp, udp)",
};

/** Optional fields netlab accepts and ignores, for a zod object's shape. */
export function ignoring<const K extends readonly string[]>(keys: K): { [P in K[number]]: z.ZodOptional<z.ZodUnknown> } {
  return Object.fromEntries(
    keys.map((k) => [k, z.unknown().optional().meta({ description: `Kubernetes field; netlab accepts it and ignores it (a warning says so).` })]),
  ) as { [P in K[number]]: z.ZodOptional<z.ZodUnknown> };
}

/** Warns about each of `fields` that `object` (found at `path` below `place`) carries. */
export function warnIgnored(object: unknown, place: Place, path: Path, fields: readonly string[], problems: Problems): void {
  if (!isRecord(object)) return;
  for (const field of fields) {
    if (object[field] === undefined) continue;
    problems.warn(
      keyAt(place, ...path, field),
      `\`${field}\` is accepted but ignored`,
      IGNORED_REASONS[field] ?? 'netlab does not model this field; it has no effect',
    );
  }
}

/** The value at `path` inside `value`, or undefined. */
export function valueIn(value: unknown, path: Path): unknown {
  return path.reduce<unknown>((v, k) => (isRecord(v) || Array.isArray(v) ? (v as Record<string, unknown>)[k] : undefined), value);
}

/** A YAML mapping as plain data: not an array, and not what a tag makes (`!!binary` bytes, a `!!set`, a date). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
