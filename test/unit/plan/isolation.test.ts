import { describe, expect, it } from 'vitest';
import { NetlabError } from '../../../src/core/errors.js';
import { planLab } from '../../../src/plan/plan.js';
import { allContainers } from '../../../src/plan/types.js';
import { images, pod, twoNodeLab } from '../../helpers/plan-fixtures.js';
import {
  guardContainer,
  hostStateRequest,
  interfaces,
  isolateRequest,
  isolatedBridges,
  isolationRuleset,
  isolationTable,
  labBridge,
  liftRequest,
  liftRuleset,
  orphanBridges,
  tableBridge,
} from '../../../src/plan/isolation.js';

const ID = '151dc1d7a3f3a8bd0e5a1b0c2d3e4f5061728394a5b6c7d8e9f0a1b2c3d4e5f6';
const ok = (stdout: string) => ({ exitCode: 0, stdout, stderr: '' });

describe('isolation from the engine host: which bridge, which table', () => {
  it("names the bridge as Docker does (br- and the ID's first 12 characters), or as the network's option says", () => {
    expect(labBridge({ Id: ID })).toBe('br-151dc1d7a3f3');
    expect(labBridge({ Id: ID, Options: {} })).toBe('br-151dc1d7a3f3');
    expect(labBridge({ Id: ID, Options: { 'com.docker.network.bridge.name': 'labs0' } })).toBe('labs0');
  });

  it('refuses a bridge name that is no interface name, or would not stay inside nft quotes', () => {
    for (const name of ['a"b', 'x y', 'much-too-long-name0', 'a;b']) {
      expect(() => labBridge({ Id: ID, Options: { 'com.docker.network.bridge.name': name } }), name).toThrow(NetlabError);
    }
  });

  it('keeps one table per bridge, and knows its own tables from any other', () => {
    expect(isolationTable('br-151dc1d7a3f3')).toBe('netlab-br-151dc1d7a3f3');
    expect(tableBridge('netlab-br-151dc1d7a3f3')).toBe('br-151dc1d7a3f3');
    expect(tableBridge('kube-proxy')).toBeUndefined();
    expect(tableBridge('netlab-')).toBeUndefined();
    expect(tableBridge('filter')).toBeUndefined();
  });
});

describe('the isolation table', () => {
  it('is replaced as a whole in one transaction: nothing new in from the bridge, nothing across it, replies to the host kept', () => {
    expect(isolationRuleset('multi-node', 'br-151dc1d7a3f3').split('\n')).toEqual([
      'table inet netlab-br-151dc1d7a3f3',
      'delete table inet netlab-br-151dc1d7a3f3',
      'table inet netlab-br-151dc1d7a3f3 {',
      '  comment "netlab:multi-node: nothing on br-151dc1d7a3f3 reaches the engine host or crosses to another interface"',
      '  chain bridge-present {',
      '    iif "br-151dc1d7a3f3" return',
      '  }',
      '  chain input {',
      '    type filter hook input priority filter; policy accept;',
      '    iifname "br-151dc1d7a3f3" ct state established,related accept comment "netlab:multi-node"',
      '    iifname "br-151dc1d7a3f3" drop comment "netlab:multi-node"',
      '  }',
      '  chain forward {',
      '    type filter hook forward priority filter; policy accept;',
      '    iifname "br-151dc1d7a3f3" oifname != "br-151dc1d7a3f3" drop comment "netlab:multi-node"',
      '    oifname "br-151dc1d7a3f3" iifname != "br-151dc1d7a3f3" drop comment "netlab:multi-node"',
      '  }',
      '}',
      '',
    ]);
  });

  it('keeps a lab name with odd characters out of the rule text', () => {
    const rules = isolationRuleset('a"b; flush ruleset', 'br-151dc1d7a3f3');
    expect(rules).toContain('comment "netlab:a_b__flush_ruleset"');
    expect(rules).not.toContain('flush ruleset');
  });

  it('is removed (each table whether or not it exists) in one transaction', () => {
    expect(liftRuleset(['br-aaaaaaaaaaaa', 'br-bbbbbbbbbbbb']).split('\n')).toEqual([
      'table inet netlab-br-aaaaaaaaaaaa',
      'delete table inet netlab-br-aaaaaaaaaaaa',
      '',
      'table inet netlab-br-bbbbbbbbbbbb',
      'delete table inet netlab-br-bbbbbbbbbbbb',
      '',
    ]);
    expect(() => liftRuleset(['br-x"; flush ruleset; "'])).toThrow(NetlabError);
  });
});

