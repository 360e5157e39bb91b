// The cluster's address blocks beside the pod CIDRs: serviceCIDR (cluster IPs) must
// overlap nothing; clusterCIDR (kube-proxy's --cluster-cidr) must hold every pod CIDR.
import { covering, formatCidr, freeBlock, freeBlockIn, overlaps, parseCidr, within, type Cidr } from '../../core/cidr.js';
import { formatLocation } from '../../core/errors.js';
import type { SourceLocation } from '../model.js';
import { valueAt } from '../read/positions.js';
import type { Problems } from '../read/problems.js';
import { podCidrAt, type LabDraft, type NodeEntry } from '../read/read-lab.js';
import { CLUSTER_CIDR_PREFIX } from '../schema/schema.js';

interface Block {
  cidr: Cidr;
  /** How a message names it: "clusterCIDR 10.0.0.0/16", "pod CIDR 10.0.1.0/24 of node node1". */
  what: string;
  /** Where it was written; undefined = a default. */
  at?: SourceLocation;
  /** Where an error about it goes (its own line, or the nearest thing written). */
  errorAt: SourceLocation;
}

/**
 * serviceCIDR apart from clusterCIDR, the underlay and every pod CIDR; every pod CIDR
 * inside clusterCIDR (`reported`: nodes whose pod CIDR already has an error).
 */
export function validateClusterCidrs(draft: LabDraft, problems: Problems, reported: ReadonlySet<NodeEntry>): void {
  const topo = draft.topology;
  if (draft.broken.topology) return; // the written blocks may be unknown: no guesses
  const service = parseCidr(topo.serviceCIDR);
  const cluster = parseCidr(topo.clusterCIDR);
  if (!service || !cluster) return;
  const at = (key: string, written: boolean) => (written && topo.place ? valueAt(topo.place, key) : undefined);
  const serviceAt = at('serviceCIDR', topo.written.serviceCIDR);
  const clusterAt = at('clusterCIDR', topo.written.clusterCIDR);
  const start = draft.yaml.start();

  const pods: (Block & { entry: NodeEntry })[] = topo.nodes.flatMap((entry) => {
    const cidr = parseCidr(entry.node.podCIDR);
    if (!cidr) return [];
    const what = `pod CIDR ${entry.node.podCIDR}${entry.cidrWritten ? '' : ' (the default)'} of node ${entry.node.name}`;
    return [{ cidr, what, entry, errorAt: podCidrAt(entry), ...(entry.cidrWritten ? { at: podCidrAt(entry) } : {}) }];
  });
  const others: Block[] = [
    {
      cidr: cluster,
      what: `clusterCIDR ${topo.clusterCIDR}${clusterAt ? '' : ' (the default)'}`,
      errorAt: clusterAt ?? topo.place?.yaml.start() ?? start,
      ...(clusterAt ? { at: clusterAt } : {}),
    },
  ];
  const underlay = topo.underlay === undefined ? undefined : parseCidr(topo.underlay);
  const underlayAt = at('underlay', true);
  if (underlay && underlayAt) others.push({ cidr: underlay, what: `the underlay ${topo.underlay}`, at: underlayAt, errorAt: underlayAt });
  others.push(...pods);

  // serviceCIDR overlaps nothing.
  const clashes = others.filter((b) => overlaps(b.cidr, service));
  const taken = others.map((b) => b.cidr);
  const free = (prefix: number) =>
    freeBlock(prefix, taken) ?? freeBlockIn({ base: 0xac100000, prefix: 12 }, prefix, taken) ?? freeBlockIn({ base: 0xc0a80000, prefix: 16 }, prefix, taken);
  if (clashes.length && serviceAt) {
    const suggested = free(service.prefix) ?? free(Math.max(service.prefix, 16));
    problems.error(
      serviceAt,
      `serviceCIDR ${topo.serviceCIDR} overlaps ${list(clashes.map((b) => `${b.what}${b.at ? ` (${formatLocation(b.at)})` : ''}`))}`,
      `cluster IPs must not mix with pod or node addresses: pick a free block${suggested ? `, e.g. serviceCIDR: ${suggested}` : ''}`,
    );
  } else {
    for (const b of clashes) {
      const suggested = free(16);
      problems.error(
        b.errorAt,
        `${b.what} overlaps the service CIDR ${topo.serviceCIDR} (the default serviceCIDR)`,
        `set topology.serviceCIDR to a block that overlaps nothing${suggested ? `, e.g. serviceCIDR: ${suggested}` : ''}, or move this block`,
      );
    }
  }

  // clusterCIDR holds every pod CIDR.
  // A written clusterCIDR is widened; the default one is replaced by what the pod CIDRs need.
  const avoid = [service, ...(underlay ? [underlay] : []), ...pods.map((p) => p.cidr)];
  const widened = (blocks: Cidr[]) => {
    const cover = covering(blocks);
    return cover && cover.prefix >= CLUSTER_CIDR_PREFIX.min && !overlaps(cover, service) && !(underlay && overlaps(cover, underlay))
      ? formatCidr(cover)
      : undefined;
  };
  const mine = clusterAt ? [cluster] : [];
  for (const p of pods) {
    if (reported.has(p.entry) || within(p.cidr, cluster)) continue;
    const written = p.entry.cidrWritten;
    const widen = widened([...mine, ...pods.map((q) => q.cidr)]);
    const inside = freeBlockIn(cluster, p.cidr.prefix, avoid);
    problems.error(
      written || !clusterAt ? p.errorAt : clusterAt,
      `${p.what} is outside clusterCIDR ${topo.clusterCIDR}${clusterAt ? (written ? ` (${formatLocation(clusterAt)})` : '') : ' (the default)'}`,
      widen
        ? clusterAt
          ? `widen clusterCIDR to hold every pod CIDR, e.g. clusterCIDR: ${widen}`
          : `widen clusterCIDR to hold every pod CIDR: add \`clusterCIDR: ${widen}\` under topology`
        : `widen clusterCIDR, or give this node a podCIDR inside ${topo.clusterCIDR}${inside ? `, e.g. podCIDR: ${inside}` : ''}`,
    );
  }
}

/** "a", "a and b", "a, b and c" */
function list(items: string[]): string {
  return items.length < 2 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}
