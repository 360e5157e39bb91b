import { describe, expect, it } from 'vitest';
import { dnsServiceIP, resolvConf, resolvConfText } from '../../../../src/plan/dns/resolv.js';

describe("a pod's resolv.conf", () => {
  it('is what kubelet writes for dnsPolicy ClusterFirst', () => {
    expect(resolvConf('shop', '10.96.0.10')).toEqual({
      nameservers: ['10.96.0.10'],
      search: ['shop.svc.cluster.local', 'svc.cluster.local', 'cluster.local'],
      options: ['ndots:5'],
    });
    expect(resolvConfText('default', '10.96.0.10')).toBe(
      'search default.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n',
    );
  });

  it('follows another cluster domain', () => {
    expect(resolvConfText('a', '10.0.0.10', 'lab.example')).toBe(
      'search a.svc.lab.example svc.lab.example lab.example\nnameserver 10.0.0.10\noptions ndots:5\n',
    );
  });
});

describe('the DNS service IP', () => {
  it('is the 10th address of the service CIDR', () => {
    expect(dnsServiceIP('10.96.0.0/12')).toBe('10.96.0.10');
    expect(dnsServiceIP('172.20.0.0/16')).toBe('172.20.0.10');
    expect(dnsServiceIP('10.0.0.0/28')).toBe('10.0.0.10');
  });

  it('needs a CIDR that holds it', () => {
    expect(() => dnsServiceIP('10.96.0.0/29')).toThrow(/too small/);
    expect(() => dnsServiceIP('nonsense')).toThrow(/not an IPv4 CIDR/);
  });
});
