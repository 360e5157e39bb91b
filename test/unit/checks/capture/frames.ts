// Synthetic pcap files for the capture tests: Ethernet + IPv4 + TCP/UDP/ICMP, as tcpdump -w writes them.
export interface FrameSpec {
  time: number;
  src: string;
  dst: string;
  proto: 'tcp' | 'udp' | 'icmp' | 'arp';
  sport?: number;
  dport?: number;
  /** TCP flag bits (SYN 0x02, ACK 0x10...), or the ICMP type. */
  flags?: number;
  payload?: number;
}

const ip4 = (a: string) => Buffer.from(a.split('.').map(Number));

export function frame(s: FrameSpec): Buffer {
  const eth = Buffer.alloc(14);
  eth.writeUInt16BE(s.proto === 'arp' ? 0x0806 : 0x0800, 12);
  if (s.proto === 'arp') return Buffer.concat([eth, Buffer.alloc(28)]);
  let l4: Buffer;
  if (s.proto === 'tcp') {
    l4 = Buffer.alloc(20 + (s.payload ?? 0));
    l4.writeUInt16BE(s.sport!, 0);
    l4.writeUInt16BE(s.dport!, 2);
    l4[12] = 5 << 4;
    l4[13] = s.flags ?? 0x10;
  } else if (s.proto === 'udp') {
    l4 = Buffer.alloc(8 + (s.payload ?? 0));
    l4.writeUInt16BE(s.sport!, 0);
    l4.writeUInt16BE(s.dport!, 2);
  } else {
    l4 = Buffer.alloc(8);
    l4[0] = s.flags ?? 8;
    l4.writeUInt16BE(s.sport ?? 7, 4);
  }
  const ip = Buffer.alloc(20);
  ip[0] = 0x45;
  ip.writeUInt16BE(20 + l4.length, 2);
  ip[9] = s.proto === 'tcp' ? 6 : s.proto === 'udp' ? 17 : 1;
  ip4(s.src).copy(ip, 12);
  ip4(s.dst).copy(ip, 16);
  return Buffer.concat([eth, ip, l4]);
}

/** A little-endian microsecond pcap of these frames (`cut` bytes dropped from the end: a capture cut short). */
export function pcapOf(specs: FrameSpec[], cut = 0): Buffer {
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(262144, 16);
  header.writeUInt32LE(1, 20);
  const records = specs.map((s) => {
    const data = frame(s);
    const rec = Buffer.alloc(16);
    rec.writeUInt32LE(Math.floor(s.time), 0);
    rec.writeUInt32LE(Math.round((s.time % 1) * 1e6), 4);
    rec.writeUInt32LE(data.length, 8);
    rec.writeUInt32LE(data.length, 12);
    return Buffer.concat([rec, data]);
  });
  const all = Buffer.concat([header, ...records]);
  return all.subarray(0, all.length - cut);
}
