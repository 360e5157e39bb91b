import { describe, expect, it } from 'vitest';
import { judge, probeCommand, type ResolvedProbe } from '../../../../src/checks/probes/index.js';
import { conntrack } from '../../../../src/checks/probes/conntrack.js';

const p: ResolvedProbe = { kind: 'conntrack', expect: 'reachable', sourcePid: 10, nodePid: 20, targetIp: '10.96.0.20', port: 80, sourceIp: '10.0.1.2' };
const entry =
  'tcp      6 119 TIME_WAIT src=10.0.1.2 dst=10.96.0.20 sport=40000 dport=80 src=10.0.2.2 dst=10.0.1.2 sport=8080 dport=40000 [ASSURED] mark=0 use=1\n';

describe('conntrack', () => {
  it("sends one request, then lists the source node's entries for the cluster IP", () => {
    expect(conntrack.enters).toBe('node');
    expect(probeCommand(p)).toBe('conntrack_probe 10 /proc/20/ns/net 10.96.0.20 80');
  });

  it('finds the translation to an endpoint', () => {
    expect(judge(p, { exitCode: 0, output: entry })).toEqual({
      ok: true,
      detail: "10.0.1.2 → 10.96.0.20:80 was DNATed to 10.0.2.2:8080 (conntrack on the client's node)",
    });
    expect(judge({ ...p, endpointIps: ['10.0.3.3'] }, { exitCode: 0, output: entry }).detail).toMatch(/, not an endpoint$/);
    expect(judge(p, { exitCode: 0, output: 'request failed\n' })).toEqual({
      ok: false,
      detail: 'the request to 10.96.0.20:80 failed, nothing to see in conntrack',
    });
    expect(judge(p, { exitCode: 0, output: '' })).toEqual({ ok: false, detail: "no conntrack entry from 10.0.1.2 to 10.96.0.20:80 on the client's node" });
  });
});
