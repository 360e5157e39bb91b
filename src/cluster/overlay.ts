// Changes made to a running lab like kubectl makes them (`apply`, `delete`, `scale`), kept
// beside the lab file's own workloads and merged over them. Pure, apart from the store below.
import { basename, dirname } from 'node:path';
import { NetlabError } from '../core/errors.js';
import type { Engine } from '../engine/engine.js';
import type { IngressSpec, Lab, PodSpec, ServiceSpec } from '../labfile/model.js';
import type { NetworkPolicySpec } from '../labfile/policy-model.js';

export interface Overlay {
  /** Manifests files applied, in order: their text (so the lab does not depend on the file staying). */
  applied: { name: string; text: string }[];
  /** `Pod/ns/name`, `Deployment/ns/name`, `Service/ns/name`, `Namespace/name` deleted. */
  deleted: string[];
  /** Replicas set with `scale`, by `ns/name` of the Deployment. */
  replicas: Record<string, number>;
}

export const EMPTY_OVERLAY: Overlay = { applied: [], deleted: [], replicas: {} };

export type ObjectKey = string;

export function podOwnerKey(p: PodSpec): ObjectKey {
  return p.deployment ? `Deployment/${p.namespace}/${p.deployment}` : `Pod/${p.namespace}/${p.name}`;
}

export function namespaceKey(name: string): ObjectKey {
  return `Namespace/${name}`;
}

export function ingressKey(i: Pick<IngressSpec, 'namespace' | 'name'>): ObjectKey {
  return `Ingress/${i.namespace}/${i.name}`;
}

export function serviceKey(s: Pick<ServiceSpec, 'namespace' | 'name'>): ObjectKey {
  return `Service/${s.namespace}/${s.name}`;
}

export function policyKey(p: Pick<NetworkPolicySpec, 'namespace' | 'name'>): ObjectKey {
  return `NetworkPolicy/${p.namespace}/${p.name}`;
}

/** Objects in `next` replace objects of the same kind/namespace/name in `base`, as `kubectl apply`. */
export function mergeObjects(
  base: Lab,
  next: Pick<Lab, 'pods' | 'services' | 'deployments' | 'namespaces' | 'networkPolicies'> & Partial<Pick<Lab, 'ingresses'>>,
): Lab {
  const replacedOwners = new Set(next.pods.map(podOwnerKey));
  for (const d of next.deployments) replacedOwners.add(`Deployment/${d.namespace}/${d.name}`);
  const replacedServices = new Set(next.services.map(serviceKey));
  const nextIngresses = next.ingresses ?? [];
  const replacedIngresses = new Set(nextIngresses.map(ingressKey));
  const replacedPolicies = new Set((next.networkPolicies ?? []).map(policyKey));
  const policies =
    base.networkPolicies || next.networkPolicies
      ? { networkPolicies: [...(base.networkPolicies ?? []).filter((p) => !replacedPolicies.has(policyKey(p))), ...(next.networkPolicies ?? [])] }
      : {};
  return {
    ...base,
    ...policies,
    pods: [...base.pods.filter((p) => !replacedOwners.has(podOwnerKey(p))), ...next.pods],
    deployments: [...base.deployments.filter((d) => !replacedOwners.has(`Deployment/${d.namespace}/${d.name}`)), ...next.deployments],
    services: [...base.services.filter((s) => !replacedServices.has(serviceKey(s))), ...next.services],
    ingresses: [...base.ingresses.filter((i) => !replacedIngresses.has(ingressKey(i))), ...nextIngresses],
    namespaces: [...base.namespaces.filter((n) => !next.namespaces.some((x) => x.name === n.name)), ...next.namespaces],
  };
}

export function applyDeletions(lab: Lab, deleted: readonly string[]): Lab {
  const gone = new Set(deleted);
  return {
    ...lab,
    pods: lab.pods.filter((p) => !gone.has(podOwnerKey(p))),
    deployments: lab.deployments.filter((d) => !gone.has(`Deployment/${d.namespace}/${d.name}`)),
    services: lab.services.filter((s) => !gone.has(serviceKey(s))),
    ingresses: lab.ingresses.filter((i) => !gone.has(ingressKey(i))),
    namespaces: lab.namespaces.filter((n) => !gone.has(namespaceKey(n.name))),
    ...(lab.networkPolicies ? { networkPolicies: lab.networkPolicies.filter((p) => !gone.has(policyKey(p))) } : {}),
  };
}

/** A Deployment's pods at a replica count: replica i is `<name>-<i>`, stamped from the template. */
export function applyReplicas(lab: Lab, replicas: Readonly<Record<string, number>>): Lab {
  let pods = lab.pods;
  for (const [key, count] of Object.entries(replicas)) {
    const [namespace, name] = key.split('/') as [string, string];
    const current = pods.filter((p) => p.deployment === name && p.namespace === namespace);
    const template = current[0];
    if (!template) continue;
    const wanted = Array.from({ length: count }, (_, i) => current.find((p) => p.name === `${name}-${i}`) ?? { ...template, name: `${name}-${i}` });
    const first = pods.indexOf(template);
    const rest = pods.filter((p) => !(p.deployment === name && p.namespace === namespace));
    pods = [...rest.slice(0, first), ...wanted, ...rest.slice(first)];
  }
  return {
    ...lab,
    pods,
    deployments: lab.deployments.map((d) => {
      const n = replicas[`${d.namespace}/${d.name}`];
      return n === undefined ? d : { ...d, replicas: n };
    }),
  };
}

/** Where a running lab keeps its overlay: inside netlab's toolbox, so `down` removes it too. */
const STORE_DIR = '/var/lib/netlab';
const STORE_FILE = 'overlay.json';

export async function readOverlay(engine: Engine, toolbox: string): Promise<Overlay> {
  const text = await engine.readFile(toolbox, `${STORE_DIR}/${STORE_FILE}`);
  // A fresh object each time: callers change it before writing it back.
  if (!text?.trim()) return structuredClone(EMPTY_OVERLAY);
  try {
    return { ...structuredClone(EMPTY_OVERLAY), ...(JSON.parse(text) as Partial<Overlay>) };
  } catch {
    throw new NetlabError(`The changes kept for this lab (${STORE_DIR}/${STORE_FILE} in ${toolbox}) are unreadable.`, {
      hint: 'netlab down and up the lab to start from its lab file again.',
    });
  }
}

export async function writeOverlay(engine: Engine, toolbox: string, overlay: Overlay): Promise<void> {
  // One archive into the folder's parent: the engine makes the folder when it is missing.
  await engine.putFiles(toolbox, dirname(STORE_DIR), { [`${basename(STORE_DIR)}/${STORE_FILE}`]: JSON.stringify(overlay, null, 1) });
}
