// Names netlab gives and reads: Docker object names of a lab, pod keys, and `kind/name` as
// kubectl takes it (`netlab delete`, `scale`, an exercise's `delete:` fault).
import { suggestion } from './suggest.js';

interface Named {
  name: string;
  namespace: string;
}

export function networkName(lab: string): string {
  return `netlab-${lab}`;
}

/** The lab's toolbox container (src/plan/plan.ts names it so). */
export function toolboxName(lab: string): string {
  return `${lab}.toolbox`;
}

/** The pause container's name; the pod's containers are `<this>-<container>`. */
export function podContainerName(lab: string, pod: Named): string {
  return pod.namespace === 'default' ? `${lab}-${pod.name}` : `${lab}-${pod.namespace}-${pod.name}`;
}

/** A pod's key in a plan: `pod/<namespace>/<name>`. */
export function podKey(pod: Named): string {
  return `pod/${pod.namespace}/${pod.name}`;
}

/** `ns/name`: how readiness and addresses are keyed. */
export function nsName(pod: Named): string {
  return `${pod.namespace}/${pod.name}`;
}

/** A pod as a person writes it: `name` in the default namespace, else `ns/name`. */
export function podTitle(pod: Named): string {
  return pod.namespace === 'default' ? pod.name : `${pod.namespace}/${pod.name}`;
}

/** The pod (or any named object) with this name and namespace. */
export function findNamed<T extends Named>(items: readonly T[], which: Named): T | undefined {
  return items.find((x) => x.name === which.name && x.namespace === which.namespace);
}

export type ObjectKind = 'pod' | 'deployment' | 'service' | 'ingress' | 'networkpolicy';

export interface ObjectRef {
  kind: ObjectKind;
  name: string;
  namespace: string;
  /** `Pod/ns/name`, `Deployment/ns/name`, `Service/ns/name`: how a lab's overlay keys objects. */
  key: string;
}

const OBJECT_KINDS: Record<string, ObjectKind> = {
  pod: 'pod',
  pods: 'pod',
  po: 'pod',
  deployment: 'deployment',
  deployments: 'deployment',
  deploy: 'deployment',
  service: 'service',
  services: 'service',
  svc: 'service',
  ingress: 'ingress',
  ingresses: 'ingress',
  ing: 'ingress',
  networkpolicy: 'networkpolicy',
  networkpolicies: 'networkpolicy',
  netpol: 'networkpolicy',
};

export const KIND_LABELS: Record<ObjectKind, string> = {
  pod: 'Pod',
  deployment: 'Deployment',
  service: 'Service',
  ingress: 'Ingress',
  networkpolicy: 'NetworkPolicy',
};

const KIND_NAME_HINT = 'write service/<name>, deployment/<name> or pod/<name>, e.g. service/web';

/** `service/web` (or svc/web, deploy/x, po/x, as kubectl takes them) -> the object, or what is wrong. */
export function parseObject(text: string, namespace: string, verb = 'change'): ObjectRef | { error: string; hint: string } {
  const match = /^([A-Za-z]+)\/([^/]*)$/.exec(text.trim());
  if (!match) return { error: `"${text}" is not kind/name`, hint: KIND_NAME_HINT };
  const [, written, name] = match as unknown as [string, string, string];
  const kind = OBJECT_KINDS[written.toLowerCase()];
  if (!kind) {
    return {
      error: `netlab cannot ${verb} a ${written}: a lab has pods, Deployments, Services and NetworkPolicies`,
      hint: suggestion(written.toLowerCase(), ['pod', 'deployment', 'service', 'networkpolicy'], 'write one of') ?? KIND_NAME_HINT,
    };
  }
  if (!name) return { error: `"${text}" names no ${KIND_LABELS[kind]}`, hint: `write the name after "/", e.g. ${kind}/web` };
  if (!/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/.test(name)) {
    return { error: `"${name}" is not a Kubernetes object name`, hint: 'names are lower-case letters, digits, "-" and "."' };
  }
  return { kind, name, namespace, key: `${KIND_LABELS[kind]}/${namespace}/${name}` };
}
