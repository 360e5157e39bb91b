// Rules that span the lab: names unique and not reserved, CIDRs apart, pods on
// nodes that exist and fit, checks that name real things. Each problem points
// at the line to change.
import { formatCidr, freeBlock, overlaps, parseCidr, size, type Cidr } from '../../core/cidr.js';
import { validateNeeds } from './check-needs.js';
import { buildCheck } from './check-rules.js';
import { validateClusterCidrs } from './cluster-cidrs.js';
import { SERVICE_PREFIX } from '../endpoints.js';
import { formatLocation } from '../../core/errors.js';
import { validateExercises } from '../read/exercises.js';
import type { BrokenWorkload, Workload } from '../read/manifests.js';
import {
  DEFAULT_NAMESPACES,
  RESERVED_NAMES,
  type CheckSpec,
  type Lab,
  type NamespaceSpec,
  type NodeSpec,
  type PodSpec,
  type SourceLocation,
} from '../model.js';
import { placePods, podCapacity, RESERVED_POD_ADDRESSES } from '../placement.js';
import { valueAt, type Place } from '../read/positions.js';
import type { Problems } from '../read/problems.js';
import { nodeNameAt, podCidrAt, type LabDraft, type NodeEntry } from '../read/read-lab.js';
import { didYouMean, suggestion } from '../../core/suggest.js';
import { validateServices } from './services.js';
import { validateIngresses } from './ingresses.js';
import { validateLoadBalancerPool, validateLoadBalancerServices } from './load-balancer.js';

export { freeBlock } from '../../core/cidr.js';

import { validateImpairTargets } from './impair.js';

const RESERVED: readonly string[] = RESERVED_NAMES;

/** Checks the draft's cross-references; returns the lab (meaningful only if no errors were added). */
export function validateLab(draft: LabDraft, problems: Problems, file: string, dir: string): Lab | undefined {
  const nodes = draft.topology.nodes;
  const reported = validateNodes(draft, problems);
  validateClusterCidrs(draft, problems, reported);
  validateWorkloads(draft, problems);
  const namespaces = validateNamespaces(draft, problems);

  const pods = draft.workloads.workloads.flatMap((w) => w.pods);
  const drafted = draft.topology;
  const topology: Lab['topology'] = {
    serviceCIDR: drafted.serviceCIDR,
    clusterCIDR: drafted.clusterCIDR,
    proxyMode: drafted.proxyMode,
    dns: drafted.dns ?? draft.workloads.services.length > 0,
    publish: drafted.publish,
    limits: drafted.limits,
    routing: drafted.routing,
    external: drafted.external,
    nodes: nodes.map((n) => n.node),
  };
  if (drafted.underlay !== undefined) {
    topology.underlay = drafted.underlay;
    if (drafted.place) topology.underlayAt = valueAt(drafted.place, 'underlay');
  }
  validateLoadBalancerPool(draft, topology, problems);

  if (!draft.broken.nodes) validatePlacement(draft, pods, problems);
  const services = validateServices(draft, topology, pods, problems);
  if (drafted.impair) topology.impair = validateImpairTargets(drafted.impair, { pods, services, topology }, problems);
  if (!draft.broken.topology) validateLoadBalancerServices(draft.workloads.services, topology, problems);
  if (drafted.publish && drafted.place && !services.some((s) => s.type !== 'ClusterIP') && draft.workloads.broken.length === 0)
    problems.warn(
      valueAt(drafted.place, 'publish'),
      'topology.publish is true, but no Service has type NodePort: nothing is published',
      'add a Service with type: NodePort, or remove publish',
    );

  const ingresses = validateIngresses(draft.workloads.ingresses, services, problems);

  const checks: CheckSpec[] = [];
  const checkNames = new Map<string, SourceLocation>();
  for (const entry of draft.checks) {
    const nameAt = valueAt(entry.place, 'name');
    const first = checkNames.get(entry.check.name);
    if (first) problems.error(nameAt, `check name "${entry.check.name}" is used twice (first at ${formatLocation(first)})`, 'give each check its own name');
    else checkNames.set(entry.check.name, nameAt);
    const check = buildCheck(entry.check, entry.place, { pods, services, topology }, problems, (text) => excused(draft, text));
    if (check) checks.push(check);
  }
  const checkExcused = (name: string) => draft.broken.checks.some((broken) => broken.name === undefined || broken.name === name);
  validateNeeds(
    [
      ...draft.checks.map((e) => ({ name: e.check.name, needs: e.check.needs, place: e.place })),
      // What could be read of broken checks: their needs may be wrong too.
      ...draft.broken.checks.flatMap((b) => (b.name === undefined ? [] : [{ name: b.name, needs: b.needs, place: b.place }])),
    ].sort((x, y) => order(x.place) - order(y.place)),
    problems,
    checkExcused,
  );

  const deployments = draft.workloads.workloads.flatMap((w) => (w.deployment ? [w.deployment] : []));
  const exercises = validateExercises(
    draft.exercises,
    {
      lab: { pods, services, topology, deployments, networkPolicies: draft.workloads.networkPolicies.map((e) => e.policy) },
      checks: draft.checks.map((e) => e.check.name),
      excused: (text) => excused(draft, text),
      checkExcused,
    },
    problems,
  );

  if (!draft.header) return undefined;
  const lab: Lab = {
    name: draft.header.name,
    file,
    dir,
    topology,
    namespaces,
    deployments,
    pods,
    services,
    ingresses,
    checks,
    exercises,
  };
  if (draft.workloads.networkPolicies.length) lab.networkPolicies = draft.workloads.networkPolicies.map((e) => e.policy);
  if (draft.header.title !== undefined) lab.title = draft.header.title;
  if (draft.header.description !== undefined) lab.description = draft.header.description;
  return lab;
}

