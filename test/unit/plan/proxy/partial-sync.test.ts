// Partial syncs (KEP-3453) in both modes, as a property: after any sequence of service and
// endpoint adds, removes and changes, the rules that the partial updates leave (each applied
// to what the previous sync left, in a strict model of the kernel) are exactly those of a full
// sync from scratch, and the state kept for the next sync is the one a full sync would keep.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { iptablesRules } from '../../../../src/plan/proxy/iptables/partial.js';
import { declaredChains, fixRestore, restoreFix } from '../../../../src/plan/proxy/iptables/sync.js';
import { type Declared, staleCleanup } from '../../../../src/plan/proxy/nftables/full.js';
import { nftablesRules } from '../../../../src/plan/proxy/nftables/partial.js';
import { type PlannedRules, type ProxySyncState, usableState } from '../../../../src/plan/proxy/sync-state.js';
import type { ProxyInput, ServicePortState } from '../../../../src/plan/proxy/types.js';
import { IptablesModel, NftModel } from '../../../helpers/netfilter-model.js';
import { fixture } from '../../../helpers/proxy-fixture.js';

const NODE = 'node1@start-1';
const SERVICES = ['web', 'api', 'db', 'cache', 'edge'];
const IPS = ['10.0.1.2', '10.0.1.3', '10.0.1.10', '10.0.2.2', '10.0.2.3', '10.0.2.20'];

/** One service of the small universe, with its ports. */
const service = (index: number): fc.Arbitrary<ServicePortState[]> =>
  fc
    .record({
      ports: fc.subarray(
        [
          ['http', 80],
          ['metrics', 9090],
        ] as const,
        { minLength: 1 },
      ),
      udp: fc.boolean(),
      nodePort: fc.option(fc.constantFrom(30080, 30081), { nil: undefined }),
      lb: fc.option(fc.constant(['172.18.255.10']), { nil: undefined }),
      ranges: fc.option(fc.constantFrom(['192.0.2.0/24'], ['10.250.0.0/16', '198.51.100.0/24']), { nil: undefined }),
      externalLocal: fc.boolean(),
      internalLocal: fc.boolean(),
      affinity: fc.option(fc.constantFrom(10800, 60), { nil: undefined }),
      endpoints: fc.subarray(IPS),
      targetPort: fc.constantFrom(8080, 8081),
    })
    .map((r) =>
      r.ports.map(([portName, port], i): ServicePortState => {
        const nodePort = r.nodePort !== undefined || r.lb ? (r.nodePort ?? 30082) + index * 10 + i * 3 : undefined;
        return {
          namespace: 'default',
          service: SERVICES[index]!,
          portName: r.ports.length > 1 ? portName : '',
          protocol: r.udp && i === 0 ? 'UDP' : 'TCP',
          clusterIP: `10.96.0.${10 + index}`,
          port,
          nodePort,
          loadBalancerIPs: r.lb?.map((ip) => ip.replace(/\d+$/, String(10 + index))),
          loadBalancerSourceRanges: r.lb && r.ranges ? [...r.ranges] : undefined,
          externalPolicyLocal: r.externalLocal && nodePort !== undefined ? true : undefined,
          internalPolicyLocal: r.internalLocal || undefined,
          affinitySeconds: r.affinity,
          endpoints: r.endpoints.map((ip) => ({ ip, port: r.targetPort, node: ip.startsWith('10.0.1.') ? 'node1' : 'node2' })),
        };
      }),
    );

/** A lab's input: some of the services (each changing as it pleases), sometimes in large-cluster mode. */
const input: fc.Arbitrary<ProxyInput> = fc
  .record({
    services: fc.tuple(...SERVICES.map((_, i) => fc.option(service(i), { nil: undefined, freq: 3 }))),
    large: fc.nat(4).map((n) => n === 0),
  })
  .map(({ services, large }) => ({
    node: 'node1',
    nodeIP: '10.250.0.11',
    clusterCIDR: '10.0.0.0/16',
    serviceCIDR: '10.96.0.0/12',
    notReadyEndpoints: large ? 2000 : 0,
    services: services.flatMap((s) => s ?? []),
  }));

/** A sequence of inputs, each the last one with one service (or none) changed, added or removed, or a new one altogether. */
const sequence: fc.Arbitrary<ProxyInput[]> = fc.array(input, { minLength: 2, maxLength: 6 }).chain((inputs) =>
  fc
    .array(fc.record({ from: fc.nat(inputs.length - 1), service: fc.nat(SERVICES.length - 1), whole: fc.boolean() }), {
      minLength: inputs.length - 1,
      maxLength: inputs.length - 1,
    })
    .map((steps) => {
      const out = [inputs[0]!];
      for (const [i, step] of steps.entries()) {
        const last = out[out.length - 1]!;
        if (step.whole) out.push(inputs[i + 1]!);
        else {
          // One service as in another input (changed, added or removed); the rest as they were.
          const name = SERVICES[step.service]!;
          const other = inputs[step.from]!.services.filter((s) => s.service === name);
          const kept = last.services.filter((s) => s.service !== name);
          const services = [...kept, ...other].sort((a, b) => SERVICES.indexOf(a.service) - SERVICES.indexOf(b.service));
          out.push({ ...last, services });
        }
      }
      return out;
    }),
);

type Plan = (input: ProxyInput, node: string, previous?: ProxySyncState) => PlannedRules & { declared?: Declared };

