// Pulls against a real registry on 127.0.0.1:5000 (Debian's docker-registry; start it with
// scripts/registry.sh): an image a pod names that the engine lacks is pulled before anything is
// created, with its layers counted, and the lab works on it; imagePullPolicy: Never with a
// missing image, a tag the registry lacks, and a reference the engine would refuse each stop
// `up` before anything is created, naming the manifest's line.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import Docker from 'dockerode';
import { execa, type ResultPromise } from 'execa';
import { pack } from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { followMessages } from '../../src/images/engine-build.js';
import { checkJson, engine, failures, labObjects, netlab, uniqueName } from '../helpers/e2e.js';

const REGISTRY = '127.0.0.1:5000';
const dir = mkdtempSync(join(tmpdir(), 'netlab-pull-'));
const made: string[] = [];
const images: string[] = [];
const tag = uniqueName('t');
/** Images only the registry holds (each with a last layer of its own), pushed by beforeAll. */
const pushed = `${REGISTRY}/course/web:${tag}`;
const pushedClient = `${REGISTRY}/course/client:${tag}`;

async function docker(): Promise<Docker> {
  return new Docker((await engine()).endpoint.options);
}

/** Pushes `ref` (with credentials, or anonymously) and removes it here: only the registry has it then. */
async function pushAway(ref: string, auth: Record<string, string> = {}): Promise<void> {
  const d = await docker();
  // The engine wants X-Registry-Auth on a push, even an empty one.
  const push = (await d.getImage(ref).push({ authconfig: auth })) as unknown as Readable;
  await followMessages(push, `push ${ref}`);
  await d.getImage(ref).remove();
  expect(await (await engine()).inspectImage(ref)).toBeUndefined();
}

/** Builds `ref` from netlab/app with one layer of its own (a file unique to this run). */
async function buildOwn(ref: string): Promise<void> {
  const tar = pack();
  tar.entry({ name: 'Dockerfile' }, 'FROM netlab/app:latest\nCOPY marker /netlab-pull-marker\n');
  tar.entry({ name: 'marker' }, `${ref}\n`);
  tar.finalize();
  const stream = (await (
    await docker()
  ).buildImage(tar as unknown as NodeJS.ReadableStream, {
    t: ref,
    networkmode: 'none',
    rm: true,
  })) as unknown as Readable;
  await followMessages(stream, `build ${ref}`);
}

beforeAll(async () => {
  const answer = await fetch(`http://${REGISTRY}/v2/`, { signal: AbortSignal.timeout(3000) }).catch((err: Error) => err);
  if (answer instanceof Error || !answer.ok) {
    throw new Error(
      `No image registry answers on http://${REGISTRY}/v2/ (${answer instanceof Error ? answer.message : `HTTP ${answer.status}`}). ` +
        "Start one: scripts/registry.sh (it needs Debian's docker-registry: apt-get install -y docker-registry).",
    );
  }
  for (const image of [pushed, pushedClient]) {
    await buildOwn(image);
    images.push(image);
    await pushAway(image);
  }
}, 120_000);

afterAll(async () => {
  for (const name of made) await netlab(['down', name]);
  const d = await docker();
  for (const image of images)
    await d
      .getImage(image)
      .remove({ force: true })
      .catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

/** A one-node lab: a pod `web` on `image` (extra fields at line 10 on), a client, and a check between them. */
function lab(name: string, image: string, extra = '', client = 'netlab/app'): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    `name: ${name}
workloads:
  - apiVersion: v1
    kind: Pod
    metadata: { name: web, labels: { app: web } }
    spec:
      containers:
        - name: app
          image: ${image}
          ports: [{ containerPort: 8080 }]${extra}
  - apiVersion: v1
    kind: Pod
    metadata: { name: client }
    spec:
      containers:
        - { name: app, image: ${client} }
checks:
  - { name: client reaches web, from: client, to: web:8080 }
`,
  );
  made.push(name);
  return file;
}