/** The index of a check in the lab's list. */
const order = (place: Place): number => (typeof place.path[1] === 'number' ? place.path[1] : 0);

// ---------------------------------------------------------------- nodes and addresses

/** Checks node names and pod CIDRs; returns the nodes whose pod CIDR was reported. */
function validateNodes(draft: LabDraft, problems: Problems): Set<NodeEntry> {
  const reported = new Set<NodeEntry>();
  const nodes = draft.topology.nodes;
  const seen = new Map<string, NodeEntry>();
  for (const entry of nodes) {
    const { name } = entry.node;
    if (RESERVED.includes(name)) {
      problems.error(
        nodeNameAt(entry),
        `"${name}" is reserved for netlab's own ${name === 'localhost' ? 'loopback endpoint' : `${name} container`} and cannot name a node`,
        `rename the node, e.g. node${nodes.indexOf(entry) + 1}`,
      );
    }
    const first = seen.get(name);
    if (first)
      problems.error(
        nodeNameAt(entry),
        `node name "${name}" is used twice (first at ${formatLocation(nodeNameAt(first))})`,
        `give each node its own name, e.g. node${nodes.length + 1}`,
      );
    else seen.set(name, entry);
  }

  // Pod CIDRs: apart from each other and from the underlay.
  const underlay = draft.topology.underlay === undefined ? undefined : parseCidr(draft.topology.underlay);
  const underlayAt = draft.topology.place ? valueAt(draft.topology.place, 'underlay') : undefined;
  const taken: { cidr: Cidr; entry: NodeEntry }[] = [];
  const all = nodes.flatMap((e) => {
    const c = parseCidr(e.node.podCIDR);
    return c ? [c] : [];
  });
  if (underlay) all.push(underlay);
  for (const entry of nodes) {
    const cidr = parseCidr(entry.node.podCIDR);
    if (!cidr) continue;
    const defaulted = entry.cidrWritten ? '' : ' (the default for this node)';
    const clash = taken.find((t) => overlaps(t.cidr, cidr));
    if (clash || (underlay && overlaps(underlay, cidr))) reported.add(entry);
    if (clash) {
      problems.error(
        podCidrAt(entry),
        `pod CIDR ${entry.node.podCIDR}${defaulted} of node ${entry.node.name} overlaps node ${clash.entry.node.name}'s ${clash.entry.node.podCIDR} (${formatLocation(podCidrAt(clash.entry))})`,
        freeHint(cidr.prefix, all, entry.cidrWritten),
      );
    } else if (underlay && overlaps(underlay, cidr)) {
      problems.error(
        podCidrAt(entry),
        `pod CIDR ${entry.node.podCIDR}${defaulted} of node ${entry.node.name} overlaps the underlay ${draft.topology.underlay}${underlayAt ? ` (${formatLocation(underlayAt)})` : ''}`,
        freeHint(cidr.prefix, all, entry.cidrWritten) + '; pod addresses and node addresses must not mix',
      );
    }
    taken.push({ cidr, entry });
  }

  // The underlay holds the nodes, the router, the external client and Docker's gateway.
  if (underlay && underlayAt) {
    const needed = nodes.length + (draft.topology.routing === 'router' ? 1 : 0) + (draft.topology.external ? 1 : 0) + 1;
    const usable = size(underlay) - 2;
    if (needed > usable) {
      problems.error(
        underlayAt,
        `underlay ${draft.topology.underlay} has ${usable} addresses but the lab needs ${needed} (nodes, router, external client and the network's gateway)`,
        `use a larger block, e.g. ${formatCidr({ base: underlay.base, prefix: Math.max(16, underlay.prefix - 2) })}`,
      );
    }
  }
  return reported;
}

