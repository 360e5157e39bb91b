// The Ingress manifest (networking.k8s.io/v1) as a zod schema. What the fields mean to the
// controller (host and path rules, their order) is read in read/ingresses.ts.
import { z } from 'zod';
import { IGNORED_FIELDS, ignoring } from '../read/fields.js';
import { withHint } from '../read/issues.js';
import { apiVersion, dnsLabel, metadataSchema, portName } from './parts.js';
import { INGRESS_CLASS } from '../ingress-controller.js';

export { INGRESS_CLASS, INGRESS_LABELS, INGRESS_NAMESPACE, selectsIngressController } from '../ingress-controller.js';

export const INGRESS_PATH_TYPES = ['Exact', 'Prefix', 'ImplementationSpecific'] as const;

const backendSchema = z
  .strictObject({
    service: z
      .strictObject({
        name: dnsLabel('service name', 63, 'web').meta({ description: "A Service in the Ingress's namespace." }),
        port: z
          .strictObject({
            number: z.int().min(1).max(65535).optional().meta({ description: "The Service's port, by number." }),
            name: portName().optional().meta({ description: "The Service's port, by its name (the Service port's name, not the container's)." }),
          })
          .meta({ description: 'Exactly one of number and name.' }),
      })
      .optional(),
    resource: z.unknown().optional().meta({ description: 'Refused: netlab has no custom resources to send traffic to.' }),
  })
  .meta({ description: 'Where matching requests go: service.name and service.port (number or name).' });

const pathSchema = z.strictObject({
  path: z
    .string()
    .optional()
    .meta({ description: 'An absolute path (/app). Default /.', examples: ['/app'] }),
  pathType: z
    .enum(INGRESS_PATH_TYPES, {
      error: (iss) =>
        iss.input === undefined
          ? withHint('pathType is required', 'write pathType: Prefix (the path and everything under it) or pathType: Exact')
          : withHint(`pathType ${JSON.stringify(iss.input)} is not one of Exact, Prefix, ImplementationSpecific`, 'write pathType: Prefix or pathType: Exact'),
    })
    .meta({
      description: 'Exact: this path only; Prefix: the path and the paths under it, by whole segments; ImplementationSpecific: netlab matches it as Prefix.',
    }),
  backend: backendSchema,
});

const ruleSchema = z.strictObject({
  host: z
    .string()
    .optional()
    .meta({
      description: 'A DNS name (exact), or *.<domain> (any one label before it). Without host the rule matches every host.',
      examples: ['web.example.com'],
    }),
  http: z.strictObject({ paths: z.array(pathSchema).min(1) }).optional(),
});

export const ingressManifestSchema = z
  .strictObject({
    apiVersion: apiVersion('networking.k8s.io/v1', 'Ingress'),
    kind: z.literal('Ingress'),
    metadata: metadataSchema,
    spec: z.strictObject({
      ingressClassName: z
        .string()
        .min(1)
        .optional()
        .meta({ description: `The IngressClass: netlab's controller is \`${INGRESS_CLASS}\`, the default class (used when this is not written).` }),
      defaultBackend: backendSchema.optional().meta({ description: 'Where requests that match no rule go (else the controller answers 404).' }),
      rules: z.array(ruleSchema).optional(),
      tls: z.unknown().optional().meta({ description: 'Refused: netlab has no Secrets to hold certificates, so its controller serves HTTP only.' }),
    }),
    ...ignoring(IGNORED_FIELDS.manifest),
  })
  .meta({ title: 'Ingress', description: "An Ingress (networking.k8s.io/v1): HTTP routes by host and path, served by the lab's ingress controller (nginx)." });

export type IngressManifest = z.output<typeof ingressManifestSchema>;
export type IngressBackendInput = z.output<typeof backendSchema>;