describe('pulls', () => {
  it('pulls the image a pod names from the registry before anything is created; the lab works on it', async () => {
    const name = uniqueName('pull');
    const r = await netlab(['up', lab(name, pushed, '', pushedClient), '--json']);
    expect(r.exitCode, r.all).toBe(0);
    const events = r.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { type: string; id?: string; text?: string; detail?: string });
    const id = `pull:${pushed}`;
    const mine = events.filter((e) => e.id === id);
    expect(mine[0]).toMatchObject({ type: 'task-start', id });
    // Its own layer was fetched; netlab/app's were on the engine already.
    const done = mine.at(-1);
    expect(done).toMatchObject({ type: 'task-done', detail: expect.stringMatching(/^pulled 1 layer \(\d+ already on the engine\)$/) });
    const layers = Number(/\((\d+)/.exec(done?.detail ?? '')?.[1]) + 1;
    const progress = mine.filter((e) => e.type === 'task-progress').map((e) => e.text);
    expect(progress).toContain(`pulling ${pushed}: ${layers}/${layers} layers`);
    // And counted them as they landed: some progress said fewer than all.
    const counts = progress.flatMap((t) => {
      const m = / (\d+)\/(\d+) layers$/.exec(t ?? '');
      return m ? [[Number(m[1]), Number(m[2])]] : [];
    });
    expect(
      counts.some(([done, total]) => done! < total!),
      progress.join('\n'),
    ).toBe(true);
    // The pull came first: the lab's network (the first thing `up` creates) was started after it.
    const network = events.findIndex((e) => e.type === 'task-start' && e.id === 'network');
    expect(network).toBeGreaterThan(0);
    expect(events.findIndex((e) => e.type === 'task-done' && e.id === id)).toBeLessThan(network);

    // The two images were pulled side by side: both started before either was done.
    const at = (type: string, image: string) => events.findIndex((e) => e.type === type && e.id === `pull:${image}`);
    expect(Math.max(at('task-start', pushed), at('task-start', pushedClient))).toBeLessThan(Math.min(at('task-done', pushed), at('task-done', pushedClient)));
    expect(await (await engine()).inspectImage(pushedClient)).toBeDefined();
    expect(await (await engine()).inspectImage(pushed)).toBeDefined();
    const { report } = await checkJson(name);
    expect(report.ok, failures(report).join('\n')).toBe(true);
    // A second `up` keeps the pod as it runs: nothing to pull.
    const again = await netlab(['up', join(dir, `${name}.yaml`)]);
    expect(again.exitCode, again.all).toBe(0);
    expect(again.stdout).not.toContain('pulling');
    expect(again.stdout).toContain('nothing changed');
  });

  it('imagePullPolicy: Never with a missing image: kubelet’s ErrImageNeverPull at its line, no pull, nothing created', async () => {
    const name = uniqueName('never');
    const absent = `${REGISTRY}/course/web:${tag}-absent`;
    const r = await netlab(['up', lab(name, absent, '\n          imagePullPolicy: Never')]);
    expect(r.exitCode, r.all).toBe(2);
    expect(r.stderr).toContain(`${name}.yaml:9:18 (pod web, container app): container image "${absent}" is not present with pull policy of Never`);
    expect(r.stderr).toContain('hint: put the image on the engine first');
    expect(r.stderr).toContain('Nothing was created.');
    expect(r.all).not.toContain('pulling');
    expect(await labObjects(name)).toEqual({ containers: 0, networks: 0, volumes: 0 });
  });

  it('a tag the registry does not have: the failed pull names the manifest’s line, and nothing is created', async () => {
    const name = uniqueName('nopull');
    const missing = `${REGISTRY}/course/web:${tag}-missing`;
    const r = await netlab(['up', lab(name, missing)]);
    expect(r.exitCode, r.all).toBe(2);
    expect(r.stderr).toMatch(
      new RegExp(`${name}\\.yaml:9:18 \\(pod web, container app\\): failed to pull image "${missing.replace(/\./g, '\\.')}": .*manifest unknown`),
    );
    expect(r.stderr).toContain(`hint: ${REGISTRY} has no ${missing}: check the name and the tag, or push the image there first`);
    expect(r.stderr).toContain('Nothing was created.');
    expect(await labObjects(name)).toEqual({ containers: 0, networks: 0, volumes: 0 });
  });

  it('a reference the engine would refuse is a lab-file error at its line, never an engine call', async () => {
    const name = uniqueName('badref');
    const r = await netlab(['up', lab(name, 'APP_IMAGE')]);
    expect(r.exitCode, r.all).toBe(2);
    expect(r.stderr).toContain(`${name}.yaml:9:18: image "APP_IMAGE" is not a valid image reference: repository name must be lowercase`);
    expect(r.stderr).not.toContain('invalid reference format');
    expect(await labObjects(name)).toEqual({ containers: 0, networks: 0, volumes: 0 });
  });
});

