// The lab file format as zod schemas: the single source for validation and for
// schema/lab.schema.json (editor completion). Descriptions here are the format's docs.
import { z } from 'zod';
import { formatCidr, mask, normalizeCidr, parseCidr, parseIp } from './cidr.js';
import { withHint } from './issues.js';

// ---------------------------------------------------------------- names

export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

/** A valid name close to `text` (lowercased, other characters turned into "-"). */
export function dnsLabelLike(text: string, max: number): string | undefined {
  const fixed = text
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, max)
    .replace(/-+$/, '');
  return fixed && fixed !== text && DNS_LABEL.test(fixed) ? fixed : undefined;
}

/** Why `text` is not a DNS label (lowercase letters, digits, "-"), or undefined if it is one. */
export function dnsLabelProblem(text: string, what: string, max: number, example: string): { message: string; hint: string } | undefined {
  if (DNS_LABEL.test(text) && text.length <= max) return undefined;
  const like = dnsLabelLike(text, max);
  const rule = `lowercase letters, digits and "-", starting and ending with a letter or digit, at most ${max} characters`;
  if (text.length > max && DNS_LABEL.test(text))
    return { message: `${what} ${JSON.stringify(text)} is longer than ${max} characters`, hint: `shorten it${like ? `, e.g. ${like}` : ''}` };
  return {
    message: `${what} ${JSON.stringify(text)} is not a valid name`,
    hint: like ? `did you mean "${like}"? (${rule})` : `use ${rule}, e.g. ${example}`,
  };
}

function dnsLabel(what: string, max: number, example: string) {
  return z
    .string()
    .superRefine((text, ctx) => {
      const problem = dnsLabelProblem(text, what, max, example);
      if (problem) ctx.addIssue({ code: 'custom', message: withHint(problem.message, problem.hint), input: text });
    })
    .meta({ pattern: DNS_LABEL.source, maxLength: max });
}

const labelsSchema = z
  .record(z.string(), z.string())
  .superRefine((labels, ctx) => {
    for (const [key, value] of Object.entries(labels)) {
      const slash = key.lastIndexOf('/');
      const prefix = slash < 0 ? undefined : key.slice(0, slash);
      const name = slash < 0 ? key : key.slice(slash + 1);
      if (!LABEL_NAME.test(name) || name.length > 63 || (prefix !== undefined && (!DNS_SUBDOMAIN.test(prefix) || prefix.length > 253)))
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: withHint(
            `label key ${JSON.stringify(key)} is not valid`,
            'use letters, digits, "-", "_" and ".", starting and ending with a letter or digit (optionally prefixed by a DNS name and "/"), e.g. app',
          ),
        });
      if (value !== '' && (!LABEL_NAME.test(value) || value.length > 63))
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: withHint(
            `label value ${JSON.stringify(value)} is not valid`,
            'use at most 63 letters, digits, "-", "_" and ".", starting and ending with a letter or digit, e.g. web',
          ),
        });
    }
  })
  .meta({ description: 'Labels (key: value). Deployment selectors match them.', examples: [{ app: 'web' }] });

// ---------------------------------------------------------------- addresses

/** A CIDR string check with a "did you mean" for host bits and a range of prefix lengths. */
function cidr(what: string, minPrefix: number, maxPrefix: number, example: string) {
  return z
    .string()
    .superRefine((text, ctx) => {
      const fail = (message: string, hint: string) => ctx.addIssue({ code: 'custom', message: withHint(message, hint), input: text });
      const loose = parseCidr(text, false);
      if (!loose) {
        const ip = parseIp(text);
        fail(
          `${what} ${JSON.stringify(text)} is not an IPv4 CIDR`,
          ip !== undefined ? `add the prefix length, e.g. ${formatCidr({ base: (ip & mask(24)) >>> 0, prefix: 24 })}` : `write a.b.c.d/n, e.g. ${example}`,
        );
        return;
      }
      if (loose.prefix < minPrefix || loose.prefix > maxPrefix) {
        const prefix = Math.min(maxPrefix, Math.max(minPrefix, 24));
        fail(
          `${what} ${text} has prefix /${loose.prefix}; netlab takes /${minPrefix} to /${maxPrefix}`,
          `write a block from /${minPrefix} to /${maxPrefix}, e.g. ${formatCidr({ base: ((parseIp(text.split('/')[0] ?? '') ?? loose.base) & mask(prefix)) >>> 0, prefix })}`,
        );
        return;
      }
      if (!parseCidr(text, true)) fail(`${what} ${text} has host bits set`, `did you mean ${normalizeCidr(text)}?`);
    })
    .meta({ pattern: '^\\d{1,3}(\\.\\d{1,3}){3}/\\d{1,2}$', examples: [example] });
}

