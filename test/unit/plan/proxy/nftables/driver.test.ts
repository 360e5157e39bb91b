// The nftables driver: one `nft -f` per sync, service-/endpoint- chain names as a real lab
// had them, the service-ips and service-nodeports maps read back, explain's counters.
import { describe, expect, it } from 'vitest';
import { nftablesDriver as d } from '../../../../../src/plan/proxy/nftables/driver.js';
import { nftCounterSteps } from '../../../../../src/plan/proxy/nftables/evidence.js';
import { nftablesScript } from '../../../../../src/plan/proxy/nftables/rules.js';
import { fixture } from '../../../../helpers/proxy-fixture.js';
import { NFT_AFTER } from '../../../../helpers/diagnose-fixtures.js';

const seedService = { namespace: 'default', service: 'service-test', portName: '', protocol: 'TCP' as const };
const service = {
  namespace: 'default',
  name: 'service-test',
  clusterIP: '10.3.241.152',
  port: 80,
  protocol: 'tcp' as const,
  chain: d.serviceChain(seedService),
  endpoints: [{ ip: '10.0.1.2', port: 8080, node: 'node1', chain: d.endpointChain(seedService, { ip: '10.0.1.2', port: 8080 }) }],
};

describe('nftables driver', () => {
  it("sync: the whole table in one nft -f, inside the node's network namespace, nothing read back", () => {
    const node = { pid: 7, container: 'c0ffee' };
    const sync = d.sync(fixture, node);
    expect(sync.steps).toEqual([{ argv: ['nft', '-f', '-'], netns: node, stdin: nftablesScript(fixture), timeoutMs: 300_000 }]);
    expect(sync.checks).toEqual([]);
    expect(sync.after([])).toEqual([]);
    expect(sync.files).toBeUndefined();
  });

  it('a full sync (partialSync without a state): the table rewritten in place while its chains and sets are listed, the stale ones deleted after', () => {
    const node = { pid: 7, container: 'c0ffee' };
    const planned = d.partialSync!(fixture, node, 'node1@start');
    expect(planned.partial).toBe(false);
    expect(planned.sync.steps).toHaveLength(1);
    expect(planned.sync.steps[0]!.stdin).not.toMatch(/delete table/);
    expect(planned.sync.checks.map((c) => c.argv)).toEqual([
      ['nft', 'list', 'chains', 'ip'],
      ['nft', '-t', 'list', 'sets', 'ip'],
    ]);
    const ok = (stdout: string) => ({ exitCode: 0, stdout, stderr: '', ms: 1 });
    const listing = (kind: string, name: string) => `table ip kube-proxy {\n\t${kind} ${name} {\n\t}\n}\n`;
    expect(planned.sync.after([ok(listing('chain', 'nat-output')), ok(listing('set', 'cluster-ips'))])).toEqual([]);
    expect(planned.sync.after([ok(listing('chain', 'endpoint-gone')), ok('')])).toEqual([
      {
        argv: ['nft', '-f', '-'],
        netns: node,
        stdin: 'flush chain ip kube-proxy endpoint-gone\ndelete chain ip kube-proxy endpoint-gone\n',
        timeoutMs: 300_000,
      },
    ]);
    expect(() => planned.sync.after([{ exitCode: 1, stdout: '', stderr: 'Error: oops', ms: 1 }, ok('')])).toThrow(/nft list chains ip failed: Error: oops/);
  });

  it('chains: service- and endpoint- as kube-proxy named them in a running lab', () => {
    expect(service.chain).toBe('service-EAFHE2E3-default/service-test/tcp/');
    expect(service.endpoints[0]!.chain).toBe('endpoint-3WTJTVM4-default/service-test/tcp/__10.0.1.2/8080');
  });

  it('evidence: the kube-proxy table with handles', () => {
    const node = { pid: 7, container: 'c0ffee0000000000' };
    expect(d.evidenceSteps(node)).toEqual([{ section: 'nft', step: { argv: ['nft', '-a', 'list', 'table', 'ip', 'kube-proxy'], netns: node } }]);
  });

  it('diagnosis: the service-ips element, or the table itself, missing', () => {
    expect(d.serviceRuleMissing({ nft: NFT_AFTER }, service, 'node1', 'lab')).toBeUndefined();
    expect(d.serviceRuleMissing({ nft: NFT_AFTER }, { ...service, port: 81 }, 'node1', 'lab')).toBe(
      "node node1's kube-proxy map service-ips has no element for 10.3.241.152:81/tcp (sync the lab: netlab sync lab)",
    );
    expect(d.serviceRuleMissing({ nft: 'Error: No such file or directory' }, service, 'node1', 'lab')).toBe(
      'node node1 has no kube-proxy nftables table (nft list table ip kube-proxy: Error: No such file or directory)',
    );
  });

  it('nodePort: an element of the service-nodeports map', () => {
    const map =
      'table ip kube-proxy {\n\tmap service-nodeports {\n\t\ttype inet_proto . inet_service : verdict\n\t\telements = { tcp . 30500 : goto external-X-default/hello/tcp/ }\n\t}\n}';
    expect(d.nodePortRule.command).toEqual(['nft', 'list', 'map', 'ip', 'kube-proxy', 'service-nodeports']);
    expect(d.nodePortRule.where).toBe('the service-nodeports map');
    expect(d.nodePortRule.present(map, 30500)).toBe(true);
    expect(d.nodePortRule.present(map, 30501)).toBe(false);
  });

  it('explain: a counter on the service chain and each endpoint chain; conntrack shows the DNAT', () => {
    const node = { pid: 7, container: 'c0ffee0000000000' };
    const counters = d.explain.counters!(node, service);
    const mine = nftCounterSteps(node, [service.chain, service.endpoints[0]!.chain]);
    expect(counters.add).toEqual(mine.add);
    expect(counters.add.map((s) => s.argv[5])).toEqual([service.chain, service.endpoints[0]!.chain]);
    const after = new Map([['nft.after', NFT_AFTER]]);
    expect(counters.remove(after)).toEqual(mine.remove(after));
    expect(d.explain.conntrack.replyIsEndpoint).toBe(true);
    expect(d.explain.conntrack.translated({ src: '10.0.1.2', sport: 8080 })).toBe('DNATed to 10.0.1.2:8080');
  });
});
