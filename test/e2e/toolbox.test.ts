// The toolbox is netlab's own: driven only through netlab-agent's typed requests, it runs
// programs from a fixed list by argv in lab containers' network namespaces, and cannot enter
// the host's processes even when asked to.
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT_PATH, agentResults } from '../../src/engine/toolbox.js';
import { engine, netlab, uniqueName } from '../helpers/e2e.js';

const name = uniqueName('toolbox');

let upTrace = '';
beforeAll(async () => {
  const up = await netlab(['up', 'multi-node', '--name', name, '--debug']);
  expect(up.exitCode, up.all).toBe(0);
  upTrace = up.stderr;
}, 180_000);
afterAll(async () => {
  await netlab(['down', name]);
}, 120_000);

async function agent(steps: unknown[]) {
  const e = await engine();
  const r = await e.exec(`${name}.toolbox`, [AGENT_PATH], { stdin: JSON.stringify({ steps }) });
  return agentResults('test', r.exitCode, r.stdout, r.stderr, steps.length);
}

/** The oldest dockerd on this host (the engine the tests use runs here). */
function dockerdPid(): number {
  const pids = readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        return readFileSync(`/proc/${d}/comm`, 'utf8').trim() === 'dockerd';
      } catch {
        return false;
      }
    })
    .map(Number)
    .sort((a, b) => a - b);
  if (!pids[0]) throw new Error('dockerd is not running on this host');
  return pids[0];
}

/**
 * A toolbox exec in the debug trace: the agent (a request per exec, or several in its `session`
 * mode, docker/probe/session.go), or a read of netlab's own state file (argv, no shell).
 */
const AGENT_OR_STATE = new RegExp(`\\| (${AGENT_PATH}( session)?|cat /var/lib/netlab/[a-z.-]+)$`);

describe('the toolbox', () => {
  it('holds NET_ADMIN, NET_RAW and SYS_ADMIN only: no SYS_PTRACE, never privileged', async () => {
    const info = await (await engine()).inspectContainer(`${name}.toolbox`);
    expect(info?.HostConfig.Privileged).toBe(false);
    expect([...(info?.HostConfig.CapAdd ?? [])].sort()).toEqual(['NET_ADMIN', 'NET_RAW', 'SYS_ADMIN']);
    expect(info?.HostConfig.NetworkMode).toBe('none');
  });

  it('runs only programs on its list, each value one argument', async () => {
    const [shell, path, payload] = await agent([
      { argv: ['sh', '-c', 'id > /tmp/netlab-agent-canary'] },
      { argv: ['/bin/sh'] },
      { argv: ['cat', '--', '$(id>/tmp/netlab-agent-canary); `id`'] },
    ]);
    expect(shell?.exitCode).toBe(-1);
    expect(shell?.error).toContain('"sh" is not a program the agent runs');
    expect(path?.exitCode).toBe(-1);
    expect(payload?.stderr).toContain('No such file or directory');
    const probe = await agent([{ argv: ['cat', '/tmp/netlab-agent-canary'] }]);
    expect(probe[0]?.exitCode).not.toBe(0);
  });

  it("enters a lab container's network namespace, and checks the PID is that container's", async () => {
    const e = await engine();
    const node = await e.inspectContainer(`${name}-node1`);
    const router = await e.inspectContainer(`${name}-router`);
    const [inNode, wrongId] = await agent([
      { argv: ['ip', '-o', '-4', 'addr', 'show', 'dev', 'cbr0'], netns: { pid: node?.State.Pid, container: node?.Id } },
      { argv: ['ip', '-o', 'link'], netns: { pid: node?.State.Pid, container: router?.Id } },
    ]);
    expect(inNode?.exitCode, inNode?.stderr).toBe(0);
    expect(inNode?.stdout).toMatch(/cbr0\s+inet 10\.0\.1\.1\/24/);
    expect(wrongId?.exitCode).toBe(-1);
    expect(wrongId?.error).toMatch(/is not in container/);
  });

  it("cannot enter or read the host's processes (dockerd), even when asked", async () => {
    const pid = dockerdPid();
    const [enter, read] = await agent([{ argv: ['ip', '-o', 'link'], netns: { pid } }, { argv: ['cat', `/proc/${pid}/root/etc/hostname`] }]);
    expect(enter?.exitCode).not.toBe(0);
    expect(enter?.stderr).toMatch(/permission denied/i);
    expect(read?.exitCode).not.toBe(0);
    expect(read?.stderr).toMatch(/permission denied/i);
  });

  it('every toolbox request of up, check and explain goes to the agent, none to a shell', async () => {
    // up names containers by ID: every exec it makes (the toolbox's and the guard's) is the agent.
    const upExecs = upTrace.split('\n').filter((l) => / docker exec /.test(l));
    expect(upExecs.length).toBeGreaterThan(1);
    for (const line of upExecs) expect(line).toMatch(AGENT_OR_STATE);
    // Its plumbing and routes go through the toolbox's sessions, opened as soon as it runs.
    expect(upTrace).toMatch(/toolbox (plumbing pods|setting routes) \(session\)/);
    const traced = await netlab(['check', name, '--debug']);
    expect(traced.exitCode, traced.all).toBe(0);
    const execs = traced.stderr.split('\n').filter((l) => l.includes(`docker exec ${name}.toolbox`));
    expect(execs.length).toBeGreaterThan(0);
    for (const line of execs) expect(line).toMatch(AGENT_OR_STATE);
    const explained = await netlab(['explain', name, 'client', 'server-1', '--debug']);
    const explainExecs = explained.stderr.split('\n').filter((l) => l.includes(`docker exec ${name}.toolbox`));
    expect(explainExecs.length).toBeGreaterThan(0);
    for (const line of explainExecs) expect(line).toMatch(AGENT_OR_STATE);
  });
});
