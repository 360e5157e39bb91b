// The NetworkPolicy manifest (networking.k8s.io/v1) as a zod schema. What needs more than
// one field at a time (a peer's parts, except inside cidr, endPort) is checked by
// src/labfile/read/network-policies.ts, at the line it is about.
import { z } from 'zod';
import { IGNORED_FIELDS, ignoring } from '../read/fields.js';
import { withHint } from '../read/issues.js';
import { apiVersion, cidr, labelMap, metadataSchema, portNameProblem } from './parts.js';

const selectorRequirementSchema = z.strictObject({
  key: z.string().min(1).meta({ description: 'The label key the requirement is about.' }),
  operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist'], {
    error: withHint('operator must be In, NotIn, Exists or DoesNotExist', 'write e.g. operator: In, with values: [a, b]'),
  }),
  values: z.array(z.string()).optional().meta({ description: 'In/NotIn: at least one value; Exists/DoesNotExist: none.' }),
});

export const labelSelectorSchema = z
  .strictObject({
    matchLabels: labelMap().optional(),
    matchExpressions: z.array(selectorRequirementSchema).optional(),
  })
  .meta({ description: 'A label selector: matchLabels and matchExpressions, all of which must hold; {} selects everything.' });

const policyCidr = (what: string) => cidr(what, 0, 32, '192.168.0.0/16');

const peerSchema = z.strictObject({
  podSelector: labelSelectorSchema.optional(),
  namespaceSelector: labelSelectorSchema.optional(),
  ipBlock: z
    .strictObject({
      cidr: policyCidr('ipBlock.cidr'),
      except: z.array(policyCidr('ipBlock.except')).optional(),
    })
    .optional(),
});

const policyPortName = z.string().superRefine((text, ctx) => {
  if (/^\d+$/.test(text.trim())) {
    ctx.addIssue({ code: 'custom', input: text, message: withHint(`port "${text}" is a number in quotes`, `remove the quotes: \`port: ${text.trim()}\``) });
    return;
  }
  const problem = portNameProblem(text);
  if (problem) ctx.addIssue({ code: 'custom', input: text, message: withHint(problem.message, problem.hint) });
});

const policyPortSchema = z.strictObject({
  protocol: z.enum(['TCP', 'UDP', 'SCTP'], { error: withHint('protocol must be TCP, UDP or SCTP', 'write protocol: TCP (the default) or UDP') }).optional(),
  port: z
    .union([z.int().min(1).max(65535), policyPortName], {
      error: (iss) =>
        iss.code === 'invalid_union'
          ? withHint('port must be a port number or a port name', 'write a number (e.g. port: 8080) or the name of a container port (e.g. port: http)')
          : undefined,
    })
    .optional(),
  endPort: z.int().min(1).max(65535).optional(),
});

const ingressRuleSchema = z.strictObject({ from: z.array(peerSchema).optional(), ports: z.array(policyPortSchema).optional() });
const egressRuleSchema = z.strictObject({ to: z.array(peerSchema).optional(), ports: z.array(policyPortSchema).optional() });

export const networkPolicyManifestSchema = z
  .strictObject({
    apiVersion: apiVersion('networking.k8s.io/v1', 'NetworkPolicy'),
    kind: z.literal('NetworkPolicy'),
    metadata: metadataSchema,
    spec: z.strictObject({
      podSelector: labelSelectorSchema.meta({ description: 'The pods of the namespace the policy applies to ({} = all of them).' }),
      policyTypes: z
        .array(z.enum(['Ingress', 'Egress'], { error: withHint('policyTypes holds Ingress and Egress', 'write policyTypes: [Ingress, Egress]') }))
        .optional(),
      ingress: z.array(ingressRuleSchema).optional(),
      egress: z.array(egressRuleSchema).optional(),
    }),
    ...ignoring(IGNORED_FIELDS.manifest),
  })
  .meta({ title: 'NetworkPolicy', description: 'A Kubernetes NetworkPolicy (networking.k8s.io/v1), enforced in the nodes by netlab.' });

export type NetworkPolicyManifest = z.output<typeof networkPolicyManifestSchema>;
export type LabelSelectorInput = z.output<typeof labelSelectorSchema>;