/** "use 10.0.3.0/24" (a block of the same size that overlaps nothing), or a general hint. */
function freeHint(prefix: number, taken: Cidr[], written: boolean): string {
  const free = freeBlock(prefix, taken);
  const what = written ? 'give this node a block of its own' : 'write a podCIDR for this node';
  return free ? `${what}, e.g. podCIDR: ${free}` : what;
}

// ---------------------------------------------------------------- workloads

const nameAt = (w: Workload): SourceLocation => valueAt(w.place, 'metadata', 'name');

function describe(w: Workload): string {
  if (w.kind !== 'Deployment') return `${w.kind} ${w.name}`;
  const n = w.pods.length;
  return `Deployment ${w.name} (pods ${n === 0 ? 'none' : n === 1 ? `${w.name}-0` : `${w.name}-0..${w.name}-${n - 1}`})`;
}

function validateWorkloads(draft: LabDraft, problems: Problems): void {
  const nodeNames = draft.topology.nodes.map((n) => n.node.name);
  const pods = new Map<string, Workload>();
  const deployments = new Map<string, Workload>();

  for (const w of draft.workloads.workloads) {
    const here = nameAt(w);

    // Names: unique per namespace, not reserved, not a node's.
    if (w.deployment) {
      const key = `${w.namespace}/${w.name}`;
      const first = deployments.get(key);
      if (first) problems.error(here, `Deployment ${key} is defined twice (first at ${formatLocation(nameAt(first))})`, 'rename one of them');
      else deployments.set(key, w);
      const longest = w.pods.at(-1)?.name;
      if (longest && longest.length > 63)
        problems.error(here, `pod name ${longest} (from Deployment ${w.name}) is longer than 63 characters`, "shorten the Deployment's name");
    }
    let clashed = false;
    for (const pod of w.pods) {
      const key = `${pod.namespace}/${pod.name}`;
      const first = pods.get(key);
      if (first && first !== w && !clashed && !(first.deployment && w.deployment && first.name === w.name && first.namespace === w.namespace)) {
        clashed = true;
        problems.error(
          here,
          `pod name ${pod.name} is used twice in namespace ${pod.namespace}: by ${describe(first)} at ${formatLocation(nameAt(first))} and by ${describe(w)}`,
          'pod names must be unique in a namespace: rename one of them',
        );
      } else if (!first) pods.set(key, w);
    }
    if (w.pods.some((p) => p.name === SERVICE_PREFIX))
      problems.error(here, '"service" cannot name a pod: checks write service/<name> for a Service', 'rename the pod, e.g. service-pod');
    const reservedPod = w.pods.find((p) => RESERVED.includes(p.name));
    if (reservedPod)
      problems.error(
        here,
        `"${reservedPod.name}" is reserved for checks (router, external, localhost) and cannot name a pod`,
        `rename the pod, e.g. ${reservedPod.name}-pod`,
      );
    const nodeNamed = w.pods.find((p) => nodeNames.includes(p.name));
    if (nodeNamed)
      problems.error(here, `pod ${nodeNamed.name} has the same name as a node`, `rename the pod: checks name pods and nodes alike, so they must differ`);

    // Inside the pod: container names, ports.
    const specAt = (...steps: (string | number)[]) => valueAt(w.place, ...w.podSpecPath, ...steps);
    const containerNames = new Map<string, number>();
    const portsUsed = new Map<string, { container: string; index: number }>();
    const portNames = new Map<string, string>();
    w.containers.forEach((c, i) => {
      const firstIndex = containerNames.get(c.name);
      if (firstIndex !== undefined)
        problems.error(
          specAt('containers', i, 'name'),
          `container name ${c.name} is used twice in ${describe(w)}`,
          'give each container of a pod its own name',
        );
      else containerNames.set(c.name, i);
      c.ports.forEach((p, j) => {
        const key = `${p.containerPort}/${p.protocol}`;
        const prior = portsUsed.get(key);
        if (prior) {
          const free = freePort(
            p.containerPort,
            w.containers.flatMap((x) => x.ports.map((q) => q.containerPort)),
          );
          problems.error(
            specAt('containers', i, 'ports', j, 'containerPort'),
            `port ${key} is already used by container ${prior.container} of this pod`,
            `containers of a pod share one network namespace, so each port can be used once: pick another port, e.g. containerPort: ${free}`,
          );
        } else portsUsed.set(key, { container: c.name, index: i });
        if (p.name !== undefined) {
          const owner = portNames.get(p.name);
          if (owner !== undefined)
            problems.error(
              specAt('containers', i, 'ports', j, 'name'),
              `port name ${p.name} is already used in this pod (container ${owner})`,
              'port names must be unique in a pod: rename one of them',
            );
          else portNames.set(p.name, c.name);
        }
      });
    });

    // nodeName must name a node.
    if (w.nodeName !== undefined && !nodeNames.includes(w.nodeName) && !draft.broken.nodes) {
      problems.error(
        specAt('nodeName'),
        `nodeName ${w.nodeName} names no node of this lab`,
        suggestion(w.nodeName, nodeNames, 'its nodes') ?? 'add the node under topology.nodes',
      );
    }
  }
}

