// The lab file format as zod schemas: the single source for validation and for
// schema/lab.schema.json (editor completion). Descriptions here are the format's docs.
import { impairSchema } from './impair.js';
import { z } from 'zod';
import { DEFAULT_PROXY_MODE, PROXY_MODE_NAMES } from '../../core/proxy-modes.js';
import { exerciseSchema } from './exercises.js';
import { IGNORED_FIELDS, ignoring } from '../read/fields.js';
import { describeValue, withHint } from '../read/issues.js';
import { apiVersion, cidr, dnsLabel, labelsSchema, metadataSchema, portName } from './parts.js';
import { LAB_NAME_MAX } from './dns-label.js';
import { serviceManifestSchema } from './services.js';
import { ingressManifestSchema } from './ingresses.js';
import { livenessProbeSchema, readinessProbeSchema } from './probes.js';
import { PROBE_KIND_NAMES, PULL_POLICIES } from '../model.js';
import { isImageRefProblem, parseImageRef } from '../../core/image-ref.js';
import { MIN_MEMORY_BYTES, MIN_NANO_CPUS, MIN_PIDS, memoryBytes, nanoCpus } from '../limits.js';

export { IGNORED_FIELDS, IGNORED_REASONS } from '../read/fields.js';
export { DNS_LABEL, dnsLabelLike, dnsLabelProblem, metadataSchema } from './parts.js';

const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

export const UNDERLAY_PREFIX = { min: 16, max: 28 } as const;
export const POD_CIDR_PREFIX = { min: 16, max: 30 } as const;
/** kube-apiserver takes at most a /12 for IPv4 services; a /28 still holds the DNS address (the 10th). */
export const SERVICE_CIDR_PREFIX = { min: 12, max: 28 } as const;
export const CLUSTER_CIDR_PREFIX = { min: 8, max: 30 } as const;
export const DEFAULT_SERVICE_CIDR = '10.96.0.0/12';
export const DEFAULT_CLUSTER_CIDR = '10.0.0.0/16';

// ---------------------------------------------------------------- manifests

export const containerPortSchema = z
  .strictObject({
    name: portName()
      .optional()
      .meta({
        description: 'Port name (IANA service name: at most 15 lowercase letters, digits and "-"). Checks may name the port: server:http.',
        examples: ['http'],
      }),
    containerPort: z
      .int()
      .min(1)
      .max(65535)
      .meta({
        description: 'The port the container listens on (1-65535). Containers of one pod share one network namespace: their ports must differ.',
        examples: [8080],
      }),
    protocol: z.enum(['TCP', 'UDP']).default('TCP').meta({ description: 'TCP (default) or UDP.' }),
    ...ignoring(IGNORED_FIELDS.containerPort),
  })
  .meta({ description: 'A port the container listens on.' });

/** The pod fields an env var's valueFrom.fieldRef may name (kube-apiserver's list, less uid and annotations). */
export const ENV_FIELD_PATHS = [
  'metadata.name',
  'metadata.namespace',
  'spec.nodeName',
  'spec.serviceAccountName',
  'status.hostIP',
  'status.hostIPs',
  'status.podIP',
  'status.podIPs',
] as const;

export const envVarSchema = z
  .strictObject({
    name: z
      .string()
      .regex(ENV_NAME, {
        error: (iss) =>
          withHint(
            `environment variable name ${JSON.stringify(iss.input)} is not valid`,
            'use letters, digits, "_", "-" and ".", not starting with a digit, e.g. GREETING',
          ),
      })
      .meta({ description: 'Variable name.', examples: ['GREETING'] }),
    value: z
      .string()
      .default('')
      .meta({
        description: 'Value (text: quote numbers, e.g. "8080"). $(OTHER) is replaced by an earlier variable\'s value, $$ by $, as kubelet does.',
        examples: ['hello'],
      }),
    valueFrom: z
      .strictObject({
        fieldRef: z
          .strictObject({
            fieldPath: z.string().meta({
              description: `A field of the pod: ${ENV_FIELD_PATHS.join(', ')}, or metadata.labels['<key>'].`,
              examples: ['status.podIP'],
            }),
            apiVersion: z.literal('v1').optional().meta({ description: 'v1 (the default).' }),
          })
          .optional()
          .meta({ description: 'The value of a field of the pod (the downward API).' }),
        ...(Object.fromEntries(
          (['secretKeyRef', 'configMapKeyRef', 'resourceFieldRef', 'fileKeyRef'] as const).map((k) => [
            k,
            z.unknown().optional().meta({ description: 'Not supported: netlab has no Secrets, ConfigMaps, resources or volumes (an error says so).' }),
          ]),
        ) as Record<'secretKeyRef' | 'configMapKeyRef' | 'resourceFieldRef' | 'fileKeyRef', z.ZodOptional<z.ZodUnknown>>),
      })
      .optional()
      .meta({ description: 'Where the value comes from instead of `value`: fieldRef (a field of the pod).' }),
  })
  .meta({ description: 'An environment variable.' });

