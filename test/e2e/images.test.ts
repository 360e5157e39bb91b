// netlab's images against the real engine: built (or reused), then each one's
// promised behaviour. Traffic flows only between containers this test starts, on
// an internal network it creates; everything it creates carries netlab.lab=<lab>
// and is removed in afterAll. The images themselves stay: they are the cache.
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { extract } from 'tar-stream';
import { down } from '../../src/cluster/down.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContainerCreate } from '../../src/core/container-create.js';
import type { Engine } from '../../src/engine/engine.js';
import type { ContainerDetails } from '../../src/engine/types.js';
import type { LabEvent } from '../../src/core/events.js';
import { buildContext, dockerBuild } from '../../src/images/engine-build.js';
import { NetlabError } from '../../src/core/errors.js';
import { IMAGE_NAMES, ensureImages, listImages, loadImages, saveImages, type ImageName } from '../../src/images/index.js';
import { engine } from '../helpers/e2e.js';

const lab = `test-images-${randomBytes(4).toString('hex')}`;
const labels = { 'netlab.lab': lab };

let e: Engine;
let refs: Record<ImageName, string>;
const events: LabEvent[] = [];

/** Creates and starts a labelled container; its id. */
async function run(suffix: string, spec: ContainerCreate): Promise<string> {
  const container = await e.createContainer(`${lab}-${suffix}`, { ...spec, Labels: labels });
  await e.startContainer(container);
  return container;
}

/** A container's details; one that is gone fails the test. */
async function inspect(id: string): Promise<ContainerDetails> {
  const info = await e.inspectContainer(id);
  if (!info) throw new Error(`container ${id} is gone`);
  return info;
}

async function ipOn(container: string, network: string): Promise<string> {
  const info = await inspect(container);
  const ip = info.NetworkSettings.Networks[network]?.IPAddress;
  if (!ip) throw new Error(`${info.Name} has no address on ${network}`);
  return ip;
}

/** `docker stop` (SIGTERM, then SIGKILL after 10 s); resolves with how long it took and the exit code. */
async function timedStop(container: string): Promise<{ ms: number; exitCode: number }> {
  const started = performance.now();
  await e.stopContainer(container, 10);
  const ms = performance.now() - started;
  return { ms, exitCode: (await inspect(container)).State.ExitCode };
}

/** Processes of the PID namespace `container` is in: pid, ppid, state, command. */
async function processes(container: string) {
  const ps = await e.exec(container, ['ps', '-eo', 'pid=,ppid=,stat=,comm=']);
  expect(ps.exitCode).toBe(0);
  return ps.stdout
    .trim()
    .split('\n')
    .map((line) => {
      const [pid, ppid, stat, comm] = line.trim().split(/\s+/);
      return { pid: Number(pid), ppid: Number(ppid), stat: stat ?? '', comm: comm ?? '' };
    });
}

/** The RepoTags of a `docker save` archive's manifest.json. */
async function savedTags(file: string): Promise<string[]> {
  const tar = extract();
  createReadStream(file).pipe(tar);
  let tags: string[] = [];
  for await (const entry of tar) {
    if (entry.header.name === 'manifest.json') {
      const chunks: Buffer[] = [];
      for await (const chunk of entry) chunks.push(chunk as Buffer);
      tags = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { RepoTags: string[] }[]).flatMap((m) => m.RepoTags);
    } else {
      entry.resume();
    }
  }
  return tags;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  e = await engine();
  refs = await ensureImages(e, (event) => events.push(event));
});

afterAll(async () => {
  // Everything the test made carries its label: netlab's own `down` removes it.
  if (e) await down(e, lab, () => {});
});

