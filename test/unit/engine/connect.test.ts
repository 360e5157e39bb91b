// Finding the engine as the docker CLI does, in a docker config folder of the test's own: --context
// and DOCKER_CONTEXT (which must name a context that exists), DOCKER_HOST in its forms with the
// TLS environment, config.json's currentContext, the contexts' TLS files and SkipTLSVerify.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { NetlabError } from '../../../src/core/errors.js';
import { candidateEndpoints, ContextNotFoundError, connectEngineAt, isLocalEngine, selectContext } from '../../../src/engine/connect.js';
import { SshAgent } from '../../../src/engine/ssh.js';
import { takeGlobalContext } from '../../../src/cli/global-context.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A docker config folder with these contexts (name -> host, TLS files, SkipTLSVerify) and current context. */
function dockerConfig(
  contexts: Record<string, { host: string; tls?: Partial<Record<'ca' | 'cert' | 'key', string>>; skip?: boolean }>,
  current?: string,
): string {
  const dir = mkdtempSync(join(tmpdir(), 'netlab-docker-config-'));
  dirs.push(dir);
  if (current !== undefined) writeFileSync(join(dir, 'config.json'), JSON.stringify({ auths: {}, currentContext: current }));
  for (const [name, c] of Object.entries(contexts)) {
    const id = createHash('sha256').update(name).digest('hex');
    mkdirSync(join(dir, 'contexts', 'meta', id), { recursive: true });
    writeFileSync(
      join(dir, 'contexts', 'meta', id, 'meta.json'),
      JSON.stringify({ Name: name, Metadata: {}, Endpoints: { docker: { Host: c.host, SkipTLSVerify: c.skip ?? false } } }),
    );
    if (c.tls) {
      mkdirSync(join(dir, 'contexts', 'tls', id, 'docker'), { recursive: true });
      for (const [file, text] of Object.entries(c.tls)) writeFileSync(join(dir, 'contexts', 'tls', id, 'docker', `${file}.pem`), text);
    }
  }
  return dir;
}

const agentOf = (options: object) => (options as { agent?: { options: Record<string, unknown> } }).agent;