/** An image reference the engine takes (a lab-file error at its line otherwise, never the engine's "invalid reference format"). */
const imageSchema = z
  .string()
  .superRefine((text, ctx) => {
    const ref = parseImageRef(text);
    if (isImageRefProblem(ref)) ctx.addIssue({ code: 'custom', message: withHint(ref.problem, ref.hint), input: text });
  })
  .meta({
    description: 'Image to run: netlab/* images are built by netlab; others are pulled as imagePullPolicy says, with your docker login.',
    examples: ['netlab/app', '127.0.0.1:5000/course/web:1'],
  });

export const containerSchema = z
  .strictObject({
    name: dnsLabel('container name', 63, 'app').meta({ description: 'Container name, unique in the pod.', examples: ['app'] }),
    image: imageSchema,
    imagePullPolicy: z.enum(PULL_POLICIES).optional().meta({
      description:
        'When the image is pulled: Always, IfNotPresent (pull only when the engine lacks it) or Never. Default as Kubernetes defaults it: Always for :latest or no tag, else IfNotPresent. netlab/* images are built by netlab, never pulled.',
    }),
    command: z
      .array(z.string())
      .optional()
      .meta({
        description: "Replaces the image's entrypoint (and its CMD). $(VAR) is replaced by the env var's value, $$ by $.",
        examples: [['/bin/sh', '-c']],
      }),
    args: z
      .array(z.string())
      .optional()
      .meta({ description: "Arguments to the command: replace the image's CMD (alone they keep its entrypoint). $(VAR) is replaced as in command." }),
    env: z.array(envVarSchema).default([]).meta({ description: 'Environment variables.' }),
    workingDir: z
      .string()
      .optional()
      .meta({ description: "The process's current directory (an absolute path); default: the image's.", examples: ['/tmp'] }),
    ports: z.array(containerPortSchema).default([]).meta({ description: 'Ports the container listens on.' }),
    readinessProbe: readinessProbeSchema.optional(),
    livenessProbe: livenessProbeSchema.optional(),
    ...ignoring(IGNORED_FIELDS.container),
  })
  .meta({ description: 'A container of the pod. All containers of a pod share its network namespace (localhost).' });

export const podSpecSchema = z
  .strictObject({
    nodeName: z
      .string()
      .optional()
      .meta({ description: 'The node to run on (a name from topology.nodes). Without it netlab spreads pods over the nodes in turn.', examples: ['node1'] }),
    containers: z.array(containerSchema).min(1).meta({ description: "The pod's containers (at least one)." }),
    restartPolicy: z.enum(['Always', 'OnFailure', 'Never']).optional().meta({
      description:
        'What happens to a container that exits: Always (default) restarts it, OnFailure when its exit code is not 0, Never leaves it exited. Restarts back off.',
    }),
    ...ignoring(IGNORED_FIELDS.podSpec),
  })
  .meta({ description: 'Pod spec: where it runs and its containers.' });

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
              .meta({ description: "Labels the pods must have; the template's labels must include them.", examples: [{ app: 'web' }] }),
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
              .meta({ description: "The pods' labels (must include the selector's)." }),
            spec: podSpecSchema,
          })
          .meta({ description: 'The pod every replica is made from.' }),
        ...ignoring(IGNORED_FIELDS.deploymentSpec),
      })
      .meta({ description: 'Deployment spec: replicas, selector, pod template.' }),
    ...ignoring(IGNORED_FIELDS.manifest),
  })
  .meta({ title: 'Deployment', description: 'A Kubernetes Deployment manifest (apiVersion apps/v1): replicas pods from one template.' });

export const namespaceManifestSchema = z
  .strictObject({
    apiVersion: apiVersion('v1', 'Namespace'),
    kind: z.literal('Namespace'),
    metadata: metadataSchema,
    spec: z
      .strictObject({ ...ignoring(['finalizers'] as const) })
      .optional()
      .meta({ description: 'Namespace spec (finalizers only; ignored).' }),
    ...ignoring(IGNORED_FIELDS.manifest),
  })
  .meta({ title: 'Namespace', description: 'A Kubernetes Namespace manifest (apiVersion v1): pods and Services may then be in it.' });

