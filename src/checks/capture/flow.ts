// `explain --capture`, the pure part: the one request's flow as 5-tuples (as sent, and as
// conntrack says it left after DNAT and masquerade), each hop's captured packets filtered to
// that flow, and how they read. So the client's eth0 shows the cluster IP and the server's the
// pod IP: the translation seen, not told.
import { type ConntrackEntry, parseConntrack } from '../diagnose/evidence.js';
import type { PathFacts } from '../diagnose/path.js';
import type { Packet } from './pcap.js';

export type FlowProto = 'tcp' | 'udp' | 'icmp';

/** One direction of the flow; an undefined port matches any. */
export interface FlowTuple {
  proto: FlowProto;
  src: string;
  dst: string;
  sport?: number;
  dport?: number;
}

/** Where a capture ran and what it caught (or why it caught nothing). */
export interface HopCapture {
  /** The pod, node, router or external. */
  where: string;
  interface: string;
  packets: Packet[];
  error?: string;
}

/** One packet of the flow as a hop saw it. */
export interface FlowPacket {
  /** Milliseconds since the flow's first packet on any hop. */
  ms: number;
  proto: FlowProto;
  src: string;
  dst: string;
  sport?: number;
  dport?: number;
  /** TCP flags (SYN, SYN-ACK...) or the ICMP type. */
  flags?: string;
  /** Bytes above TCP/UDP. */
  payload?: number;
  /** `10.0.1.3:40312 > 10.3.241.152:80 SYN`. */
  text: string;
}

export interface HopFlow {
  where: string;
  interface: string;
  packets: FlowPacket[];
  error?: string;
}

/** What `explain --capture` adds: the flow's tuples and each hop's packets of it. */
export interface CaptureView {
  /** The flow's tuples, one direction each: `10.0.1.3:40312 > 10.3.241.152:80`. */
  flow: string[];
  /** The hops that saw packets of the flow (or failed to capture), in the path's order. */
  hops: HopFlow[];
  /** Hops captured on that saw none of it (`node2 eth0`): the path did not cross them. */
  quiet: string[];
}

export const tupleText = (t: FlowTuple) => `${t.src}${t.sport !== undefined ? `:${t.sport}` : ''} > ${t.dst}${t.dport !== undefined ? `:${t.dport}` : ''}`;

/**
 * The flow of the one request: as sent (source, its port, the address it was sent to) and, when
 * conntrack translated it, as it left (to the endpoint, from the masquerade address if any).
 */
export function flowTuples(sent: FlowTuple, conntrack?: ConntrackEntry): FlowTuple[] {
  const tuples = [sent];
  if (conntrack) {
    const r = conntrack.reply;
    const out: FlowTuple = {
      proto: sent.proto,
      src: r.dst,
      dst: r.src,
      ...(r.dport !== undefined ? { sport: r.dport } : {}),
      ...(r.sport !== undefined ? { dport: r.sport } : {}),
    };
    if (tupleText(out) !== tupleText(sent)) tuples.push(out);
  }
  return tuples;
}

/** The request's flow from explain's facts and sections: its source port (curl's, or the datagram's) and conntrack's entry for it. */
export function requestFlow(f: PathFacts, sections: ReadonlyMap<string, string>): FlowTuple[] {
  const probe = sections.get('probe') ?? '';
  const sportText = /SPORT (\d+)\s*$/.exec(probe)?.[1];
  const sport = sportText && Number(sportText) > 0 ? Number(sportText) : undefined;
  const dst = f.entry?.ip ?? f.target.ip;
  const dport = f.target.proto === 'icmp' ? undefined : (f.entry?.port ?? f.target.port);
  const src = f.source.ip;
  const entries = parseConntrack(sections.get('conntrack.after') ?? f.conntrack ?? '');
  const conn = entries.find(
    (e) =>
      e.original.dst === dst &&
      (src === undefined || e.original.src === src) &&
      (sport === undefined || e.original.sport === sport) &&
      (dport === undefined || e.original.dport === dport),
  );
  const sent: FlowTuple = {
    proto: f.target.proto,
    src: src ?? conn?.original.src ?? '0.0.0.0',
    dst,
    ...((sport ?? conn?.original.sport) !== undefined ? { sport: sport ?? conn!.original.sport! } : {}),
    ...(dport !== undefined ? { dport } : {}),
  };
  return flowTuples(sent, conn);
}

function matchesOneWay(p: NonNullable<Packet['ip']>, t: FlowTuple): boolean {
  return p.src === t.src && p.dst === t.dst && (t.sport === undefined || p.sport === t.sport) && (t.dport === undefined || p.dport === t.dport);
}

