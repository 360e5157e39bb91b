// ssh:// engines: the URL checked (a host or user that ssh would take as an option is refused,
// fuzzed), the argv the docker CLI's connhelper gives ssh, and the agent's connections as real
// processes: a stand-in for `ssh` that speaks HTTP on its stdin/stdout (kept alive and reused,
// bounded), and one that fails as ssh does (its stderr in the error, with a hint).
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { NetlabError } from '../../../src/core/errors.js';
import { parseSshUrl, SSH_MAX_CONNECTIONS, SshAgent, SshEngineError, sshArgv } from '../../../src/engine/ssh.js';

const dir = mkdtempSync(join(tmpdir(), 'netlab-ssh-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('ssh:// addresses', () => {
  it('user, host, port and socket path, as the docker CLI reads them', () => {
    expect(parseSshUrl('ssh://root@127.0.0.1:2222')).toEqual({ user: 'root', host: '127.0.0.1', port: '2222' });
    expect(parseSshUrl('ssh://box')).toEqual({ host: 'box' });
    expect(parseSshUrl('ssh://me@[fe80::1%25eth0]:22/')).toEqual({ user: 'me', host: 'fe80::1%25eth0', port: '22' });
    expect(parseSshUrl('ssh://me@box/run/user/1000/docker.sock')).toEqual({ user: 'me', host: 'box', socketPath: '/run/user/1000/docker.sock' });
    expect(parseSshUrl('ssh://first.last@host-1.example.org')).toEqual({ user: 'first.last', host: 'host-1.example.org' });
  });

  it('refuses passwords, queries, fragments, bad ports and empty hosts, as the CLI does', () => {
    expect(() => parseSshUrl('ssh://me:secret@box')).toThrow(/plain-text password/);
    expect(() => parseSshUrl('ssh://box?x=1')).toThrow(/query parameters/);
    expect(() => parseSshUrl('ssh://box#x')).toThrow(/fragments/);
    expect(() => parseSshUrl('ssh://box:99999')).toThrow(/port "99999"/);
    expect(() => parseSshUrl('ssh://me@')).toThrow(/host name is empty/);
  });

  it('the argv of the docker CLI: ConnectTimeout, -T, -l, -p, then the host after --, then dial-stdio', () => {
    expect(sshArgv(parseSshUrl('ssh://root@127.0.0.1:2222'))).toEqual([
      '-o ConnectTimeout=30',
      '-T',
      '-l',
      'root',
      '-p',
      '2222',
      '--',
      '127.0.0.1',
      'docker',
      'system',
      'dial-stdio',
    ]);
    expect(sshArgv(parseSshUrl('ssh://box/var/run/d.sock'))).toEqual([
      '-o ConnectTimeout=30',
      '-T',
      '--',
      'box',
      'docker',
      '--host=unix:///var/run/d.sock',
      'system',
      'dial-stdio',
    ]);
  });

  it('never lets a host, user or path become an option or shell text (fuzzed)', () => {
    const hostile = ['-oProxyCommand=touch /tmp/pwned', '-F/tmp/cfg', '--', 'a b', 'a;b', '$(id)', '`id`', 'a|b', "a'b", 'a\nb', 'a\u0000b', '-'];
    for (const bad of hostile) {
      for (const url of [`ssh://${bad}`, `ssh://${bad}@box`, `ssh://${encodeURIComponent(bad)}@box`, `ssh://box/${bad}`, `ssh://${bad}:22`]) {
        let parsed: ReturnType<typeof parseSshUrl> | undefined;
        try {
          parsed = parseSshUrl(url);
        } catch (err) {
          expect(err).toBeInstanceOf(NetlabError);
          continue;
        }
        // Whatever was taken: no argument before `--` came from the URL except -l/-p values, none starts with "-".
        expectSafe(parsed);
      }
    }
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), fc.string({ maxLength: 20 }), fc.string({ maxLength: 30 }), (host, user, path) => {
        let parsed: ReturnType<typeof parseSshUrl>;
        try {
          parsed = parseSshUrl(`ssh://${user}@${host}/${path}`);
        } catch (err) {
          return err instanceof NetlabError;
        }
        expectSafe(parsed);
        return true;
      }),
      { numRuns: 2000 },
    );
  });
});

