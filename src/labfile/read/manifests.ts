// Kubernetes manifests (inline under `workloads:` or in a `file:`) -> pods and Services.
// Each supported kind is one entry in KINDS; adding a kind means adding a reader.
import { readFile, readdir, realpath, stat } from 'node:fs/promises';
import { recordRead } from '../cache/file-reads.js';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { IGNORED_FIELDS, isRecord, valueIn, warnIgnored } from './fields.js';
import { parseAt } from './issues.js';
import { isAbsolute as isAbsolutePosix } from 'node:path/posix';
import { LABEL_FIELD, type ContainerSpec, type DeploymentSpec, type EnvVar, type NamespaceSpec, type PodSpec, type RestartPolicy } from '../model.js';
import { child, isEmptyDocument, keyAt, valueAt, YamlFile, type Path, type Place } from './positions.js';
import type { Problems } from './problems.js';
import {
  deploymentManifestSchema,
  ENV_FIELD_PATHS,
  namespaceManifestSchema,
  podManifestSchema,
  workloadFileSchema,
  type PodSpecInput,
} from '../schema/schema.js';
import { readService, type ServiceEntry } from './services.js';
import { readIngress, type IngressEntry } from './ingresses.js';
import { type NetworkPolicyEntry, readNetworkPolicy } from './network-policies.js';
import { readProbe } from './probes.js';
import { didYouMean, suggestion } from '../../core/suggest.js';

export { isRecord } from './fields.js';

/** One manifest, read: the pods it makes and where its parts were written. */
export interface Workload {
  kind: string;
  name: string;
  namespace: string;
  /** The manifest's root. */
  place: Place;
  /** Path from `place` to the pod spec (`spec` for a Pod, `spec.template.spec` for a Deployment). */
  podSpecPath: Path;
  /** The pods, Deployments expanded into replicas. */
  pods: PodSpec[];
  /** The containers as written (once, even for many replicas). */
  containers: ContainerSpec[];
  nodeName?: string;
  deployment?: DeploymentSpec;
}

/** What is known of a manifest that could not be read, to avoid follow-on errors about its pods or Service. */
export interface BrokenWorkload {
  /** Its metadata.name if readable; undefined = unknown (then any pod or Service may be missing). */
  name?: string;
  /** Whether its pods get a -<i> suffix (a Deployment). */
  replicated: boolean;
}

/** A Namespace manifest, read. */
export interface NamespaceEntry {
  namespace: NamespaceSpec;
  /** The manifest's root. */
  place: Place;
}

export interface ReadWorkloads {
  workloads: Workload[];
  services: ServiceEntry[];
  namespaces: NamespaceEntry[];
  ingresses: IngressEntry[];
  networkPolicies: NetworkPolicyEntry[];
  broken: BrokenWorkload[];
}

/** Nothing read yet. */
export function emptyWorkloads(): ReadWorkloads {
  return { workloads: [], services: [], namespaces: [], ingresses: [], networkPolicies: [], broken: [] };
}

interface KindReader {
  apiVersion: string;
  /** Reads the manifest into `out`; false when it could not be read (its problems are reported). */
  read(value: unknown, place: Place, problems: Problems, out: ReadWorkloads): boolean;
}

const DEFAULT_NAMESPACE = 'default';

const workloadReader =
  (read: (value: unknown, place: Place, problems: Problems) => Workload | undefined): KindReader['read'] =>
  (value, place, problems, out) => {
    const workload = read(value, place, problems);
    if (workload) out.workloads.push(workload);
    return workload !== undefined;
  };

