// Zod's findings, said the way a person fixing a lab file needs them: what is
// wrong at which line, and what to write instead.
import type { z } from 'zod';
import { keyAt, valueAt, formatPath, type Path, type Place } from './positions.js';
import type { Problems } from './problems.js';
import { suggestion } from '../../core/suggest.js';

const HINT_SEPARATOR = '\u0000';

/** A message that carries its hint along through zod (split again by `reportIssues`). */
export function withHint(message: string, hint?: string): string {
  return hint ? `${message}${HINT_SEPARATOR}${hint}` : message;
}

export function splitHint(text: string): { message: string; hint?: string } {
  const i = text.indexOf(HINT_SEPARATOR);
  return i < 0 ? { message: text } : { message: text.slice(0, i), hint: text.slice(i + 1) };
}

/** Fields Kubernetes has that netlab deliberately does not take, with what to do instead. */
const UNSUPPORTED_FIELDS: Record<string, string> = {
  hostNetwork: 'netlab pods always get their own network namespace from CNI; remove hostNetwork',
  hostPID: "remove hostPID: netlab pods do not share the node's process namespace",
  hostIPC: "remove hostIPC: netlab pods do not share the node's IPC namespace",
  initContainers: "netlab does not run init containers; fold the work into the container's command",
  ephemeralContainers: 'remove ephemeralContainers; use `netlab exec` to look inside a pod',
  matchExpressions: 'netlab selectors use matchLabels only: write selector: {matchLabels: {app: NAME}}',
  valueFrom: 'netlab has no API server to read values from: write the value itself, e.g. value: "8080"',
  envFrom: 'netlab has no ConfigMaps or Secrets: list each variable under env with name and value',
  externalIPs:
    'netlab routes no external IPs to Services: use type: NodePort and reach <node IP>:<nodePort> (from `external`, or from the host with topology.publish)',
};

/** Example values used in hints, by field name. */
const EXAMPLES: Record<string, string> = {
  name: 'web',
  image: 'netlab/app',
  containerPort: '8080',
  replicas: '2',
  containers: '[{name: app, image: netlab/app}]',
  from: 'client',
  to: 'server:8080',
  podCIDR: '10.0.1.0/24',
  underlay: '172.30.5.0/24',
  apiVersion: 'v1',
  kind: 'Pod',
  selector: '{matchLabels: {app: web}}',
  template: '{metadata: {labels: {app: web}}, spec: {containers: [...]}}',
  metadata: '{name: web}',
  spec: '{containers: [{name: app, image: netlab/app}]}',
  file: 'manifests.yaml',
  value: '"1"',
  port: '80',
  ports: '[{port: 80, targetPort: 8080}]',
  serviceCIDR: '10.96.0.0/12',
  clusterCIDR: '10.0.0.0/16',
  timeoutSeconds: '10800',
  count: '10',
  distinct: '2',
  sourcePort: '40000',
  points: '1',
  id: 'wrong-selector',
  title: '{en: <English>, ko: <Korean>}',
  instructions: '{en: <English>, ko: <Korean>}',
  hints: '[{en: <English>, ko: <Korean>}]',
  faults: '[{delete: service/web}]',
  checks: '[<name of a check>]',
  on: 'router',
  command: '[ip, route, del, 10.0.2.0/24]',
};

/** Example names by what they name (the list or mapping the `name` is in). */
const NAME_EXAMPLES: Record<string, string> = {
  nodes: 'node1',
  containers: 'app',
  checks: 'client reaches server',
  env: 'GREETING',
  ports: 'http',
  metadata: 'web',
};

function exampleFor(path: Path, key: string | undefined): string | undefined {
  if (key === undefined) return undefined;
  if (key === 'name') {
    if (path.length === 1) return 'my-lab';
    const parent = [...path.slice(0, -1)].reverse().find((s): s is string => typeof s === 'string');
    return (parent && NAME_EXAMPLES[parent]) ?? EXAMPLES.name;
  }
  return EXAMPLES[key];
}

interface Annotated {
  /** The field names the object that raised `unrecognized_keys` knows. */
  netlabKnown?: string[];
  /** The message is zod's own; netlab writes a better one. */
  netlabGeneric?: boolean;
}

/**
 * Parses `value` (found at `place`) with `schema`. Every issue becomes a problem
 * at the line of the offending value (or key); returns undefined if there was any.
 */
export function parseAt<S extends z.ZodType>(schema: S, value: unknown, place: Place, problems: Problems): z.output<S> | undefined {
  const result = schema.safeParse(value, {
    error: (iss) => {
      const note = iss as unknown as Annotated;
      note.netlabGeneric = true;
      if (iss.code === 'unrecognized_keys') {
        const def = (iss.inst as { _zod?: { def?: { shape?: Record<string, unknown> } } } | undefined)?._zod?.def;
        if (def?.shape) note.netlabKnown = Object.keys(def.shape);
      }
      return undefined;
    },
  });
  if (result.success) return result.data;
  for (const issue of result.error.issues) report(issue, value, place, problems);
  return undefined;
}