function expectSafe(t: ReturnType<typeof parseSshUrl>): void {
  const argv = sshArgv(t);
  const dash = argv.indexOf('--');
  expect(argv[dash + 1]).toBe(t.host);
  expect(t.host).not.toMatch(/^-/);
  expect(t.user ?? 'x').not.toMatch(/^-/);
  for (const part of [t.host, t.user ?? '', t.socketPath ?? '', t.port ?? '']) expect(part).not.toMatch(/[\s;|&$`'"\\<>(){}*?!#~]/);
}

/** A stand-in for `ssh`: logs its argv, then answers each HTTP request on stdin with 200 "pong <its pid>". */
function fakeSsh(): { command: string; log: string } {
  const log = join(dir, `argv-${Math.random().toString(36).slice(2)}.log`);
  const script = join(dir, `ssh-${Math.random().toString(36).slice(2)}.mjs`);
  writeFileSync(
    script,
    `#!${process.execPath}
import { appendFileSync } from 'node:fs';
appendFileSync(${JSON.stringify(log)}, JSON.stringify(process.argv.slice(2)) + '\\n');
let buf = '';
process.stdin.on('data', (c) => {
  buf += c;
  let end;
  while ((end = buf.indexOf('\\r\\n\\r\\n')) >= 0) {
    buf = buf.slice(end + 4);
    setTimeout(() => { const body = 'pong ' + process.pid; process.stdout.write('HTTP/1.1 200 OK\\r\\nContent-Length: ' + body.length + '\\r\\n\\r\\n' + body); }, 30);
  }
});
process.stdin.on('end', () => process.exit(0));
`,
  );
  chmodSync(script, 0o755);
  return { command: script, log };
}

function get(agent: SshAgent): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: 'docker.example.com', path: '/_ping', agent }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the ssh agent: one ssh process per concurrent connection', () => {
  it('keeps a connection alive for the next request, and bounds how many run at once', async () => {
    const fake = fakeSsh();
    const agent = new SshAgent(parseSshUrl('ssh://student@lab.example:2200'), fake.command);
    const first = await get(agent);
    const second = await get(agent);
    expect(second).toBe(first); // the same process answered both
    expect(agent.opened).toBe(1);
    const many = await Promise.all(Array.from({ length: 3 * SSH_MAX_CONNECTIONS }, () => get(agent)));
    expect(agent.opened).toBe(SSH_MAX_CONNECTIONS);
    expect(new Set(many).size).toBe(SSH_MAX_CONNECTIONS);
    const argvs = readFileSync(fake.log, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as string[]);
    expect(argvs).toHaveLength(SSH_MAX_CONNECTIONS);
    expect(argvs[0]).toEqual(['-o ConnectTimeout=30', '-T', '-l', 'student', '-p', '2200', '--', 'lab.example', 'docker', 'system', 'dial-stdio']);
    agent.destroy();
  });

  it("ssh's failure is an error carrying its stderr and a hint", async () => {
    const script = join(dir, 'ssh-denied.sh');
    writeFileSync(script, '#!/bin/sh\necho "root@box: Permission denied (publickey)." >&2\nexit 255\n');
    chmodSync(script, 0o755);
    const agent = new SshAgent(parseSshUrl('ssh://root@box:2222'), script);
    const err = (await get(agent).catch((e: unknown) => e)) as SshEngineError;
    expect(err).toBeInstanceOf(SshEngineError);
    expect(err.message).toBe('ssh to root@box:2222 did not reach a Docker engine (ssh exited with 255):\nroot@box: Permission denied (publickey).');
    expect(err.hint).toMatch(/ssh-copy-id -p 2222 root@box/);
    expect(err.hint).toMatch(/ssh -l root -p 2222 box docker version/);

    writeFileSync(script, '#!/bin/sh\necho "Host key verification failed." >&2\nexit 255\n');
    const hostKey = (await get(new SshAgent(parseSshUrl('ssh://box'), script)).catch((e: unknown) => e)) as SshEngineError;
    expect(hostKey.hint).toMatch(/host key/);
    writeFileSync(script, '#!/bin/sh\necho "sh: 1: docker: not found" >&2\nexit 127\n');
    const noDocker = (await get(new SshAgent(parseSshUrl('ssh://box'), script)).catch((e: unknown) => e)) as SshEngineError;
    expect(noDocker.message).toMatch(/exited with 127/);
    expect(noDocker.hint).toMatch(/no docker CLI/);
    const noSsh = (await get(new SshAgent(parseSshUrl('ssh://box'), join(dir, 'no-such-ssh'))).catch((e: unknown) => e)) as SshEngineError;
    expect(noSsh.hint).toMatch(/no `ssh` on PATH/);
  });
});
