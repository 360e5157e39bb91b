import { describe, expect, it } from 'vitest';
import { corefile } from '../../../../src/plan/dns/corefile.js';
import { dnsFiles, dnsZoneFiles } from '../../../../src/plan/dns/files.js';
import { fixture } from '../../../helpers/dns-fixture.js';

/** The Corefile without its comments and blank lines. */
const body = (text: string) => text.split('\n').filter((l) => l.trim() && !l.trimStart().startsWith('#'));

describe('corefile', () => {
  const text = corefile({ domain: 'cluster.local', zoneFile: '/etc/coredns/db.cluster.local', reverseFile: '/etc/coredns/db.in-addr.arpa' });

  it("is kubeadm's, serving the zones from files, one server block per zone", () => {
    expect(body(text)).toEqual([
      'cluster.local:53 {',
      '    errors',
      '    health :8080',
      '    ready :8181',
      '    file /etc/coredns/db.cluster.local cluster.local {',
      '        reload 1s',
      '    }',
      '    prometheus :9153',
      '    loop',
      '    reload',
      '    loadbalance',
      '}',
      'in-addr.arpa:53 {',
      '    errors',
      '    file /etc/coredns/db.in-addr.arpa in-addr.arpa {',
      '        reload 1s',
      '    }',
      '    prometheus :9153',
      '    reload',
      '    loadbalance',
      '}',
      '.:53 {',
      '    errors',
      '    template ANY ANY {',
      '        rcode NXDOMAIN',
      '    }',
      '}',
    ]);
  });

  it('has no cache, no forward and no kubernetes plugin, and says why', () => {
    const directives = body(text).map((l) => l.trim().split(/\s+/)[0]);
    expect(directives).not.toContain('cache');
    expect(directives).not.toContain('forward');
    expect(directives).not.toContain('kubernetes');
    const comments = text
      .split('\n')
      .filter((l) => l.startsWith('#'))
      .join('\n');
    for (const why of ['`file` instead of `kubernetes`', 'reload 1s', 'no `cache`', 'no `forward`', 'NXDOMAIN at once', 'lameduck']) {
      expect(comments).toContain(why);
    }
  });

  it('logs queries when asked, in every block', () => {
    const logged = corefile({ domain: 'cluster.local.', zoneFile: 'z', reverseFile: 'r', log: true });
    expect(body(logged).filter((l) => l === '    log')).toHaveLength(3);
    expect(body(logged)[0]).toBe('cluster.local:53 {');
  });
});

describe('dnsFiles', () => {
  it('is the Corefile and the two zone files of /etc/coredns, which it names', () => {
    const files = dnsFiles(fixture);
    expect(files.map((f) => f.name)).toEqual(['Corefile', 'db.cluster.local', 'db.in-addr.arpa']);
    expect(files[0]!.content).toContain('file /etc/coredns/db.cluster.local cluster.local {');
    expect(files[0]!.content).toContain('file /etc/coredns/db.in-addr.arpa in-addr.arpa {');
    expect(dnsZoneFiles(fixture).map((f) => f.name)).toEqual(['db.cluster.local', 'db.in-addr.arpa']);
  });
});
