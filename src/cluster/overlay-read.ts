// Reading manifests files for `apply`, and the lab as it is after every apply/delete/scale.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import type Docker from 'dockerode';
import { applyDeletions, applyReplicas, mergeObjects, readOverlay, type Overlay } from './overlay.js';
import { withAddons } from '../plan/addons.js';
import { loadLab } from '../labfile/load.js';
import type { Lab } from '../labfile/model.js';

/** A lab file holding only `file`'s manifests, on the running lab's topology, to read them with every check the loader has. */
function labFileFor(lab: Lab, manifests: string): string {
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
    workloads: [{ file: resolve(manifests) }],
  });
}

/** The pods, Deployments and Services of a manifests file (errors name that file and its lines). */
export async function readManifests(lab: Lab, file: string): Promise<Pick<Lab, 'pods' | 'services' | 'deployments'>> {
  const dir = await mkdtemp(join(tmpdir(), 'netlab-apply-'));
  try {
    const labFile = join(dir, 'lab.yaml');
    await writeFile(labFile, labFileFor(lab, file));
    const { lab: read } = await loadLab(labFile);
    return { pods: read.pods, services: read.services, deployments: read.deployments };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The lab file's lab with an overlay over it. */
export async function overlaid(lab: Lab, overlay: Overlay): Promise<Lab> {
  let out = lab;
  if (overlay.applied.length) {
    const dir = await mkdtemp(join(tmpdir(), 'netlab-applied-'));
    try {
      for (const [i, a] of overlay.applied.entries()) {
        const file = join(dir, `${i}-${a.name.replace(/[^\w.-]/g, '_')}`);
        await writeFile(file, a.text);
        out = mergeObjects(out, await readManifests(lab, file));
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  return withAddons(applyReplicas(applyDeletions(out, overlay.deleted), overlay.replicas));
}

/** The running lab as changed by apply/delete/scale (the lab itself when nothing was changed). */
export async function currentLab(docker: Docker, lab: Lab, toolbox: string | undefined): Promise<{ lab: Lab; overlay: Overlay | undefined }> {
  if (!toolbox) return { lab, overlay: undefined };
  const overlay = await readOverlay(docker, toolbox);
  const changed = overlay.applied.length || overlay.deleted.length || Object.keys(overlay.replicas).length;
  return { lab: changed ? await overlaid(lab, overlay) : lab, overlay };
}
