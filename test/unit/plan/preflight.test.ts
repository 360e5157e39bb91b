// Preflight's pure part: who holds which block and port, which of the lab's claims overlap
// them, and how each problem names the holder and the lab file's line.
import { describe, expect, it } from 'vitest';
import { loadLab } from '../../../src/labfile/load.js';
import type { Lab } from '../../../src/labfile/model.js';
import {
  networkHolder,
  parseProcRoutes,
  portProblems,
  publishedNodePorts,
  subnetClaims,
  subnetHolders,
  subnetProblems,
  type SubnetHolder,
} from '../../../src/plan/preflight.js';

const FILE = '/course/lab1/lab.yaml';

async function lab(text: string): Promise<Lab> {
  return (await loadLab(FILE, { files: new Map([[FILE, text]]) })).lab;
}

const withUnderlay = (underlay: string, podCIDR = '10.0.1.0/24') =>
  lab(`name: t
topology:
  underlay: ${underlay}
  nodes:
    - { name: node1, podCIDR: ${podCIDR} }
    - { name: node2 }
`);

const published = (nodePort: number, protocol = 'TCP') =>
  lab(`name: t
topology:
  publish: true
workloads:
  - apiVersion: v1
    kind: Service
    metadata: { name: web }
    spec:
      type: NodePort
      selector: { app: web }
      ports:
        - { name: http, port: 80, targetPort: 8080, protocol: ${protocol}, nodePort: ${nodePort} }
        - { name: other, port: 81, targetPort: 8080, protocol: ${protocol} }
`);

// /proc/net/route as this machine prints it: default via eth0, docker0, the LAN, a VPN's 10.8/16.
const PROC_ROUTE = `Iface	Destination	Gateway 	Flags	RefCnt	Use	Metric	Mask		MTU	Window	IRTT
eth0	00000000	010200C0	0003	0	0	0	00000000	0	0	0
docker0	000011AC	00000000	0001	0	0	0	0000FFFF	0	0	0
eth0	000200C0	00000000	0001	0	0	0	00FFFFFF	0	0	0
tun0	0000080A	0100080A	0003	0	0	0	0000FFFF	0	0	0
down0	0000090A	00000000	0000	0	0	0	0000FFFF	0	0	0
`;

const DOCKER0 = { name: 'bridge', subnets: ['172.17.0.0/16'], bridge: 'docker0' };

describe('the host routes', () => {
  it('reads /proc/net/route (little-endian hex): destination, prefix, device, gateway; routes that are down are left out', () => {
    expect(parseProcRoutes(PROC_ROUTE)).toEqual([
      { cidr: '0.0.0.0/0', dev: 'eth0', gateway: '192.0.2.1' },
      { cidr: '172.17.0.0/16', dev: 'docker0' },
      { cidr: '192.0.2.0/24', dev: 'eth0' },
      { cidr: '10.8.0.0/16', dev: 'tun0', gateway: '10.8.0.1' },
    ]);
  });

  it('reads a big-endian host the same way', () => {
    const be = 'Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\nbr0\tAC110000\t00000000\t0001\t0\t0\t0\tFFFF0000\n';
    expect(parseProcRoutes(be, false)).toEqual([{ cidr: '172.17.0.0/16', dev: 'br0' }]);
  });
});

describe('who holds a subnet', () => {
  it('names a network by its name, its lab and its host bridge', () => {
    expect(networkHolder(DOCKER0)).toBe('Docker network bridge (docker0)');
    expect(networkHolder({ name: 'netlab-alice', subnets: [], lab: 'alice' })).toBe('Docker network netlab-alice (lab alice)');
    expect(networkHolder({ name: 'kind', subnets: [] })).toBe('Docker network kind');
  });

  it("is every network but the lab's own, then routes no network explains, never the default route", () => {
    const holders = subnetHolders(
      't',
      [DOCKER0, { name: 'netlab-t', subnets: ['10.250.0.0/24'], lab: 't' }, { name: 'netlab-a', subnets: ['10.250.1.0/24', 'fd00::/64'], lab: 'a' }],
      [...parseProcRoutes(PROC_ROUTE), { cidr: '10.250.0.0/24', dev: 'br-0123' }, { cidr: '10.250.1.0/24', dev: 'br-4567' }],
    );
    expect(holders).toEqual([
      { cidr: '172.17.0.0/16', holder: 'Docker network bridge (docker0)' },
      { cidr: '10.250.1.0/24', holder: 'Docker network netlab-a (lab a)' },
      { cidr: '192.0.2.0/24', holder: "the host's route via dev eth0" },
      { cidr: '10.8.0.0/16', holder: "the host's route via dev tun0 (gateway 10.8.0.1)" },
    ]);
  });
});

