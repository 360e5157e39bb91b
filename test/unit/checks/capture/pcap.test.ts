// Reading tcpdump's pcap output: headers, byte orders, a record cut short, what is not IPv4.
import { describe, expect, it } from 'vitest';
import { PcapError, readPcap, tcpFlagNames } from '../../../../src/checks/capture/pcap.js';
import { pcapOf } from './frames.js';

describe('readPcap', () => {
  it('decodes Ethernet, IPv4 and TCP/UDP/ICMP headers, with times and payload sizes', () => {
    const { linktype, packets } = readPcap(
      pcapOf([
        { time: 1000.25, src: '10.0.1.3', dst: '10.3.241.152', proto: 'tcp', sport: 40312, dport: 80, flags: 0x02 },
        { time: 1000.5, src: '10.0.1.3', dst: '10.3.241.152', proto: 'tcp', sport: 40312, dport: 80, flags: 0x18, payload: 76 },
        { time: 1001, src: '10.0.1.3', dst: '10.3.240.10', proto: 'udp', sport: 5353, dport: 53, payload: 40 },
        { time: 1002, src: '10.0.1.3', dst: '10.0.2.2', proto: 'icmp', flags: 8, sport: 99 },
        { time: 1003, src: '0.0.0.0', dst: '0.0.0.0', proto: 'arp' },
      ]),
    );
    expect(linktype).toBe(1);
    expect(packets.map((p) => p.time)).toEqual([1000.25, 1000.5, 1001, 1002, 1003]);
    expect(packets[0]!.ip).toEqual({ src: '10.0.1.3', dst: '10.3.241.152', proto: 'tcp', sport: 40312, dport: 80, flags: 'SYN', payload: 0 });
    expect(packets[1]!.ip).toMatchObject({ flags: 'PSH-ACK', payload: 76 });
    expect(packets[2]!.ip).toEqual({ src: '10.0.1.3', dst: '10.3.240.10', proto: 'udp', sport: 5353, dport: 53, payload: 40 });
    expect(packets[3]!.ip).toEqual({ src: '10.0.1.3', dst: '10.0.2.2', proto: 'icmp', flags: 'echo-request', id: 99 });
    expect(packets[4]!.ip).toBeUndefined();
    expect(packets[0]!.length).toBe(54);
  });

  it('reads a big-endian file, and drops a last record tcpdump was stopped in the middle of', () => {
    const le = pcapOf([{ time: 5, src: '1.2.3.4', dst: '5.6.7.8', proto: 'udp', sport: 1, dport: 2 }]);
    const be = Buffer.from(le);
    be.writeUInt32BE(0xa1b2c3d4, 0);
    be.writeUInt16BE(2, 4);
    be.writeUInt16BE(4, 6);
    be.writeUInt32BE(262144, 16);
    be.writeUInt32BE(1, 20);
    for (const at of [24, 28, 32, 36]) be.writeUInt32BE(le.readUInt32LE(at), at);
    expect(readPcap(be).packets[0]!.ip).toMatchObject({ src: '1.2.3.4', sport: 1, dport: 2 });
    const spec = { time: 5, src: '1.2.3.4', dst: '5.6.7.8', proto: 'tcp' as const, sport: 1, dport: 2, flags: 0x02 };
    expect(readPcap(pcapOf([spec, spec], 10)).packets).toHaveLength(1);
  });

  it('says what is wrong with what is not a pcap', () => {
    expect(() => readPcap(Buffer.alloc(0))).toThrow(PcapError);
    expect(() => readPcap(Buffer.alloc(0))).toThrow('no pcap data');
    expect(() => readPcap(Buffer.from('tcpdump: eth5: No such device exists\n'))).toThrow(/not a pcap file/);
  });

  it('names TCP flags as people say them', () => {
    expect(tcpFlagNames(0x12)).toBe('SYN-ACK');
    expect(tcpFlagNames(0x11)).toBe('FIN-ACK');
    expect(tcpFlagNames(0x14)).toBe('RST-ACK');
    expect(tcpFlagNames(0)).toBe('none');
  });
});
