// A parsed lab file -> its sections, each read on its own so that one broken
// section does not hide the problems of the others.
import { type ContainerLimits, DEFAULT_LIMITS, type LabLimits, memoryBytes, nanoCpus } from '../limits.js';
import { readExercises, type ExerciseEntry } from './exercises.js';
import { parseAt } from './issues.js';
import { emptyWorkloads, isRecord, readWorkloads, type ReadWorkloads } from './manifests.js';
import type { ImpairSpec, NodeSpec, ProxyMode, Routing, SourceLocation } from '../model.js';
import { impairSpecs } from './impair.js';
import { DEFAULT_PROXY_MODE } from '../../core/proxy-modes.js';
import { child, isEmptyDocument, valueAt, type Place, type YamlFile } from './positions.js';
import type { Problems } from './problems.js';
import { checkSchema, DEFAULT_CLUSTER_CIDR, DEFAULT_SERVICE_CIDR, labShellSchema, nodeSchema, topologyShellSchema, type CheckInput } from '../schema/schema.js';

export interface NodeEntry {
  node: NodeSpec;
  /** Where the node was written; undefined for the default node. */
  place?: Place;
  /** Whether podCIDR was written (else it is the default for its position). */
  cidrWritten: boolean;
}

export interface CheckEntry {
  check: CheckInput;
  place: Place;
}

/** A check that could not be read: its name (undefined if unreadable) and its needs, if they are a list of names. */
export interface BrokenCheck {
  name?: string;
  needs: string[];
  place: Place;
}

/** Where a node's name was written (the file's start for the default node). */
export function nodeNameAt(entry: NodeEntry): SourceLocation {
  return entry.place ? valueAt(entry.place, 'name') : entry.node.at;
}

/** Where a node's podCIDR was written, else its name (a default pod CIDR). */
export function podCidrAt(entry: NodeEntry): SourceLocation {
  return entry.place && entry.cidrWritten ? valueAt(entry.place, 'podCIDR') : nodeNameAt(entry);
}

/** Everything read from a lab file, before cross-references are checked. */
export interface LabDraft {
  yaml: YamlFile;
  root: Place;
  header?: { name: string; title?: string; description?: string };
  topology: {
    underlay?: string;
    loadBalancerPool?: string;
    serviceCIDR: string;
    clusterCIDR: string;
    /** Which of serviceCIDR and clusterCIDR were written (else they are the defaults). */
    written: { serviceCIDR: boolean; clusterCIDR: boolean };
    proxyMode: ProxyMode;
    /** As written; undefined = on when the lab has a Service. */
    dns?: boolean;
    publish: boolean;
    limits: LabLimits;
    routing: Routing;
    external: boolean;
    nodes: NodeEntry[];
    place?: Place;
    impair?: ImpairSpec[];
  };
  /**
   * Parts that could not be read: names that cannot be resolved may be explained by them.
   * `checks`: checks that could not be read, with what could be read of them (a name, needs).
   */
  broken: { topology: boolean; nodes: boolean; checks: BrokenCheck[] };
  workloads: ReadWorkloads;
  checks: CheckEntry[];
  exercises: ExerciseEntry[];
}

/** The default pod CIDR of the i-th node (from 0): 10.0.<i+1>.0/24. */
export function defaultPodCIDR(index: number): string {
  const n = index + 1;
  return `10.${Math.floor(n / 256)}.${n % 256}.0/24`;
}

export const DEFAULT_NODE_NAME = 'node1';

export async function readLab(yaml: YamlFile, labDir: string, problems: Problems, files?: ReadonlyMap<string, string>): Promise<LabDraft | undefined> {
  const root: Place = { yaml, doc: 0, path: [] };
  const doc = yaml.docs[0];
  if (!doc || isEmptyDocument(doc)) {
    problems.error(yaml.start(), 'the lab file is empty', 'start with `name: my-lab`, then topology, workloads and checks');
    return undefined;
  }
  const read = yaml.value(0);
  if ('problem' in read) {
    problems.error(read.problem.at, read.problem.message, read.problem.hint);
    return undefined;
  }
  const value = read.value;
  if (!isRecord(value)) {
    problems.error(
      valueAt(root),
      'a lab file is a mapping of keys (name, topology, workloads, checks)',
      'start with `name: my-lab` at the beginning of a line',
    );
    return undefined;
  }

  const shell = parseAt(labShellSchema, value, root, problems);
  const draft: LabDraft = {
    yaml,
    root,
    topology: {
      serviceCIDR: DEFAULT_SERVICE_CIDR,
      clusterCIDR: DEFAULT_CLUSTER_CIDR,
      written: { serviceCIDR: false, clusterCIDR: false },
      proxyMode: DEFAULT_PROXY_MODE,
      publish: false,
      limits: DEFAULT_LIMITS,
      routing: 'router',
      external: false,
      nodes: [],
    },
    broken: { topology: false, nodes: false, checks: [] },
    workloads: emptyWorkloads(),
    checks: [],
    exercises: [],
  };
  if (shell) {
    draft.header = { name: shell.name };
    if (shell.title !== undefined) draft.header.title = shell.title;
    if (shell.description !== undefined) draft.header.description = shell.description;
  }

  readTopology(value.topology, child(root, 'topology'), draft, problems);

  if (Array.isArray(value.workloads)) draft.workloads = await readWorkloads(value.workloads, child(root, 'workloads'), labDir, problems, files);

  if (Array.isArray(value.checks)) readChecks(value.checks, root, draft, problems);

  if (Array.isArray(value.exercises)) draft.exercises = await readExercises(value.exercises, child(root, 'exercises'), labDir, problems);
  return draft;
}

