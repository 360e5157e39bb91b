// Plumbing pods from what the toolbox answers: a new sandbox is plumbed in one exec; one that
// was running is looked at first (plumbed already: nothing changes); an IP still held by a
// sandbox gone behind netlab's back is released, once.
import { describe, expect, it } from 'vitest';
import { NetlabError } from '../../../src/core/errors.js';
import type { AgentStep, StepResult, ToolboxRequest } from '../../../src/core/toolbox-request.js';
import { type PlumbJob, plumbPods } from '../../../src/cluster/plumb.js';
import type { PodPlan } from '../../../src/plan/types.js';

/** A fake node: host-local's files by IP, each pod's eth0 address; runs the steps as the plugins would. */
function fakeToolbox(held: Record<string, string>, eth0: Record<string, string> = {}) {
  const requests: string[][] = [];
  const run = async <T>(request: ToolboxRequest<T>): Promise<T> => {
    requests.push(request.steps.map(label));
    return request.parse(request.steps.map((s) => answer(s)));
  };
  const label = (s: AgentStep) => [s.argv[0], s.env?.CNI_COMMAND, s.env?.CNI_CONTAINERID].filter(Boolean).join(' ');
  const answer = (s: AgentStep): StepResult => {
    const ok = (stdout = ''): StepResult => ({ exitCode: 0, stdout, stderr: '', ms: 1 });
    if (s.argv[0] === 'ip') {
      const ip = eth0[s.netns!.container!];
      return ip ? ok(`2: eth0    inet ${ip}/24 scope global eth0`) : { exitCode: 1, stdout: '', stderr: 'Device "eth0" does not exist.', ms: 1 };
    }
    if (s.argv[0] === 'cat') {
      const ip = s.argv[1]!.split('/').at(-1)!;
      return held[ip] ? ok(`${held[ip]}\r\neth0`) : { exitCode: 1, stdout: '', stderr: 'No such file', ms: 1 };
    }
    if (s.argv[0] === 'cni-bridge') {
      const id = s.env!.CNI_CONTAINERID!;
      if (s.env!.CNI_COMMAND === 'DEL') {
        for (const [ip, owner] of Object.entries(held)) if (owner === id) delete held[ip];
        return ok();
      }
      const ip = /IP=(.*)$/.exec(s.env!.CNI_ARGS!)![1]!;
      if (held[ip]) return { exitCode: 1, stdout: `{"code":11,"msg":"requested IP address ${ip} is not available"}`, stderr: '', ms: 1 };
      held[ip] = id;
      return ok(`{"ips":[{"address":"${ip}/24"}]}`);
    }
    return ok();
  };
  return { toolbox: { run }, requests, held };
}

const job = (name: string, id: string, ip: string, sandbox: PlumbJob['sandbox'], replaced?: string): PlumbJob => ({
  pod: { name, node: 'node1' } as PodPlan,
  input: { containerId: id, podPid: 100, nodePid: 7, ip, cniConfig: { name: 'netlab', ipam: {} } },
  sandbox,
  ...(replaced ? { replaced } : {}),
});

describe('plumbing pods', () => {
  it('new sandboxes: CNI ADD at once (the ARP after each), one exec for them all', async () => {
    const { toolbox, requests } = fakeToolbox({});
    const answers = await plumbPods(toolbox, [job('a', 'A', '10.0.1.2', 'created'), job('b', 'B', '10.0.1.3', 'created')]);
    expect(answers).toEqual(['{"ips":[{"address":"10.0.1.2/24"}]}', '{"ips":[{"address":"10.0.1.3/24"}]}']);
    expect(requests).toEqual([['cni-bridge ADD A', 'cni-bridge ADD B', 'arping', 'arping']]);
  });

  it('running sandboxes: looked at first; one that holds its IP is unchanged, one that lost eth0 is re-plumbed', async () => {
    const { toolbox, requests } = fakeToolbox({ '10.0.1.2': 'A', '10.0.1.3': 'B' }, { A: '10.0.1.2' });
    const answers = await plumbPods(toolbox, [job('a', 'A', '10.0.1.2', 'unchanged'), job('b', 'B', '10.0.1.3', 'unchanged')]);
    expect(answers[0]).toBe('unchanged');
    expect(answers[1]).toContain('10.0.1.3');
    expect(requests).toEqual([
      ['ip', 'cat', 'ip', 'cat'],
      // B held its own IP: its own DEL releases it.
      ['cni-bridge DEL B', 'cni-bridge ADD B', 'arping'],
    ]);
  });

  it('a replaced sandbox: the one before it is released first (a real CNI DEL), in the same exec', async () => {
    const { toolbox, requests, held } = fakeToolbox({ '10.0.1.2': 'OLD' });
    const answers = await plumbPods(toolbox, [job('a', 'NEW', '10.0.1.2', 'recreated', 'OLD')]);
    expect(answers[0]).toContain('10.0.1.2');
    expect(requests).toEqual([['cni-bridge DEL OLD', 'cni-bridge ADD NEW', 'arping']]);
    expect(held).toEqual({ '10.0.1.2': 'NEW' });
  });

  it('a restarted sandbox (same ID, new namespace): its own hold is released before the ADD', async () => {
    const { toolbox, requests } = fakeToolbox({ '10.0.1.2': 'A' });
    expect((await plumbPods(toolbox, [job('a', 'A', '10.0.1.2', 'started')]))[0]).toContain('10.0.1.2');
    expect(requests).toEqual([['cni-bridge DEL A', 'cni-bridge ADD A', 'arping']]);
  });

  it("an IP held by a sandbox removed behind netlab's back: the ADD fails, the holder is found and released, the ADD retried once", async () => {
    const { toolbox, requests } = fakeToolbox({ '10.0.1.2': 'GHOST' });
    const answers = await plumbPods(toolbox, [job('a', 'A', '10.0.1.2', 'created'), job('b', 'B', '10.0.1.3', 'created')]);
    expect(answers[0]).toContain('10.0.1.2');
    expect(answers[1]).toContain('10.0.1.3');
    expect(requests).toEqual([
      ['cni-bridge ADD A', 'cni-bridge ADD B', 'arping', 'arping'],
      ['ip', 'cat'],
      ['cni-bridge DEL GHOST', 'cni-bridge DEL A', 'cni-bridge ADD A', 'arping'],
    ]);
  });

  it('a failure with nobody else holding the IP is the answer, without a retry', async () => {
    const { toolbox, requests } = fakeToolbox({});
    const original = toolbox.run;
    // The plugin fails for another reason (the bridge cannot be made, say).
    toolbox.run = async <T>(request: ToolboxRequest<T>): Promise<T> => {
      if (request.what !== 'plumbing pods') return original(request);
      requests.push(['plumbing pods']);
      return request.parse(request.steps.map((s) => ({ exitCode: s.argv[0] === 'cni-bridge' ? 1 : 0, stdout: '', stderr: 'could not set up cbr0', ms: 1 })));
    };
    const [answer] = await plumbPods(toolbox, [job('a', 'A', '10.0.1.2', 'created')]);
    expect(answer).toBeInstanceOf(NetlabError);
    expect((answer as NetlabError).message).toBe('CNI ADD for pod a on node1 failed: could not set up cbr0');
    expect(requests).toEqual([['plumbing pods'], ['ip', 'cat']]);
  });
});
