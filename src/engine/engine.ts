// The one place netlab talks to the Docker engine: every call the rest of netlab makes, typed
// for what netlab does with it, each traced under NETLAB_DEBUG with its duration.
import { PassThrough, type Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type Docker from 'dockerode';
import { extract, pack } from 'tar-stream';
import type { ContainerCreate } from '../core/container-create.js';
import { debugText, traced } from '../core/debug.js';
import type { ExecResult } from '../core/toolbox-request.js';
import type { EngineEndpoint } from './connect.js';
import { isConflict, isNotFound, isNotModified } from './errors.js';
import type { RegistryAuth } from './registry-auth.js';
import type { ContainerDetails, ContainerSummary, EngineVersion, ImageDetails, ImageSummary, NetworkCreate, NetworkSummary, VolumeSummary } from './types.js';

export type { ExecResult };

export interface ExecOptions {
  stdin?: string | Buffer;
  env?: string[];
  user?: string;
}

/** Label filters, as the engine takes them: `{ label: ['netlab.lab=x'] }`. */
export type Filters = Record<string, string[]>;

/** An exec attached to the caller's terminal (`netlab exec`). */
export interface AttachedExec {
  stream: NodeJS.ReadWriteStream;
  /** Splits the engine's multiplexed stream (no TTY) into stdout and stderr. */
  demux(stdout: Writable, stderr: Writable): void;
  resize(rows: number, columns: number): Promise<void>;
  exitCode(): Promise<number>;
}

/** A command whose output is read as it comes (`netlab capture`): stdin held open until `closeStdin`. */
export interface StreamingExec {
  stdout: Readable;
  stderr: Readable;
  /** Writes more to its stdin. */
  write(data: string | Uint8Array): void;
  /** Half-closes its stdin (netlab-agent stream takes that as "stop"). */
  closeStdin(): void;
  /** Drops the connection (the engine then closes the command's stdin as well). */
  destroy(): void;
  /** Its exit code, once its output has ended. */
  exitCode(): Promise<number>;
}

/** Which engine this is and what it can hold (from `docker info`). */
export interface EngineInfo {
  /** The same for one engine however it is reached (two contexts, ssh and a socket): its ID with its data root. */
  id: string;
  /** The engine host's name. */
  name: string;
  memTotalBytes: number;
  ncpu: number;
  serverVersion: string;
  /** "Debian GNU/Linux 13 (trixie)", "Docker Desktop" */
  os: string;
  /** The engine's machine architecture as Go names it: amd64, arm64 (images built for one do not run on the other). */
  arch: string;
}

export class Engine {
  constructor(
    private readonly docker: Docker,
    readonly endpoint: EngineEndpoint,
  ) {}

  private call<T>(what: string, fn: () => Promise<T>, summary?: (r: T) => string, detail?: () => string): Promise<T> {
    return traced('docker', what, fn, summary, detail);
  }

  ping(): Promise<unknown> {
    return this.call('ping', () => this.docker.ping());
  }

  version(): Promise<EngineVersion> {
    return this.call('version', () => this.docker.version());
  }

  /** `docker info`, the parts netlab uses: which engine this is and what it can hold. */
  info(): Promise<EngineInfo> {
    return this.call(
      'info',
      async () => {
        const i = (await this.docker.info()) as {
          ID?: string;
          Name?: string;
          MemTotal?: number;
          NCPU?: number;
          ServerVersion?: string;
          OperatingSystem?: string;
          DockerRootDir?: string;
          Architecture?: string;
        };
        return {
          // Engines before Docker 23 take their ID from /etc/docker/key.json, so two engines on one
          // machine (each with its data root) can share it; with the data root it names one engine.
          id: `${i.ID ?? ''}@${i.DockerRootDir ?? ''}`,
          name: i.Name ?? '',
          memTotalBytes: i.MemTotal ?? 0,
          ncpu: i.NCPU ?? 0,
          serverVersion: i.ServerVersion ?? '',
          os: i.OperatingSystem ?? '',
          arch: goArch(i.Architecture ?? ''),
        };
      },
      (i) => `${i.name}, ${i.ncpu} CPUs, ${Math.round(i.memTotalBytes / 2 ** 20)} MiB`,
    );
  }

  // Containers

  listContainers(filters: Filters): Promise<ContainerSummary[]> {
    return this.call(
      `containers list ${JSON.stringify(filters)}`,
      () => this.docker.listContainers({ all: true, filters }),
      (l) => `${l.length} found`,
    );
  }

  /** A container's details, or undefined when there is no such container. */
  inspectContainer(nameOrId: string): Promise<ContainerDetails | undefined> {
    return this.call(`container inspect ${short(nameOrId)}`, async () => {
      try {
        return await this.docker.getContainer(nameOrId).inspect();
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    });
  }

  /** The host PID of a running container's first process (its namespaces are /proc/<pid>/ns/*); 0 when not running. */
  async pidOf(nameOrId: string): Promise<number> {
    const info = await this.inspectContainer(nameOrId);
    return info?.State.Running ? info.State.Pid : 0;
  }

  createContainer(name: string, spec: ContainerCreate): Promise<string> {
    return this.call(`container create ${name} (${spec.Image})`, async () => (await this.docker.createContainer({ ...spec, name })).id);
  }

  /** Starts a container; one already running (another command started it meanwhile) is no error. */
  startContainer(id: string): Promise<void> {
    return this.call(`container start ${short(id)}`, async () => {
      try {
        await this.docker.getContainer(id).start();
      } catch (err) {
        if (!isNotModified(err)) throw err;
      }
    });
  }

  /** `docker stop`: SIGTERM, then SIGKILL after `seconds`. */
  stopContainer(id: string, seconds = 10): Promise<void> {
    return this.call(`container stop ${short(id)}`, async () => {
      await this.docker.getContainer(id).stop({ t: seconds });
    });
  }

  /** `docker restart`: stopped (SIGTERM, SIGKILL after `seconds`) and started again in place. */
  restartContainer(id: string, seconds = 10): Promise<void> {
    return this.call(`container restart ${short(id)}`, async () => {
      await this.docker.getContainer(id).restart({ t: seconds });
    });
  }

  /** `docker kill`: SIGKILL, as a crash would end it. */
  killContainer(id: string): Promise<void> {
    return this.call(`container kill ${short(id)}`, async () => {
      await this.docker.getContainer(id).kill();
    });
  }

  /** Removes a container with its anonymous volumes; one already gone (or going) is no error. */
  removeContainer(id: string): Promise<void> {
    return this.call(`container remove ${short(id)}`, async () => {
      try {
        await this.docker.getContainer(id).remove({ force: true, v: true });
      } catch (err) {
        if (!isNotFound(err) && !isConflict(err)) throw err;
      }
    });
  }

  /** The last `tail` lines a container printed (stdout and stderr together), or '' when it has none. */
  logs(nameOrId: string, tail: number): Promise<string> {
    return this.call(`container logs ${nameOrId}`, async () => {
      const raw = (await this.docker
        .getContainer(nameOrId)
        .logs({ stdout: true, stderr: true, tail })
        .catch(() => Buffer.alloc(0))) as Buffer;
      return demuxBuffer(raw);
    });
  }

  /**
   * A container's log (stdout and stderr, as they came), written to `out` as it arrives: all of
   * it or its last `tail` lines, then, with `follow`, what it prints until it stops or `signal`.
   */
  streamLogs(nameOrId: string, out: Writable, options: { follow?: boolean; tail?: number; signal?: AbortSignal } = {}): Promise<void> {
    return this.call(`container logs ${nameOrId}${options.follow ? ' (follow)' : ''}`, async () => {
      const container = this.docker.getContainer(nameOrId);
      const tail = options.tail ?? 'all';
      if (!options.follow) {
        out.write(demuxBuffer((await container.logs({ stdout: true, stderr: true, tail: tail as number })) as Buffer));
        return;
      }
      const stream = (await container.logs({ stdout: true, stderr: true, tail: tail as number, follow: true })) as NodeJS.ReadableStream & {
        destroy?: () => void;
      };
      await new Promise<void>((resolve, reject) => {
        const stop = () => {
          stream.destroy?.();
          resolve();
        };
        options.signal?.addEventListener('abort', stop, { once: true });
        stream.on('end', resolve);
        stream.on('close', resolve);
        stream.on('error', reject);
        this.docker.modem.demuxStream(stream, out, out);
      });
    });
  }

  /** Runs a command in a running container and collects its output. */
  exec(container: string, cmd: string[], options: ExecOptions = {}): Promise<ExecResult> {
    const stdin = options.stdin !== undefined ? ` (stdin ${options.stdin.length} bytes)` : '';
    return this.call(
      `exec ${short(container)}${stdin}`,
      () => this.execCollect(container, cmd, options),
      (r) => `exit ${r.exitCode}`,
      () => cmd.join(' '),
    );
  }

  private async execCollect(container: string, cmd: string[], options: ExecOptions): Promise<ExecResult> {
    const exec = await this.docker.getContainer(container).exec({
      Cmd: cmd,
      Env: options.env,
      User: options.user,
      AttachStdout: true,
      AttachStderr: true,
      AttachStdin: options.stdin !== undefined,
    });
    const stream = (await exec.start({ hijack: true, stdin: options.stdin !== undefined })) as NodeJS.ReadWriteStream & Readable;
    const out = new PassThrough();
    const err = new PassThrough();
    const chunks: { out: Buffer[]; err: Buffer[] } = { out: [], err: [] };
    out.on('data', (c: Buffer) => chunks.out.push(c));
    err.on('data', (c: Buffer) => chunks.err.push(c));
    this.docker.modem.demuxStream(stream, out, err);
    const ended = new Promise<void>((resolve, reject) => {
      stream.on('end', resolve);
      stream.on('close', resolve);
      stream.on('error', reject);
    });
    if (options.stdin !== undefined) {
      stream.write(options.stdin);
      // Half-close so the command sees EOF on stdin while we keep reading its output.
      (stream as unknown as { end: () => void }).end();
    }
    await ended;
    const info = await exec.inspect();
    return {
      exitCode: info.ExitCode ?? -1,
      stdout: Buffer.concat(chunks.out).toString('utf8'),
      stderr: Buffer.concat(chunks.err).toString('utf8'),
    };
  }

  /** Starts a command with `stdin` written to it and its stdin then held open; its stdout and stderr stream as they come. */
  stream(container: string, cmd: string[], stdin: string): Promise<StreamingExec> {
    return this.call(
      `exec (streaming) ${short(container)}`,
      async () => {
        const exec = await this.docker.getContainer(container).exec({ Cmd: cmd, AttachStdin: true, AttachStdout: true, AttachStderr: true });
        const stream = (await exec.start({ hijack: true, stdin: true })) as NodeJS.ReadWriteStream & Readable & { destroy(): void };
        const stdout = new PassThrough();
        const stderr = new PassThrough();
        this.docker.modem.demuxStream(stream, stdout, stderr);
        const ended = new Promise<void>((resolve) => {
          const end = () => {
            stdout.end();
            stderr.end();
            resolve();
          };
          stream.on('end', end);
          stream.on('close', end);
          stream.on('error', end);
        });
        if (stdin) stream.write(stdin);
        let closed = false;
        return {
          stdout,
          stderr,
          write: (data) => {
            if (!closed) stream.write(data);
          },
          closeStdin: () => {
            if (closed) return;
            closed = true;
            (stream as unknown as { end: () => void }).end();
          },
          destroy: () => stream.destroy(),
          exitCode: async () => {
            await ended;
            return (await exec.inspect().catch(() => undefined))?.ExitCode ?? -1;
          },
        };
      },
      undefined,
      () => cmd.join(' '),
    );
  }

  /** Starts a command attached to the caller's streams (a shell for a person); with a TTY, or `stdin`, its stdin is attached too. */
  attach(container: string, cmd: string[], options: { tty: boolean; stdin?: boolean; env?: string[] }): Promise<AttachedExec> {
    const stdin = options.tty || options.stdin === true;
    return this.call(`exec (attached${options.tty ? ', tty' : stdin ? ', stdin' : ''}) ${short(container)} ${debugText(cmd.join(' '))}`, async () => {
      const exec = await this.docker.getContainer(container).exec({
        Cmd: cmd,
        AttachStdin: stdin,
        AttachStdout: true,
        AttachStderr: true,
        Tty: options.tty,
        Env: options.env,
      });
      const stream = await exec.start({ hijack: true, stdin, Tty: options.tty });
      return {
        stream,
        demux: (stdout, stderr) => this.docker.modem.demuxStream(stream, stdout, stderr),
        resize: async (rows, columns) => {
          await exec.resize({ h: rows, w: columns }).catch(() => undefined);
        },
        exitCode: async () => (await exec.inspect()).ExitCode ?? 0,
      };
    });
  }

  /** Writes small files into a container's directory (like `docker cp`): one tar, one call. */
  putFiles(container: string, dir: string, files: Record<string, string | Uint8Array>): Promise<void> {
    return this.call(`put ${short(container)}:${dir} ${Object.keys(files).join(',')}`, async () => {
      await this.docker.getContainer(container).putArchive(await tarOf(files), { path: dir });
    });
  }

  /** A small file's text out of a container (like `docker cp`): one call, no exec; undefined when there is no such file. */
  async readFile(container: string, path: string): Promise<string | undefined> {
    return (await this.readFileBytes(container, path))?.toString('utf8');
  }

  /** A small file's bytes out of a container, as readFile. */
  readFileBytes(container: string, path: string): Promise<Buffer | undefined> {
    return this.call(
      `get ${short(container)}:${path}`,
      async () => {
        let archive: NodeJS.ReadableStream;
        try {
          archive = await this.docker.getContainer(container).getArchive({ path });
        } catch (err) {
          if (isNotFound(err)) return undefined;
          throw err;
        }
        const chunks: Buffer[] = [];
        const tar = extract();
        tar.on('entry', (header, stream, next) => {
          stream.on('data', (c) => {
            if (header.type === 'file') chunks.push(c as Buffer);
          });
          stream.on('end', next);
        });
        await pipeline(archive as Readable, tar);
        return Buffer.concat(chunks);
      },
      (r) => (r === undefined ? 'no such file' : `${r.length} bytes`),
    );
  }

  // Networks and volumes

  listNetworks(filters?: Filters): Promise<NetworkSummary[]> {
    return this.call(
      `networks list ${filters ? JSON.stringify(filters) : ''}`,
      () => this.docker.listNetworks(filters ? { filters } : {}),
      (l) => `${l.length} found`,
    );
  }

  /** Creates a network; its ID. */
  createNetwork(spec: NetworkCreate): Promise<string> {
    return this.call(`network create ${spec.Name}`, async () => (await this.docker.createNetwork(spec)).id);
  }

  /** Removes a network; one already gone is no error. */
  removeNetwork(id: string): Promise<void> {
    return this.call(`network remove ${short(id)}`, async () => {
      try {
        await this.docker.getNetwork(id).remove();
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    });
  }

  /** The endpoints the engine holds on a network: container ID -> its name there (none: the network is gone). */
  networkEndpoints(id: string): Promise<Map<string, string>> {
    return this.call(`network inspect ${short(id)}`, async () => {
      try {
        const info = (await this.docker.getNetwork(id).inspect()) as { Containers?: Record<string, { Name?: string }> };
        return new Map(Object.entries(info.Containers ?? {}).map(([cid, c]) => [cid, c.Name ?? '']));
      } catch (err) {
        if (isNotFound(err)) return new Map();
        throw err;
      }
    });
  }

  /** Drops a container's endpoint (by container, or by its endpoint's name when the container is gone) from a network: the engine's `disconnect --force`. */
  disconnectForce(network: string, container: string): Promise<void> {
    return this.call(`network disconnect --force ${short(network)} ${short(container)}`, async () => {
      try {
        await this.docker.getNetwork(network).disconnect({ Container: container, Force: true });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    });
  }

  listVolumes(filters: Filters): Promise<VolumeSummary[]> {
    return this.call(`volumes list ${JSON.stringify(filters)}`, async () => (await this.docker.listVolumes({ filters })).Volumes ?? []);
  }

  removeVolume(name: string): Promise<void> {
    return this.call(`volume remove ${name}`, async () => {
      await this.docker
        .getVolume(name)
        .remove({ force: true })
        .catch(() => undefined);
    });
  }

  // Images

  listImages(filters: Filters): Promise<ImageSummary[]> {
    return this.call(
      `images list ${JSON.stringify(filters)}`,
      () => this.docker.listImages({ filters }),
      (l) => `${l.length} found`,
    );
  }

  /** An image's details, or undefined when the engine has no such image. */
  inspectImage(ref: string): Promise<ImageDetails | undefined> {
    return this.call(`image inspect ${ref}`, async () => {
      try {
        return await this.docker.getImage(ref).inspect();
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    });
  }

  /** Removes an image; without force, one a container still uses stays (that is no error). */
  removeImage(ref: string): Promise<void> {
    return this.call(`image remove ${ref}`, async () => {
      await this.docker
        .getImage(ref)
        .remove()
        .catch(() => undefined);
    });
  }

  tagImage(image: string, ref: string): Promise<void> {
    const colon = ref.lastIndexOf(':');
    return this.call(`image tag ${image} ${ref}`, async () => {
      await this.docker.getImage(image).tag({ repo: ref.slice(0, colon), tag: ref.slice(colon + 1) });
    });
  }

  /**
   * `docker pull` of `name` at `tagOrDigest`, with `auth` sent as X-Registry-Auth; the stream
   * carries the engine's progress messages (and its error, when the pull fails).
   */
  pullImage(name: string, tagOrDigest: string, auth?: RegistryAuth): Promise<Readable> {
    const ref = tagOrDigest.includes(':') ? `${name}@${tagOrDigest}` : `${name}:${tagOrDigest}`;
    return this.call(`image pull ${ref}${auth ? ` (as ${auth.username ?? 'token'})` : ''}`, async () => {
      const options = { fromImage: name, tag: tagOrDigest };
      return (await (auth ? this.docker.createImage(auth, options) : this.docker.createImage(options))) as unknown as Readable;
    });
  }

  /** `docker build` (classic builder) from an in-memory context; the stream carries the engine's progress messages. */
  buildImage(
    context: Buffer,
    options: { tags: readonly string[]; buildArgs?: Record<string, string>; labels?: Record<string, string>; noCache?: boolean; network?: boolean },
  ): Promise<Readable> {
    return this.call(`image build ${options.tags.join(' ')}`, async () => {
      return (await this.docker.buildImage(context as unknown as NodeJS.ReadableStream, {
        // The engine takes `t` once per tag; dockerode passes an array as repeated parameters.
        t: options.tags as unknown as string,
        buildargs: options.buildArgs,
        labels: options.labels,
        nocache: options.noCache ?? false,
        pull: false,
        // Binaries are compiled on the host, so a build step gets the network only when its recipe
        // installs packages from Debian's mirror (the ingress controller's nginx).
        networkmode: options.network ? 'default' : 'none',
        rm: true,
        forcerm: true,
      })) as unknown as Readable;
    });
  }

  /** `docker import`: a root file system tar becomes `repo:tag`. */
  importImage(tarFile: string, ref: string, changes: readonly string[], message: string): Promise<Readable> {
    const colon = ref.lastIndexOf(':');
    return this.call(`image import ${ref}`, async () => {
      return (await this.docker.importImage(tarFile, {
        repo: ref.slice(0, colon),
        tag: ref.slice(colon + 1),
        changes: [...changes],
        message,
      })) as unknown as Readable;
    });
  }

  /** `docker save` of these refs, as a tar stream. */
  saveImages(refs: readonly string[]): Promise<Readable> {
    // dockerode's getImages (GET /images/get) is missing from its type declarations.
    const save = this.docker as unknown as { getImages(options: { names: string[] }): Promise<Readable> };
    return this.call(`images save ${refs.join(' ')}`, () => save.getImages({ names: [...refs] }));
  }

  /** `docker load` of a tar file (or of a tar in memory, or streamed); the stream carries the engine's messages. */
  loadImages(file: string | Buffer | Readable): Promise<Readable> {
    const what = typeof file === 'string' ? file : Buffer.isBuffer(file) ? `(${file.length} bytes)` : '(streamed)';
    // The client sends a Buffer as the request body as it is (its declarations name only files and streams).
    return this.call(`images load ${what}`, async () => (await this.docker.loadImage(file as string, { quiet: true })) as unknown as Readable);
  }
}

/** /info's Architecture is uname's (x86_64, aarch64); images and /version name it as Go does. */
function goArch(machine: string): string {
  return ({ x86_64: 'amd64', aarch64: 'arm64', armv7l: 'arm', i686: '386' } as Record<string, string>)[machine] ?? machine;
}

function short(id: string): string {
  return /^[0-9a-f]{64}$/.test(id) ? id.slice(0, 12) : id;
}

/** The engine's log format without a TTY: 8-byte frame headers before each chunk. */
function demuxBuffer(raw: Buffer): string {
  const parts: Buffer[] = [];
  let i = 0;
  while (i + 8 <= raw.length && (raw[i] === 1 || raw[i] === 2) && raw[i + 1] === 0) {
    const size = raw.readUInt32BE(i + 4);
    parts.push(raw.subarray(i + 8, i + 8 + size));
    i += 8 + size;
  }
  return (i === 0 ? raw : Buffer.concat(parts)).toString('utf8');
}

/** Files (by name, mode 0644) as one tar archive: what putFiles copies, or a command extracts from its stdin. */
export async function tarOf(files: Record<string, string | Uint8Array>): Promise<Buffer> {
  const tar = pack();
  for (const [name, content] of Object.entries(files)) tar.entry({ name, mode: 0o644 }, typeof content === 'string' ? content : Buffer.from(content));
  tar.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of tar) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
