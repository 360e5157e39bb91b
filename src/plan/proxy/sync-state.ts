// What a node's last kube-proxy sync wrote, kept for the next one so that it can write only
// what changed (KEP-3453's partial syncs). kube-proxy keeps this in memory; netlab runs one
// process per command, so the state is a file in the node container (see
// src/cluster/proxy-state.ts): it lives and dies with the node, whichever CLI syncs next reads
// it, and it names the node's start (a restarted node has empty netfilter tables and the same
// file) and netlab's format, so that a state from another start or another netlab is not used.
// Pure.
import * as crypto from 'node:crypto';
import type { ProxyInput, ServicePortState } from './types.js';

/** Bumped whenever what the generators write, or what the state holds, changes meaning. */
export const SYNC_STATE_FORMAT = 'netlab-kube-proxy-sync/2';

/** What one service port contributed to the node's rules. */
export interface PortState {
  /** Hash of the port's input (its ServicePortState): unchanged input, unchanged rules. */
  in: string;
  /** Its own chains (KUBE-SVC-…, service-…, …), as `table/chain` (iptables) or the chain name (nftables). */
  chains: string[];
  /** iptables: its rules in the shared chains (KUBE-SERVICES, …), by `table/chain`. */
  shared?: Record<string, string[]>;
  /** nftables: its affinity sets (name → declaration) and its map/set elements (`map key`). */
  sets?: Record<string, string>;
  elements?: string[];
}

export interface ProxySyncState {
  format: typeof SYNC_STATE_FORMAT;
  mode: 'iptables' | 'nftables';
  /** The node's identity at the sync (container ID and start), so that a restarted node is synced in full. */
  node: string;
  /** Hash of what every port's rules depend on besides the port itself (node, addresses, thresholds). */
  context: string;
  /** By port key (ServicePortName/protocol), in the input's order. */
  ports: Record<string, PortState>;
  /** nftables: the cluster IPs in the cluster-ips set. */
  clusterIPs?: string[];
  /**
   * The sync's seal (see sync-token.ts): the same token goes into the kernel with the rules, and
   * a partial sync first deletes the previous one there, so a state whose rules were never
   * loaded makes the next partial sync fail (and a full one follow) rather than build on them.
   */
  token: string;
}

const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'base64') => string }).hash;

/** A short digest of a text (not a secret: it only tells changed from unchanged). */
export function digest(text: string): string {
  return (oneShot ? oneShot('sha1', text, 'base64') : crypto.createHash('sha1').update(text).digest('base64')).slice(0, 16);
}

/** kube-proxy's key of a service port (ServicePortName plus protocol). */
export const portKey = (sp: Pick<ServicePortState, 'namespace' | 'service' | 'portName' | 'protocol'>): string =>
  `${sp.namespace}/${sp.service}:${sp.portName}/${sp.protocol}`;

export const portInputHash = (sp: ServicePortState): string => digest(JSON.stringify(sp));

/** The input's ports by key; undefined when two share one (a partial sync could not tell them apart). */
export function portsByKey(input: ProxyInput): Map<string, ServicePortState> | undefined {
  const byKey = new Map<string, ServicePortState>();
  for (const sp of input.services) {
    const key = portKey(sp);
    if (byKey.has(key)) return undefined;
    byKey.set(key, sp);
  }
  return byKey;
}

/**
 * The state with its token: a digest of what the rules follow from (mode, node start, context,
 * each port's input hash; not their order, which a partial sync leaves as it was), 32 bits as
 * nftables' `mark` type takes them.
 */
export function sealed(state: Omit<ProxySyncState, 'token'>): ProxySyncState {
  const ports = Object.entries(state.ports)
    .map(([key, p]) => `${key} ${p.in}`)
    .sort();
  const hex = crypto
    .createHash('sha1')
    .update(JSON.stringify([state.mode, state.node, state.context, ports]))
    .digest('hex');
  return { ...state, token: `0x${hex.slice(0, 8)}` };
}

/** A state read back from a node, if it is one this netlab wrote for this node and mode (else undefined: sync in full). */
export function usableState(text: string | undefined, mode: ProxySyncState['mode'], node: string): ProxySyncState | undefined {
  if (!text) return undefined;
  try {
    const state = JSON.parse(text) as Partial<ProxySyncState>;
    if (state.format !== SYNC_STATE_FORMAT || state.mode !== mode || state.node !== node) return undefined;
    if (typeof state.context !== 'string' || typeof state.token !== 'string' || !state.ports || typeof state.ports !== 'object') return undefined;
    return state as ProxySyncState;
  } catch {
    return undefined;
  }
}

/** A sync's rules and what to keep for the next one: `partial` when it writes only what changed. */
export interface PlannedRules {
  text: string;
  partial: boolean;
  state: ProxySyncState;
}