describe('subnets the lab claims', () => {
  const holders: SubnetHolder[] = subnetHolders('t', [DOCKER0], parseProcRoutes(PROC_ROUTE));

  it('an underlay written over docker0: the line, the network, and a free subnet to use instead', async () => {
    const l = await withUnderlay('172.17.3.0/24');
    const problems = subnetProblems(l, subnetClaims(l, '172.17.3.0/24'), holders);
    expect(problems).toHaveLength(1);
    expect(problems[0]!.message).toBe(`${l.topology.underlayAt!.file}:3:13: underlay 172.17.3.0/24 overlaps Docker network bridge (docker0) 172.17.0.0/16`);
    expect(problems[0]!.hint).toMatch(/^pick another subnet for topology.underlay \(10\.250\.0\.0\/24 is free\), or remove topology.underlay/);
  });

  it("a route of the host counts (a VPN's 10.8.0.0/16), named by its device", async () => {
    const l = await withUnderlay('10.8.4.0/24');
    const [p] = subnetProblems(l, subnetClaims(l, '10.8.4.0/24'), holders);
    expect(p!.message).toContain("underlay 10.8.4.0/24 overlaps the host's route via dev tun0 (gateway 10.8.0.1) 10.8.0.0/16");
  });

  it('the underlay of a network that is kept is not claimed again, and pod CIDRs never are (they live inside the nodes)', async () => {
    const l = await withUnderlay('10.250.9.0/24');
    expect(subnetClaims(l, undefined)).toEqual([]);
    const held: SubnetHolder[] = [{ cidr: '10.0.0.0/8', holder: "the host's route via dev wg0" }];
    expect(subnetProblems(l, subnetClaims(l, '10.250.9.0/24'), held).map((p) => p.message)).toEqual([
      `${l.topology.underlayAt!.file}:${l.topology.underlayAt!.line}:${l.topology.underlayAt!.column}: underlay 10.250.9.0/24 overlaps the host's route via dev wg0 10.0.0.0/8`,
    ]);
  });

  it('a subnet netlab picked has no line; every holder it overlaps is named', async () => {
    const l = await lab('name: t\n');
    const [p] = subnetProblems(l, subnetClaims(l, '10.250.0.0/24'), [
      { cidr: '10.250.0.0/16', holder: 'Docker network x' },
      { cidr: '10.250.0.128/25', holder: "the host's route via dev y" },
    ]);
    expect(p!.message).toBe("underlay 10.250.0.0/24 (picked by netlab) overlaps Docker network x 10.250.0.0/16 and the host's route via dev y 10.250.0.128/25");
  });
});

describe('nodePorts --publish binds on 127.0.0.1', () => {
  it('are none without publish, else every NodePort service port (written or allocated)', async () => {
    const l = await published(30500);
    expect(publishedNodePorts(l).map((p) => [p.service.name, p.port.name, p.protocol, p.nodePort >= 30000])).toEqual([
      ['web', 'http', 'TCP', true],
      ['web', 'other', 'TCP', true],
    ]);
    expect(publishedNodePorts({ ...l, topology: { ...l.topology, publish: false } })).toEqual([]);
  });

  it("held by another lab's container: its name and its lab, at the Service port's line", async () => {
    const l = await published(30500);
    const ports = publishedNodePorts(l).slice(0, 1);
    const [p] = portProblems(ports, [{ port: 30500, protocol: 'tcp', ip: '127.0.0.1', container: 'alice-node1', lab: 'alice' }], new Set());
    expect(p!.message).toMatch(
      /^\/course\/lab1\/lab\.yaml:12:11: Service web port http\/TCP \(nodePort 30500\) cannot be published: container alice-node1 of lab alice holds 127\.0\.0\.1:30500$/,
    );
    expect(p!.hint).toContain('netlab down alice');
  });

  it('held by a container that is no lab, or by a process on this host', async () => {
    const ports = publishedNodePorts(await published(30500)).slice(0, 1);
    expect(portProblems(ports, [{ port: 30500, protocol: 'tcp', ip: '0.0.0.0', container: 'web' }], new Set())[0]!.message).toContain(
      'container web (not a netlab lab) holds 127.0.0.1:30500',
    );
    expect(portProblems(ports, [], new Set(['30500/tcp']))[0]!.message).toContain('a process on this host holds 127.0.0.1:30500');
  });

  it('free: another protocol, another address, another port', async () => {
    const ports = publishedNodePorts(await published(30500)).slice(0, 1);
    const holders = [
      { port: 30500, protocol: 'udp', ip: '127.0.0.1', container: 'a' },
      { port: 30500, protocol: 'tcp', ip: '192.168.1.5', container: 'b' },
      { port: 30501, protocol: 'tcp', ip: '127.0.0.1', container: 'c' },
    ];
    expect(portProblems(ports, holders, new Set(['30500/udp']))).toEqual([]);
  });

  it('UDP ports are UDP holders', async () => {
    const ports = publishedNodePorts(await published(30600, 'UDP')).slice(0, 1);
    expect(portProblems(ports, [{ port: 30600, protocol: 'udp', ip: '', container: 'x', lab: 'x' }], new Set())[0]!.message).toContain(
      'holds 127.0.0.1:30600/udp',
    );
  });
});
