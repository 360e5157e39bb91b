import { describe, expect, it } from 'vitest';
import { judge, probeSteps, type ResolvedProbe } from '../../../../src/checks/probes/index.js';
import { conntrack } from '../../../../src/checks/probes/conntrack.js';
import { ran } from '../../../helpers/probe-fixtures.js';

const p: ResolvedProbe = { kind: 'conntrack', expect: 'reachable', sourcePid: 10, nodePid: 20, targetIp: '10.96.0.20', port: 80, sourceIp: '10.0.1.2' };
const entry =
  'tcp      6 119 TIME_WAIT src=10.0.1.2 dst=10.96.0.20 sport=40000 dport=80 src=10.0.2.2 dst=10.0.1.2 sport=8080 dport=40000 [ASSURED] mark=0 use=1\n';

describe('conntrack', () => {
  it("sends one request, then (once it is done) lists the source node's entries for the cluster IP", () => {
    expect(conntrack.enters).toBe('node');
    expect(probeSteps({ ...p, nodeContainer: 'bbbbbbbbbbbb' })).toEqual([
      { argv: ['curl', '-s', '-g', '-o', '/dev/null', '--connect-timeout', '1', '--max-time', '2', '--', 'http://10.96.0.20:80/'], netns: { pid: 10 } },
      { argv: ['conntrack', '-L', '-p', 'tcp', '--orig-dst', '10.96.0.20', '--dport', '80'], netns: { pid: 20, container: 'bbbbbbbbbbbb' }, after: [0] },
    ]);
  });

  it('finds the translation to an endpoint', () => {
    expect(judge(p, [ran(''), ran(entry)])).toEqual({
      ok: true,
      detail: "10.0.1.2 → 10.96.0.20:80 was DNATed to 10.0.2.2:8080 (conntrack on the client's node)",
    });
    expect(judge({ ...p, endpointIps: ['10.0.3.3'] }, [ran(''), ran(entry)]).detail).toMatch(/, not an endpoint$/);
    expect(judge(p, [ran('', 28), ran(entry)])).toEqual({
      ok: false,
      detail: 'the request to 10.96.0.20:80 failed, nothing to see in conntrack',
    });
    expect(judge(p, [ran(''), ran('', 0, 'conntrack v1.4.7 (conntrack-tools): 0 flow entries have been shown.\n')])).toEqual({
      ok: false,
      detail: "no conntrack entry from 10.0.1.2 to 10.96.0.20:80 on the client's node",
    });
  });
});
