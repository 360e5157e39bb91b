// Labels on everything netlab creates: `down`, `status` and recovery find objects by them,
// and netlab never touches an object without them.

export const LABEL_LAB = 'netlab.lab';
export const LABEL_ROLE = 'netlab.role';
export const LABEL_NODE = 'netlab.node';
export const LABEL_POD = 'netlab.pod';
export const LABEL_NAMESPACE = 'netlab.namespace';
export const LABEL_CONTAINER = 'netlab.container';
/** Hash of the planned spec: a container whose hash differs is replaced at `up`. */
export const LABEL_SPEC = 'netlab.spec';
export const LABEL_LAB_FILE = 'netlab.lab-file';
/** A pod container's declared ports, `name:port/PROTO,...` (what containerPort documents). */
export const LABEL_PORTS = 'netlab.ports';

/** `guard`: the container that writes a lab's isolation rules on the engine host (src/plan/isolation.ts). */
export type Role = 'network' | 'node' | 'router' | 'external' | 'toolbox' | 'guard' | 'pause' | 'container' | 'lock';

/** A lab's lock (src/core/lock.ts): not part of the lab, so no listing of the lab's parts counts it. */
export function isLock(labels: Record<string, string> | undefined): boolean {
  return labels?.[LABEL_ROLE] === 'lock';
}

export function labFilter(lab?: string): Record<string, string[]> {
  return { label: [lab ? `${LABEL_LAB}=${lab}` : LABEL_LAB] };
}
/** A node's kube-proxy mode: part of its spec, so switching modes starts from a clean netfilter. */
export const LABEL_PROXY_MODE = 'netlab.proxy-mode';
/** A pod sandbox's address: a running pod keeps it when the lab changes. */
export const LABEL_POD_IP = 'netlab.pod-ip';
/** On a lab's lock: which command holds it, since when (ISO 8601), its process and machine. */
export const LABEL_LOCK_COMMAND = 'netlab.lock.command';
export const LABEL_LOCK_SINCE = 'netlab.lock.since';
export const LABEL_LOCK_PID = 'netlab.lock.pid';
export const LABEL_LOCK_HOST = 'netlab.lock.host';
/** The holder's PID namespace (Linux): a PID is only worth testing from the same one. */
export const LABEL_LOCK_PIDNS = 'netlab.lock.pidns';

/** A class (`netlab class up`): every object of a student's lab carries the class, the student and the exercise, when one. */
export const LABEL_CLASS = 'netlab.class';
export const LABEL_STUDENT = 'netlab.student';
/** The docker context the class placed the student's lab on (engines reached by several contexts list it once). */
export const LABEL_CONTEXT = 'netlab.context';
/** The exercise's id the class runs, so `class reset` and `class grade` know it. */
export const LABEL_EXERCISE = 'netlab.exercise';

/** Labels a lab carries beyond its own (Lab.labels): kept by every later `up`, `apply` or sync of the running lab. */
export const EXTRA_LABELS = [LABEL_CLASS, LABEL_STUDENT, LABEL_CONTEXT, LABEL_EXERCISE] as const;

/** The extra labels among an object's labels (none: undefined). */
export function extraLabelsOf(labels: Record<string, string> | undefined): Record<string, string> | undefined {
  const found = Object.fromEntries(EXTRA_LABELS.flatMap((k) => (labels?.[k] !== undefined ? [[k, labels[k]!]] : [])));
  return Object.keys(found).length ? found : undefined;
}
