import { describe, expect, test } from 'vitest';
import { kubeProxyEndpointOrder } from '../../../../src/plan/proxy/names.js';

describe('kubeProxyEndpointOrder', () => {
  test('orders "ip:port" as strings, as kube-proxy sorts a service port\'s endpoints (10 before 2)', () => {
    const eps = ['10.0.1.2:8080', '10.0.1.10:8080', '10.0.2.2:80', '10.0.1.2:443', '10.0.1.9:8080'].map((s) => {
      const [ip, port] = s.split(':');
      return { ip: ip!, port: Number(port) };
    });
    expect(kubeProxyEndpointOrder(eps).map((e) => `${e.ip}:${e.port}`)).toEqual([
      '10.0.1.10:8080',
      '10.0.1.2:443',
      '10.0.1.2:8080',
      '10.0.1.9:8080',
      '10.0.2.2:80',
    ]);
  });
});
