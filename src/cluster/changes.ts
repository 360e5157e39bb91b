// Changing a running lab like kubectl does: the change is kept in the lab's overlay, then the
// lab is reconciled to it (pods created or removed; endpoints, rules and DNS synced).
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { NetlabError } from '../core/errors.js';
import type { EventSink } from '../core/events.js';
import { parseObject, type ObjectRef } from '../core/names.js';
import type { Engine } from '../engine/engine.js';
import { engineMessage } from '../engine/errors.js';
import { DEFAULT_NAMESPACES, type Lab } from '../labfile/model.js';
import type { ImageRefs } from '../plan/types.js';
import { ensureLabImages, imagesFor } from './images.js';
import { overlaid, readManifests } from './manifests.js';
import { ingressKey, namespaceKey, podOwnerKey, policyKey, serviceKey, writeOverlay, type Overlay } from './overlay.js';
import { withRunningLab } from './running-lab.js';
import { up } from './up.js';

/** Changes `overlay` for `lab` (the lab as it is now) and says what it did. */
export type LabChange = (lab: Lab, overlay: Overlay) => Promise<string>;

/** `command` (apply, delete, scale) names the change on the lab's lock, which it holds from reading the overlay to the end of `up`. */
export async function changeLab(engine: Engine, labArg: string, emit: EventSink, change: LabChange, command = 'apply'): Promise<string> {
  // The images are looked up while the lock is taken, as `up` does: they are no part of the lab.
  let early: { lab: Lab; images: Promise<ImageRefs> } | undefined;
  try {
    return await withRunningLab(
      engine,
      labArg,
      command,
      async (running) => {
        const overlay = structuredClone(running.overlay);
        const what = await change(running.lab, overlay);
        // The lab the overlay now describes, read (and so validated) before anything is saved.
        const nextLab = await overlaid(running.base, overlay);
        // Saved while `up` works (the engine copies a file into a container slowly); `up` is the
        // lab's state either way, and the command fails, saying so, when the change was not kept.
        const saved = writeOverlay(engine, running.plan.toolbox.name, overlay).then(
          () => undefined,
          (err: unknown) => err,
        );
        const upped = (async () => {
          // What the change added (an Ingress...) may need one more image than the lab had.
          const more = !early || imagesFor(nextLab).some((name) => !imagesFor(early!.lab).includes(name));
          const images = more ? await ensureLabImages(engine, nextLab, emit) : await early!.images;
          await up(engine, nextLab, emit, { images, scope: 'changed', state: running.state });
        })().then(
          () => undefined,
          (err: unknown) => ({ err }),
        );
        // Both settle before the lock is let go; `up`'s failure comes first.
        const [upFailed, notSaved] = await Promise.all([upped, saved]);
        if (upFailed) throw upFailed.err;
        if (notSaved) throw notKept(running.name, command, notSaved);
        return what;
      },
      {
        emit,
        beforeLock: (file) => {
          const images = ensureLabImages(engine, file.lab, emit);
          // Awaited below, whatever the command met meanwhile.
          images.catch(() => undefined);
          early = { lab: file.lab, images };
        },
      },
    );
  } finally {
    // Nothing left running behind the command.
    await early?.images.catch(() => undefined);
  }
}

function notKept(lab: string, command: string, err: unknown): NetlabError {
  return new NetlabError(`The lab ${lab} was changed, but the change could not be kept: ${engineMessage(err)}`, {
    hint: `run the same netlab ${command} again: until it is kept, a later command or up returns the lab to what was kept before`,
    cause: err,
  });
}

/** `apply -f FILE`: its objects replace the ones of the same kind and name (`text`: the file's, when already read). */
export function applyChange(file: string, text?: string): LabChange {
  return async (lab, overlay) => {
    const read = await readManifests(lab, file, text);
    const keys = [
      ...new Set([
        ...read.pods.map(podOwnerKey),
        ...read.services.map(serviceKey),
        ...read.ingresses.map(ingressKey),
        ...(read.networkPolicies ?? []).map(policyKey),
        ...read.namespaces.map((n) => namespaceKey(n.name)),
      ]),
    ];
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
  const ns = /^(?:namespaces?|ns)\/(.+)$/i.exec(object.trim());
  if (ns) return deleteNamespace(labArg, ns[1]!);
  const target = objectArg(object, namespace, 'delete');
  return async (lab, overlay) => {
    const exists =
      target.kind === 'service'
        ? lab.services.some((s) => serviceKey(s) === target.key)
        : target.kind === 'ingress'
          ? lab.ingresses.some((i) => ingressKey(i) === target.key)
          : target.kind === 'networkpolicy'
            ? (lab.networkPolicies ?? []).some((p) => policyKey(p) === target.key)
            : lab.pods.some((p) => podOwnerKey(p) === target.key);
    if (!exists) {
      const plural = { service: 'services', ingress: 'ingresses', networkpolicy: 'networkpolicies' } as Record<string, string>;
      throw new NetlabError(`No ${target.kind} ${target.name} in namespace ${namespace} of lab ${lab.name}.`, {
        hint: `netlab get ${labArg} ${plural[target.kind] ?? 'pods'}`,
      });
    }
    overlay.deleted.push(target.key);
    return `deleted ${target.kind}/${target.name}`;
  };
}

/** Namespaces kube-apiserver never lets go (its NamespaceLifecycle admission). */
const IMMORTAL_NAMESPACES = ['default', 'kube-system', 'kube-public'];

/** `delete namespace/x`: the namespace and every object in it, as the namespace controller deletes them. */
function deleteNamespace(labArg: string, name: string): LabChange {
  if (IMMORTAL_NAMESPACES.includes(name)) {
    throw new NetlabError(`namespaces "${name}" is forbidden: this namespace may not be deleted.`, {
      hint: `delete the objects in it instead (netlab get ${labArg} pods -n ${name})`,
      exitCode: 2,
    });
  }
  return async (lab, overlay) => {
    const created = lab.namespaces.some((n) => n.name === name);
    if (!created && !(DEFAULT_NAMESPACES as readonly string[]).includes(name)) {
      throw new NetlabError(`namespaces "${name}" not found in lab ${lab.name}.`, { hint: `netlab get ${labArg} namespaces` });
    }
    // Each object by its own key: applying the namespace again later does not bring them back.
    const keys = new Set([
      ...lab.pods.filter((p) => p.namespace === name).map(podOwnerKey),
      ...lab.services.filter((s) => s.namespace === name).map(serviceKey),
      ...lab.ingresses.filter((i) => i.namespace === name).map(ingressKey),
      ...lab.deployments.filter((d) => d.namespace === name).map((d) => `Deployment/${d.namespace}/${d.name}`),
      ...(lab.networkPolicies ?? []).filter((p) => p.namespace === name).map(policyKey),
    ]);
    // kube-node-lease is made again by kube-apiserver at once: only its objects go.
    if (created) keys.add(namespaceKey(name));
    overlay.deleted.push(...[...keys].filter((k) => !overlay.deleted.includes(k)));
    for (const d of lab.deployments.filter((x) => x.namespace === name)) delete overlay.replicas[`${d.namespace}/${d.name}`];
    const objects = keys.size - (created ? 1 : 0);
    return `deleted namespace/${name}${objects ? ` and its ${objects} object(s)` : ''}`;
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
