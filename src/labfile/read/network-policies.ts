// A NetworkPolicy manifest -> NetworkPolicySpec, validated as kube-apiserver validates it
// (ValidateNetworkPolicySpec) and defaulted as it defaults it (policyTypes, protocol).
import { parseCidr, within } from '../../core/cidr.js';
import type { LabelSelector, NetworkPolicySpec, PolicyPeer, PolicyPort, PolicyRule, PolicyType } from '../policy-model.js';
import { type LabelSelectorInput, type NetworkPolicyManifest, networkPolicyManifestSchema } from '../schema/network-policy.js';
import { IGNORED_FIELDS, valueIn, warnIgnored } from './fields.js';
import { parseAt } from './issues.js';
import { child, type Place, valueAt } from './positions.js';
import type { Problems } from './problems.js';

/** A NetworkPolicy manifest, read. */
export interface NetworkPolicyEntry {
  policy: NetworkPolicySpec;
  /** The manifest's root. */
  place: Place;
}

export function readNetworkPolicy(value: unknown, place: Place, problems: Problems): NetworkPolicyEntry | undefined {
  const manifest = parseAt(networkPolicyManifestSchema, value, place, problems);
  if (!manifest) return undefined;
  warnIgnored(valueIn(value, []), place, [], IGNORED_FIELDS.manifest, problems);
  warnIgnored(valueIn(value, ['metadata']), place, ['metadata'], IGNORED_FIELDS.metadata, problems);
  const before = problems.errors.length;
  const specPlace = child(place, 'spec');
  const { spec } = manifest;
  const policy: NetworkPolicySpec = {
    name: manifest.metadata.name,
    namespace: manifest.metadata.namespace ?? 'default',
    podSelector: readSelector(spec.podSelector, child(specPlace, 'podSelector'), problems),
    policyTypes: policyTypes(manifest, specPlace, problems),
    ingress: (spec.ingress ?? []).map((r, i) => readRule(r.from, r.ports, child(specPlace, 'ingress', i), 'from', problems)),
    egress: (spec.egress ?? []).map((r, i) => readRule(r.to, r.ports, child(specPlace, 'egress', i), 'to', problems)),
    at: valueAt(place),
  };
  return problems.errors.length > before ? undefined : { policy, place };
}

/** SetDefaults_NetworkPolicySpec: Ingress always, Egress when egress rules are written. */
function policyTypes(manifest: NetworkPolicyManifest, specPlace: Place, problems: Problems): PolicyType[] {
  const written = manifest.spec.policyTypes;
  if (written === undefined || written.length === 0) return (manifest.spec.egress ?? []).length ? ['Ingress', 'Egress'] : ['Ingress'];
  written.forEach((t, i) => {
    if (written.indexOf(t) !== i) problems.error(valueAt(specPlace, 'policyTypes', i), `policyTypes lists ${t} twice`, `remove the second ${t}`);
  });
  return [...new Set(written)];
}

function readSelector(input: LabelSelectorInput, place: Place, problems: Problems): LabelSelector {
  const matchExpressions = (input.matchExpressions ?? []).map((e, i) => {
    const at = child(place, 'matchExpressions', i);
    const values = e.values ?? [];
    if ((e.operator === 'In' || e.operator === 'NotIn') && values.length === 0)
      problems.error(valueAt(at), `operator ${e.operator} needs values`, `write values: [...] with at least one value for ${e.key}`);
    if ((e.operator === 'Exists' || e.operator === 'DoesNotExist') && values.length > 0)
      problems.error(valueAt(at, 'values'), `operator ${e.operator} takes no values`, 'remove values (or use In / NotIn to match them)');
    return { key: e.key, operator: e.operator, values: [...values] };
  });
  return { matchLabels: { ...(input.matchLabels ?? {}) }, matchExpressions };
}

type PeerInput = NonNullable<NonNullable<NetworkPolicyManifest['spec']['ingress']>[number]['from']>[number];
type PortInput = NonNullable<NonNullable<NetworkPolicyManifest['spec']['ingress']>[number]['ports']>[number];

function readRule(peers: PeerInput[] | undefined, ports: PortInput[] | undefined, place: Place, side: 'from' | 'to', problems: Problems): PolicyRule {
  return {
    peers: (peers ?? []).flatMap((p, i) => readPeer(p, child(place, side, i), problems) ?? []),
    ports: (ports ?? []).flatMap((p, i) => readPort(p, child(place, 'ports', i), problems) ?? []),
    at: valueAt(place),
  };
}

function readPeer(input: PeerInput, place: Place, problems: Problems): PolicyPeer | undefined {
  const at = valueAt(place);
  if (input.ipBlock) {
    if (input.podSelector || input.namespaceSelector) {
      problems.error(
        at,
        'a peer may not have both ipBlock and podSelector/namespaceSelector',
        'write them as two peers: `- ipBlock: {...}` and `- podSelector: {...}` (a peer with both selectors means pods AND namespaces)',
      );
      return undefined;
    }
    const block = parseCidr(input.ipBlock.cidr);
    const except = input.ipBlock.except ?? [];
    except.forEach((e, i) => {
      const inner = parseCidr(e);
      if (block && inner && (!within(inner, block) || inner.prefix <= block.prefix))
        problems.error(
          valueAt(place, 'ipBlock', 'except', i),
          `except ${e} is not inside ipBlock.cidr ${input.ipBlock!.cidr}`,
          `each except must be a smaller block of ${input.ipBlock!.cidr}`,
        );
    });
    return { kind: 'ipBlock', cidr: input.ipBlock.cidr, except: [...except], at };
  }
  if (!input.podSelector && !input.namespaceSelector) {
    problems.error(
      at,
      'a peer must have podSelector, namespaceSelector or ipBlock',
      'write e.g. `- podSelector: {matchLabels: {app: client}}`; to allow every peer, leave the whole list out',
    );
    return undefined;
  }
  const peer: PolicyPeer = { kind: 'pods', at };
  if (input.podSelector) peer.podSelector = readSelector(input.podSelector, child(place, 'podSelector'), problems);
  if (input.namespaceSelector) peer.namespaceSelector = readSelector(input.namespaceSelector, child(place, 'namespaceSelector'), problems);
  return peer;
}

function readPort(input: PortInput, place: Place, problems: Problems): PolicyPort | undefined {
  const port: PolicyPort = { protocol: input.protocol ?? 'TCP', at: valueAt(place) };
  if (input.port !== undefined) port.port = input.port;
  if (input.endPort !== undefined) {
    if (typeof input.port !== 'number') {
      problems.error(
        valueAt(place, 'endPort'),
        input.port === undefined ? 'endPort needs a port' : `endPort may not be used with a named port (${input.port})`,
        'write a numeric port, the first of the range: port: 32000, endPort: 32768',
      );
      return undefined;
    }
    if (input.endPort < input.port) {
      problems.error(valueAt(place, 'endPort'), `endPort ${input.endPort} is below port ${input.port}`, `write an endPort of ${input.port} or more`);
      return undefined;
    }
    port.endPort = input.endPort;
  }
  return port;
}