const KINDS: Record<string, KindReader> = {
  Pod: { apiVersion: 'v1', read: workloadReader(readPod) },
  Deployment: { apiVersion: 'apps/v1', read: workloadReader(readDeployment) },
  Service: {
    apiVersion: 'v1',
    read: (value, place, problems, out) => {
      const entry = readService(value, place, problems);
      if (entry) out.services.push(entry);
      return entry !== undefined;
    },
  },
  Ingress: {
    apiVersion: 'networking.k8s.io/v1',
    read: (value, place, problems, out) => {
      const entry = readIngress(value, place, problems);
      if (entry) out.ingresses.push(entry);
      return entry !== undefined;
    },
  },
  Namespace: {
    apiVersion: 'v1',
    read: (value, place, problems, out) => {
      const manifest = parseAt(namespaceManifestSchema, value, place, problems);
      if (!manifest) return false;
      warnIgnored(valueIn(value, []), place, [], IGNORED_FIELDS.manifest, problems);
      warnIgnored(valueIn(value, ['metadata']), place, ['metadata'], [...IGNORED_FIELDS.metadata, 'namespace'], problems);
      const { name, labels } = manifest.metadata;
      out.namespaces.push({ namespace: { name, labels: { ...labels }, at: valueAt(place) }, place });
      return true;
    },
  },
  NetworkPolicy: {
    apiVersion: 'networking.k8s.io/v1',
    read: (value, place, problems, out) => {
      const entry = readNetworkPolicy(value, place, problems);
      if (entry) out.networkPolicies.push(entry);
      return entry !== undefined;
    },
  },
};

/** Kinds that come with Services in real manifests but that netlab does without, and why. */
const NOT_READ: Record<string, string> = {
  Endpoints: "netlab derives every Service's endpoints from its selector",
  EndpointSlice: "netlab derives every Service's endpoints from its selector",
};

export const SUPPORTED_KINDS = Object.keys(KINDS);

/** "a, b or c" */
function either(items: string[], last = 'or'): string {
  return items.length < 2 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} ${last} ${items.at(-1)}`;
}

/** Reads the `workloads:` list: inline manifests and `file:` references. */
export async function readWorkloads(
  items: unknown[],
  listPlace: Place,
  labDir: string,
  problems: Problems,
  files?: ReadonlyMap<string, string>,
): Promise<ReadWorkloads> {
  const out = emptyWorkloads();
  for (const [i, item] of items.entries()) {
    const place = child(listPlace, i);
    if (isRecord(item) && 'file' in item) {
      const ref = parseAt(workloadFileSchema, item, place, problems);
      if (!ref) {
        out.broken.push({ replicated: true });
        continue;
      }
      await readManifestsFile(ref.file, child(place, 'file'), labDir, problems, out, files);
      continue;
    }
    readManifest(item, place, problems, out, true);
  }
  return out;
}

/**
 * Reads a manifests file named (relative to the lab's folder) at `filePlace` into `out`;
 * returns its text, or undefined when it could not be read (reported). `files` holds texts
 * given in memory (manifests applied to a running lab), by absolute path, before the disk.
 */
export async function readManifestsFile(
  name: string,
  filePlace: Place,
  labDir: string,
  problems: Problems,
  out: ReadWorkloads,
  files?: ReadonlyMap<string, string>,
): Promise<string | undefined> {
  const file = resolve(labDir, name);
  let text: string;
  try {
    text = files?.get(file) ?? (await readManifestsFrom(file, labDir));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const here = valueAt(filePlace);
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      const near = await yamlFilesNear(file, labDir);
      const rel = relative(labDir, file);
      problems.error(
        here,
        `manifests file ${name} does not exist (looked for ${file})`,
        didYouMean(rel, near) ?? `the path is relative to the lab file's folder${near.length ? `; YAML files there: ${near.join(', ')}` : ''}`,
      );
    } else if (code === OUTSIDE) {
      problems.error(
        here,
        `manifests file ${name} is outside the lab's folder (${labDir})`,
        "a lab file names only files in its own folder (a student's lab file must not read the grader's files): copy it next to the lab file",
      );
    } else if (code === 'EISDIR') {
      problems.error(here, `${name} is a folder, not a manifests file`, 'name a YAML file, e.g. file: manifests.yaml');
    } else if (code === NOT_A_FILE) {
      problems.error(here, `${name} is not a file (a device, a pipe or a socket), so not a manifests file`, 'name a YAML file, e.g. file: manifests.yaml');
    } else if (code === 'EFBIG') {
      problems.error(
        here,
        `${name} is too big for a manifests file (${(err as Error).message}; at most ${MAX_MANIFESTS_BYTES / 1024} KiB)`,
        'name a YAML file of manifests, e.g. file: manifests.yaml',
      );
    } else {
      problems.error(here, `cannot read ${name}: ${(err as Error).message}`);
    }
    out.broken.push({ replicated: true });
    return undefined;
  }
  readManifestsText(YamlFile.parse(file, text, true), problems, out);
  return text;
}

