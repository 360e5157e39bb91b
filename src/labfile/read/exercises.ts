// Exercises: read from the lab file (faults' manifests files and inline manifests
// read and checked as `netlab apply` would read them), then checked against the
// lab: ids unique, checks that exist, faults on parts and objects the lab has.
import { z } from 'zod';
import { isEndpointError, resolveEndpoint } from '../endpoints.js';
import { formatLocation } from '../../core/errors.js';
import {
  applyFileSchema,
  deleteFaultSchema,
  impairFaultSchema,
  execFaultSchema,
  exerciseShellSchema,
  FAULT_KINDS,
  type ExerciseShellInput,
  type FaultKind,
} from '../schema/exercises.js';
import { describeValue, parseAt } from './issues.js';
import { emptyWorkloads, isRecord, readManifestsFile, readManifestsText, type ReadWorkloads } from './manifests.js';
import type { ExerciseSpec, FaultSpec, Impairment, Lab, SourceLocation } from '../model.js';
import { readImpairment, resolveImpairTarget } from '../impair.js';
import { child, formatPath, keyAt, valueAt, YamlFile, type Place } from './positions.js';
import type { Problems } from './problems.js';
import { KIND_LABELS, parseObject, type ObjectKind, type ObjectRef as CoreObjectRef } from '../../core/names.js';
import { suggestion } from '../../core/suggest.js';

/** An object a fault creates or deletes, as `netlab delete` names it. */
export type ObjectRef = Pick<CoreObjectRef, 'kind' | 'name' | 'namespace'>;

/** A fault as read, before the parts and objects it names are checked. */
export type FaultEntry =
  | { kind: 'exec'; on: string; command: string[]; place: Place }
  /** `objects`: what the manifests define (a later delete fault may name them). */
  | { kind: 'apply'; manifests: string; objects: ObjectRef[]; place: Place }
  | { kind: 'delete'; object: ObjectRef; written: string; place: Place }
  | { kind: 'impair'; target: string; impairment: Impairment; place: Place };

export interface ExerciseEntry {
  place: Place;
  /** undefined when the exercise's own fields could not be read (reported). */
  input?: ExerciseShellInput;
  /** The id as written (also when another field is wrong), to find ids used twice. */
  id?: string;
  /** The faults in order; undefined for one that could not be read (reported). */
  faults: (FaultEntry | undefined)[];
  /** The check names listed (text entries only), with their index in `checks`. */
  checks: { name: string; index: number }[];
}

const FAULT_HINT =
  'write one of `delete: service/<name>`, `apply: {file: fault.yaml}` (or `apply: |` and the manifests), `exec: {on: router, command: [ip, route, del, 10.0.2.0/24]}` or `impair: {target: node1--router, loss: 100%}`';

/** Reads the `exercises:` list; faults that apply manifests are read as `netlab apply` reads them. */
export async function readExercises(items: unknown[], listPlace: Place, labDir: string, problems: Problems): Promise<ExerciseEntry[]> {
  const entries: ExerciseEntry[] = [];
  for (const [i, raw] of items.entries()) {
    const place = child(listPlace, i);
    const entry: ExerciseEntry = { place, faults: [], checks: [] };
    const input = parseAt(exerciseShellSchema, raw, place, problems);
    if (input) entry.input = input;
    if (isRecord(raw) && typeof raw.id === 'string') entry.id = raw.id;
    // Faults and checks are read even when another field is wrong: every problem at once.
    if (isRecord(raw) && Array.isArray(raw.checks))
      raw.checks.forEach((name, index) => {
        if (typeof name === 'string' && name !== '') entry.checks.push({ name, index });
      });
    if (isRecord(raw) && Array.isArray(raw.faults))
      for (const [j, fault] of raw.faults.entries()) entry.faults.push(await readFault(fault, child(place, 'faults', j), labDir, problems));
    entries.push(entry);
  }
  return entries;
}