export const UNDERLAY_PREFIX = { min: 16, max: 28 } as const;
export const POD_CIDR_PREFIX = { min: 16, max: 30 } as const;

// ---------------------------------------------------------------- accepted but ignored

/**
 * Kubernetes fields real manifests carry that netlab does not model: they are
 * accepted (so real manifests load) and reported as warnings.
 */
export const IGNORED_FIELDS = {
  manifest: ['status'],
  metadata: ['annotations', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'managedFields', 'ownerReferences', 'finalizers', 'generateName'],
  deploymentSpec: ['strategy', 'revisionHistoryLimit', 'minReadySeconds', 'progressDeadlineSeconds', 'paused'],
  podSpec: [
    'restartPolicy',
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
    'imagePullPolicy',
    'resources',
    'readinessProbe',
    'livenessProbe',
    'startupProbe',
    'securityContext',
    'volumeMounts',
    'volumeDevices',
    'workingDir',
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
} as const;

/** Why an ignored field has no effect, where there is more to say than "not modelled". */
export const IGNORED_REASONS: Partial<Record<string, string>> = {
  imagePullPolicy: 'netlab builds its images locally and never pulls them',
  resources: 'netlab containers run without requests or limits',
  readinessProbe: 'netlab does not probe containers; `netlab check` tests paths instead',
  livenessProbe: 'netlab does not restart containers on failed probes',
  startupProbe: 'netlab does not probe containers',
  restartPolicy: 'netlab starts each container once',
  terminationGracePeriodSeconds: 'netlab stops pods at `down` without a grace period',
  strategy: 'netlab creates all replicas at once; there are no rolling updates',
  hostPort: 'to reach a pod from outside, use a NodePort Service (a later netlab feature) or a check from `external`',
  annotations: 'annotations have no effect in netlab',
  status: 'status is written by Kubernetes, not by the manifest author',
  nodeSelector: 'pin a pod with spec.nodeName instead',
  affinity: 'pin a pod with spec.nodeName instead',
};

function ignoring<const K extends readonly string[]>(keys: K): { [P in K[number]]: z.ZodOptional<z.ZodUnknown> } {
  return Object.fromEntries(
    keys.map((k) => [k, z.unknown().optional().meta({ description: `Kubernetes field; netlab accepts it and ignores it (a warning says so).` })]),
  ) as { [P in K[number]]: z.ZodOptional<z.ZodUnknown> };
}

// ---------------------------------------------------------------- manifests

export const metadataSchema = z
  .strictObject({
    name: dnsLabel('name', 63, 'web').meta({ description: 'The object\'s name (a DNS label: lowercase letters, digits and "-").', examples: ['web'] }),
    namespace: dnsLabel('namespace', 63, 'default')
      .optional()
      .meta({ description: 'Namespace; default "default". Checks name a pod outside "default" as <pod>.<namespace>.' }),
    labels: labelsSchema.optional(),
    ...ignoring(IGNORED_FIELDS.metadata),
  })
  .meta({ description: 'Object metadata: name, namespace, labels.' });

export const containerPortSchema = z
  .strictObject({
    name: z
      .string()
      .superRefine((text, ctx) => {
        if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(text) || !/[a-z]/.test(text) || text.includes('--') || text.length > 15)
          ctx.addIssue({
            code: 'custom',
            input: text,
            message: withHint(
              `port name ${JSON.stringify(text)} is not valid`,
              `use at most 15 lowercase letters, digits and single "-", with at least one letter${dnsLabelLike(text, 15) ? `: did you mean "${dnsLabelLike(text, 15)}"?` : ', e.g. http'}`,
            ),
          });
      })
      .optional()
      .meta({ description: 'Port name (IANA service name: at most 15 lowercase letters, digits and "-"). Checks may name the port: server:http.', examples: ['http'] }),
    containerPort: z
      .int()
      .min(1)
      .max(65535)
      .meta({ description: 'The port the container listens on (1-65535). Containers of one pod share one network namespace: their ports must differ.', examples: [8080] }),
    protocol: z.enum(['TCP', 'UDP']).default('TCP').meta({ description: 'TCP (default) or UDP.' }),
    ...ignoring(IGNORED_FIELDS.containerPort),
  })
  .meta({ description: 'A port the container listens on.' });

export const envVarSchema = z
  .strictObject({
    name: z
      .string()
      .regex(ENV_NAME, {
        error: (iss) =>
          withHint(`environment variable name ${JSON.stringify(iss.input)} is not valid`, 'use letters, digits, "_", "-" and ".", not starting with a digit, e.g. GREETING'),
      })
      .meta({ description: 'Variable name.', examples: ['GREETING'] }),
    value: z.string().default('').meta({ description: 'Value (text: quote numbers, e.g. "8080").', examples: ['hello'] }),
  })
  .meta({ description: 'An environment variable.' });