export const workloadFileSchema = z
  .strictObject({
    file: z
      .string()
      .min(1)
      .meta({
        description: "A YAML file of Kubernetes manifests (documents separated by ---), relative to the lab file's folder.",
        examples: ['manifests.yaml'],
      }),
  })
  .meta({ title: 'Manifests file', description: 'Reads the manifests in another file.' });

export type PodManifest = z.output<typeof podManifestSchema>;
export type DeploymentManifest = z.output<typeof deploymentManifestSchema>;
export type PodSpecInput = z.output<typeof podSpecSchema>;
export type NamespaceManifest = z.output<typeof namespaceManifestSchema>;

// ---------------------------------------------------------------- lab file

const memoryQuantity = z.union([z.string(), z.number()]).superRefine((value, ctx) => {
  const bytes = memoryBytes(value);
  if (bytes === undefined || bytes < MIN_MEMORY_BYTES)
    ctx.addIssue({
      code: 'custom',
      message: withHint(`${describeValue(value)} is not a memory limit of 16Mi or more`, 'write it as Kubernetes does, e.g. memory: 256Mi or 1Gi'),
      input: value,
    });
});

const cpuQuantity = z.union([z.string(), z.number()]).superRefine((value, ctx) => {
  const nano = nanoCpus(value);
  if (nano === undefined || nano < MIN_NANO_CPUS)
    ctx.addIssue({
      code: 'custom',
      message: withHint(`${describeValue(value)} is not a CPU limit`, 'write it as Kubernetes does, e.g. cpu: 500m or cpu: "1"'),
      input: value,
    });
});

function limitsSchema(what: string, memory: string, cpu: string, pids: number) {
  return z
    .strictObject({
      memory: memoryQuantity.optional().meta({ description: `Memory of each of ${what} (default ${memory}).` }),
      cpu: cpuQuantity.optional().meta({ description: `CPUs of each of ${what} (default ${cpu}).` }),
      pids: z
        .number()
        .int()
        .min(MIN_PIDS)
        .max(1_000_000)
        .optional()
        .meta({ description: `Processes and threads of each of ${what} (default ${pids}).` }),
    })
    .meta({ description: `Limits of ${what}.` });
}

export const nodeSchema = z
  .strictObject({
    name: dnsLabel('node name', 30, 'node1').meta({
      description: 'Node name (lowercase letters, digits, "-"); pods name it in spec.nodeName.',
      examples: ['node1'],
    }),
    podCIDR: cidr('pod CIDR', POD_CIDR_PREFIX.min, POD_CIDR_PREFIX.max, '10.0.1.0/24').optional().meta({
      description:
        "The node's pod address block; its first address is the cbr0 bridge (the pods' gateway). Default for the i-th node (from 0): 10.0.<i+1>.0/24.",
    }),
  })
  .meta({ description: 'A node: a container with its own network namespace, a cbr0 bridge and pods.' });