/**
 * The namespaces the lab's Namespace manifests create; every object must be in one of them or
 * in a default one, as kube-apiserver refuses an object in a namespace that does not exist.
 */
function validateNamespaces(draft: LabDraft, problems: Problems): NamespaceSpec[] {
  const created = new Map<string, NamespaceSpec>();
  // A namespace written twice (or a default one) is there once, as `kubectl apply` leaves it unchanged.
  for (const { namespace } of draft.workloads.namespaces) {
    if (!created.has(namespace.name) && !(DEFAULT_NAMESPACES as readonly string[]).includes(namespace.name)) created.set(namespace.name, namespace);
  }
  const known = [...DEFAULT_NAMESPACES, ...created.keys()];
  // A Namespace manifest that could not be read may be the one that makes it (already reported).
  const excused = (ns: string) => draft.workloads.broken.some((b) => b.name === undefined || b.name === ns);
  const objects = [
    ...draft.workloads.workloads.map((w) => ({ namespace: w.namespace, place: w.place, what: `${w.kind} ${w.name}` })),
    ...draft.workloads.services.map((e) => ({ namespace: e.service.namespace, place: e.place, what: `Service ${e.service.name}` })),
    ...draft.workloads.ingresses.map((e) => ({ namespace: e.ingress.namespace, place: e.place, what: `Ingress ${e.ingress.name}` })),
    ...draft.workloads.networkPolicies.map((e) => ({ namespace: e.policy.namespace, place: e.place, what: `NetworkPolicy ${e.policy.name}` })),
  ];
  for (const o of objects) {
    if (known.includes(o.namespace) || excused(o.namespace)) continue;
    problems.error(
      valueAt(o.place, 'metadata', 'namespace'),
      `${o.what}: namespaces "${o.namespace}" not found`,
      `${didYouMean(o.namespace, known) ?? `namespaces here: ${known.join(', ')}`}; or create it: add a manifest \`apiVersion: v1, kind: Namespace, metadata: {name: ${o.namespace}}\``,
    );
  }
  return [...created.values()];
}

