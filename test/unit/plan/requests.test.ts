import { describe, expect, it } from 'vitest';
import { NetlabError } from '../../../src/core/errors.js';
import type { StepResult } from '../../../src/core/toolbox-request.js';
import type { NodeSync } from '../../../src/plan/proxy/driver.js';
import { plumbPodsRequest, podLookRequest, proxySyncRequest, proxySyncRestRequest, routesRequest, unplumbPodRequest } from '../../../src/plan/requests.js';
import type { PodPlan } from '../../../src/plan/types.js';

const pod = (name: string) => ({ name, node: 'node1' }) as PodPlan;
const input = { containerId: 'c', podPid: 1, nodePid: 2, ip: '10.0.1.2', cniConfig: { ipam: {} } };
const r = (exitCode: number, stdout = '', stderr = ''): StepResult => ({ exitCode, stdout, stderr, ms: 1 });

describe('toolbox requests of a lab', () => {
  it('plumbing: one exec for several pods at once, each pod its steps in order (after), each its own answer', () => {
    const req = plumbPodsRequest([
      { pod: pod('a'), input, release: { others: [], self: false } },
      { pod: pod('b'), input: { ...input, ip: '10.0.1.3' }, release: { others: ['old'], self: true } },
    ]);
    expect(req.parallel).toBeGreaterThan(1);
    // Every pod's first step, then every second...: a: ADD, ARP; b: DEL old, DEL self, ADD, ARP.
    expect(req.steps.map((s) => [`${s.argv[0]} ${s.env?.CNI_COMMAND ?? ''}`.trim(), s.env?.CNI_CONTAINERID, s.after])).toEqual([
      ['cni-bridge ADD', 'c', undefined],
      ['cni-bridge DEL', 'old', undefined],
      ['arping', undefined, [0]],
      ['cni-bridge DEL', 'c', [1]],
      ['cni-bridge ADD', 'c', [3]],
      ['arping', undefined, [4]],
    ]);
    expect(req.steps[4]!.env!.CNI_ARGS).toBe('IgnoreUnknown=1;IP=10.0.1.3');
    // b's ADD fails; CNI plugins answer their errors as JSON on stdout.
    const answers = req.parse([r(0, '{"cniVersion":"1.0.0"}'), r(0), r(0), r(0), r(1, 'x\ny\n{"code":11,"msg":"no IP available"}'), r(0)]);
    expect(answers[0]).toBe('{"cniVersion":"1.0.0"}');
    expect(answers[1]).toBeInstanceOf(NetlabError);
    expect((answers[1] as NetlabError).message).toBe('CNI ADD for pod b on node1 failed: x / y / {"code":11,"msg":"no IP available"}');
    // A release that failed is why, when the ADD failed too; a step that never ran says why.
    const failed = req.parse([r(0), { ...r(-1), error: 'process 2 is not in container f00d' }, r(0), r(0), r(1, 'taken'), r(0)]);
    expect((failed[1] as NetlabError).message).toBe('CNI ADD for pod b on node1 failed: process 2 is not in container f00d');
  });

  it('looking at pods: read-only steps at once, two per pod', () => {
    const req = podLookRequest([input, { ...input, ip: '10.0.1.3' }]);
    expect(req.steps).toHaveLength(4);
    expect(req.parallel).toBeGreaterThan(1);
    expect(req.parse([r(0, 'eth0 inet 10.0.1.2/24'), r(0, 'c\r\neth0'), r(1), r(1)])).toEqual([{ unchanged: true, owner: 'c' }, { unchanged: false }]);
  });

  it('CNI DEL for a pod about to go: must succeed', () => {
    const req = unplumbPodRequest({ containerId: 'c', nodePid: 2, cniConfig: { ipam: {} } });
    expect(req.steps).toHaveLength(1);
    expect(req.parse([r(0, 'ok')])).toBe('ok');
    expect(() => req.parse([r(1, '', 'gone')])).toThrow('Failed CNI DEL: gone');
  });

  it('a kube-proxy sync names the node that refused its rules, and hands back what is left per node', () => {
    const sync = (left: string[]): NodeSync => ({
      steps: [{ argv: ['iptables-restore'], stdin: 'rules' }],
      checks: [{ argv: ['iptables-save'] }],
      after: (checks) => (checks[0]!.stdout === 'complete' ? [] : left.map((t) => ({ argv: ['iptables-restore'] as ['iptables-restore'], stdin: t }))),
    });
    const req = proxySyncRequest([
      { node: 'node1', sync: sync(['fix1']) },
      { node: 'node2', sync: sync(['fix2']) },
    ]);
    expect(req.steps.map((s) => s.argv[0])).toEqual(['iptables-restore', 'iptables-save', 'iptables-restore', 'iptables-save']);
    expect(() => req.parse([r(0), r(0, 'complete'), r(4, '', 'iptables-restore: line 3 failed'), r(0)])).toThrow(
      'kube-proxy sync failed on node2: iptables-restore: line 3 failed',
    );
    expect(req.parse([r(0), r(0, 'complete'), { ...r(0), ms: 230 }, r(0, 'partial')])).toEqual([
      { node: 'node1', steps: [], loadMs: 1 },
      { node: 'node2', steps: [{ argv: ['iptables-restore'], stdin: 'fix2' }], loadMs: 230 },
    ]);
    const reading: NodeSync = {
      ...sync([]),
      after: () => {
        throw new Error('iptables-save -t nat failed: no table');
      },
    };
    expect(() => proxySyncRequest([{ node: 'node3', sync: reading }]).parse([r(0), r(1)])).toThrow(
      'kube-proxy sync failed on node3: iptables-save -t nat failed: no table',
    );

    const rest = proxySyncRestRequest([
      { node: 'node1', steps: [{ argv: ['iptables-restore'], stdin: 'a' }] },
      { node: 'node2', steps: [{ argv: ['iptables-restore'], stdin: 'b' }] },
    ]);
    expect(rest.steps.map((s) => s.stdin)).toEqual(['a', 'b']);
    expect(() => rest.parse([r(0), r(2, '', 'Chain already exists')])).toThrow('kube-proxy sync failed on node2: Chain already exists');
    expect(rest.parse([r(0), r(0)])).toBeUndefined();
  });

  it("a kube-proxy sync's post steps (the conntrack listing) start once their node's loads are done, in the same exec", () => {
    const sync: NodeSync = { steps: [{ argv: ['nft', '-f', '-'], stdin: 'rules' }], checks: [{ argv: ['nft', 'list', 'chains', 'ip'] }], after: () => [] };
    const list = { argv: ['conntrack', '-L', '-p', 'udp'] as ['conntrack', '-L', '-p', 'udp'] };
    const req = proxySyncRequest([
      { node: 'node1', sync, post: [list] },
      { node: 'node2', sync: { ...sync, steps: [] }, post: [list] },
      { node: 'node3', sync },
    ]);
    expect(req.steps.map((s) => [s.argv[0], s.after])).toEqual([
      ['nft', undefined],
      ['nft', undefined],
      ['conntrack', [0]],
      ['nft', undefined],
      ['conntrack', []],
      ['nft', undefined],
      ['nft', undefined],
    ]);
    const parsed = req.parse([r(0), r(0), r(0, 'udp flows 1'), r(0), r(0, 'udp flows 2'), r(0), r(0)]);
    expect(parsed.map((l) => l.post?.map((p) => p.stdout))).toEqual([['udp flows 1'], ['udp flows 2'], undefined]);
  });

  it('routes: replaced, so the request is idempotent; only a missing default route may fail', () => {
    const req = routesRequest([{ pid: 9, container: 'r', routes: [{ dst: '10.0.2.0/24', via: '10.250.0.12' }], dropDefault: true }]);
    expect(req.steps).toEqual([
      { argv: ['ip', 'route', 'del', 'default'], netns: { pid: 9, container: 'r' } },
      { argv: ['ip', 'route', 'replace', '10.0.2.0/24', 'via', '10.250.0.12'], netns: { pid: 9, container: 'r' } },
    ]);
    expect(req.parse([r(2, '', 'RTNETLINK answers: No such process'), r(0)])).toBeUndefined();
    expect(() => req.parse([r(0), r(2, '', 'Error: Nexthop has invalid gateway.')])).toThrow('Failed setting routes: Error: Nexthop has invalid gateway.');
  });
});
