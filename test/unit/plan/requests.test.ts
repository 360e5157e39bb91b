import { describe, expect, it } from 'vitest';
import { NetlabError } from '../../../src/core/errors.js';
import { plumbPodsRequest, proxySyncRequest, routesRequest } from '../../../src/plan/requests.js';
import type { PodPlan } from '../../../src/plan/types.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const pod = (name: string) => ({ name, node: 'node1' }) as PodPlan;
const input = { containerId: 'c', podPid: 1, nodePid: 2, ip: '10.0.1.2', cniConfig: { ipam: {} } };

describe('toolbox requests of a lab', () => {
  it('plumbing: one exec for several pods, each pod its own answer', () => {
    const req = plumbPodsRequest([
      { pod: pod('a'), input },
      { pod: pod('b'), input: { ...input, ip: '10.0.1.3' } },
    ]);
    expect(req.argv[0]).toBe('sh');
    expect(req.argv[2]).toContain("IP=10.0.1.3'");
    const answers = req.parse({ exitCode: 0, stdout: `0 0 5 ${b64('unchanged')}\n1 1 7 ${b64('x\ny\nz\nno IP available')}\n`, stderr: '' });
    expect(answers[0]).toBe('unchanged');
    expect(answers[1]).toBeInstanceOf(NetlabError);
    expect((answers[1] as NetlabError).message).toBe('CNI ADD for pod b on node1 failed: y / z / no IP available');
  });

  it('plumbing that printed nothing at all fails as a whole', () => {
    expect(() => plumbPodsRequest([{ pod: pod('a'), input }]).parse({ exitCode: 1, stdout: '', stderr: 'nsenter: no such file' })).toThrow(
      'Failed plumbing pods: nsenter: no such file',
    );
  });

  it('a kube-proxy sync names the node that refused its rules', () => {
    const req = proxySyncRequest([
      { node: 'node1', command: 'true' },
      { node: 'node2', command: 'false' },
    ]);
    expect(req.argv).toEqual(['sh', '-s']);
    expect(req.stdin).toContain("run 1 'false' &");
    expect(() => req.parse({ exitCode: 0, stdout: `0 0 3 \n1 4 9 ${b64('iptables-restore: line 3 failed')}\n`, stderr: '' })).toThrow(
      'kube-proxy sync failed on node2: iptables-restore: line 3 failed',
    );
    expect(req.parse({ exitCode: 0, stdout: `0 0 3 \n1 0 9 \n`, stderr: '' })).toBeUndefined();
  });

  it('routes replace, so the request is idempotent', () => {
    expect(routesRequest([{ pid: 9, routes: [{ dst: '10.0.2.0/24', via: '10.250.0.12' }] }]).argv[2]).toContain(
      'nsenter --net=/proc/9/ns/net ip route replace 10.0.2.0/24 via 10.250.0.12',
    );
  });
});
