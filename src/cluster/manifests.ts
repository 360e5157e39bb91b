// Manifests applied to a running lab (`apply -f`, an exercise's fault): read with every check
// the lab-file loader has, on the running lab's topology, in memory (nothing is written).
import { dirname, join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { loadLab } from '../labfile/load.js';
import type { Lab } from '../labfile/model.js';
import { withAddons } from '../plan/addons.js';
import { applyDeletions, applyReplicas, mergeObjects, type Overlay } from './overlay.js';

export type Workloads = Pick<Lab, 'pods' | 'services' | 'deployments' | 'namespaces' | 'ingresses' | 'networkPolicies'>;

/** A lab file holding only `manifestsFile`'s manifests, on the running lab's topology. */
function labFileFor(lab: Lab, manifestsFile: string): string {
  const t = lab.topology;
  return stringify({
    name: lab.name,
    topology: {
      ...(t.underlay ? { underlay: t.underlay } : {}),
      routing: t.routing,
      external: t.external,
      serviceCIDR: t.serviceCIDR,
      clusterCIDR: t.clusterCIDR,
      proxyMode: t.proxyMode,
      dns: t.dns,
      publish: t.publish,
      nodes: t.nodes.map((n) => ({ name: n.name, podCIDR: n.podCIDR })),
    },
    // The running lab's namespaces exist: the file's objects may be in them.
    workloads: [...lab.namespaces.map((n) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: n.name } })), { file: manifestsFile }],
  });
}

/**
 * The pods, Deployments and Services of a manifests file (read from disk when `text` is not
 * given); errors name `file` (the user's path, or the name it was applied under) and its lines.
 */
export async function readManifests(lab: Lab, file: string, text?: string): Promise<Workloads> {
  const manifests = resolve(file);
  const labFile = join(dirname(manifests), '.netlab-applied-lab.yaml');
  const files = new Map([[labFile, labFileFor(lab, manifests)]]);
  if (text !== undefined) files.set(manifests, text);
  const { lab: read } = await loadLab(labFile, { files });
  const existing = new Set(lab.namespaces.map((n) => n.name));
  return {
    pods: read.pods,
    services: read.services,
    ingresses: read.ingresses,
    deployments: read.deployments,
    namespaces: read.namespaces.filter((n) => !existing.has(n.name)),
    ...(read.networkPolicies ? { networkPolicies: read.networkPolicies } : {}),
  };
}

/** The lab file's lab with an overlay over it. */
export async function overlaid(lab: Lab, overlay: Overlay): Promise<Lab> {
  let out = lab;
  for (const [i, a] of overlay.applied.entries()) {
    // On the lab as it is so far: a namespace an earlier file created exists for this one.
    out = mergeObjects(out, await readManifests(out, `/netlab/applied/${i}-${a.name.replace(/[^\w.-]/g, '_')}`, a.text));
  }
  return withAddons(applyReplicas(applyDeletions(out, overlay.deleted), overlay.replicas));
}

/** Whether an overlay changes anything. */
export function isEmptyOverlay(overlay: Overlay): boolean {
  return !overlay.applied.length && !overlay.deleted.length && !Object.keys(overlay.replicas).length;
}
