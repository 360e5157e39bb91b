// The Service manifest (apiVersion v1) as a zod schema: what netlab models of
// kube-proxy's input. Rules that need the rest of the lab are in validate-services.ts.
import { z } from 'zod';
import { IGNORED_FIELDS, ignoring } from '../read/fields.js';
import { withHint } from '../read/issues.js';
import { apiVersion, dns1035Label, labelMap, metadataSchema, portName, portNameProblem } from './parts.js';

export const NODE_PORT_RANGE = { min: 30000, max: 32767 } as const;
export const DEFAULT_AFFINITY_SECONDS = 10800;
export const MAX_AFFINITY_SECONDS = 86400;

const nodePortError = (iss: { input?: unknown }) =>
  withHint(
    `nodePort ${String(iss.input)} is outside the NodePort range ${NODE_PORT_RANGE.min}-${NODE_PORT_RANGE.max}`,
    `write a nodePort from ${NODE_PORT_RANGE.min} to ${NODE_PORT_RANGE.max}, or leave it out to have one allocated`,
  );

const targetPortName = z.string().superRefine((text, ctx) => {
  if (/^\d+$/.test(text.trim())) {
    ctx.addIssue({
      code: 'custom',
      input: text,
      message: withHint(`targetPort "${text}" is a number in quotes`, `remove the quotes: \`targetPort: ${text.trim()}\``),
    });
    return;
  }
  const problem = portNameProblem(text);
  if (problem) ctx.addIssue({ code: 'custom', input: text, message: withHint(problem.message, problem.hint) });
});

const trafficPolicy = z.enum(['Cluster', 'Local']);

export const servicePortSchema = z
  .strictObject({
    name: portName()
      .optional()
      .meta({
        description:
          'Port name (at most 15 lowercase letters, digits and "-"); required when the Service has more than one port. Checks may name it (web:http); DNS serves _<name>._<protocol> SRV records.',
        examples: ['http'],
      }),
    protocol: z
      .enum(['TCP', 'UDP'], {
        error: (iss) => (iss.input === 'SCTP' ? withHint('SCTP is not supported by netlab', 'write protocol: TCP or protocol: UDP') : undefined),
      })
      .default('TCP')
      .meta({ description: 'TCP (default) or UDP.' }),
    port: z
      .int()
      .min(1)
      .max(65535)
      .meta({ description: 'The port the Service listens on at its cluster IP (1-65535).', examples: [80] }),
    targetPort: z
      .union([z.int().min(1).max(65535), targetPortName], {
        error: (iss) =>
          iss.code === 'invalid_union'
            ? withHint(
                'targetPort must be a port number or a port name',
                'write a number (e.g. targetPort: 8080) or the name of a container port (e.g. targetPort: http)',
              )
            : undefined,
      })
      .optional()
      .meta({
        description: "The pods' port: a number, or the name of a container port of the selected pods (resolved per pod). Default: the same as `port`.",
        examples: [8080, 'http'],
      }),
    nodePort: z
      .int()
      .min(NODE_PORT_RANGE.min, { error: nodePortError })
      .max(NODE_PORT_RANGE.max, { error: nodePortError })
      .optional()
      .meta({
        description: 'type NodePort and LoadBalancer only: the port every node listens on (30000-32767). Default: one is allocated.',
        examples: [30500],
      }),
    ...ignoring(IGNORED_FIELDS.servicePort),
  })
  .meta({ description: 'A port of the Service.' });