async function readFault(raw: unknown, place: Place, labDir: string, problems: Problems): Promise<FaultEntry | undefined> {
  if (!isRecord(raw)) {
    problems.error(valueAt(place), `a fault is a mapping with one of exec, apply or delete, not ${describeValue(raw)}`, FAULT_HINT);
    return undefined;
  }
  // In the order written: the second is the one that has to go.
  const kinds = Object.keys(raw).filter((k): k is FaultKind => (FAULT_KINDS as readonly string[]).includes(k) && raw[k] !== undefined);
  if (kinds.length > 1) {
    problems.error(
      keyAt(place, kinds[1]!),
      `a fault does one thing, and this one has both \`${kinds[0]}\` and \`${kinds[1]}\``,
      'make each its own fault: start the second with "- " on a line of its own, under faults:',
    );
    return undefined;
  }
  const kind = kinds[0];
  if (kind === undefined) {
    const keys = Object.keys(raw);
    for (const key of keys)
      problems.error(
        keyAt(place, key),
        `unknown field \`${key}\` in ${formatPath(place.path)}`,
        suggestion(key, [...FAULT_KINDS], 'a fault is one of') ?? FAULT_HINT,
      );
    if (keys.length === 0) problems.error(valueAt(place), 'this fault is empty', FAULT_HINT);
    return undefined;
  }

  if (kind === 'exec') {
    const fault = parseAt(execFaultSchema, raw, place, problems);
    return fault && { kind, on: fault.exec.on, command: [...fault.exec.command], place };
  }
  if (kind === 'impair') {
    const fault = parseAt(impairFaultSchema, raw, place, problems);
    const read = fault && readImpairment(fault.impair);
    return read && 'value' in read ? { kind, target: fault.impair.target, impairment: read.value, place } : undefined;
  }
  if (kind === 'delete') {
    const fault = parseAt(deleteFaultSchema, raw, place, problems);
    if (!fault) return undefined;
    const object = parseDeleted(fault.delete, fault.namespace);
    if ('error' in object) {
      problems.error(valueAt(place, 'delete'), object.error, object.hint);
      return undefined;
    }
    return { kind, object, written: fault.delete, place };
  }
  return readApply(raw, place, labDir, problems);
}

const applyShellSchema = z.strictObject({ apply: z.unknown() });

/** `apply: |` (manifests in place) or `apply: {file: ...}`: read and checked as manifests. */
async function readApply(raw: Record<string, unknown>, place: Place, labDir: string, problems: Problems): Promise<FaultEntry | undefined> {
  if (!parseAt(applyShellSchema, raw, place, problems)) return undefined;
  const value = raw.apply;
  const applyPlace = child(place, 'apply');
  const before = problems.errors.length;
  const out: ReadWorkloads = emptyWorkloads();
  let manifests: string | undefined;
  if (typeof value === 'string') {
    if (value.trim() === '') {
      problems.error(
        valueAt(applyPlace),
        '`apply` holds no manifests',
        'write `apply: |` and the manifests indented on the lines below it, or `apply: {file: fault.yaml}`',
      );
      return undefined;
    }
    // Problems inside the text point at the lines of the lab file it is written on.
    const embedding = place.yaml.embeddedAt(place.doc, applyPlace.path);
    readManifestsText(YamlFile.parse(place.yaml.file, value, true, embedding), problems, out);
    manifests = value;
  } else if (isRecord(value)) {
    const ref = parseAt(applyFileSchema, value, applyPlace, problems);
    if (!ref) return undefined;
    manifests = await readManifestsFile(ref.file, child(applyPlace, 'file'), labDir, problems, out);
  } else {
    problems.error(
      valueAt(applyPlace),
      `\`apply\` must be manifests (a block of text) or {file: <path>}, not ${describeValue(value)}`,
      'write `apply: |` and the manifests indented on the lines below it, or `apply: {file: fault.yaml}`',
    );
    return undefined;
  }
  if (manifests === undefined || problems.errors.length > before || out.broken.length) return undefined;
  const objects: ObjectRef[] = [
    ...out.workloads.map((w) => ({ kind: (w.deployment ? 'deployment' : 'pod') as ObjectKind, name: w.name, namespace: w.namespace })),
    ...out.services.map((s) => ({ kind: 'service' as const, name: s.service.name, namespace: s.service.namespace })),
    ...out.ingresses.map((i) => ({ kind: 'ingress' as const, name: i.ingress.name, namespace: i.ingress.namespace })),
    ...out.networkPolicies.map((p) => ({ kind: 'networkpolicy' as const, name: p.policy.name, namespace: p.policy.namespace })),
  ];
  if (objects.length === 0) {
    problems.error(valueAt(applyPlace), '`apply` holds no manifests', 'write Pod, Deployment, Service, Ingress or NetworkPolicy manifests, separated by ---');
    return undefined;
  }
  return { kind: 'apply', manifests, objects, place };
}