export const containerSchema = z
  .strictObject({
    name: dnsLabel('container name', 63, 'app').meta({ description: 'Container name, unique in the pod.', examples: ['app'] }),
    image: z.string().min(1).meta({ description: 'Image to run (netlab builds netlab/* images locally).', examples: ['netlab/app'] }),
    command: z.array(z.string()).optional().meta({ description: 'Replaces the image\'s entrypoint.', examples: [['/bin/sh', '-c']] }),
    args: z.array(z.string()).optional().meta({ description: 'Arguments to the command.' }),
    env: z.array(envVarSchema).default([]).meta({ description: 'Environment variables.' }),
    ports: z.array(containerPortSchema).default([]).meta({ description: 'Ports the container listens on.' }),
    ...ignoring(IGNORED_FIELDS.container),
  })
  .meta({ description: 'A container of the pod. All containers of a pod share its network namespace (localhost).' });

export const podSpecSchema = z
  .strictObject({
    nodeName: z
      .string()
      .optional()
      .meta({ description: 'The node to run on (a name from topology.nodes). Without it netlab spreads pods over the nodes in turn.', examples: ['node1'] }),
    containers: z.array(containerSchema).min(1).meta({ description: 'The pod\'s containers (at least one).' }),
    ...ignoring(IGNORED_FIELDS.podSpec),
  })
  .meta({ description: 'Pod spec: where it runs and its containers.' });

const apiVersion = (version: string, kind: string) =>
  z.literal(version, { error: withHint(`a ${kind} has apiVersion ${version}`, `write apiVersion: ${version}`) }).meta({ description: `${version} for a ${kind}.` });

export const podManifestSchema = z
  .strictObject({
    apiVersion: apiVersion('v1', 'Pod'),
    kind: z.literal('Pod'),
    metadata: metadataSchema,
    spec: podSpecSchema,
    ...ignoring(IGNORED_FIELDS.manifest),
  })
  .meta({ title: 'Pod', description: 'A Kubernetes Pod manifest (apiVersion v1).' });

export const deploymentManifestSchema = z
  .strictObject({
    apiVersion: apiVersion('apps/v1', 'Deployment'),
    kind: z.literal('Deployment'),
    metadata: metadataSchema,
    spec: z
      .strictObject({
        replicas: z
          .int()
          .min(0)
          .max(1000)
          .default(1)
          .meta({ description: 'How many pods (default 1). They are named <deployment>-0, <deployment>-1, ...', examples: [2] }),
        selector: z
          .strictObject({
            matchLabels: z
              .record(z.string(), z.string())
              .meta({ description: 'Labels the pods must have; the template\'s labels must include them.', examples: [{ app: 'web' }] }),
          })
          .meta({ description: 'Which pods belong to the Deployment (matchLabels only).' }),
        template: z
          .strictObject({
            metadata: z
              .strictObject({
                name: z.string().optional().meta({ description: 'Ignored: replicas are named after the Deployment.' }),
                labels: labelsSchema,
                ...ignoring(['annotations'] as const),
              })
              .meta({ description: 'The pods\' labels (must include the selector\'s).' }),
            spec: podSpecSchema,
          })
          .meta({ description: 'The pod every replica is made from.' }),
        ...ignoring(IGNORED_FIELDS.deploymentSpec),
      })
      .meta({ description: 'Deployment spec: replicas, selector, pod template.' }),
    ...ignoring(IGNORED_FIELDS.manifest),
  })
  .meta({ title: 'Deployment', description: 'A Kubernetes Deployment manifest (apiVersion apps/v1): replicas pods from one template.' });

export const workloadFileSchema = z
  .strictObject({
    file: z
      .string()
      .min(1)
      .meta({
        description:
          'A YAML file of Kubernetes manifests (documents separated by ---), relative to the lab file\'s folder.',
        examples: ['manifests.yaml'],
      }),
  })
  .meta({ title: 'Manifests file', description: 'Reads the manifests in another file.' });

export type PodManifest = z.output<typeof podManifestSchema>;
export type DeploymentManifest = z.output<typeof deploymentManifestSchema>;
export type PodSpecInput = z.output<typeof podSpecSchema>;

// ---------------------------------------------------------------- lab file

export const nodeSchema = z
  .strictObject({
    name: dnsLabel('node name', 30, 'node1').meta({ description: 'Node name (lowercase letters, digits, "-"); pods name it in spec.nodeName.', examples: ['node1'] }),
    podCIDR: cidr('pod CIDR', POD_CIDR_PREFIX.min, POD_CIDR_PREFIX.max, '10.0.1.0/24')
      .optional()
      .meta({
        description: 'The node\'s pod address block; its first address is the cbr0 bridge (the pods\' gateway). Default for the i-th node (from 0): 10.0.<i+1>.0/24.',
      }),
  })
  .meta({ description: 'A node: a container with its own network namespace, a cbr0 bridge and pods.' });