/** A manifests file's size limit: ample for manifests, and no lab file makes netlab read a disk image. */
export const MAX_MANIFESTS_BYTES = 1024 * 1024;
const NOT_A_FILE = 'NETLAB_NOT_A_FILE';
const OUTSIDE = 'NETLAB_OUTSIDE';

/** Is `file` in `dir` (or below it)? */
function inside(dir: string, file: string): boolean {
  const rel = relative(dir, file);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}

/**
 * A manifests file's text. A lab file may come from a student: a file outside its folder
 * (by its path or through a link: /etc/shadow, the grader's keys) is refused, and so is a
 * name that is a device (/dev/zero never ends), a pipe or /dev/stdin (never answer), before
 * anything is read.
 */
async function readManifestsFrom(file: string, labDir: string): Promise<string> {
  const outside = () => Object.assign(new Error('outside'), { code: OUTSIDE });
  if (!inside(labDir, file)) throw outside();
  const real = await realpath(file);
  if (!inside(await realpath(labDir), real)) throw outside();
  const info = await stat(real);
  if (info.isDirectory()) throw Object.assign(new Error('a folder'), { code: 'EISDIR' });
  if (!info.isFile()) throw Object.assign(new Error('not a file'), { code: NOT_A_FILE });
  if (info.size > MAX_MANIFESTS_BYTES) throw Object.assign(new Error(`${info.size} bytes`), { code: 'EFBIG' });
  const text = await readFile(real, 'utf8');
  recordRead({ path: file, real, text });
  return text;
}

/** Reads parsed manifests (`---`-separated documents, as a manifests file holds them) into `out`. */
export function readManifestsText(parsed: ReturnType<typeof YamlFile.parse>, problems: Problems, out: ReadWorkloads): void {
  const { yaml, problems: syntax } = parsed;
  if (syntax.length) {
    for (const p of syntax) problems.error(p.at, p.message, p.hint);
    out.broken.push({ replicated: true });
    return;
  }
  for (const [d, doc] of yaml.docs.entries()) {
    if (isEmptyDocument(doc)) continue; // an empty document (e.g. after a trailing ---)
    const read = yaml.value(d);
    if ('problem' in read) {
      problems.error(read.problem.at, read.problem.message, read.problem.hint);
      out.broken.push({ replicated: true });
      continue;
    }
    readManifest(read.value, { yaml, doc: d, path: [] }, problems, out, false);
  }
}

/** YAML files in the folder the missing file was looked for in, as paths relative to the lab's folder. */
async function yamlFilesNear(file: string, labDir: string): Promise<string[]> {
  try {
    return (await readdir(dirname(file)))
      .filter((f) => /\.ya?ml$/.test(f))
      .map((f) => relative(labDir, join(dirname(file), f)))
      .filter((f) => f !== 'lab.yaml')
      .sort();
  } catch {
    return [];
  }
}