/** `service/web` (or svc/web, deploy/x, po/x, as `netlab delete` takes them) -> the object. */
function parseDeleted(text: string, namespace: string): ObjectRef | { error: string; hint: string } {
  const ref = parseObject(text, namespace, 'delete');
  return 'error' in ref ? { error: `delete: ${ref.error}`, hint: ref.hint.replace(/e\.g\. (\w+\/)/, 'e.g. delete: $1') } : ref;
}

// ---------------------------------------------------------------- against the lab

type LabView = Pick<Lab, 'pods' | 'topology' | 'services' | 'deployments' | 'networkPolicies'>;

export interface ExerciseContext {
  lab: LabView;
  /** The names of the lab's checks. */
  checks: readonly string[];
  /** Whether a name that resolves to nothing is explained by a part that could not be read. */
  excused: (text: string) => boolean;
  /** Whether a check name that names no check is explained by a check that could not be read. */
  checkExcused: (name: string) => boolean;
}

/** Checks every exercise against the lab; returns those without problems. */
export function validateExercises(entries: ExerciseEntry[], context: ExerciseContext, problems: Problems): ExerciseSpec[] {
  const exercises: ExerciseSpec[] = [];
  const ids = new Map<string, SourceLocation>();
  for (const entry of entries) {
    const before = problems.errors.length;
    if (entry.id !== undefined) {
      const at = valueAt(entry.place, 'id');
      const first = ids.get(entry.id);
      if (first) problems.error(at, `exercise id "${entry.id}" is used twice (first at ${formatLocation(first)})`, 'give each exercise its own id');
      else ids.set(entry.id, at);
    }

    for (const { name, index } of entry.checks) {
      if (context.checks.includes(name) || context.checkExcused(name)) continue;
      problems.error(
        valueAt(entry.place, 'checks', index),
        `no check named "${name}"`,
        suggestion(name, context.checks, "the lab's checks") ?? 'this lab has no checks: add them under `checks:` and list their names here',
      );
    }

    const created: ObjectRef[] = [];
    const faults: FaultSpec[] = [];
    for (const fault of entry.faults) {
      if (!fault) continue;
      const at = valueAt(fault.place);
      if (fault.kind === 'exec') {
        if (checkExecTarget(fault, context, problems)) faults.push({ kind: 'exec', target: fault.on, command: fault.command, at });
      } else if (fault.kind === 'impair') {
        const target = resolveImpairTarget(context.lab, fault.target);
        if ('error' in target) problems.error(valueAt(fault.place, 'impair', 'target'), `impair target ${fault.target}: ${target.error}`, target.hint);
        else faults.push({ kind: 'impair', target: fault.target, impairment: fault.impairment, at });
      } else if (fault.kind === 'apply') {
        created.push(...fault.objects);
        faults.push({ kind: 'apply', manifests: fault.manifests, at });
      } else if (checkDeleted(fault, created, context, problems)) {
        faults.push({ kind: 'delete', object: `${fault.object.kind}/${fault.object.name}`, namespace: fault.object.namespace, at });
      }
    }

    if (!entry.input || problems.errors.length > before || faults.length !== entry.faults.length) continue;
    const { input } = entry;
    exercises.push({
      id: input.id,
      title: { en: input.title.en, ko: input.title.ko },
      instructions: { en: input.instructions.en, ko: input.instructions.ko },
      hints: input.hints.map((h) => ({ en: h.en, ko: h.ko })),
      faults,
      checks: [...input.checks],
      solution: [...input.solution],
      at: valueAt(entry.place),
    });
  }
  return exercises;
}