const modes: { name: string; plan: Plan; model: () => { apply(planned: { text: string; partial: boolean; declared?: Declared }): void; normal(): string } }[] =
  [
    {
      name: 'iptables',
      plan: iptablesRules,
      model: () => {
        const m = new IptablesModel();
        return {
          apply: ({ text, partial }) => {
            m.restore(text);
            // A full sync deletes the chains it no longer declares from what it reads back (sync.ts's fix step).
            if (!partial) m.restore(fixRestore(restoreFix({ filter: m.save('filter'), nat: m.save('nat') }, declaredChains(text), [], true)));
          },
          normal: () => m.normal(),
        };
      },
    },
    {
      name: 'nftables',
      plan: nftablesRules,
      model: () => {
        const m = new NftModel();
        return {
          apply: ({ text, declared }) => {
            m.load(text);
            // A full sync rewrites the table in place, then deletes what the listings show it no longer declares (full.ts).
            if (declared) m.load(staleCleanup(m.listChains(), m.listSets(), declared));
          },
          normal: () => m.normal(),
        };
      },
    },
  ];

describe.each(modes)('partial syncs ($name)', ({ plan, model }) => {
  const fromScratch = (i: ProxyInput) => {
    const m = model();
    const full = plan(i, NODE);
    m.apply(full);
    return { rules: m.normal(), state: full.state };
  };

  it('after any sequence of changes, the rules equal a full sync from scratch', { timeout: 60_000 }, () => {
    fc.assert(
      fc.property(sequence, (inputs) => {
        const node = model();
        let state: ProxySyncState | undefined;
        for (const i of inputs) {
          // The state goes through the node's file as text, as between two CLI processes.
          const planned = plan(i, NODE, state && usableState(JSON.stringify(state), state.mode, NODE));
          node.apply(planned);
          const expected = fromScratch(i);
          expect(node.normal()).toBe(expected.rules);
          expect(planned.state).toEqual(expected.state);
          state = planned.state;
        }
      }),
      { numRuns: 80, seed: 3453 },
    );
  });

  it('one changed endpoint rewrites only its service port (its chains, no other)', () => {
    const full = plan(fixture, NODE);
    const next = structuredClone(fixture);
    next.services[0]!.endpoints[1]!.ip = '10.0.2.9';
    const partial = plan(next, NODE, full.state);
    expect(partial.partial).toBe(true);
    expect(partial.text.length).toBeGreaterThan(0);
    expect(partial.text.length).toBeLessThan(full.text.length / 3);
    expect(partial.text).not.toMatch(/hello|cart|empty/);
    const unchanged = plan(next, NODE, partial.state);
    expect(unchanged).toMatchObject({ partial: true, text: '' });
  });

  it('a state whose rules were never loaded fails the next partial sync in the kernel; the full one after it is right', () => {
    const node = model();
    const first = plan(fixture, NODE);
    node.apply(first);
    const next = structuredClone(fixture);
    next.services[0]!.endpoints[1]!.ip = '10.0.2.9';
    // Its state is kept (written while it loads), but its load fails: the kernel still has the first sync's token.
    const lost = plan(next, NODE, first.state);
    expect(lost.partial).toBe(true);
    next.services[0]!.endpoints[0]!.port = 9999;
    const after = plan(next, NODE, usableState(JSON.stringify(lost.state), lost.state.mode, NODE));
    expect(after.partial).toBe(true);
    const before = node.normal();
    expect(() => node.apply(after)).toThrow(/no such rule to delete|no element to delete/);
    expect(node.normal()).toBe(before);
    const full = plan(next, NODE);
    node.apply(full);
    expect(node.normal()).toBe(fromScratch(next).rules);
  });

  it('syncs in full without a usable state: none, another node start, another context', () => {
    const full = plan(fixture, NODE);
    expect(plan(fixture, NODE, undefined).partial).toBe(false);
    expect(usableState(JSON.stringify(full.state), full.state.mode, 'node1@start-2')).toBeUndefined();
    expect(usableState('{"format":"netlab-kube-proxy-sync/0"}', full.state.mode, NODE)).toBeUndefined();
    expect(usableState('not json', full.state.mode, NODE)).toBeUndefined();
    expect(plan({ ...fixture, nodeIP: '10.250.0.12' }, NODE, full.state).partial).toBe(false);
  });
});

it('a one-service change among 1000 services x 10 endpoints is planned in a small fraction of a full one', () => {
  const big: ProxyInput = {
    ...fixture,
    serviceCIDR: '10.96.0.0/12',
    services: Array.from({ length: 1000 }, (_, s) => ({
      namespace: 'bench',
      service: `svc-${s}`,
      portName: 'http',
      protocol: 'TCP' as const,
      clusterIP: `10.96.${16 + (s >> 8)}.${s & 255}`,
      port: 80,
      endpoints: Array.from({ length: 10 }, (_, e) => ({ ip: `10.0.${1 + (e % 2)}.${2 + ((s * 10 + e) % 250)}`, port: 8080, node: 'node1' })),
    })),
  };
  for (const { plan } of modes) {
    const full = plan(big, NODE);
    const next = structuredClone(big);
    next.services[0]!.endpoints[0]!.port = 8081;
    const partial = plan(next, NODE, usableState(JSON.stringify(full.state), full.state.mode, NODE));
    expect(partial.partial).toBe(true);
    expect(partial.text.length).toBeLessThan(full.text.length / 100);
  }
});