function report(issue: z.core.$ZodIssue, root: unknown, place: Place, problems: Problems): void {
  const path: Path = [...place.path, ...(issue.path as (string | number)[])];
  const here = { ...place, path };
  const note = issue as unknown as Annotated;
  const field = formatPath(path) || 'the document';
  const key = lastKey(path);
  const input = valueIn(root, issue.path as (string | number)[]);

  if (issue.code === 'unrecognized_keys') {
    for (const unknown of issue.keys) {
      const at = keyAt(here, unknown);
      const special = UNSUPPORTED_FIELDS[unknown];
      if (special) {
        problems.error(at, `\`${unknown}\` is not supported by netlab`, special);
        continue;
      }
      const known = note.netlabKnown ?? [];
      problems.error(at, `unknown field \`${unknown}\`${path.length ? ` in ${field}` : ''}`, suggestion(unknown, known, 'fields allowed here') ?? 'remove it');
    }
    return;
  }

  if (!note.netlabGeneric) {
    const { message, hint } = splitHint(issue.message);
    problems.error(valueAt(here), message, hint);
    return;
  }

  switch (issue.code) {
    case 'invalid_type': {
      if (input === undefined) {
        const example = `${key}: ${exampleFor(path, key) ?? '...'}`;
        problems.error(valueAt(here), `\`${field}\` is missing`, `add \`${example}\``);
        return;
      }
      const expected = describeExpected(issue.expected);
      problems.error(valueAt(here), `\`${field}\` must be ${expected}, not ${describeValue(input)}`, typeHint(issue.expected, key, input));
      return;
    }
    case 'invalid_value': {
      const values = issue.values.map((v) => String(v));
      const hint =
        input === undefined ? `add \`${key}: ${values[0]}\`` : (suggestion(String(input), values, 'write one of') ?? `write one of: ${values.join(', ')}`);
      problems.error(
        valueAt(here),
        input === undefined
          ? `\`${field}\` is missing`
          : `\`${field}\` must be ${values.length === 1 ? values[0] : `one of ${values.join(', ')}`}, not ${describeValue(input)}`,
        hint,
      );
      return;
    }
    case 'too_small':
    case 'too_big': {
      const small = issue.code === 'too_small';
      const bound = small ? (issue as z.core.$ZodIssueTooSmall).minimum : (issue as z.core.$ZodIssueTooBig).maximum;
      const origin = issue.origin;
      let message: string;
      let hint: string;
      if (origin === 'array') {
        message = small ? `\`${field}\` needs at least ${bound} item${bound === 1 ? '' : 's'}` : `\`${field}\` has more than ${bound} items`;
        hint = small ? `add ${key === 'containers' ? 'a container, e.g. `- {name: app, image: netlab/app}`' : 'an item'}` : 'remove some items';
      } else if (origin === 'string') {
        message = small ? `\`${field}\` must not be empty` : `\`${field}\` is longer than ${bound} characters`;
        hint = small ? 'write some text here' : `shorten it to at most ${bound} characters`;
      } else {
        message = `\`${field}\` must be ${small ? 'at least' : 'at most'} ${bound}, not ${describeValue(input)}`;
        hint = `write a number ${small ? `from ${bound}` : `up to ${bound}`}`;
      }
      problems.error(valueAt(here), message, hint);
      return;
    }
    default: {
      problems.error(valueAt(here), `\`${field}\`: ${issue.message}`);
    }
  }
}

function lastKey(path: Path): string | undefined {
  for (let i = path.length - 1; i >= 0; i--) if (typeof path[i] === 'string') return path[i] as string;
  return undefined;
}

function valueIn(root: unknown, path: (string | number)[]): unknown {
  let value = root;
  for (const step of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string | number, unknown>)[step];
  }
  return value;
}

function describeExpected(expected: string): string {
  switch (expected) {
    case 'string':
      return 'text';
    case 'number':
      return 'a number';
    case 'int':
      return 'a whole number';
    case 'boolean':
      return 'true or false';
    case 'array':
      return 'a list';
    case 'object':
    case 'record':
      return 'a mapping (key: value lines)';
    default:
      return expected;
  }
}

export function describeValue(value: unknown): string {
  if (value === null) return 'empty';
  if (Array.isArray(value)) return 'a list';
  switch (typeof value) {
    case 'string':
      return `the text ${JSON.stringify(value)}`;
    case 'number':
      return `the number ${value}`;
    case 'boolean':
      return `${value}`;
    case 'object':
      return 'a mapping';
    default:
      return String(value);
  }
}

function typeHint(expected: string, key: string | undefined, input: unknown): string {
  const name = key ?? 'value';
  switch (expected) {
    case 'number':
    case 'int': {
      if (typeof input === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(input)) return `remove the quotes: \`${name}: ${input.trim()}\``;
      return `write a ${expected === 'int' ? 'whole ' : ''}number, e.g. \`${name}: ${EXAMPLES[name] ?? '1'}\``;
    }
    case 'string':
      if (input === null) return `write a value after \`${name}:\`${EXAMPLES[name] ? `, e.g. \`${name}: ${EXAMPLES[name]}\`` : ''}`;
      if (typeof input === 'number' || typeof input === 'boolean') return `put it in quotes: \`${name}: "${String(input)}"\``;
      return `write a single value, e.g. \`${name}: ${EXAMPLES[name] ?? 'text'}\``;
    case 'boolean':
      return `write \`${name}: true\` or \`${name}: false\``;
    case 'array':
      return `write a list: one \`- item\` per line under \`${name}:\`, or \`${name}: [a, b]\``;
    case 'object':
    case 'record':
      return `write \`key: value\` lines indented under \`${name}:\`${EXAMPLES[name] ? `, e.g. \`${name}: ${EXAMPLES[name]}\`` : ''}`;
    default:
      return `write ${describeExpected(expected)}`;
  }
}