function freePort(port: number, used: number[]): number {
  let candidate = port + 1;
  while (used.includes(candidate) && candidate < 65535) candidate++;
  return candidate;
}

// ---------------------------------------------------------------- placement

function validatePlacement(draft: LabDraft, pods: PodSpec[], problems: Problems): void {
  const nodes = draft.topology.nodes;
  const placed = placePods(
    pods,
    nodes.map((n) => n.node),
  );
  const onNode = new Map<NodeSpec, PodSpec[]>();
  for (const [pod, node] of placed) onNode.set(node, [...(onNode.get(node) ?? []), pod]);
  for (const entry of nodes) {
    const list = onNode.get(entry.node) ?? [];
    const capacity = podCapacity(entry.node.podCIDR);
    if (list.length <= capacity || !parseCidr(entry.node.podCIDR)) continue;
    const overflow = list[capacity]!;
    const owner = draft.workloads.workloads.find((w) => w.pods.includes(overflow));
    const at = entry.place ? podCidrAt(entry) : owner ? nameAt(owner) : entry.node.at;
    let prefix = parseCidr(entry.node.podCIDR)!.prefix;
    while (prefix > 0 && 2 ** (32 - prefix) - RESERVED_POD_ADDRESSES < list.length) prefix--;
    const base = parseCidr(entry.node.podCIDR)!.base;
    const bigger = formatCidr({ base: (base & ((0xffffffff << (32 - prefix)) >>> 0)) >>> 0, prefix });
    const names = list.map((p) => p.name);
    problems.error(
      at,
      `node ${entry.node.name}'s pod CIDR ${entry.node.podCIDR} holds ${capacity} pod${capacity === 1 ? '' : 's'}, but ${list.length} are placed on it (${names.slice(0, 6).join(', ')}${names.length > 6 ? ', ...' : ''})`,
      `use a larger block, e.g. podCIDR: ${bigger}, or put pods on other nodes with spec.nodeName${nodes.length === 1 ? ' (after adding nodes)' : ''}`,
    );
  }
}

// ---------------------------------------------------------------- follow-on errors

/**
 * Whether an endpoint that does not resolve may be explained by a part of the lab
 * that could not be read (already reported), so no second error is needed.
 */
function excused(draft: LabDraft, text: string): boolean {
  const written = text.trim();
  const name = (written.startsWith(`${SERVICE_PREFIX}/`) ? written.slice(SERVICE_PREFIX.length + 1) : written).split(/[:/.]/)[0] ?? written;
  if (draft.broken.nodes) return true;
  if (draft.broken.topology && (name === 'router' || name === 'external')) return true;
  return draft.workloads.broken.some((b: BrokenWorkload) => b.name === undefined || b.name === name || (b.replicated && name.startsWith(`${b.name}-`)));
}