describe('netlab images', () => {
  it('builds (or reuses) every image, labelled and tagged :latest', async () => {
    const listed = await listImages(e);
    expect(listed.map((i) => i.name)).toEqual([...IMAGE_NAMES]);
    for (const image of listed) {
      expect(image.present, image.ref).toBe(true);
      expect(image.ref).toBe(refs[image.name]);
      expect(image.size).toBeGreaterThan(0);
      const info = await e.inspectImage(image.ref);
      if (!info) throw new Error(`image ${image.ref} is gone`);
      expect(info.Config.Labels?.['netlab.image']).toBe(image.name);
      expect(info.RepoTags).toContain(`netlab/${image.name}:latest`);
    }
    // Whatever this run built was reported as tasks, and nothing failed.
    expect(events.filter((event) => event.type === 'task-fail')).toEqual([]);
    for (const event of events) {
      if (event.type === 'task-start') expect(event.title).toBe(`image netlab/${event.id.slice('image:'.length)}`);
    }
  });

  it('costs one image list when everything is present', async () => {
    const again: LabEvent[] = [];
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      const started = performance.now();
      expect(await ensureImages(e, (event) => again.push(event))).toEqual(refs);
      times.push(performance.now() - started);
    }
    expect(again).toEqual([]);
    expect(Math.min(...times)).toBeLessThan(100);
  });

  it('pause: PID 1 that adopts and reaps orphans, and exits 0 at once on SIGTERM', async () => {
    const pause = await run('pause', { Image: refs.pause, HostConfig: { NetworkMode: 'none' } });
    // A second container in the pause container's PID namespace (as a pod with
    // shareProcessNamespace): its orphaned `sleep 2` is adopted by /pause, PID 1.
    const sharer = await run('pid-sharer', {
      Image: refs.probe,
      Cmd: ['sh', '-c', '(sleep 2 &); exec sleep 600'],
      HostConfig: { NetworkMode: 'none', PidMode: `container:${pause}` },
    });

    const first = await processes(sharer);
    expect(first.find((p) => p.pid === 1)?.comm).toBe('pause');
    expect(first.filter((p) => p.comm === 'sleep' && p.ppid === 1).length).toBeGreaterThanOrEqual(1);

    // Once the orphan ends, pause must have reaped it: no zombie stays behind.
    let after = first;
    for (let i = 0; i < 50; i++) {
      await sleep(200);
      after = await processes(sharer);
      if (!after.some((p) => p.ppid === 1 && p.comm === 'sleep')) break;
    }
    expect(after.filter((p) => p.ppid === 1 && p.comm === 'sleep')).toEqual([]);
    expect(after.filter((p) => p.stat.startsWith('Z'))).toEqual([]);

    // The same binary, as the other images carry it: -v, and the warning when not PID 1.
    const version = await e.exec(sharer, ['/usr/local/bin/pause', '-v']);
    expect(version.stdout).toMatch(/^netlab pause \S+/);
    const notInit = await e.exec(sharer, ['timeout', '0.5', '/usr/local/bin/pause']);
    expect(notInit.stderr).toMatch(/not running as PID 1/);
    expect(notInit.stderr).toMatch(/SIGTERM, exiting/);

    const stopped = await timedStop(pause);
    expect(stopped.exitCode).toBe(0);
    expect(stopped.ms).toBeLessThan(2000);
  });

  it('node, router and probe: pause as PID 1, their label, the tools, quick to stop', async () => {
    await Promise.all(
      (['node', 'router', 'probe'] as const).map(async (name) => {
        const c = await run(name, { Image: refs[name], HostConfig: { NetworkMode: 'none' } });
        const check = await e.exec(c, [
          'sh',
          '-c',
          'cat /proc/1/comm && test -x /usr/lib/cni/bridge && test -x /usr/lib/cni/host-local && command -v iptables nft conntrack curl nsenter',
        ]);
        expect(check.exitCode, check.stderr).toBe(0);
        expect(check.stdout.split('\n')[0]).toBe('pause');
        if (name === 'node') {
          const readme = await e.exec(c, ['cat', '/etc/cni/net.d/README']);
          expect(readme.stdout).toContain('/var/lib/cni/networks');
        }
        const stopped = await timedStop(c);
        expect(stopped.exitCode).toBe(0);
        expect(stopped.ms).toBeLessThan(2000);
      }),
    );
  });

  it('app: says which pod answered, over HTTP on every port and over UDP', async () => {
    const network = `${lab}-net`;
    await e.createNetwork({ Name: network, Driver: 'bridge', Internal: true, Labels: labels });
    const app = await run('web-0', {
      Image: refs.app,
      Cmd: ['--http', '8080', '--http', '9090', '--udp', '5353'],
      Env: ['POD_NAME=web-0', 'POD_NAMESPACE=default', 'NODE_NAME=node1'],
      HostConfig: { NetworkMode: network },
    });
    const client = await run('client', { Image: refs.probe, HostConfig: { NetworkMode: network } });
    const [appIp, clientIp] = await Promise.all([ipOn(app, network), ipOn(client, network)]);

    const curl = async (path: string, port = 8080) => {
      // Retries while the server starts; every request stays on the test's own network.
      const r = await e.exec(client, [
        'sh',
        '-c',
        `for i in $(seq 50); do curl -sS --max-time 2 http://${appIp}:${port}${path} && exit 0; sleep 0.1; done; exit 1`,
      ]);
      expect(r.exitCode, r.stderr).toBe(0);
      return r.stdout;
    };

    // The hello line names the client as the server sees it (its address, then its port).
    const client8080 = new RegExp(`^Hello from web-0 \\(${appIp.replace(/\./g, '\\.')}:8080\\), client ${clientIp.replace(/\./g, '\\.')}:\\d+\n$`);
    expect(await curl('/')).toMatch(client8080);
    expect(await curl('/', 9090)).toMatch(new RegExp(`^Hello from web-0 \\(${appIp.replace(/\./g, '\\.')}:9090\\), client `));
    expect(await curl('/healthz')).toBe('ok\n');
    const info = JSON.parse(await curl('/json')) as Record<string, unknown>;
    expect(info).toMatchObject({ pod: 'web-0', namespace: 'default', node: 'node1', ip: appIp, port: 8080 });
    expect(String(info.client)).toMatch(new RegExp(`^${clientIp.replace(/\./g, '\\.')}:\\d+$`));

    // One datagram out, the first line back (bash's /dev/udp, so no tool waits out a timeout).
    const udp = await e.exec(client, ['bash', '-c', `exec 3<>/dev/udp/${appIp}/5353 && printf 'ping\\n' >&3 && timeout 3 head -n1 <&3`]);
    expect(udp.stdout).toBe(`Hello from web-0 (${appIp}:5353)\n`);

    const logs = await e.logs(app, 10_000);
    expect(logs).toContain(`http :8080 ${clientIp}:`);
    expect(logs).toContain('GET /json -> 200');
    expect(logs).toContain(`udp :5353 ${clientIp}:`);

    const stopped = await timedStop(app);
    expect(stopped.exitCode).toBe(0);
    expect(stopped.ms).toBeLessThan(2000);
  });

  it('saves every image to one tar and loads it back', async () => {
    const dir = await mkdtemp(join(tmpdir(), `${lab}-`));
    try {
      const file = join(dir, 'netlab-images.tar');
      const saved = await saveImages(e, file);
      expect(saved).toEqual(IMAGE_NAMES.map((name) => refs[name]));
      expect((await stat(file)).size).toBeGreaterThan(1_000_000);
      expect((await savedTags(file)).sort()).toEqual([...saved].sort());
      expect((await loadImages(e, file)).sort()).toEqual([...saved].sort());
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reports a failed build with the last lines of its output', async () => {
    const dir = await mkdtemp(join(tmpdir(), `${lab}-`));
    try {
      await writeFile(join(dir, 'Dockerfile'), `FROM ${refs.base}\nRUN echo ${lab}-marker && false\n`);
      const err = await dockerBuild(
        e,
        await buildContext([{ name: 'Dockerfile', source: join(dir, 'Dockerfile') }]),
        { tags: [`netlab-test/${lab}:broken`] },
        'Building the broken test image',
      ).catch((error: unknown) => error);
      expect(err).toBeInstanceOf(NetlabError);
      expect((err as NetlabError).message).toMatch(/^Building the broken test image failed: .*non-zero code: 1/);
      expect((err as NetlabError).hint).toContain(`${lab}-marker`);
      // Nothing was tagged, and the builder removed its container.
      expect(await e.listImages({ reference: [`netlab-test/${lab}`] })).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