/** One manifest: picks the reader for its kind. */
function readManifest(value: unknown, place: Place, problems: Problems, out: ReadWorkloads, inline: boolean): void {
  const name = isRecord(value) && isRecord(value.metadata) && typeof value.metadata.name === 'string' ? value.metadata.name : undefined;
  const broken = (replicated = true) => out.broken.push({ name, replicated });
  if (!isRecord(value)) {
    problems.error(
      valueAt(place),
      'a workload must be a Kubernetes manifest (a mapping with apiVersion, kind, metadata, spec)',
      inline ? 'write a manifest indented under "- ", or `- file: manifests.yaml`' : 'write a manifest: apiVersion, kind, metadata and spec',
    );
    broken();
    return;
  }
  if (!inline && 'file' in value) {
    problems.error(
      keyAt(place, 'file'),
      "`file:` is only allowed in the lab file's workloads list",
      'a manifests file holds manifests only; list the file in the lab file instead',
    );
    broken();
    return;
  }
  const kind = value.kind;
  const kindHint = `write ${either(Object.entries(KINDS).map(([k, r]) => `kind: ${k} (apiVersion: ${r.apiVersion})`))}`;
  if (kind === undefined) {
    problems.error(valueAt(place), 'this manifest has no `kind`', inline ? `${kindHint}, or \`file: manifests.yaml\` to read manifests from a file` : kindHint);
    broken();
    return;
  }
  if (typeof kind !== 'string') {
    problems.error(valueAt(place, 'kind'), '`kind` must be text', kindHint);
    broken();
    return;
  }
  const notRead = NOT_READ[kind];
  if (notRead) {
    problems.error(
      valueAt(place, 'kind'),
      `netlab does not read ${kind} manifests: ${notRead}`,
      `remove this ${kind} manifest (netlab reads ${either(SUPPORTED_KINDS, 'and')})`,
    );
    // Not broken: its absence causes no follow-on errors about pods or Services.
    return;
  }
  const reader = Object.hasOwn(KINDS, kind) ? KINDS[kind] : undefined;
  if (!reader) {
    problems.error(valueAt(place, 'kind'), `netlab does not read ${kind} manifests`, suggestion(kind, SUPPORTED_KINDS, 'supported kinds') ?? kindHint);
    broken();
    return;
  }
  if (!reader.read(value, place, problems, out)) broken(kind === 'Deployment');
}

function readPod(value: unknown, place: Place, problems: Problems): Workload | undefined {
  const manifest = parseAt(podManifestSchema, value, place, problems);
  if (!manifest) return undefined;
  warnIgnoredFields(value, place, problems, ['spec']);
  const at = valueAt(place);
  const namespace = manifest.metadata.namespace ?? DEFAULT_NAMESPACE;
  const containers = readContainers(manifest.spec, child(place, 'spec'), problems);
  const pod = makePod(manifest.metadata.name, namespace, manifest.metadata.labels ?? {}, manifest.spec.nodeName, containers, at);
  if (manifest.spec.restartPolicy !== undefined) pod.restartPolicy = manifest.spec.restartPolicy;
  return {
    kind: 'Pod',
    name: manifest.metadata.name,
    namespace,
    place,
    podSpecPath: ['spec'],
    pods: [pod],
    containers,
    ...(manifest.spec.nodeName === undefined ? {} : { nodeName: manifest.spec.nodeName }),
  };
}