export const serviceSpecSchema = z
  .strictObject({
    type: z
      .enum(['ClusterIP', 'NodePort', 'LoadBalancer'], {
        error: (iss) => {
          if (iss.input === 'ExternalName')
            return withHint(
              'ExternalName Services are not supported by netlab',
              'netlab serves no CNAME records for names outside the lab; use type: ClusterIP with a selector',
            );
          return undefined;
        },
      })
      .default('ClusterIP')
      .meta({
        description:
          "ClusterIP (default): a virtual IP inside the cluster; NodePort: also a port on every node; LoadBalancer: also an address from topology.loadBalancerPool, announced on the node network by one node (MetalLB's layer-2 mode).",
      }),
    externalTrafficPolicy: trafficPolicy.optional().meta({
      description:
        "NodePort and LoadBalancer only. Cluster (default): traffic from outside may go to any node's pods, masqueraded; Local: only to pods on the node it arrived at, keeping the client's address.",
    }),
    internalTrafficPolicy: trafficPolicy.optional().meta({
      description: "Cluster (default): cluster-IP traffic goes to any endpoint; Local: only to endpoints on the client's own node.",
    }),
    loadBalancerIP: z
      .string()
      .optional()
      .meta({
        description: 'LoadBalancer only: the address wanted, inside topology.loadBalancerPool. Default: the lowest free one.',
        examples: ['172.30.5.240'],
      }),
    loadBalancerSourceRanges: z
      .array(z.string())
      .optional()
      .meta({ description: 'LoadBalancer only: the client CIDRs allowed to reach the load-balancer address (others are dropped). Default: everyone.' }),
    healthCheckNodePort: z.int().min(NODE_PORT_RANGE.min, { error: nodePortError }).max(NODE_PORT_RANGE.max, { error: nodePortError }).optional().meta({
      description:
        'LoadBalancer with externalTrafficPolicy Local only: the port where every node answers /healthz (200 when it has a local endpoint, else 503). Default: one is allocated.',
    }),
    clusterIP: z
      .string()
      .optional()
      .meta({
        description:
          "An IPv4 address inside topology.serviceCIDR, or None for a headless Service (DNS answers with the pods' addresses). Default: one is allocated.",
        examples: ['10.96.0.20', 'None'],
      }),
    clusterIPs: z
      .array(z.string())
      .optional()
      .meta({ description: 'Kubernetes field; netlab is IPv4 only and takes it only as [clusterIP] (a warning says so).' }),
    selector: labelMap()
      .optional()
      .meta({
        description: 'The labels of the pods that answer for the Service (its endpoints). Without one the Service has no endpoints.',
        examples: [{ app: 'web' }],
      }),
    ports: z
      .array(servicePortSchema)
      .min(1, { error: withHint('a Service needs at least one port', 'add a port under spec.ports, e.g. `- {port: 80, targetPort: 8080}`') })
      .meta({ description: "The Service's ports (at least one)." }),
    sessionAffinity: z
      .enum(['None', 'ClientIP'])
      .default('None')
      .meta({ description: 'None (default): each connection may go to any pod; ClientIP: a client keeps reaching the same pod.' }),
    sessionAffinityConfig: z
      .strictObject({
        clientIP: z
          .strictObject({
            timeoutSeconds: z
              .int()
              .min(1)
              .max(MAX_AFFINITY_SECONDS)
              .optional()
              .meta({
                description: 'How long a client sticks to its pod after its last connection (1-86400 s; default 10800).',
                examples: [DEFAULT_AFFINITY_SECONDS],
              }),
          })
          .optional(),
      })
      .optional()
      .meta({ description: 'With sessionAffinity: ClientIP only.' }),
    externalName: z.string().optional().meta({ description: 'type ExternalName only, which netlab does not support.' }),
    ...ignoring(IGNORED_FIELDS.serviceSpec),
  })
  .meta({ description: 'Service spec: type, cluster IP, selector, ports, session affinity.' });

export const serviceManifestSchema = z
  .strictObject({
    apiVersion: apiVersion('v1', 'Service'),
    kind: z.literal('Service'),
    metadata: metadataSchema.extend({
      name: dns1035Label('Service name', 63, 'web').meta({
        description:
          'The Service\'s name, also its DNS name (<name>.<namespace>.svc.cluster.local): lowercase letters, digits and "-", starting with a letter.',
        examples: ['web'],
      }),
    }),
    spec: serviceSpecSchema,
    ...ignoring(IGNORED_FIELDS.manifest),
  })
  .meta({
    title: 'Service',
    description: 'A Kubernetes Service manifest (apiVersion v1): a stable address and name for a set of pods, programmed by kube-proxy.',
  });

export type ServiceManifest = z.output<typeof serviceManifestSchema>;
