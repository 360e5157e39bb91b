// Changing a running lab like kubectl does: the change is kept in the lab's overlay, then the
// lab is reconciled to it (pods created or removed; endpoints, rules and DNS synced).
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { NetlabError } from '../core/errors.js';
import type { EventSink } from '../core/events.js';
import { parseObject, type ObjectRef } from '../core/names.js';
import type { Engine } from '../engine/engine.js';
import type { Lab } from '../labfile/model.js';
import { ensureLabImages } from './images.js';
import { overlaid, readManifests } from './manifests.js';
import { podOwnerKey, serviceKey, writeOverlay, type Overlay } from './overlay.js';
import { withRunningLab } from './running-lab.js';
import { up } from './up.js';

/** Changes `overlay` for `lab` (the lab as it is now) and says what it did. */
export type LabChange = (lab: Lab, overlay: Overlay) => Promise<string>;

/** `command` (apply, delete, scale) names the change on the lab's lock, which it holds from reading the overlay to the end of `up`. */
export function changeLab(engine: Engine, labArg: string, emit: EventSink, change: LabChange, command = 'apply'): Promise<string> {
  return withRunningLab(
    engine,
    labArg,
    command,
    async (running) => {
      const overlay = structuredClone(running.overlay);
      const what = await change(running.lab, overlay);
      // The lab the overlay now describes, read (and so validated) before anything is saved.
      const nextLab = await overlaid(running.base, overlay);
      await writeOverlay(engine, running.plan.toolbox.name, overlay);
      await up(engine, nextLab, emit, { images: await ensureLabImages(engine, nextLab, emit), scope: 'changed' });
      return what;
    },
    { emit },
  );
}

/** `apply -f FILE`: its objects replace the ones of the same kind and name (`text`: the file's, when already read). */
export function applyChange(file: string, text?: string): LabChange {
  return async (lab, overlay) => {
    const read = await readManifests(lab, file, text);
    const keys = [...new Set([...read.pods.map(podOwnerKey), ...read.services.map(serviceKey)])];
    overlay.applied.push({ name: basename(file), text: text ?? (await readFile(file, 'utf8')) });
    overlay.deleted = overlay.deleted.filter((k) => !keys.includes(k));
    for (const d of read.deployments) delete overlay.replicas[`${d.namespace}/${d.name}`];
    return `applied ${keys.map((k) => k.replace(/^(\w+)\/default\//, '$1/').toLowerCase()).join(', ')}`;
  };
}

/** `kind/name` from the command line: the object, or a usage error that says how to write it. */
export function objectArg(text: string, namespace: string, verb: string): ObjectRef {
  const ref = parseObject(text, namespace, verb);
  if ('error' in ref) throw new NetlabError(`${ref.error}.`, { hint: ref.hint, exitCode: 2 });
  return ref;
}

export function deleteChange(labArg: string, object: string, namespace: string): LabChange {
  const target = objectArg(object, namespace, 'delete');
  return async (lab, overlay) => {
    const exists = target.kind === 'service' ? lab.services.some((s) => serviceKey(s) === target.key) : lab.pods.some((p) => podOwnerKey(p) === target.key);
    if (!exists) {
      throw new NetlabError(`No ${target.kind} ${target.name} in namespace ${namespace} of lab ${lab.name}.`, {
        hint: `netlab get ${labArg} ${target.kind === 'service' ? 'services' : 'pods'}`,
      });
    }
    overlay.deleted.push(target.key);
    return `deleted ${target.kind}/${target.name}`;
  };
}

export function scaleChange(labArg: string, object: string, replicasText: string, namespace: string): LabChange {
  const target = objectArg(object, namespace, 'scale');
  const replicas = Number(replicasText);
  if (target.kind !== 'deployment')
    throw new NetlabError('Only deployments scale.', { hint: `netlab scale ${labArg} deployment/<name> --replicas N`, exitCode: 2 });
  if (!Number.isInteger(replicas) || replicas < 0 || replicas > 100)
    throw new NetlabError(`--replicas ${replicasText} is not a whole number from 0 to 100.`, { exitCode: 2 });
  return async (lab, overlay) => {
    if (!lab.pods.some((p) => podOwnerKey(p) === target.key) && !lab.deployments.some((d) => `Deployment/${d.namespace}/${d.name}` === target.key)) {
      throw new NetlabError(`No deployment ${target.name} in lab ${lab.name}.`, { hint: `netlab get ${labArg} pods` });
    }
    overlay.replicas[`${namespace}/${target.name}`] = replicas;
    return `scaled deployment/${target.name} to ${replicas}`;
  };
}
