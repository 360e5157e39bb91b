// Plumbing and routes as agent steps: the real CNI bridge plugin run in the node's network
// namespace with its config on stdin and CNI_* in its environment, host-local's state inside
// the node; nothing is ever a shell word, so a hostile value stays one argument.
import { describe, expect, it } from 'vitest';
import { cniConfig } from '../../../src/plan/plan.js';
import { plumbSteps, podLookSteps, readPodLook, reservationFile, routeSteps, unplumbPodStep } from '../../../src/plan/plumbing.js';

const input = { containerId: 'abc', podPid: 42, nodePid: 7, nodeId: 'f00d', ip: '10.0.1.2', cniConfig: cniConfig('10.0.1.0/24', '10.0.1.1') };
const result = (exitCode: number, stdout: string) => ({ exitCode, stdout, stderr: '', ms: 1 });

describe('plumbing a pod', () => {
  it("CNI ADD: the bridge plugin in the node's namespace, the pod's as CNI_NETNS, the planned IP requested, host-local's state inside the node", () => {
    const { steps, add } = plumbSteps(input, { others: [], self: false });
    expect(add).toBe(0);
    expect(steps[0]).toEqual({
      argv: ['cni-bridge'],
      netns: { pid: 7, container: 'f00d' },
      env: {
        CNI_COMMAND: 'ADD',
        CNI_CONTAINERID: 'abc',
        CNI_NETNS: '/proc/42/ns/net',
        CNI_IFNAME: 'eth0',
        CNI_PATH: '/usr/lib/cni',
        CNI_ARGS: 'IgnoreUnknown=1;IP=10.0.1.2',
      },
      stdin: JSON.stringify({ ...input.cniConfig, ipam: { ...(input.cniConfig.ipam as object), dataDir: '/proc/7/root/var/lib/cni/networks' } }),
    });
    // Then a gratuitous ARP in the pod, in the background.
    expect(steps[1]).toEqual({
      argv: ['arping', '-q', '-U', '-c', '1', '-w', '1', '-I', 'eth0', '10.0.1.2'],
      netns: { pid: 42, container: 'abc' },
      detach: true,
    });
    expect(steps).toHaveLength(2);
  });

  it('releases first what other sandboxes hold (their namespace is gone), then its own earlier plumbing', () => {
    const { steps, add } = plumbSteps(input, { others: ['old', 'abc'], self: true });
    expect(add).toBe(2);
    expect(steps.map((s) => [s.argv[0], s.env?.CNI_COMMAND, s.env?.CNI_CONTAINERID, s.env?.CNI_NETNS])).toEqual([
      ['cni-bridge', 'DEL', 'old', ''],
      ['cni-bridge', 'DEL', 'abc', '/proc/42/ns/net'],
      ['cni-bridge', 'ADD', 'abc', '/proc/42/ns/net'],
      ['arping', undefined, undefined, undefined],
    ]);
  });

  it('looks first: eth0 with the planned IP means unchanged; host-local names who holds the IP', () => {
    const [addr, owner] = podLookSteps(input);
    expect(addr).toEqual({ argv: ['ip', '-4', '-o', 'addr', 'show', 'dev', 'eth0'], netns: { pid: 42, container: 'abc' } });
    expect(owner).toEqual({ argv: ['cat', '/proc/7/root/var/lib/cni/networks/netlab/10.0.1.2'] });
    expect(reservationFile(input)).toBe('/proc/7/root/var/lib/cni/networks/netlab/10.0.1.2');
    const eth0 = '2: eth0    inet 10.0.1.2/24 brd 10.0.1.255 scope global eth0\\       valid_lft forever preferred_lft forever\n';
    expect(readPodLook(input, [result(0, eth0), result(0, 'abc\r\neth0')])).toEqual({ unchanged: true, owner: 'abc' });
    expect(readPodLook(input, [result(0, eth0.replace('10.0.1.2/', '10.0.1.22/')), result(1, '')])).toEqual({ unchanged: false });
    expect(readPodLook(input, [result(1, ''), result(0, 'old\r\neth0')])).toEqual({ unchanged: false, owner: 'old' });
  });

  it('CNI DEL of a pod about to go: its namespace when it still runs, else none', () => {
    expect(unplumbPodStep({ containerId: 'abc', nodePid: 7, cniConfig: input.cniConfig }).env).toMatchObject({ CNI_COMMAND: 'DEL', CNI_NETNS: '' });
    expect(unplumbPodStep({ containerId: 'abc', nodePid: 7, podPid: 9, cniConfig: input.cniConfig }).env).toMatchObject({ CNI_NETNS: '/proc/9/ns/net' });
    expect(unplumbPodStep({ containerId: 'abc', nodePid: 7, cniConfig: input.cniConfig }).netns).toEqual({ pid: 7 });
  });

  it('a hostile value stays one argument or one variable', () => {
    const evil = "x'; touch /tmp/pwned; echo '$(id)`id`\n";
    const { steps } = plumbSteps({ ...input, containerId: evil, ip: evil }, { others: [evil], self: true });
    for (const s of steps) {
      for (const a of s.argv.slice(1)) expect([evil, 'eth0', '-q', '-U', '-c', '1', '-w', '-I']).toContain(a);
      if (s.env) expect(s.env.CNI_CONTAINERID).toBe(evil);
    }
    expect(steps.at(-1)!.argv.at(-1)).toBe(evil);
    expect(steps.at(-2)!.env!.CNI_ARGS).toBe(`IgnoreUnknown=1;IP=${evil}`);
  });
});

describe('routes', () => {
  it("`ip route replace` in each target's namespace; Docker's default route dropped where asked, its failure allowed", () => {
    const steps = routeSteps([
      { pid: 5, container: 'n1', routes: [{ dst: 'default', via: '10.250.0.2' }] },
      { pid: 6, routes: [{ dst: '10.0.1.0/24', via: '10.250.0.11' }], dropDefault: true },
      // Its own default route replaces Docker's: no delete racing with it.
      { pid: 8, routes: [{ dst: 'default', via: '10.250.0.2' }], dropDefault: true },
    ]);
    expect(steps).toEqual([
      { step: { argv: ['ip', 'route', 'replace', 'default', 'via', '10.250.0.2'], netns: { pid: 5, container: 'n1' } } },
      { step: { argv: ['ip', 'route', 'del', 'default'], netns: { pid: 6 } }, mayFail: true },
      { step: { argv: ['ip', 'route', 'replace', '10.0.1.0/24', 'via', '10.250.0.11'], netns: { pid: 6 } } },
      { step: { argv: ['ip', 'route', 'replace', 'default', 'via', '10.250.0.2'], netns: { pid: 8 } } },
    ]);
  });
});