describe('reading the engine host', () => {
  it('lists the interfaces of /proc/net/dev', () => {
    const dev = [
      'Inter-|   Receive                                                |  Transmit',
      ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed',
      '    lo: 59164228  227883    0    0    0     0          0         0 59164228  227883    0    0    0     0       0          0',
      'br-151dc1d7a3f3:       0       0    0    0    0     0          0         0        0       0    0    0    0     0       0          0',
      '  eth0: 1 2 0 0 0 0 0 0 1 2 0 0 0 0 0 0',
      '',
    ].join('\n');
    expect(interfaces(dev)).toEqual(['lo', 'br-151dc1d7a3f3', 'eth0']);
  });

  it("reads netlab's own tables (family inet) from nft's JSON, and nothing else", () => {
    const json = JSON.stringify({
      nftables: [
        { metainfo: { version: '1.0.6' } },
        { table: { family: 'ip', name: 'filter', handle: 2 } },
        { table: { family: 'inet', name: 'netlab-br-151dc1d7a3f3', handle: 7 } },
        { table: { family: 'ip', name: 'netlab-br-aaaaaaaaaaaa', handle: 8 } },
        { table: { family: 'inet', name: 'firewalld', handle: 9 } },
      ],
    });
    expect(isolatedBridges(json)).toEqual(['br-151dc1d7a3f3']);
    expect(isolatedBridges('')).toEqual([]);
    expect(() => isolatedBridges('Error: nope')).toThrow(NetlabError);
  });

  it('takes a table whose bridge is gone for an orphan, never one whose bridge exists', () => {
    expect(orphanBridges(['br-aaaaaaaaaaaa', 'br-bbbbbbbbbbbb'], ['lo', 'eth0', 'br-bbbbbbbbbbbb'])).toEqual(['br-aaaaaaaaaaaa']);
    expect(orphanBridges([], ['lo'])).toEqual([]);
  });
});

describe('the guard and its requests: agent steps, argv, no shell', () => {
  it("is netlab's probe image on the engine's own network, with NET_ADMIN alone, labelled with the lab", () => {
    const g = guardContainer('multi-node', 'netlab/probe:abc');
    expect(g.Image).toBe('netlab/probe:abc');
    expect(g.Labels).toEqual({ 'netlab.lab': 'multi-node', 'netlab.role': 'guard' });
    expect(g.HostConfig).toMatchObject({ NetworkMode: 'host', CapDrop: ['ALL'], CapAdd: ['NET_ADMIN'] });
    expect(g.HostConfig?.PidMode).toBeUndefined();
    expect(g.HostConfig?.Privileged).toBeUndefined();
    expect(g.HostConfig?.Memory).toBeGreaterThan(0);
  });

  it("is part of every lab's plan, beside the toolbox: the probe image, spec-hashed, under the lab's limits for netlab's own", () => {
    const plan = planLab(twoNodeLab([pod('web')]), { images, underlay: '10.250.0.0/24' });
    expect(plan.guard.name).toBe('t.guard');
    expect(plan.guard.role).toBe('guard');
    expect(plan.guard.create.Image).toBe(images.probe);
    expect(plan.guard.create.HostConfig).toMatchObject({ NetworkMode: 'host', CapDrop: ['ALL'], CapAdd: ['NET_ADMIN'] });
    expect(plan.guard.create.Labels).toMatchObject({ 'netlab.lab': 't', 'netlab.role': 'guard' });
    expect(plan.guard.create.Labels?.['netlab.spec']).toMatch(/^[0-9a-f]{12}$/);
    expect(allContainers(plan)).toContain(plan.guard);
    // Nothing else of a lab is on the host's network.
    expect(allContainers(plan).filter((c) => c.create.HostConfig?.NetworkMode === 'host')).toEqual([plan.guard]);
  });

  it('installs the ruleset with nft in its own namespace, the rules on stdin; a refusal is an error naming the lab', () => {
    const r = isolateRequest('multi-node', 'br-151dc1d7a3f3');
    expect(r.steps).toEqual([{ argv: ['nft', '-f', '-'], stdin: isolationRuleset('multi-node', 'br-151dc1d7a3f3') }]);
    expect(r.parse([{ ...ok(''), ms: 3 }])).toBeUndefined();
    const refused = { exitCode: 1, stdout: '', stderr: '/dev/stdin:6:9-25: Error: Interface does not exist\n    iif "br-151dc1d7a3f3" return\n', ms: 3 };
    expect(() => r.parse([refused])).toThrow(/Failed isolating lab multi-node \(bridge br-151dc1d7a3f3\) from the engine host: .*Interface does not exist/);
  });

  it("reads netlab's tables, then the interfaces, in one request", () => {
    const r = hostStateRequest();
    expect(r.steps).toEqual([{ argv: ['nft', '-j', 'list', 'tables', 'inet'] }, { argv: ['cat', '/proc/net/dev'] }]);
    const tables = JSON.stringify({ nftables: [{ table: { family: 'inet', name: 'netlab-br-aaaaaaaaaaaa' } }] });
    const dev = 'Inter-|\n face |\n    lo: 0 0\nbr-bbbbbbbbbbbb: 0 0\n';
    expect(
      r.parse([
        { ...ok(tables), ms: 1 },
        { ...ok(dev), ms: 1 },
      ]),
    ).toEqual({ isolated: ['br-aaaaaaaaaaaa'], interfaces: ['lo', 'br-bbbbbbbbbbbb'] });
    expect(() =>
      r.parse([
        { exitCode: 1, stdout: '', stderr: 'Error: Could not process rule: Operation not permitted', ms: 1 },
        { ...ok(dev), ms: 1 },
      ]),
    ).toThrow(/Operation not permitted/);
  });

  it('removes tables in one nft transaction', () => {
    expect(liftRequest(['br-aaaaaaaaaaaa']).steps).toEqual([{ argv: ['nft', '-f', '-'], stdin: liftRuleset(['br-aaaaaaaaaaaa']) }]);
  });
});
