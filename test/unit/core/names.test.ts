import { describe, expect, it } from 'vitest';
import { findNamed, parseObject, podContainerName, podTitle } from '../../../src/core/names.js';

describe('kind/name, as kubectl takes it', () => {
  it('reads every short and long kind', () => {
    for (const [text, kind] of [
      ['po/web', 'pod'],
      ['pods/web', 'pod'],
      ['deploy/web', 'deployment'],
      ['deployments/web', 'deployment'],
      ['svc/web', 'service'],
      ['Service/web', 'service'],
    ] as const) {
      expect(parseObject(text, 'shop')).toEqual({ kind, name: 'web', namespace: 'shop', key: `${kind[0]!.toUpperCase()}${kind.slice(1)}/shop/web` });
    }
  });

  it('says what is wrong and how to write it', () => {
    expect(parseObject('web', 'default')).toMatchObject({ error: '"web" is not kind/name', hint: expect.stringContaining('service/<name>') });
    expect(parseObject('configmap/x', 'default', 'delete')).toMatchObject({ error: expect.stringContaining('cannot delete a configmap') });
    expect(parseObject('servce/x', 'default')).toMatchObject({ hint: expect.stringContaining('service') });
    expect(parseObject('svc/', 'default')).toMatchObject({ error: '"svc/" names no Service' });
    expect(parseObject('svc/Web_1', 'default')).toMatchObject({ error: expect.stringContaining('not a Kubernetes object name') });
  });
});

describe('names of a lab', () => {
  it('pods in the default namespace keep short names', () => {
    expect(podContainerName('lab', { name: 'web', namespace: 'default' })).toBe('lab-web');
    expect(podContainerName('lab', { name: 'web', namespace: 'shop' })).toBe('lab-shop-web');
    expect(podTitle({ name: 'web', namespace: 'shop' })).toBe('shop/web');
  });

  it('finds by name and namespace, not by name alone', () => {
    const pods = [
      { name: 'web', namespace: 'a', n: 1 },
      { name: 'web', namespace: 'b', n: 2 },
    ];
    expect(findNamed(pods, { name: 'web', namespace: 'b' })?.n).toBe(2);
    expect(findNamed(pods, { name: 'web', namespace: 'c' })).toBeUndefined();
  });
});
