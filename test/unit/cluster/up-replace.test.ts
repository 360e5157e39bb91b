// `up` of a running lab onto a new underlay: the engine must take the new subnet (a trial network
// on it) before anything of the running lab is removed. Refused: nothing was touched.
import { describe, expect, it } from 'vitest';
import { NetlabError } from '../../../src/core/errors.js';
import { ignoreEvents } from '../../../src/core/events.js';
import { up } from '../../../src/cluster/up.js';
import type { Engine } from '../../../src/engine/engine.js';
import { images, twoNodeLab } from '../../helpers/plan-fixtures.js';

/** An engine that holds lab t on 10.250.0.0/24 and refuses every network on a new subnet. */
function fakeEngine(calls: string[]): Engine {
  const network = { Id: 'net-t', Name: 'netlab-t', Labels: { 'netlab.lab': 't' }, IPAM: { Config: [{ Subnet: '10.250.0.0/24' }] }, Options: {} };
  const node = { Id: 'c-node1', Names: ['/t-node1'], Labels: { 'netlab.lab': 't', 'netlab.role': 'node' }, State: 'running', Ports: [] };
  const fake = {
    endpoint: { source: 'fake', options: {}, local: false },
    listContainers: async () => [node],
    listNetworks: async (filters?: { name?: string[] }) => (filters?.name && !filters.name.includes('netlab-t') ? [] : [network]),
    inspectImage: async () => ({}),
    createNetwork: async (spec: { Name: string }) => {
      calls.push(`create ${spec.Name}`);
      throw Object.assign(new Error('(HTTP code 403) unexpected'), {
        statusCode: 403,
        json: { message: 'Pool overlaps with other one on this address space' },
      });
    },
    removeNetwork: async (id: string) => {
      calls.push(`remove network ${id}`);
    },
    removeContainer: async (id: string) => {
      calls.push(`remove container ${id}`);
    },
    // The lab's lock (a container that never starts): taken and released around `up`.
    createContainer: async (name: string) => {
      calls.push(`lock ${name}`);
      return 'lock-id';
    },
  };
  return fake as unknown as Engine;
}

describe('up onto a new underlay', () => {
  it('asks the engine with a trial network first; refused, it removes nothing of the running lab', async () => {
    const calls: string[] = [];
    const lab = twoNodeLab([]);
    lab.topology.underlay = '10.77.0.0/24';
    const err = await up(fakeEngine(calls), lab, ignoreEvents, { images }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetlabError);
    expect((err as Error).message).toContain('The Docker engine refuses the underlay 10.77.0.0/24 for lab t: Pool overlaps');
    expect((err as Error).message).toContain('Nothing was changed: lab t runs as it was on 10.250.0.0/24.');
    expect(calls).toEqual(['lock t.lock', 'create netlab-t_trial', 'remove container lock-id']);
  });
});
