// Container probes (readinessProbe, livenessProbe) as Kubernetes v1.34 writes them, with its
// defaults and its validation: exactly one handler (httpGet, tcpSocket or exec), periods and
// thresholds of at least 1, and a liveness successThreshold of 1.
import { z } from 'zod';
import { parseIp } from '../../core/cidr.js';
import { withHint } from '../read/issues.js';
import { portName } from './parts.js';

/** Kubernetes' defaults for a probe's timing fields. */
export const PROBE_DEFAULTS = { initialDelaySeconds: 0, periodSeconds: 10, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 } as const;

export const PROBE_HANDLERS = ['httpGet', 'tcpSocket', 'exec'] as const;

const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

const probePort = z
  .union([z.int().min(1).max(65535), portName()])
  .meta({ description: "The port to probe on the pod IP: a number, or the name of one of the container's ports.", examples: [8080, 'http'] });

const probeHost = z
  .string()
  .refine((h) => parseIp(h) !== undefined, {
    error: (iss) =>
      withHint(
        `probe host ${JSON.stringify(iss.input)} is not an IPv4 address`,
        "netlab probes addresses (as kubelet does from the node); remove `host` to probe the pod's own IP",
      ),
  })
  .meta({ description: "The address to probe (default: the pod's IP)." });

const httpGetSchema = z
  .strictObject({
    path: z
      .string()
      .default('/')
      .meta({ description: 'The HTTP path (default /).', examples: ['/readyz'] }),
    port: probePort,
    host: probeHost.optional(),
    scheme: z.enum(['HTTP', 'HTTPS']).default('HTTP').meta({ description: 'HTTP (default) or HTTPS (the certificate is not verified, as kubelet does).' }),
    httpHeaders: z
      .array(
        z.strictObject({
          name: z.string().regex(HEADER_NAME, {
            error: (iss) => withHint(`HTTP header name ${JSON.stringify(iss.input)} is not valid`, 'use letters, digits and "-", e.g. X-Probe'),
          }),
          value: z.string().refine((v) => !/[\r\n\0]/.test(v), { error: withHint('an HTTP header value must be one line', 'remove the line breaks') }),
        }),
      )
      .default([])
      .meta({ description: 'Headers to send.' }),
  })
  .meta({ description: 'GET the path on the pod IP from its node; a status from 200 to 399 passes.' });

const tcpSocketSchema = z
  .strictObject({ port: probePort, host: probeHost.optional() })
  .meta({ description: 'Open a TCP connection to the port on the pod IP from its node; a connection passes.' });

const execSchema = z
  .strictObject({
    command: z
      .array(z.string())
      .min(1)
      .meta({ description: 'Run in the container as argv (no shell unless you name one); exit code 0 passes.', examples: [['cat', '/tmp/healthy']] }),
  })
  .meta({ description: 'Run a command in the container.' });

const seconds = (description: string, def: number, min: number) =>
  z
    .int()
    .min(min)
    .default(def)
    .meta({ description: `${description} Default ${def}.` });

function probeSchema(kind: 'readinessProbe' | 'livenessProbe') {
  return z
    .strictObject({
      httpGet: httpGetSchema.optional(),
      tcpSocket: tcpSocketSchema.optional(),
      exec: execSchema.optional(),
      grpc: z
        .unknown()
        .optional()
        .refine((v) => v === undefined, {
          error: withHint('netlab does not run gRPC probes', 'use httpGet, tcpSocket or exec (e.g. exec with grpc_health_probe in the image)'),
        }),
      initialDelaySeconds: seconds('Seconds after the container started before the first probe.', PROBE_DEFAULTS.initialDelaySeconds, 0),
      periodSeconds: seconds('Seconds between probes.', PROBE_DEFAULTS.periodSeconds, 1),
      timeoutSeconds: seconds('Seconds a probe may take before it counts as failed.', PROBE_DEFAULTS.timeoutSeconds, 1),
      successThreshold: seconds(
        kind === 'livenessProbe' ? 'Successes in a row that count (must be 1 for liveness).' : 'Successes in a row before the container is ready again.',
        PROBE_DEFAULTS.successThreshold,
        1,
      ),
      failureThreshold: seconds(
        kind === 'livenessProbe' ? 'Failures in a row before the container is restarted.' : 'Failures in a row before the container is not ready.',
        PROBE_DEFAULTS.failureThreshold,
        1,
      ),
      terminationGracePeriodSeconds: z.int().min(1).optional().meta({ description: 'Accepted; netlab restarts containers without a grace period.' }),
    })
    .superRefine((probe, ctx) => {
      const handlers = PROBE_HANDLERS.filter((h) => probe[h] !== undefined);
      if (handlers.length === 0 && probe.grpc === undefined)
        ctx.addIssue({
          code: 'custom',
          message: withHint(`${kind} needs a handler: httpGet, tcpSocket or exec`, 'add e.g. `httpGet: {path: /readyz, port: 8080}`'),
        });
      for (const extra of handlers.slice(1))
        ctx.addIssue({
          code: 'custom',
          path: [extra],
          message: withHint(`${kind} may have one handler, and it has ${handlers.join(' and ')}`, `keep ${handlers[0]} and remove ${extra}`),
        });
      if (kind === 'livenessProbe' && probe.successThreshold !== 1)
        ctx.addIssue({
          code: 'custom',
          path: ['successThreshold'],
          message: withHint(
            `livenessProbe.successThreshold must be 1, not ${probe.successThreshold}`,
            'remove successThreshold (Kubernetes takes only 1 for liveness)',
          ),
        });
    })
    .meta({
      description:
        kind === 'readinessProbe'
          ? 'Until it passes the pod is no endpoint of its Services. netlab probes as kubelet does: httpGet and tcpSocket from the node to the pod IP, exec in the container.'
          : 'When it fails failureThreshold times in a row, `netlab watch` restarts the container.',
    });
}

export const readinessProbeSchema = probeSchema('readinessProbe');
export const livenessProbeSchema = probeSchema('livenessProbe');
export type ProbeInput = z.output<typeof readinessProbeSchema>;