/** `exec.on` names a part a command can run in: router, a node, a pod or pod/container. */
function checkExecTarget(fault: Extract<FaultEntry, { kind: 'exec' }>, context: ExerciseContext, problems: Problems): boolean {
  const at = valueAt(fault.place, 'exec', 'on');
  const ref = resolveEndpoint(context.lab, fault.on);
  const fail = (message: string, hint: string) => {
    problems.error(at, message, hint);
    return false;
  };
  const parts = 'a command runs in router, a node, a pod or <pod>/<container>';
  if (isEndpointError(ref)) return context.excused(fault.on) ? false : fail(`exec on: ${ref.error}`, ref.hint ?? parts);
  switch (ref.kind) {
    case 'router':
      return true;
    case 'node':
    case 'pod':
      if (ref.port === undefined) return true;
      return fail(
        `exec on: ${fault.on} names a port, but a command runs in a ${ref.kind}, not on a port`,
        `write on: ${fault.on.slice(0, fault.on.indexOf(':'))}`,
      );
    case 'service': {
      const pods = context.lab.pods.filter(
        (p) => p.namespace === ref.service.namespace && Object.entries(ref.service.selector).every(([k, v]) => p.labels[k] === v),
      );
      return fail(
        `exec on: ${fault.on} is a Service; ${parts}`,
        pods.length && Object.keys(ref.service.selector).length ? `name one of its pods, e.g. on: ${pods[0]!.name}` : 'name a pod, a node or router',
      );
    }
    case 'external':
      return fail(`exec on: external is the lab's outside client; faults break the cluster: ${parts}`, 'name router, a node or a pod');
    case 'ip':
    case 'localhost':
      return fail(
        `exec on: ${fault.on} is an address; ${parts}`,
        suggestion(fault.on, partNames(context.lab), 'write one of') ?? 'write the name of a pod, a node or router',
      );
  }
}

function partNames(lab: LabView): string[] {
  return [...(lab.topology.routing === 'router' ? ['router'] : []), ...lab.topology.nodes.map((n) => n.name), ...lab.pods.map((p) => p.name)];
}

/** The object a delete fault names is one of the lab's, or made by an earlier apply fault. */
function checkDeleted(fault: Extract<FaultEntry, { kind: 'delete' }>, created: ObjectRef[], context: ExerciseContext, problems: Problems): boolean {
  const { kind, name, namespace } = fault.object;
  const lab = context.lab;
  const all: ObjectRef[] = [
    ...lab.pods.filter((p) => p.deployment === undefined).map((p) => ({ kind: 'pod' as const, name: p.name, namespace: p.namespace })),
    ...lab.deployments.map((d) => ({ kind: 'deployment' as const, name: d.name, namespace: d.namespace })),
    ...lab.services.map((s) => ({ kind: 'service' as const, name: s.name, namespace: s.namespace })),
    ...(lab.networkPolicies ?? []).map((p) => ({ kind: 'networkpolicy' as const, name: p.name, namespace: p.namespace })),
    ...created,
  ];
  if (all.some((o) => o.kind === kind && o.name === name && o.namespace === namespace)) return true;
  if (context.excused(name)) return false;

  const label = KIND_LABELS[kind];
  const elsewhere = all.filter((o) => o.kind === kind && o.name === name).map((o) => o.namespace);
  const replica = kind === 'pod' ? lab.pods.find((p) => p.name === name && p.namespace === namespace && p.deployment !== undefined) : undefined;
  const otherKind = all.find((o) => o.kind !== kind && o.name === name && o.namespace === namespace);
  const sameKind = [...new Set(all.filter((o) => o.kind === kind && o.namespace === namespace).map((o) => o.name))];
  let hint: string;
  if (replica) hint = `pod ${name} belongs to Deployment ${replica.deployment}, which would start it again: write delete: deployment/${replica.deployment}`;
  else if (elsewhere.length) hint = `${label} ${name} is in namespace ${elsewhere.join(', ')}: add namespace: ${elsewhere[0]}`;
  else if (otherKind) hint = `${name} is a ${KIND_LABELS[otherKind.kind]}: write delete: ${otherKind.kind}/${name}`;
  else hint = suggestion(name, sameKind, `its ${label}s`) ?? `this lab has no ${label}s${namespace === 'default' ? '' : ` in namespace ${namespace}`}`;
  problems.error(valueAt(fault.place, 'delete'), `delete: no ${label} "${name}" in namespace ${namespace}`, hint);
  return false;
}
