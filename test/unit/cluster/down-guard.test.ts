// `down` of a lab that has no guard (made by hand or by a test): a guard is made just to lift the
// table, while the networks go. When the engine still reports an endpoint on the network, `down`
// removes the lab's late containers and tries again; the guard at work is not one of them.
import { describe, expect, it } from 'vitest';
import { down } from '../../../src/cluster/down.js';
import { NetlabError } from '../../../src/core/errors.js';
import { ignoreEvents } from '../../../src/core/events.js';
import type { Engine } from '../../../src/engine/engine.js';

function fakeEngine(calls: string[]): Engine {
  const labels = { 'netlab.lab': 't' };
  const node = { Id: 'c-node', Names: ['/t-node'], Labels: { ...labels, 'netlab.role': 'node' }, State: 'running', Ports: [] };
  const network = { Id: 'net-t', Name: 'netlab-t', Labels: labels, Options: { 'com.docker.network.bridge.name': 'br-t' } };
  const containers = new Map<string, { Id: string; Labels: Record<string, string>; State: string }>([[node.Id, node]]);
  let refusals = 1;
  let guardCount = 0;
  const fake = {
    endpoint: { source: 'fake', options: {}, local: true },
    listContainers: async () => [...containers.values()],
    listNetworks: async () => [network],
    listVolumes: async () => [],
    inspectImage: async () => ({}),
    createContainer: async (name: string, spec: { Labels?: Record<string, string> }) => {
      const id = name.endsWith('.lock') ? 'lock-id' : `guard-${++guardCount}`;
      if (id !== 'lock-id') containers.set(id, { Id: id, Labels: { ...labels, ...spec.Labels }, State: 'created' });
      calls.push(`create ${id}`);
      return id;
    },
    startContainer: async (id: string) => {
      const c = containers.get(id);
      if (c) c.State = 'running';
    },
    removeContainer: async (id: string) => {
      calls.push(`remove ${id}`);
      containers.delete(id);
    },
    removeNetwork: async () => {
      // The engine has not yet seen the node's endpoint go: the first removal, made while the guard
      // is at work, is refused.
      while (guardCount === 0) await new Promise((r) => setTimeout(r, 2));
      if (refusals-- > 0)
        throw Object.assign(new Error('(HTTP code 403)'), {
          statusCode: 403,
          json: { message: 'error while removing network: network netlab-t has active endpoints' },
        });
      calls.push('remove network');
    },
    removeVolume: async () => undefined,
    exec: async (id: string, argv: string[], opts: { stdin: string }) => {
      // The agent in a guard: slow enough that the network's retry happens meanwhile.
      await new Promise((r) => setTimeout(r, 30));
      if (!containers.has(id) || containers.get(id)!.State !== 'running')
        throw new Error(`(HTTP code 409) container stopped/paused - Container ${id} is not running`);
      calls.push(`exec ${id} ${argv.join(' ')}`);
      const steps = (JSON.parse(opts.stdin) as { steps: unknown[] }).steps;
      const stdout = JSON.stringify({
        results: steps.map((_, i) => ({ exitCode: 0, stdout: i === 0 ? '{"nftables":[]}' : 'Inter-|\n face |\n', stderr: '', ms: 1 })),
      });
      return { exitCode: 0, stdout, stderr: '' };
    },
  };
  return fake as unknown as Engine;
}

describe('down without a guard of the lab', () => {
  it('keeps the guard it made for the table while removing late containers, then removes it', async () => {
    const calls: string[] = [];
    const result = await down(fakeEngine(calls), 't', ignoreEvents);
    expect(result.networks).toBe(1);
    const execs = calls.filter((c) => c.startsWith('exec guard-1'));
    expect(execs).toHaveLength(2); // read the host's tables, then lift
    expect(calls.indexOf('remove guard-1')).toBeGreaterThan(calls.lastIndexOf(execs[1]!));
  });
});

/** Lab t with only its running guard left, whose agent finds no isolation table: what the two cases below share. */
function guardedLab() {
  const labels = { 'netlab.lab': 't' };
  const guard = { Id: 'g', Names: ['/t.guard'], Labels: { ...labels, 'netlab.role': 'guard' }, State: 'running', Ports: [] };
  return {
    endpoint: { source: 'fake', options: {}, local: true },
    listContainers: async () => [guard],
    listNetworks: async () => [{ Id: 'net-t', Name: 'netlab-t', Labels: labels, Options: { 'com.docker.network.bridge.name': 'br-t' } }],
    listVolumes: async () => [],
    removeVolume: async () => undefined,
    createContainer: async () => 'lock-id',
    exec: async (_id: string, _argv: string[], opts: { stdin: string }) => {
      const steps = (JSON.parse(opts.stdin) as { steps: unknown[] }).steps;
      const results = steps.map((_, i) => ({
        exitCode: 0,
        stdout: i === 0 && steps.length === 2 ? '{"nftables":[]}' : 'Inter-|\n face |\n',
        stderr: '',
        ms: 1,
      }));
      return { exitCode: 0, stdout: JSON.stringify({ results }), stderr: '' };
    },
  };
}

describe('down when the engine keeps an endpoint of a removed container', () => {
  it('waits, then force-disconnects the endpoint whose container is gone, and removes the network', async () => {
    const calls: string[] = [];
    let stale = true;
    const fake = {
      ...guardedLab(),
      inspectContainer: async (id: string) => (id === 'g' ? { Id: 'g' } : undefined),
      removeContainer: async (id: string) => void calls.push(`remove ${id}`),
      networkEndpoints: async () => new Map([['gone-id', 't-node1']]),
      disconnectForce: async (net: string, name: string) => {
        calls.push(`disconnect ${net} ${name}`);
        stale = false;
      },
      removeNetwork: async () => {
        if (stale) throw Object.assign(new Error('(HTTP code 403)'), { statusCode: 403, json: { message: 'network netlab-t has active endpoints' } });
        calls.push('remove network');
      },
    } as unknown as Engine;
    const result = await down(fake, 't', ignoreEvents);
    expect(result.networks).toBe(1);
    expect(calls).toContain('disconnect net-t t-node1');
    expect(calls.indexOf('remove network')).toBeGreaterThan(calls.indexOf('disconnect net-t t-node1'));
  });
});

describe('down when the engine counts an endpoint it does not list', () => {
  it('says so, and that a restart of the daemon clears it', async () => {
    let tries = 0;
    const fake = {
      ...guardedLab(),
      inspectContainer: async () => undefined,
      removeContainer: async () => undefined,
      networkEndpoints: async () => new Map(),
      disconnectForce: async () => undefined,
      removeNetwork: async () => {
        tries++;
        throw Object.assign(new Error('(HTTP code 403)'), { statusCode: 403, json: { message: 'network netlab-t has active endpoints' } });
      },
    } as unknown as Engine;
    const err = (await down(fake, 't', ignoreEvents).catch((e: unknown) => e)) as NetlabError;
    expect(err).toBeInstanceOf(NetlabError);
    expect(err.message).toBe("The Docker engine will not remove lab t's network: it counts an endpoint on it that it no longer lists.");
    expect(err.hint).toContain('restarting the Docker daemon clears it');
    expect(tries).toBe(6);
  }, 15_000);
});
