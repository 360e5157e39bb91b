// `netlab capture`'s arguments: the target and its interface, the count, tcpdump's argv.
import { describe, expect, it } from 'vitest';
import { NetlabError } from '../../../src/core/errors.js';
import { checkInterfaceName, parseCaptureTarget, parseCount, tcpdumpArgv } from '../../../src/plan/capture.js';

function refused(fn: () => unknown): NetlabError {
  try {
    fn();
  } catch (err) {
    if (err instanceof NetlabError) return err;
    throw err;
  }
  throw new Error('accepted');
}

describe('parseCaptureTarget', () => {
  it('takes eth0 by default, an interface after the colon, or from --interface', () => {
    expect(parseCaptureTarget('client')).toEqual({ target: 'client', interface: 'eth0' });
    expect(parseCaptureTarget('node1:cbr0')).toEqual({ target: 'node1', interface: 'cbr0' });
    expect(parseCaptureTarget('node1:veth8a2b4c1d')).toEqual({ target: 'node1', interface: 'veth8a2b4c1d' });
    expect(parseCaptureTarget('node1', 'cbr0')).toEqual({ target: 'node1', interface: 'cbr0' });
    expect(parseCaptureTarget('shop/api:eth0', 'eth0')).toEqual({ target: 'shop/api', interface: 'eth0' });
    expect(parseCaptureTarget('web/sidecar')).toEqual({ target: 'web/sidecar', interface: 'eth0' });
    expect(parseCaptureTarget('router', 'any')).toEqual({ target: 'router', interface: 'any' });
  });

  it('refuses a port where an interface goes, two different interfaces, and no target', () => {
    const port = refused(() => parseCaptureTarget('node1:30080'));
    expect(port.message).toContain('not a port (30080)');
    expect(port.hint).toContain('port 30080');
    expect(port.exitCode).toBe(2);
    expect(refused(() => parseCaptureTarget('node1:cbr0', 'eth0')).message).toContain('--interface names eth0');
    expect(refused(() => parseCaptureTarget(':eth0')).message).toContain('No target');
  });

  it('refuses interface names Linux never gives, naming what is wrong', () => {
    expect(refused(() => parseCaptureTarget('node1', '-w/tmp/x')).message).toContain("starts with '-'");
    expect(refused(() => parseCaptureTarget('node1:veth1234@if3')).message).toContain("after '@' (@if3)");
    expect(refused(() => parseCaptureTarget('node1', 'a'.repeat(16))).message).toContain('15 characters');
    expect(refused(() => parseCaptureTarget('node1', 'eth0;id')).message).toContain('holds a character');
    expect(refused(() => parseCaptureTarget('node1', 'eth 0')).message).toContain('holds a character');
    expect(checkInterfaceName('')).toBe('an empty interface name');
    expect(checkInterfaceName('a'.repeat(15))).toBeUndefined();
    expect(checkInterfaceName('eth0.100')).toBeUndefined();
  });
});

describe('parseCount', () => {
  it('takes a whole number from 1, or nothing', () => {
    expect(parseCount(undefined)).toBeUndefined();
    expect(parseCount('20')).toBe(20);
    for (const bad of ['0', '-3', '2.5', 'ten', '', '1e3']) expect(() => parseCount(bad), bad).toThrow(/whole number/);
  });
});

describe('tcpdumpArgv', () => {
  it('pcap: written per packet to stdout; text: line-buffered; filter words after --', () => {
    expect(tcpdumpArgv({ interface: 'eth0', pcap: true, count: 5, filter: ['tcp', 'port', '80'] })).toEqual([
      'tcpdump',
      '-n',
      '--immediate-mode',
      '-i',
      'eth0',
      '-c',
      '5',
      '-U',
      '-w',
      '-',
      '--',
      'tcp',
      'port',
      '80',
    ]);
    expect(tcpdumpArgv({ interface: 'cbr0', pcap: false, snaplen: 96, filter: [] })).toEqual([
      'tcpdump',
      '-n',
      '--immediate-mode',
      '-i',
      'cbr0',
      '-s',
      '96',
      '-l',
    ]);
  });

  it('keeps a filter word that looks like an option or shell text one argument after --', () => {
    const argv = tcpdumpArgv({ interface: 'eth0', pcap: false, filter: ['-w', '/etc/x', '$(id)'] });
    expect(argv.slice(argv.indexOf('--'))).toEqual(['--', '-w', '/etc/x', '$(id)']);
  });
});