describe('finding the engine as the docker CLI does', () => {
  const config = dockerConfig(
    {
      colima: { host: 'unix:///tmp/colima.sock' },
      lab: { host: 'tcp://10.1.2.3:2376', tls: { ca: 'CA', cert: 'CERT', key: 'KEY' } },
      insecure: { host: 'tcp://10.1.2.4', skip: true },
      plain: { host: 'tcp://10.1.2.5' },
      far: { host: 'ssh://student@lab.example:2200' },
    },
    'colima',
  );

  it('DOCKER_HOST wins over DOCKER_CONTEXT and the current context, in each of its forms', () => {
    expect(candidateEndpoints({ DOCKER_CONFIG: config, DOCKER_CONTEXT: 'lab', DOCKER_HOST: 'unix:///run/d2/docker.sock' })).toEqual([
      { source: 'DOCKER_HOST=unix:///run/d2/docker.sock', options: { socketPath: '/run/d2/docker.sock' }, local: true, transport: 'unix' },
    ]);
    expect(candidateEndpoints({ DOCKER_HOST: 'tcp://10.1.2.3:2375' })[0]!.options).toEqual({ host: '10.1.2.3', port: 2375, protocol: 'http' });
    // No scheme is tcp; no port is 2375 without TLS (as the CLI: the port alone does not turn TLS on).
    expect(candidateEndpoints({ DOCKER_HOST: 'engine' })[0]!.options).toEqual({ host: 'engine', port: 2375, protocol: 'http' });
    expect(candidateEndpoints({ DOCKER_HOST: 'tcp://engine:2376' })[0]!.options).toMatchObject({ protocol: 'http' });
    expect(candidateEndpoints({ DOCKER_HOST: 'ssh://me@box' })[0]).toMatchObject({ transport: 'ssh', local: false });
    expect(() => candidateEndpoints({ DOCKER_HOST: 'fd://3' })).toThrow(/DOCKER_HOST fd:\/\/3 is not an engine address/);
  });

  it('DOCKER_HOST with TLS: DOCKER_TLS_VERIFY verifies with DOCKER_CERT_PATH (else the config folder), on 2376', () => {
    const certs = mkdtempSync(join(tmpdir(), 'netlab-certs-'));
    dirs.push(certs);
    for (const f of ['ca', 'cert', 'key']) writeFileSync(join(certs, `${f}.pem`), f.toUpperCase());
    const [verified] = candidateEndpoints({ DOCKER_HOST: 'tcp://engine', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certs });
    expect(verified!.options).toMatchObject({ host: 'engine', port: 2376, protocol: 'https', ca: Buffer.from('CA'), cert: Buffer.from('CERT') });
    expect(agentOf(verified!.options)?.options).toMatchObject({ rejectUnauthorized: true, key: Buffer.from('KEY') });
    // The config folder is where the CLI looks without DOCKER_CERT_PATH.
    const fromConfig = candidateEndpoints({ DOCKER_HOST: 'tcp://engine:3000', DOCKER_TLS_VERIFY: '1', DOCKER_CONFIG: certs })[0]!;
    expect(fromConfig.options).toMatchObject({ port: 3000, protocol: 'https', ca: Buffer.from('CA') });
    // DOCKER_TLS alone: TLS without verifying.
    const unverified = candidateEndpoints({ DOCKER_HOST: 'tcp://engine', DOCKER_TLS: '1', DOCKER_CONFIG: config })[0]!;
    expect(unverified.options).toMatchObject({ protocol: 'https', port: 2376 });
    expect(agentOf(unverified.options)?.options).toMatchObject({ rejectUnauthorized: false });
    // Verifying without a CA to verify with is an error naming the file.
    expect(() => candidateEndpoints({ DOCKER_HOST: 'tcp://engine', DOCKER_TLS_VERIFY: '1', DOCKER_CONFIG: config })).toThrow(
      new RegExp(`no ${join(config, 'ca.pem')}`),
    );
  });

  it('the current context of config.json; DOCKER_CONTEXT over it; "default" is the sockets', () => {
    expect(candidateEndpoints({ DOCKER_CONFIG: config })).toEqual([
      {
        source: 'docker context colima (unix:///tmp/colima.sock)',
        options: { socketPath: '/tmp/colima.sock' },
        local: true,
        transport: 'unix',
        context: 'colima',
      },
    ]);
    expect(candidateEndpoints({ DOCKER_CONFIG: config, DOCKER_CONTEXT: 'plain' })[0]).toMatchObject({
      context: 'plain',
      options: { host: '10.1.2.5', port: 2375, protocol: 'http' },
      local: false,
    });
    expect(candidateEndpoints({ DOCKER_CONFIG: config, DOCKER_CONTEXT: 'default' }).every((e) => e.context === undefined && e.transport === 'unix')).toBe(true);
    expect(candidateEndpoints({ DOCKER_CONFIG: dockerConfig({}, 'default') })[0]!.context).toBeUndefined();
  });

  it("a context's TLS files and SkipTLSVerify", () => {
    const lab = candidateEndpoints({ DOCKER_CONFIG: config, DOCKER_CONTEXT: 'lab' })[0]!;
    expect(lab.options).toMatchObject({
      host: '10.1.2.3',
      port: 2376,
      protocol: 'https',
      ca: Buffer.from('CA'),
      cert: Buffer.from('CERT'),
      key: Buffer.from('KEY'),
    });
    expect(agentOf(lab.options)?.options).toMatchObject({ rejectUnauthorized: true });
    const insecure = candidateEndpoints({ DOCKER_CONFIG: config, DOCKER_CONTEXT: 'insecure' })[0]!;
    expect(insecure.options).toMatchObject({ host: '10.1.2.4', port: 2376, protocol: 'https' });
    expect(agentOf(insecure.options)?.options).toMatchObject({ rejectUnauthorized: false });
  });

  it('an ssh context: the ssh agent, never local (even on a loopback address)', () => {
    const far = candidateEndpoints({ DOCKER_CONFIG: config, DOCKER_CONTEXT: 'far' })[0]!;
    expect(far).toMatchObject({ transport: 'ssh', local: false, context: 'far', source: 'docker context far (ssh://student@lab.example:2200)' });
    expect((far.options as { agent?: unknown }).agent).toBeInstanceOf(SshAgent);
    expect((far.options as { agent: SshAgent }).agent.target).toEqual({ user: 'student', host: 'lab.example', port: '2200' });
    expect(candidateEndpoints({ DOCKER_HOST: 'ssh://root@127.0.0.1:2222' })[0]!.local).toBe(false);
  });

  it('a context that does not exist is an error naming it and `docker context ls`, never the sockets', async () => {
    const missing = (env: NodeJS.ProcessEnv) => {
      try {
        candidateEndpoints(env);
      } catch (err) {
        return err as NetlabError;
      }
      throw new Error('no error');
    };
    const named = missing({ DOCKER_CONFIG: config, DOCKER_CONTEXT: 'nope' });
    expect(named).toBeInstanceOf(ContextNotFoundError);
    expect(named.message).toBe(`The docker context "nope" (named by DOCKER_CONTEXT) does not exist in ${config}.`);
    expect(named.hint).toMatch(/docker context ls/);
    expect(missing({ DOCKER_CONFIG: dockerConfig({}, 'gone') }).message).toMatch(/"gone" \(named by config.json currentContext\)/);
    await expect(connectEngineAt('nope', { DOCKER_CONFIG: config })).rejects.toThrow(/"nope" \(named by --context\) does not exist/);
  });

  it('netlab --context NAME (before the command) sets the context for the run and wins over DOCKER_HOST', () => {
    const env: NodeJS.ProcessEnv = { DOCKER_HOST: 'tcp://10.9.9.9' };
    expect(takeGlobalContext(['node', 'netlab', '--context', 'far', 'up', 'pod-to-pod'], env)).toEqual(['node', 'netlab', 'up', 'pod-to-pod']);
    expect(env.DOCKER_CONTEXT).toBe('far');
    expect(env.DOCKER_HOST).toBeUndefined();
    expect(candidateEndpoints({ ...env, DOCKER_CONFIG: config })[0]!.context).toBe('far');
    // A command's own --context (after the command name) is left to the command.
    const env2: NodeJS.ProcessEnv = {};
    expect(takeGlobalContext(['node', 'netlab', '--debug', '--context=lab', 'class', 'up', 'x', '--context', 'a'], env2)).toEqual([
      'node',
      'netlab',
      '--debug',
      'class',
      'up',
      'x',
      '--context',
      'a',
    ]);
    expect(env2.DOCKER_CONTEXT).toBe('lab');
    expect(() => takeGlobalContext(['node', 'netlab', '--context'], {})).toThrow(/--context needs the name/);
    // "default" keeps DOCKER_HOST, as the docker CLI's default context does.
    const env3: NodeJS.ProcessEnv = { DOCKER_HOST: 'unix:///x.sock' };
    selectContext('default', env3);
    expect(candidateEndpoints(env3)[0]!.source).toBe('DOCKER_HOST=unix:///x.sock');
  });

  it('knows an engine on this machine (a socket, a loopback address) from a remote one', () => {
    const local = (host: string) => candidateEndpoints({ DOCKER_HOST: host })[0]!.local;
    expect(local('unix:///var/run/docker.sock')).toBe(true);
    expect(local('tcp://127.0.0.1:2375')).toBe(true);
    expect(local('tcp://localhost:2375')).toBe(true);
    expect(local('tcp://[::1]:2375')).toBe(true);
    expect(local('tcp://10.1.2.3:2375')).toBe(false);
    expect(local('tcp://engine.example:2376')).toBe(false);
    expect(isLocalEngine({ socketPath: '//./pipe/docker_engine' })).toBe(true);
  });
});
