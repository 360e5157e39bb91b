import { describe, expect, it } from 'vitest';
import { closest, didYouMean, editDistance, suggestion } from '../../../src/core/suggest.js';
import { placePods, podCapacity } from '../../../src/labfile/placement.js';
import type { PodSpec } from '../../../src/labfile/model.js';

describe('suggest', () => {
  it('counts edits, a swap of neighbours as one', () => {
    expect(editDistance('client', 'clinet')).toBe(1);
    expect(editDistance('worklods', 'workloads')).toBe(1);
    expect(editDistance('abc', 'xyz')).toBe(3);
  });

  it('suggests close names and case slips, not far ones', () => {
    expect(closest('nodename', ['nodeName', 'containers'])).toBe('nodeName');
    expect(closest('htp', ['http', 'dns'])).toBe('http');
    expect(closest('database', ['web', 'client'])).toBeUndefined();
    expect(didYouMean('Deploymnet', ['Pod', 'Deployment'])).toBe('did you mean "Deployment"?');
    expect(suggestion('zzz', ['a', 'b'], 'known')).toBe('known: a, b');
  });
});

describe('placement', () => {
  const at = { file: 'f', line: 1, column: 1 };
  const node = (name: string, podCIDR = '10.0.1.0/24') => ({ name, podCIDR, at });
  const pod = (name: string, nodeName?: string): PodSpec => ({ name, namespace: 'default', labels: {}, containers: [], at, ...(nodeName ? { nodeName } : {}) });

  it('keeps pinned pods and spreads the others round-robin in node order', () => {
    const nodes = [node('node1'), node('node2'), node('node3')];
    const pods = [pod('a'), pod('pinned', 'node3'), pod('b'), pod('c'), pod('d')];
    const placed = placePods(pods, nodes);
    expect(pods.map((p) => placed.get(p)?.name)).toEqual(['node1', 'node3', 'node2', 'node3', 'node1']);
  });

  it('leaves out pods pinned to unknown nodes', () => {
    const p = pod('lost', 'nowhere');
    expect(placePods([p], [node('node1')]).has(p)).toBe(false);
  });

  it('counts pod addresses without network, cbr0 and broadcast', () => {
    expect(podCapacity('10.0.1.0/24')).toBe(253);
    expect(podCapacity('10.0.1.0/30')).toBe(1);
  });
});