/** The packet belongs to the flow: one of its tuples, either way. */
export function inFlow(p: Packet, tuples: readonly FlowTuple[]): boolean {
  const ip = p.ip;
  if (!ip) return false;
  return tuples.some((t) => {
    if (ip.proto !== t.proto) return false;
    const back: FlowTuple = {
      proto: t.proto,
      src: t.dst,
      dst: t.src,
      ...(t.dport !== undefined ? { sport: t.dport } : {}),
      ...(t.sport !== undefined ? { dport: t.sport } : {}),
    };
    return matchesOneWay(ip, t) || matchesOneWay(ip, back);
  });
}

function packetText(ip: NonNullable<Packet['ip']>): string {
  const end = (addr: string, port?: number) => (port !== undefined && ip.proto !== 'icmp' ? `${addr}:${port}` : addr);
  const what = ip.proto === 'tcp' ? ip.flags : ip.proto === 'udp' ? 'UDP' : `ICMP ${ip.flags ?? ''}`.trim();
  const payload = ip.payload ? ` (${ip.payload} bytes)` : '';
  return `${end(ip.src, ip.sport)} > ${end(ip.dst, ip.dport)} ${what}${payload}`;
}

/** Each hop's packets of the flow, timed from the flow's first packet anywhere; the hops in the order the flow's first packet crossed them. */
export function flowView(hops: readonly HopCapture[], tuples: readonly FlowTuple[]): CaptureView {
  const kept = hops
    .map((h) => ({ hop: h, packets: h.packets.filter((p) => inFlow(p, tuples)) }))
    .sort((a, b) => (a.packets[0]?.time ?? Number.POSITIVE_INFINITY) - (b.packets[0]?.time ?? Number.POSITIVE_INFINITY));
  const first = Math.min(...kept.flatMap((k) => k.packets.map((p) => p.time)));
  const view: CaptureView = { flow: tuples.map(tupleText), hops: [], quiet: [] };
  for (const { hop, packets } of kept) {
    if (!packets.length && !hop.error) {
      view.quiet.push(`${hop.where} ${hop.interface}`);
      continue;
    }
    view.hops.push({
      where: hop.where,
      interface: hop.interface,
      ...(hop.error ? { error: hop.error } : {}),
      packets: packets.map((p) => {
        const ip = p.ip!;
        return {
          ms: Math.round((p.time - first) * 1e6) / 1e3,
          proto: ip.proto as FlowProto,
          src: ip.src,
          dst: ip.dst,
          ...(ip.sport !== undefined ? { sport: ip.sport } : {}),
          ...(ip.dport !== undefined ? { dport: ip.dport } : {}),
          ...(ip.flags !== undefined ? { flags: ip.flags } : {}),
          ...(ip.payload !== undefined ? { payload: ip.payload } : {}),
          text: packetText(ip),
        };
      }),
    });
  }
  return view;
}

/** The same packet seen twice on a hop this close together is one packet passing twice (not resent: TCP waits 200 ms at least). */
const ROUTED_AGAIN_MS = 1;

/** Terminal lines, after explain's hops. */
export function formatCapture(view: CaptureView): string {
  const out = [`captured (tcpdump on each hop, this flow only: ${view.flow.join(', ')}):`];
  const width = Math.max(0, ...view.hops.map((h) => `${h.where} ${h.interface}`.length));
  let doubled = false;
  for (const h of view.hops) {
    const name = `${h.where} ${h.interface}`.padEnd(width);
    if (h.error) out.push(`  ${name}  capture failed: ${h.error}`);
    let line = 0;
    for (let i = 0; i < h.packets.length; i++) {
      const p = h.packets[i]!;
      // A router forwards out of the interface it received on: the same packet twice, a moment apart.
      const again = h.packets[i + 1];
      const twice = again !== undefined && again.text === p.text && again.ms - p.ms < ROUTED_AGAIN_MS;
      if (twice) i++;
      doubled ||= twice;
      out.push(`  ${line++ === 0 ? name : ' '.repeat(width)}  ${`+${p.ms.toFixed(3)}ms`.padStart(11)}  ${p.text}${twice ? ' ×2' : ''}`);
    }
  }
  if (!view.hops.some((h) => h.packets.length)) out.push('  no packet of this flow was captured');
  if (view.quiet.length) out.push(`  none of it on: ${view.quiet.join(', ')}`);
  if (doubled)
    out.push(
      "  ×2: the same packet twice on one interface: received and sent on out of it (the router), or flooded by the engine's bridge to every port while it has not learnt the destination's MAC address",
    );
  return `${out.join('\n')}\n`;
}
