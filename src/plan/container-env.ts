// A container's environment, command and args as kubelet makes them: env values may refer to
// earlier variables, valueFrom.fieldRef takes a field of the pod, and `$(VAR)` in command and
// args is replaced by the variable's value (`$$` is a `$`; an unknown `$(VAR)` stays as written).
import { LABEL_FIELD, type ContainerSpec, type PodSpec } from '../labfile/model.js';

/** The fields of a running pod that valueFrom.fieldRef may name. */
export interface PodFields {
  pod: Pick<PodSpec, 'name' | 'namespace' | 'labels'>;
  node: string;
  podIP: string;
  hostIP: string;
}

/**
 * kubelet's expansion (k8s.io/kubernetes third_party/forked/golang/expansion): `$(NAME)` is
 * `lookup(NAME)` when it knows NAME, else left as written; `$$` is `$`; any other `$` stays.
 */
export function expand(input: string, lookup: (name: string) => string | undefined): string {
  let out = '';
  let i = 0;
  while (i < input.length) {
    const c = input[i]!;
    if (c !== '$' || i + 1 >= input.length) {
      out += c;
      i++;
      continue;
    }
    const next = input[i + 1]!;
    if (next === '$') {
      out += '$';
      i += 2;
    } else if (next === '(') {
      const close = input.indexOf(')', i + 2);
      if (close < 0) {
        // An unclosed reference is kept as written.
        out += '$(';
        i += 2;
        continue;
      }
      const name = input.slice(i + 2, close);
      out += lookup(name) ?? `$(${name})`;
      i = close + 1;
    } else {
      out += `$${next}`;
      i += 2;
    }
  }
  return out;
}

/** The value of a pod field (a fieldPath the reader accepted). */
export function podFieldValue(fieldPath: string, fields: PodFields): string {
  const label = LABEL_FIELD.exec(fieldPath);
  if (label) return fields.pod.labels[label[1]!] ?? '';
  switch (fieldPath) {
    case 'metadata.name':
      return fields.pod.name;
    case 'metadata.namespace':
      return fields.pod.namespace;
    case 'spec.nodeName':
      return fields.node;
    case 'spec.serviceAccountName':
      return 'default';
    case 'status.podIP':
    case 'status.podIPs':
      return fields.podIP;
    case 'status.hostIP':
    case 'status.hostIPs':
      return fields.hostIP;
    default:
      return '';
  }
}

/**
 * The container's variables in order: each `value` expanded with the variables before it (a
 * later one of the same name replaces the earlier), each fieldRef the pod's field, unexpanded.
 */
export function containerEnv(spec: Pick<ContainerSpec, 'env'>, fields: PodFields): Map<string, string> {
  const env = new Map<string, string>();
  for (const e of spec.env) {
    const value = e.fieldPath !== undefined ? podFieldValue(e.fieldPath, fields) : expand(e.value, (name) => env.get(name));
    env.set(e.name, value);
  }
  return env;
}

/** command and args with `$(VAR)` replaced from the container's variables. */
export function expandedCommand(spec: Pick<ContainerSpec, 'command' | 'args'>, env: ReadonlyMap<string, string>): { command?: string[]; args?: string[] } {
  const lookup = (name: string) => env.get(name);
  return {
    ...(spec.command ? { command: spec.command.map((s) => expand(s, lookup)) } : {}),
    ...(spec.args ? { args: spec.args.map((s) => expand(s, lookup)) } : {}),
  };
}