function readDeployment(value: unknown, place: Place, problems: Problems): Workload | undefined {
  const manifest = parseAt(deploymentManifestSchema, value, place, problems);
  if (!manifest) return undefined;
  warnIgnoredFields(value, place, problems, ['spec', 'template', 'spec']);
  const { name } = manifest.metadata;
  const namespace = manifest.metadata.namespace ?? DEFAULT_NAMESPACE;
  const at = valueAt(place);
  const { spec } = manifest;
  const templateLabels = spec.template.metadata.labels;

  // Kubernetes rejects a Deployment whose selector does not select its own template.
  const selector = spec.selector.matchLabels;
  let selects = true;
  if (Object.keys(selector).length === 0) {
    problems.error(
      valueAt(place, 'spec', 'selector', 'matchLabels'),
      `Deployment ${name}: selector.matchLabels is empty`,
      `write labels the template has, e.g. matchLabels: {${
        Object.entries(templateLabels)
          .slice(0, 1)
          .map(([k, v]) => `${k}: ${v}`)
          .join('') || 'app: ' + name
      }}`,
    );
    selects = false;
  }
  for (const [key, wanted] of Object.entries(selector)) {
    if (templateLabels[key] === wanted) continue;
    selects = false;
    const has = templateLabels[key];
    problems.error(
      valueAt(place, 'spec', 'selector', 'matchLabels', key),
      `Deployment ${name}: selector ${key}=${wanted} does not match the template's labels (${has === undefined ? `no ${key} label` : `${key}=${has}`})`,
      has === undefined
        ? `add \`${key}: ${wanted}\` to spec.template.metadata.labels, or remove it from the selector`
        : `make them equal: write \`${key}: ${has}\` here, or \`${key}: ${wanted}\` in spec.template.metadata.labels`,
    );
  }
  if (!selects) return undefined;

  const podSpecPlace = child(place, 'spec', 'template', 'spec');
  const containers = readContainers(spec.template.spec, podSpecPlace, problems);
  const restartPolicy: RestartPolicy | undefined = spec.template.spec.restartPolicy;
  if (restartPolicy !== undefined && restartPolicy !== 'Always') {
    // kube-apiserver: a Deployment's pods are always restarted (they are replaced, never finished).
    problems.error(
      valueAt(podSpecPlace, 'restartPolicy'),
      `Deployment ${name}: spec.template.spec.restartPolicy: Unsupported value: "${restartPolicy}": supported values: "Always"`,
      'remove restartPolicy (a Deployment restarts its containers always), or make this a Pod to have it run once',
    );
    return undefined;
  }
  const pods: PodSpec[] = [];
  for (let i = 0; i < spec.replicas; i++) {
    pods.push(makePod(`${name}-${i}`, namespace, templateLabels, spec.template.spec.nodeName, containers, at, name));
  }
  const deployment: DeploymentSpec = { name, namespace, replicas: spec.replicas, selector: { ...selector }, at };
  return {
    kind: 'Deployment',
    name,
    namespace,
    place,
    podSpecPath: ['spec', 'template', 'spec'],
    pods,
    containers,
    deployment,
    ...(spec.template.spec.nodeName === undefined ? {} : { nodeName: spec.template.spec.nodeName }),
  };
}

function readContainers(spec: PodSpecInput, specPlace: Place, problems: Problems): ContainerSpec[] {
  return spec.containers.map((c, i) => {
    const place = child(specPlace, 'containers', i);
    const container: ContainerSpec = {
      name: c.name,
      image: c.image,
      imageAt: valueAt(specPlace, 'containers', i, 'image'),
      env: c.env.map((e, j) => readEnvVar(e, child(place, 'env', j), problems)),
      ports: c.ports.map((p) => ({ ...(p.name === undefined ? {} : { name: p.name }), containerPort: p.containerPort, protocol: p.protocol })),
      at: valueAt(place),
    };
    if (c.imagePullPolicy) container.imagePullPolicy = c.imagePullPolicy;
    if (c.command) container.command = [...c.command];
    if (c.args) container.args = [...c.args];
    if (c.workingDir !== undefined) {
      // Docker refuses a relative working directory when it creates the container.
      if (isAbsolutePosix(c.workingDir)) container.workingDir = c.workingDir;
      else
        problems.error(
          valueAt(place, 'workingDir'),
          `workingDir ${JSON.stringify(c.workingDir)} is not an absolute path`,
          `write a path from /, e.g. workingDir: /${c.workingDir.replace(/^\.?\/*/, '') || 'tmp'}`,
        );
    }
    for (const kind of ['readinessProbe', 'livenessProbe'] as const) {
      const input = c[kind];
      const probe = input && readProbe(input, container.ports, child(specPlace, 'containers', i, kind), problems);
      if (probe) container[kind] = probe;
    }
    return container;
  });
}