export const topologySchema = z
  .strictObject({
    underlay: cidr('underlay', UNDERLAY_PREFIX.min, UNDERLAY_PREFIX.max, '172.30.5.0/24')
      .optional()
      .meta({ description: "The nodes' network (a CIDR from /16 to /28). Default: a free one is picked at `up`." }),
    loadBalancerPool: z
      .string()
      .optional()
      .meta({
        description:
          "Where LoadBalancer Services' addresses come from (MetalLB's IPAddressPool): a CIDR or a range first-last inside topology.underlay. Default: the underlay's top 15 addresses below its broadcast address.",
        examples: ['172.30.5.240/28', '172.30.5.200-172.30.5.209'],
      }),
    serviceCIDR: cidr('serviceCIDR', SERVICE_CIDR_PREFIX.min, SERVICE_CIDR_PREFIX.max, DEFAULT_SERVICE_CIDR).default(DEFAULT_SERVICE_CIDR).meta({
      description:
        "Where Services' cluster IPs come from (kube-apiserver's --service-cluster-ip-range), a CIDR from /12 to /28; default 10.96.0.0/12. Its 10th address is the cluster DNS (10.96.0.10). Must not overlap the pod CIDRs, clusterCIDR or the underlay.",
    }),
    clusterCIDR: cidr('clusterCIDR', CLUSTER_CIDR_PREFIX.min, CLUSTER_CIDR_PREFIX.max, DEFAULT_CLUSTER_CIDR).default(DEFAULT_CLUSTER_CIDR).meta({
      description:
        "kube-proxy's --cluster-cidr: a block holding every node's podCIDR (traffic to a cluster IP from outside it is masqueraded); default 10.0.0.0/16.",
    }),
    routing: z.enum(['router', 'direct']).default('router').meta({
      description: "`router` (default): a router container is every node's gateway and routes the pod CIDRs; `direct`: nodes hold routes to each other.",
    }),
    external: z.boolean().default(false).meta({ description: 'Add an "external" client container on the underlay (default false).' }),
    proxyMode: z
      .enum(PROXY_MODE_NAMES, {
        error: (iss) =>
          iss.input === 'ipvs'
            ? withHint(
                "this machine's kernel has no IPVS (ip_vs); use iptables or nftables",
                'write proxyMode: nftables (one map lookup per packet, as IPVS does) or proxyMode: iptables (the default)',
              )
            : undefined,
      })
      .default(DEFAULT_PROXY_MODE)
      .meta({
        description:
          'How kube-proxy programs every node: iptables (default; KUBE-SERVICES chains), nftables (the `ip kube-proxy` table, verdict maps) or userspace (a proxy process per node, as in the seed). IPVS is not available here (no ip_vs module).',
      }),
    dns: z.boolean().optional().meta({
      description:
        "Run the cluster DNS (CoreDNS as kube-dns in kube-system, at the 10th address of serviceCIDR) and point pods' resolv.conf at it. Default: true when the lab has a Service, else false.",
    }),
    publish: z.boolean().default(false).meta({
      description: 'Also publish every nodePort on 127.0.0.1 of the host, so a browser or curl on the host reaches NodePort Services (default false).',
    }),
    limits: z
      .strictObject({
        pod: limitsSchema('every container of a pod', '256Mi', '1', 256).optional(),
        node: limitsSchema('nodes, the router and the external client', '512Mi', '1', 1024).optional(),
      })
      .optional()
      .meta({ description: "Ceilings on each container's memory, CPU and processes, so one student's fork bomb or memory hog stays in its container." }),
    nodes: z
      .array(nodeSchema)
      .min(1, {
        error: withHint('`topology.nodes` is an empty list', 'list at least one node, e.g. `- name: node1`, or remove `nodes:` for the default node1'),
      })
      .optional()
      .meta({ description: 'The nodes. Default: one node, node1, with pod CIDR 10.0.1.0/24.' }),
    impair: z
      .array(impairSchema)
      .optional()
      .meta({ description: "Impaired links, applied at `up`: delay, jitter, loss (netlab's delay line) and rate (tbf), as tc netem would." }),
  })
  .meta({ description: "Nodes, how they are connected, and the cluster's address blocks, kube-proxy mode and DNS." });

export const EXPECTATIONS = ['reachable', 'unreachable', 'same-netns', 'different-netns', 'nxdomain'] as const;
export const DNS_RECORDS = ['A', 'SRV', 'PTR'] as const;
export const MAX_COUNT = 100;

export const CHECK_LEVELS = ['error', 'warning'] as const;
export const MAX_POINTS = 100;
export const MAX_WAIT = 300;

/** `wait` as written (10, 10s, "10") -> seconds; undefined when it is not a number of seconds. */
export function waitSeconds(value: number | string): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  const match = /^\s*(-?\d+(?:\.\d+)?)\s*s?\s*$/.exec(value);
  return match ? Number(match[1]) : undefined;
}

function waitProblem(value: number | string): { message: string; hint: string } | undefined {
  const written = typeof value === 'number' ? String(value) : JSON.stringify(value);
  const seconds = waitSeconds(value);
  if (seconds === undefined) {
    const minutes = typeof value === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*(m|min|minutes?)\s*$/.exec(value) : null;
    const inSeconds = minutes ? Number(minutes[1]) * 60 : undefined;
    return {
      message: `wait ${written} is not a number of seconds`,
      hint:
        inSeconds !== undefined && inSeconds <= MAX_WAIT
          ? `write it in seconds: wait: ${inSeconds}s`
          : `write seconds from 0 to ${MAX_WAIT}, e.g. wait: 10 or wait: 10s`,
    };
  }
  if (seconds < 0) return { message: `wait ${written} is negative`, hint: 'write 0 (check once, the default) or more seconds, e.g. wait: 10s' };
  if (seconds > MAX_WAIT)
    return {
      message: `wait ${written} is more than ${MAX_WAIT} seconds`,
      hint: `a check retries for at most ${MAX_WAIT} seconds (5 minutes): write e.g. wait: 60s, or wait: ${MAX_WAIT}`,
    };
  return undefined;
}