export const topologySchema = z
  .strictObject({
    underlay: cidr('underlay', UNDERLAY_PREFIX.min, UNDERLAY_PREFIX.max, '172.30.5.0/24')
      .optional()
      .meta({ description: 'The nodes\' network (a CIDR from /16 to /28). Default: a free one is picked at `up`.' }),
    routing: z
      .enum(['router', 'direct'])
      .default('router')
      .meta({ description: '`router` (default): a router container is every node\'s gateway and routes the pod CIDRs; `direct`: nodes hold routes to each other.' }),
    external: z.boolean().default(false).meta({ description: 'Add an "external" client container on the underlay (default false).' }),
    nodes: z
      .array(nodeSchema)
      .min(1, { error: withHint('`topology.nodes` is an empty list', 'list at least one node, e.g. `- name: node1`, or remove `nodes:` for the default node1') })
      .optional()
      .meta({ description: 'The nodes. Default: one node, node1, with pod CIDR 10.0.1.0/24.' }),
  })
  .meta({ description: 'Nodes and how they are connected.' });

export const PROBES = ['http', 'tcp', 'udp', 'ping', 'traceroute', 'netns', 'gateway'] as const;
export const EXPECTATIONS = ['reachable', 'unreachable', 'same-netns', 'different-netns'] as const;

export const checkSchema = z
  .strictObject({
    name: z.string().min(1).meta({ description: 'What the check proves; unique in the lab.', examples: ['client reaches server'] }),
    from: z.string().min(1).meta({
      description: 'Where the probe starts: a pod (<pod>, <pod>.<namespace>), <pod>/<container>, a node name, `router` or `external`.',
      examples: ['client'],
    }),
    to: z.string().min(1).optional().meta({
      description:
        'The target: <pod>[:port or port name], <pod>/<container>[:port], <pod>.<namespace>, a node name, `router`, `external`, a.b.c.d[:port] or localhost:port. Required except for probe gateway.',
      examples: ['server:8080', 'server:http'],
    }),
    probe: z.enum(PROBES).optional().meta({
      description:
        'http | tcp | udp | ping | traceroute | netns | gateway. Default: http when `to` has a TCP port, udp when it names a UDP port, ping otherwise.',
    }),
    expect: z.enum(EXPECTATIONS).optional().meta({
      description: 'reachable (default) | unreachable | same-netns | different-netns (the last two with probe netns, whose default is same-netns).',
    }),
    via: z.string().min(1).optional().meta({
      description: 'traceroute: a hop that must be on the path (router, a node name or an IP); gateway: the expected gateway (default: the pod\'s node bridge cbr0).',
    }),
    contains: z.string().optional().meta({ description: 'http only: a substring the answer must contain.', examples: ['Hello'] }),
  })
  .meta({ description: 'A communication path to test with `netlab check`.' });

export type CheckInput = z.output<typeof checkSchema>;

export const LAB_NAME_MAX = 30;

export const labNameSchema = dnsLabel('lab name', LAB_NAME_MAX, 'multi-node').meta({
  description: 'The lab\'s name (lowercase letters, digits and "-", at most 30 characters): containers and networks are named after it.',
  examples: ['multi-node'],
});

/** The header of a lab file: everything but topology, workloads and checks, read first. */
const labHeader = {
  name: labNameSchema,
  title: z.string().optional().meta({ description: 'A one-line title.', examples: ['Pod to pod across nodes'] }),
  description: z.string().optional().meta({ description: 'Free text: what the lab shows.' }),
};

export const labFileSchema = z
  .strictObject({
    ...labHeader,
    topology: topologySchema.optional(),
    workloads: z
      .array(z.union([workloadFileSchema, podManifestSchema, deploymentManifestSchema]))
      .optional()
      .meta({ description: 'Kubernetes manifests (Pod, Deployment) written inline, or `- file: manifests.yaml` naming a file of them.' }),
    checks: z.array(checkSchema).optional().meta({ description: 'Communication paths `netlab check` tests.' }),
  })
  .meta({
    title: 'netlab lab file',
    description: 'A netlab lab: nodes, Kubernetes workloads and the checks that prove how they communicate.',
  });

/** The lab file with its sections taken as-is, for reading section by section. */
export const labShellSchema = z.strictObject({
  ...labHeader,
  topology: z.unknown().optional(),
  workloads: z.array(z.unknown()).optional(),
  checks: z.array(z.unknown()).optional(),
});

/** The topology with its nodes taken as-is. */
export const topologyShellSchema = topologySchema.extend({
  nodes: z
    .array(z.unknown())
    .min(1, { error: withHint('`topology.nodes` is an empty list', 'list at least one node, e.g. `- name: node1`, or remove `nodes:` for the default node1') })
    .optional(),
});
