// The pcap file format as tcpdump -w writes it (libpcap's, microsecond or nanosecond, either
// byte order), read into packets with their IPv4 and TCP/UDP/ICMP headers decoded: what
// `explain --capture` filters to one flow and shows. Pure; ARP, IPv6 and the rest are kept
// as packets without an `ip`.

/** The link types netlab's interfaces give: Ethernet (veths, bridges, eth0) and Linux cooked (`any`). */
const LINKTYPE_ETHERNET = 1;
const LINKTYPE_LINUX_SLL = 113;
const LINKTYPE_LINUX_SLL2 = 276;

export interface Packet {
  /** Seconds since the epoch, with the fraction. */
  time: number;
  /** Bytes on the wire. */
  length: number;
  ip?: {
    src: string;
    dst: string;
    proto: 'tcp' | 'udp' | 'icmp' | number;
    sport?: number;
    dport?: number;
    /** TCP: SYN, SYN-ACK, ACK, PSH-ACK, FIN-ACK, RST...; ICMP: echo-request, echo-reply, unreachable... */
    flags?: string;
    /** Bytes of payload above TCP/UDP. */
    payload?: number;
    /** ICMP echo identifier (ping's "port"). */
    id?: number;
  };
}

export class PcapError extends Error {}

export interface Pcap {
  linktype: number;
  packets: Packet[];
}

/** Reads a whole pcap (tcpdump cut short may leave a last record half-written: it is dropped). */
export function readPcap(data: Buffer): Pcap {
  if (data.length < 24) throw new PcapError(data.length === 0 ? 'no pcap data' : `a pcap header is 24 bytes, got ${data.length}`);
  const magic = data.readUInt32LE(0);
  let le: boolean;
  let nano: boolean;
  if (magic === 0xa1b2c3d4 || magic === 0xa1b23c4d) [le, nano] = [true, magic === 0xa1b23c4d];
  else if (magic === 0xd4c3b2a1 || magic === 0x4d3cb2a1) [le, nano] = [false, magic === 0x4d3cb2a1];
  else throw new PcapError(`not a pcap file (magic 0x${magic.toString(16)})`);
  const u32 = (at: number) => (le ? data.readUInt32LE(at) : data.readUInt32BE(at));
  const linktype = u32(20) & 0x0fffffff;
  const packets: Packet[] = [];
  let at = 24;
  while (at + 16 <= data.length) {
    const sec = u32(at);
    const frac = u32(at + 4);
    const caplen = u32(at + 8);
    const length = u32(at + 12);
    if (at + 16 + caplen > data.length) break;
    const frame = data.subarray(at + 16, at + 16 + caplen);
    packets.push({ time: sec + frac / (nano ? 1e9 : 1e6), length, ...decodeFrame(linktype, frame) });
    at += 16 + caplen;
  }
  return { linktype, packets };
}

function decodeFrame(linktype: number, frame: Buffer): Pick<Packet, 'ip'> {
  let offset: number;
  let ethertype: number;
  if (linktype === LINKTYPE_ETHERNET) {
    if (frame.length < 14) return {};
    offset = 14;
    ethertype = frame.readUInt16BE(12);
    while (ethertype === 0x8100 && frame.length >= offset + 4) {
      ethertype = frame.readUInt16BE(offset + 2);
      offset += 4;
    }
  } else if (linktype === LINKTYPE_LINUX_SLL) {
    if (frame.length < 16) return {};
    [offset, ethertype] = [16, frame.readUInt16BE(14)];
  } else if (linktype === LINKTYPE_LINUX_SLL2) {
    if (frame.length < 20) return {};
    [offset, ethertype] = [20, frame.readUInt16BE(0)];
  } else return {};
  if (ethertype !== 0x0800) return {};
  const ip = decodeIPv4(frame.subarray(offset));
  return ip ? { ip } : {};
}

const TCP_FLAGS: [number, string][] = [
  [0x02, 'SYN'],
  [0x01, 'FIN'],
  [0x04, 'RST'],
  [0x08, 'PSH'],
  [0x10, 'ACK'],
];

/** SYN, SYN-ACK, PSH-ACK, FIN-ACK, ACK, RST-ACK... */
export function tcpFlagNames(bits: number): string {
  const names = TCP_FLAGS.filter(([bit]) => bits & bit).map(([, name]) => name);
  return names.length ? names.join('-') : 'none';
}

const ICMP_TYPES: Record<number, string> = { 0: 'echo-reply', 3: 'unreachable', 8: 'echo-request', 11: 'time-exceeded' };

function decodeIPv4(b: Buffer): Packet['ip'] | undefined {
  if (b.length < 20 || b[0]! >> 4 !== 4) return undefined;
  const ihl = (b[0]! & 0x0f) * 4;
  const total = b.readUInt16BE(2);
  const protoNumber = b[9]!;
  const src = [...b.subarray(12, 16)].join('.');
  const dst = [...b.subarray(16, 20)].join('.');
  const fragmentOffset = b.readUInt16BE(6) & 0x1fff;
  const l4 = b.subarray(ihl);
  const above = Math.max(0, total - ihl);
  if (fragmentOffset !== 0) return { src, dst, proto: protoNumber };
  if (protoNumber === 6 && l4.length >= 14) {
    const dataOffset = (l4[12]! >> 4) * 4;
    return {
      src,
      dst,
      proto: 'tcp',
      sport: l4.readUInt16BE(0),
      dport: l4.readUInt16BE(2),
      flags: tcpFlagNames(l4[13]!),
      payload: Math.max(0, above - dataOffset),
    };
  }
  if (protoNumber === 17 && l4.length >= 8)
    return { src, dst, proto: 'udp', sport: l4.readUInt16BE(0), dport: l4.readUInt16BE(2), payload: Math.max(0, above - 8) };
  if (protoNumber === 1 && l4.length >= 8) {
    const type = l4[0]!;
    const echo = type === 0 || type === 8;
    return { src, dst, proto: 'icmp', flags: ICMP_TYPES[type] ?? `type ${type}`, ...(echo ? { id: l4.readUInt16BE(4) } : {}) };
  }
  return { src, dst, proto: protoNumber };
}
