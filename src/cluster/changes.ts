// Changing a running lab like kubectl does: the change is kept in the lab's overlay, then the
// lab is reconciled to it (pods created or removed; endpoints, rules and DNS synced).
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type Docker from 'dockerode';
import type { EventSink } from '../core/events.js';
import { ensureImages } from '../images/index.js';
import { podOwnerKey, serviceKey, writeOverlay, type Overlay } from './overlay.js';
import { up } from './up.js';
import { NetlabError } from '../core/errors.js';
import type { Lab } from '../labfile/model.js';
import { imagesFor, runningLab } from './context.js';
import { overlaid, readManifests } from './overlay-read.js';

/** Changes `overlay` for `lab` (the lab as it is now) and says what it did. */
export type LabChange = (lab: Lab, overlay: Overlay) => Promise<string>;

export async function changeLab(docker: Docker, labArg: string, emit: EventSink, change: LabChange): Promise<string> {
  const { lab: current, base, plan, overlay } = await runningLab(docker, labArg);
  const what = await change(current, overlay);
  // The lab the overlay now describes, read (and so validated) before anything is saved.
  const nextLab = await overlaid(base, overlay);
  await writeOverlay(docker, plan.toolbox.name, overlay);
  await up(docker, nextLab, emit, { images: await ensureImages(docker, emit, { only: imagesFor(nextLab) }) });
  return what;
}

/** `apply -f FILE`: its objects replace the ones of the same kind and name. */
export function applyChange(file: string, text?: string): LabChange {
  return async (lab, overlay) => {
    const read = await readManifests(lab, file);
    const keys = [...new Set([...read.pods.map(podOwnerKey), ...read.services.map(serviceKey)])];
    overlay.applied.push({ name: basename(file), text: text ?? (await readFile(file, 'utf8')) });
    overlay.deleted = overlay.deleted.filter((k) => !keys.includes(k));
    for (const d of read.deployments) delete overlay.replicas[`${d.namespace}/${d.name}`];
    return `applied ${keys.map((k) => k.replace(/^(\w+)\/default\//, '$1/').toLowerCase()).join(', ')}`;
  };
}

export function parseObject(text: string, namespace: string): { kind: 'Pod' | 'Deployment' | 'Service'; key: string; name: string } {
  const m = /^(pods?|po|deployments?|deploy|services?|svc)\/([a-z0-9.-]+)$/.exec(text);
  if (!m) throw new NetlabError(`${text} is not kind/name.`, { hint: 'For example: deployment/server, pod/client, service/service-test', exitCode: 2 });
  const kind = m[1]!.startsWith('po') ? 'Pod' : m[1]!.startsWith('dep') ? 'Deployment' : 'Service';
  return { kind, name: m[2]!, key: `${kind}/${namespace}/${m[2]}` };
}

export function deleteChange(labArg: string, object: string, namespace: string): LabChange {
  const target = parseObject(object, namespace);
  return async (lab, overlay) => {
    const exists =
      target.kind === 'Service' ? lab.services.some((s) => serviceKey(s) === target.key) : lab.pods.some((p) => podOwnerKey(p) === target.key);
    if (!exists) {
      throw new NetlabError(`No ${target.kind.toLowerCase()} ${target.name} in namespace ${namespace} of lab ${lab.name}.`, {
        hint: `netlab get ${labArg} ${target.kind === 'Service' ? 'services' : 'pods'}`,
      });
    }
    overlay.deleted.push(target.key);
    return `deleted ${target.kind.toLowerCase()}/${target.name}`;
  };
}

export function scaleChange(labArg: string, object: string, replicasText: string, namespace: string): LabChange {
  const target = parseObject(object, namespace);
  const replicas = Number(replicasText);
  if (target.kind !== 'Deployment') throw new NetlabError('Only deployments scale.', { hint: `netlab scale ${labArg} deployment/<name> --replicas N`, exitCode: 2 });
  if (!Number.isInteger(replicas) || replicas < 0 || replicas > 100) throw new NetlabError(`--replicas ${replicasText} is not a whole number from 0 to 100.`, { exitCode: 2 });
  return async (lab, overlay) => {
    if (!lab.pods.some((p) => podOwnerKey(p) === target.key) && !lab.deployments.some((d) => `Deployment/${d.namespace}/${d.name}` === target.key)) {
      throw new NetlabError(`No deployment ${target.name} in lab ${lab.name}.`, { hint: `netlab get ${labArg} pods` });
    }
    overlay.replicas[`${namespace}/${target.name}`] = replicas;
    return `scaled deployment/${target.name} to ${replicas}`;
  };
}