type EnvVarInput = PodSpecInput['containers'][number]['env'][number];

/** An env var: its value, or the pod field its valueFrom names (only fieldRef: netlab has no Secrets nor ConfigMaps). */
function readEnvVar(e: EnvVarInput, place: Place, problems: Problems): EnvVar {
  const env: EnvVar = { name: e.name, value: e.value };
  if (!e.valueFrom) return env;
  const at = valueAt(place, 'valueFrom');
  if (e.value !== '') {
    problems.error(at, `env ${e.name}: valueFrom may not be specified when \`value\` is not empty`, 'keep one of value and valueFrom');
    return env;
  }
  const other = (['secretKeyRef', 'configMapKeyRef', 'resourceFieldRef', 'fileKeyRef'] as const).find((k) => e.valueFrom![k] !== undefined);
  if (other) {
    problems.error(
      keyAt(place, 'valueFrom', other),
      `env ${e.name}: netlab does not support valueFrom.${other} (a lab has no Secrets, ConfigMaps, resource limits per container or volumes)`,
      'write the value itself (`value: ...`), or take a field of the pod with valueFrom.fieldRef.fieldPath',
    );
    return env;
  }
  const fieldPath = e.valueFrom.fieldRef?.fieldPath;
  if (fieldPath === undefined) {
    problems.error(
      at,
      `env ${e.name}: valueFrom names no source`,
      'write valueFrom: {fieldRef: {fieldPath: status.podIP}} (or metadata.name, metadata.namespace, spec.nodeName)',
    );
    return env;
  }
  if (!(ENV_FIELD_PATHS as readonly string[]).includes(fieldPath) && !LABEL_FIELD.test(fieldPath)) {
    problems.error(
      valueAt(place, 'valueFrom', 'fieldRef', 'fieldPath'),
      `env ${e.name}: fieldPath: Unsupported value: ${JSON.stringify(fieldPath)}: supported values: ${ENV_FIELD_PATHS.map((f) => `"${f}"`).join(', ')}, "metadata.labels['<key>']"`,
      suggestion(fieldPath, [...ENV_FIELD_PATHS], 'fields netlab knows') ?? 'write one of the supported fields, e.g. fieldPath: status.podIP',
    );
    return env;
  }
  return { ...env, fieldPath };
}

function makePod(
  name: string,
  namespace: string,
  labels: Record<string, string>,
  nodeName: string | undefined,
  containers: ContainerSpec[],
  at: PodSpec['at'],
  deployment?: string,
): PodSpec {
  const pod: PodSpec = { name, namespace, labels: { ...labels }, containers: structuredClone(containers), at };
  if (nodeName !== undefined) pod.nodeName = nodeName;
  if (deployment !== undefined) pod.deployment = deployment;
  return pod;
}

/** Warns about each accepted-but-ignored Kubernetes field the manifest carries. */
function warnIgnoredFields(value: unknown, place: Place, problems: Problems, podSpecPath: Path): void {
  const warn = (path: Path, fields: readonly string[]) => warnIgnored(valueIn(value, path), place, path, fields, problems);
  warn([], IGNORED_FIELDS.manifest);
  warn(['metadata'], IGNORED_FIELDS.metadata);
  if (podSpecPath.length > 1) {
    warn(['spec'], IGNORED_FIELDS.deploymentSpec);
    warn(['spec', 'template', 'metadata'], ['annotations']);
  }
  warn(podSpecPath, IGNORED_FIELDS.podSpec);
  const containers = valueIn(value, [...podSpecPath, 'containers']);
  if (!Array.isArray(containers)) return;
  containers.forEach((c, i) => {
    warn([...podSpecPath, 'containers', i], IGNORED_FIELDS.container);
    const ports = isRecord(c) ? c.ports : undefined;
    if (Array.isArray(ports)) for (let j = 0; j < ports.length; j++) warn([...podSpecPath, 'containers', i, 'ports', j], IGNORED_FIELDS.containerPort);
  });
}