function readChecks(items: unknown[], root: Place, draft: Pick<LabDraft, 'checks' | 'broken'>, problems: Problems): void {
  items.forEach((raw, i) => {
    const place = child(root, 'checks', i);
    const check = parseAt(checkSchema, raw, place, problems);
    if (check) draft.checks.push({ check, place });
    else draft.broken.checks.push(brokenCheck(raw, place));
  });
}

/**
 * The checks of a check file (an instructor's: `checks:` as a lab file writes them, or a whole
 * lab file, whose checks are taken) in place of the lab's own. The lab's exercises go with its
 * checks, which they name; the check file's own `exercises:` (a course's lab file) come with its
 * checks instead, their manifests files read from the check file's folder.
 */
export async function readChecksFile(yaml: YamlFile, checksDir: string, draft: LabDraft, problems: Problems): Promise<void> {
  const root: Place = { yaml, doc: 0, path: [] };
  const doc = yaml.docs[0];
  const read = doc && !isEmptyDocument(doc) ? yaml.value(0) : { value: undefined };
  draft.checks = [];
  draft.broken.checks = [];
  draft.exercises = [];
  if ('problem' in read) {
    problems.error(read.problem.at, read.problem.message, read.problem.hint);
    return;
  }
  const value = read.value;
  if (!isRecord(value) || !Array.isArray(value.checks)) {
    problems.error(valueAt(root), 'a check file holds a `checks:` list', 'write `checks:` and the checks as in a lab file (a whole lab file also works)');
    return;
  }
  readChecks(value.checks, root, draft, problems);
  if (Array.isArray(value.exercises)) draft.exercises = await readExercises(value.exercises, child(root, 'exercises'), checksDir, problems);
}

function brokenCheck(raw: unknown, place: Place): BrokenCheck {
  const broken: BrokenCheck = { needs: [], place };
  if (!isRecord(raw)) return broken;
  if (typeof raw.name === 'string' && raw.name !== '') broken.name = raw.name;
  if (Array.isArray(raw.needs) && raw.needs.every((n) => typeof n === 'string' && n !== '')) broken.needs = raw.needs as string[];
  return broken;
}

function readTopology(raw: unknown, place: Place, draft: LabDraft, problems: Problems): void {
  const topology = draft.topology;
  if (raw !== undefined) {
    topology.place = place;
    const shell = parseAt(topologyShellSchema, raw, place, problems);
    if (shell) {
      if (shell.underlay !== undefined) topology.underlay = shell.underlay;
      if (shell.loadBalancerPool !== undefined) topology.loadBalancerPool = shell.loadBalancerPool;
      topology.serviceCIDR = shell.serviceCIDR;
      topology.clusterCIDR = shell.clusterCIDR;
      topology.written = { serviceCIDR: isRecord(raw) && raw.serviceCIDR !== undefined, clusterCIDR: isRecord(raw) && raw.clusterCIDR !== undefined };
      topology.proxyMode = shell.proxyMode;
      if (shell.dns !== undefined) topology.dns = shell.dns;
      topology.publish = shell.publish;
      if (shell.limits) topology.limits = limitsOf(shell.limits);
      topology.routing = shell.routing;
      topology.external = shell.external;
      if (shell.impair) topology.impair = impairSpecs(shell.impair, place);
    } else {
      draft.broken.topology = true;
    }
  }
  const nodes = isRecord(raw) && Array.isArray(raw.nodes) ? raw.nodes : undefined;
  if (!nodes || nodes.length === 0) {
    if (isRecord(raw) && raw.nodes !== undefined) draft.broken.nodes = true; // reported by the shell
    topology.nodes = [{ node: { name: DEFAULT_NODE_NAME, podCIDR: defaultPodCIDR(0), at: draft.yaml.start() }, cidrWritten: false }];
    return;
  }
  nodes.forEach((rawNode, i) => {
    const nodePlace = child(place, 'nodes', i);
    const node = parseAt(nodeSchema, rawNode, nodePlace, problems);
    if (!node) {
      draft.broken.nodes = true;
      return;
    }
    topology.nodes.push({
      node: {
        name: node.name,
        podCIDR: node.podCIDR ?? defaultPodCIDR(i),
        at: valueAt(nodePlace),
        ...(node.podCIDR !== undefined ? { podCIDRAt: valueAt(nodePlace, 'podCIDR') } : {}),
      },
      place: nodePlace,
      cidrWritten: node.podCIDR !== undefined,
    });
  });
}

type WrittenLimits = { memory?: string | number; cpu?: string | number; pids?: number };

/** The limits as written over the defaults (each value was checked by the schema). */
function limitsOf(written: { pod?: WrittenLimits; node?: WrittenLimits }): LabLimits {
  const over = (base: ContainerLimits, w: WrittenLimits | undefined): ContainerLimits => ({
    memoryBytes: w?.memory !== undefined ? (memoryBytes(w.memory) ?? base.memoryBytes) : base.memoryBytes,
    nanoCpus: w?.cpu !== undefined ? (nanoCpus(w.cpu) ?? base.nanoCpus) : base.nanoCpus,
    pids: w?.pids ?? base.pids,
  });
  return { pod: over(DEFAULT_LIMITS.pod, written.pod), node: over(DEFAULT_LIMITS.node, written.node) };
}
