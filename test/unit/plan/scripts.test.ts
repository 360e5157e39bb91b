import { describe, expect, it } from 'vitest';
import { plumbPodScript, routesScript, shq } from '../../../src/plan/scripts.js';
import { cniConfig } from '../../../src/plan/plan.js';

describe('toolbox scripts', () => {
  it('quotes for sh', () => {
    expect(shq("it's")).toBe(`'it'\\''s'`);
  });

  it('plumbs a pod with CNI ADD in the node namespace, host-local state inside the node, the planned IP requested', () => {
    const s = plumbPodScript({ containerId: 'abc', podPid: 42, nodePid: 7, ip: '10.0.1.2', cniConfig: cniConfig('10.0.1.0/24', '10.0.1.1') });
    expect(s).toContain('pod=/proc/42/ns/net');
    expect(s).toContain('node=/proc/7/ns/net');
    expect(s).toContain('"dataDir":"/proc/7/root/var/lib/cni/networks"');
    expect(s).toContain(`CNI_COMMAND=ADD CNI_CONTAINERID='abc' CNI_NETNS="$pod" 'CNI_ARGS=IgnoreUnknown=1;IP=10.0.1.2'`);
    // Already plumbed: nothing to do.
    expect(s).toMatch(/grep -q ' inet 10\.0\.1\.2\/'.*echo unchanged/);
  });

  it('sets routes idempotently, one exec for all targets', () => {
    const s = routesScript([
      { pid: 5, routes: [{ dst: 'default', via: '10.250.0.2' }] },
      { pid: 6, routes: [{ dst: '10.0.1.0/24', via: '10.250.0.11' }], dropDefault: true },
    ]);
    expect(s.split('\n')).toEqual([
      'set -e',
      'nsenter --net=/proc/5/ns/net ip route replace default via 10.250.0.2',
      'nsenter --net=/proc/6/ns/net ip route del default 2>/dev/null || true',
      'nsenter --net=/proc/6/ns/net ip route replace 10.0.1.0/24 via 10.250.0.11',
    ]);
  });
});