const waitSchema = z
  .union([z.number(), z.string()], {
    error: (iss) =>
      iss.code === 'invalid_union'
        ? withHint(`\`wait\` must be a number of seconds, not ${describeValue(iss.input)}`, `write seconds from 0 to ${MAX_WAIT}, e.g. wait: 10 or wait: 10s`)
        : undefined,
  })
  .superRefine((value, ctx) => {
    const problem = waitProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', input: value, message: withHint(problem.message, problem.hint) });
  })
  .default(0)
  .meta({
    description: `Retry the check until it passes or this many seconds went by (0 to ${MAX_WAIT}; default 0: check once), for things that settle (DNS, endpoints). A number, or seconds with "s": 10s.`,
    examples: [10, '10s'],
  });

export const checkSchema = z
  .strictObject({
    name: z
      .string()
      .min(1)
      .meta({ description: 'What the check proves; unique in the lab.', examples: ['client reaches server'] }),
    from: z
      .string()
      .min(1)
      .meta({
        description: 'Where the probe starts: a pod (<pod>, <pod>.<namespace>), <pod>/<container>, a node name, `router` or `external`.',
        examples: ['client'],
      }),
    to: z
      .string()
      .min(1)
      .optional()
      .meta({
        description:
          'The target: <pod>[:port or port name], <pod>/<container>[:port], <pod>.<namespace>, a Service (<service>[.<namespace>][:port or port name], or service/<service>... when a pod has the same name), a node name, `router`, `external`, a.b.c.d[:port] or localhost:port. For probe dns: the name to look up (or an IP for PTR). Required except for probe gateway.',
        examples: ['server:8080', 'server:http', 'service-test:80'],
      }),
    probe: z
      .enum(PROBE_KIND_NAMES)
      .optional()
      .meta({
        description: `${PROBE_KIND_NAMES.join(' | ')}. Default: http when \`to\` has a TCP port (or is a Service with a TCP port), udp for a UDP port, ping otherwise.`,
      }),
    expect: z.enum(EXPECTATIONS).optional().meta({
      description:
        'reachable (default) | unreachable | same-netns | different-netns (the last two with probe netns, whose default is same-netns) | nxdomain (probe dns: the name must not exist).',
    }),
    via: z.string().min(1).optional().meta({
      description:
        "traceroute: a hop that must be on the path (router, a node name or an IP); gateway: the expected gateway (default: the pod's node bridge cbr0).",
    }),
    contains: z
      .string()
      .optional()
      .meta({
        description:
          "http: a substring the answer must contain; dns: a substring one of the answer's records must contain (an address, a name). {external}, {router} and {<node>} stand for that part's address (e.g. `client {external}:` to see the client's own address kept).",
        examples: ['Hello', 'client {external}:'],
      }),
    host: z
      .string()
      .regex(/^[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?(\.[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?)*(:\d{1,5})?$/, {
        error: withHint('`host` must be a DNS name, optionally with :port', 'write e.g. host: web.example.com'),
      })
      .max(253)
      .optional()
      .meta({
        description: 'probe http: the Host header to send (what an Ingress rule matches on), e.g. web.example.com. Default: the address in `to`.',
        examples: ['web.example.com'],
      }),
    path: z
      .string()
      .regex(/^\/[A-Za-z0-9\-._~/%?=&]*$/, {
        error: withHint('`path` must start with / and hold only letters, digits and - . _ ~ / % ? = &', 'write e.g. path: /app/list'),
      })
      .max(1024)
      .optional()
      .meta({ description: 'probe http: the path to ask for (default /), e.g. /app.', examples: ['/app'] }),
    answers: z
      .array(z.string().min(1))
      .min(1)
      .optional()
      .meta({
        description:
          'probe dns: the exact set of records the answer must hold, in any order: A: addresses (10.96.0.10); SRV: "priority weight port target" as dig prints it (0 100 80 web.default.svc.cluster.local.); PTR: names.',
        examples: [['10.96.0.10'], ['0 100 80 web.default.svc.cluster.local.']],
      }),
    by: z.enum(['ip', 'dns']).optional().meta({
      description: "Service targets with http, tcp or udp: `ip` (default) probes the cluster IP; `dns` uses the Service's name through the pod's resolver.",
    }),
    count: z
      .int()
      .min(1)
      .max(MAX_COUNT)
      .optional()
      .meta({ description: 'http and udp: how many requests to send (1-100; default 1).', examples: [20] }),
    distinct: z
      .int()
      .min(1)
      .max(MAX_COUNT)
      .optional()
      .meta({ description: 'http and udp: at least this many different pods must answer the `count` requests (load spreading).', examples: [2] }),
    sourcePort: z
      .int()
      .min(1)
      .max(65535)
      .optional()
      .meta({
        description:
          'probe udp: send every datagram from this source port, as a client that keeps one UDP flow (statsd, syslog, a DNS forwarder): conntrack holds one entry for it.',
        examples: [40000],
      }),
    record: z.enum(DNS_RECORDS).optional().meta({ description: 'probe dns: the record type to ask for: A (default), SRV or PTR (`to` an IP address).' }),
    needs: z
      .array(z.string().min(1))
      .default([])
      .meta({
        description:
          'Names of other checks of this lab that must pass first (no cycles). When one of them fails, this check is reported as blocked by it, not as failed.',
        examples: [['client reaches server']],
      }),
    wait: waitSchema,
    maxMs: z
      .number()
      .positive()
      .max(60_000)
      .optional()
      .meta({
        description:
          'http, tcp and ping: the time measured (the round trip for ping, the whole request for http, the connect for tcp) must be at most this many milliseconds, else the check fails and says the time.',
        examples: [300],
      }),
    points: z
      .int()
      .min(0)
      .max(MAX_POINTS)
      .default(1)
      .meta({ description: `This check's weight in a grade: a whole number from 0 to ${MAX_POINTS} (default 1).`, examples: [2] }),
    level: z.enum(CHECK_LEVELS).default('error').meta({
      description:
        'error (default): a failure fails the lab; warning: a failure is reported but does not fail the grade (`netlab check` exits 3 when only warnings fail).',
    }),
    pass: z
      .string()
      .min(1)
      .optional()
      .meta({ description: 'A message shown to the student when the check passes.', examples: ['The Service finds its pods again.'] }),
    fail: z
      .string()
      .min(1)
      .optional()
      .meta({ description: 'A message shown to the student when the check fails.', examples: ['The Service has no endpoints.'] }),
    hint: z
      .string()
      .min(1)
      .optional()
      .meta({
        description: 'A hint shown to the student when the check fails: where to look.',
        examples: ["Compare the Service's selector with the pods' labels."],
      }),
  })
  .meta({ description: 'A communication path to test with `netlab check`.' });

export type CheckInput = z.output<typeof checkSchema>;

export const labNameSchema = dnsLabel('lab name', LAB_NAME_MAX, 'multi-node').meta({
  description: 'The lab\'s name (lowercase letters, digits and "-", at most 30 characters): containers and networks are named after it.',
  examples: ['multi-node'],
});

/** The header of a lab file: everything but topology, workloads, checks and exercises, read first. */
const labHeader = {
  name: labNameSchema,
  title: z
    .string()
    .optional()
    .meta({ description: 'A one-line title.', examples: ['Pod to pod across nodes'] }),
  description: z.string().optional().meta({ description: 'Free text: what the lab shows.' }),
};

export const labFileSchema = z
  .strictObject({
    ...labHeader,
    topology: topologySchema.optional(),
    workloads: z
      .array(z.union([workloadFileSchema, podManifestSchema, deploymentManifestSchema, serviceManifestSchema, ingressManifestSchema]))
      .optional()
      .meta({ description: 'Kubernetes manifests (Pod, Deployment, Service) written inline, or `- file: manifests.yaml` naming a file of them.' }),
    checks: z.array(checkSchema).optional().meta({ description: 'Communication paths `netlab check` tests.' }),
    exercises: z.array(exerciseSchema).optional().meta({
      description: 'Troubleshooting exercises: each breaks the running lab (faults), tells the student what is wrong, and names the checks that prove the fix.',
    }),
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
  exercises: z.array(z.unknown()).optional(),
});

/** The topology with its nodes taken as-is. */
export const topologyShellSchema = topologySchema.extend({
  nodes: z
    .array(z.unknown())
    .min(1, { error: withHint('`topology.nodes` is an empty list', 'list at least one node, e.g. `- name: node1`, or remove `nodes:` for the default node1') })
    .optional(),
});