describe('credentials', () => {
  // A registry of this test's own that wants a login (htpasswd: bcrypt of PASSWORD, cost 4).
  const USER = 'student';
  const PASSWORD = 'netlab-pull-test';
  const HTPASSWD = `${USER}:$2b$04$i4I3HwIjW.Tl/WS1yUkYburLixKa7PHotNL4Px7L7PyQIQ8wFTlt.\n`;
  const home = join(dir, 'auth-registry');
  let registry: ResultPromise | undefined;
  let address = '';
  let image = '';

  beforeAll(async () => {
    const free = createServer();
    await new Promise<void>((resolve) => free.listen({ host: '127.0.0.1', port: 0 }, resolve));
    address = `127.0.0.1:${(free.address() as AddressInfo).port}`;
    await new Promise((resolve) => free.close(resolve));
    mkdirSync(join(home, 'data'), { recursive: true });
    writeFileSync(join(home, 'htpasswd'), HTPASSWD);
    writeFileSync(
      join(home, 'config.yml'),
      `version: 0.1\nlog: { level: warn }\nstorage: { filesystem: { rootdirectory: ${join(home, 'data')} } }\nhttp: { addr: ${address} }\nauth: { htpasswd: { realm: netlab-test, path: ${join(home, 'htpasswd')} } }\n`,
    );
    registry = execa('docker-registry', ['serve', join(home, 'config.yml')], { reject: false, all: true });
    const deadline = Date.now() + 15_000;
    for (;;) {
      const status = await fetch(`http://${address}/v2/`).then(
        (r) => r.status,
        () => 0,
      );
      if (status === 401) break;
      if (registry.exitCode !== null || Date.now() > deadline) {
        throw new Error(`docker-registry did not start on ${address} (apt-get install -y docker-registry): ${(await registry).all ?? ''}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    image = `${address}/private/web:${tag}`;
    await buildOwn(image);
    images.push(image);
    await pushAway(image, { username: USER, password: PASSWORD, serveraddress: address });
  }, 120_000);

  afterAll(async () => {
    registry?.kill();
    await registry;
  });

  it('pulls with the login in the docker config (DOCKER_CONFIG); without it, says to log in', async () => {
    const config = join(home, 'docker-config');
    mkdirSync(config, { recursive: true });
    const name = uniqueName('auth');
    const file = lab(name, image);

    const anonymous = await netlab(['up', file], { env: { DOCKER_CONFIG: config } });
    expect(anonymous.exitCode, anonymous.all).toBe(2);
    expect(anonymous.stderr).toContain(`${name}.yaml:9:18 (pod web, container app): failed to pull image "${image}": `);
    expect(anonymous.stderr).toContain(`hint: log in to ${address} (docker login ${address}: netlab pulls with the credentials in your docker config)`);
    expect(await labObjects(name)).toEqual({ containers: 0, networks: 0, volumes: 0 });

    // As `docker login` writes it.
    writeFileSync(join(config, 'config.json'), JSON.stringify({ auths: { [address]: { auth: Buffer.from(`${USER}:${PASSWORD}`).toString('base64') } } }));
    const r = await netlab(['up', file], { env: { DOCKER_CONFIG: config } });
    expect(r.exitCode, r.all).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`done +image ${image.replace(/\./g, '\\.')} +pulled 1 layer`));
    const { report } = await checkJson(name);
    expect(report.ok, failures(report).join('\n')).toBe(true);
  });
});
