// The parts of image builds that run on this machine, not in the engine: compiling
// the pause binary (gcc) and the app server (go), and debootstrapping the base root
// file system (docker/base/build.sh). Each failure says what to install or run.
import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, readFile } from 'node:fs/promises';
import { basename, delimiter, join } from 'node:path';
import { NetlabError } from '../core/errors.js';
import type { HostCompile } from './catalogue.js';

/** Lines of output kept for an error's hint. */
const TAIL_LINES = 15;

export type LineSink = (line: string) => void;

export interface RunResult {
  code: number;
  /** The last lines of stdout and stderr together. */
  tail: string[];
}

/** Runs a program, passing each output line (stdout and stderr) to `onLine` as it comes. */
export function runStreaming(
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; onLine?: LineSink } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const tail: string[] = [];
    const lineReader = () => {
      let rest = '';
      return {
        push(chunk: Buffer) {
          rest += chunk.toString('utf8');
          const lines = rest.split(/\r?\n|\r/);
          rest = lines.pop() ?? '';
          for (const line of lines) take(line);
        },
        flush() {
          if (rest) take(rest);
          rest = '';
        },
      };
    };
    const take = (line: string) => {
      const text = line.trimEnd();
      if (!text) return;
      tail.push(text);
      if (tail.length > TAIL_LINES) tail.shift();
      options.onLine?.(text);
    };
    const out = lineReader();
    const err = lineReader();
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      out.flush();
      err.flush();
      resolve({ code: code ?? (signal ? 128 : 1), tail });
    });
  });
}

/** Directories where tools live that a non-login or sudo PATH may lack. */
const EXTRA_TOOL_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin', '/usr/local/go/bin', '/usr/lib/go/bin'];

/** The absolute path of an executable on PATH (or in the usual system directories), if any. */
export async function findTool(name: string, pathEnv: string = process.env.PATH ?? ''): Promise<string | undefined> {
  const dirs = [...pathEnv.split(delimiter).filter(Boolean), ...EXTRA_TOOL_DIRS];
  for (const dir of new Set(dirs)) {
    const candidate = join(dir, name);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** PATH for child processes: the caller's, plus the system directories sudo may have dropped. */
export function toolPath(pathEnv: string = process.env.PATH ?? ''): string {
  return [...new Set([...pathEnv.split(delimiter).filter(Boolean), ...EXTRA_TOOL_DIRS])].join(delimiter);
}

function failure(what: string, result: RunResult, hint?: string): NetlabError {
  const last = result.tail.length ? `last lines of its output:\n${result.tail.join('\n')}` : 'it printed nothing';
  return new NetlabError(`${what} failed (exit code ${result.code}).`, { hint: hint ? `${hint}\n${last}` : last });
}

/** Go's name for a Node architecture (process.arch). */
const GO_ARCH: Record<string, string> = { x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le' };

export function goArch(nodeArch: string = process.arch): string {
  return GO_ARCH[nodeArch] ?? nodeArch;
}

/**
 * Compiles docker/pause/pause.c into a static binary with the host's gcc. gcc cannot
 * cross-compile, so this needs a Linux host of the engine's architecture.
 */
export async function compilePause(sourceDir: string, compile: HostCompile, outFile: string, engineArch: string, onLine?: LineSink): Promise<void> {
  if (process.platform !== 'linux' || goArch() !== engineArch) {
    throw new NetlabError(
      `The pause binary is compiled with this machine's gcc, which builds for ${process.platform}/${goArch()}, but the Docker engine runs linux/${engineArch}.`,
      { hint: "Build the images on a Linux machine of the engine's architecture and carry them over with `netlab images save` / `netlab images load`." },
    );
  }
  const gcc = await findTool('gcc');
  if (!gcc) {
    throw new NetlabError('gcc is not installed: netlab compiles its pause binary (docker/pause/pause.c) with it.', {
      hint: 'Install a C compiler and the static C library: `sudo apt-get install gcc libc6-dev`.',
    });
  }
  const result = await runStreaming(gcc, [...compile.flags, '-o', outFile, 'pause.c'], {
    cwd: sourceDir,
    env: { ...process.env, PATH: toolPath(), LC_ALL: 'C' },
    onLine,
  });
  if (result.code !== 0) {
    const noLibc = result.tail.some((l) => /cannot find -lc\b|crt1\.o|No such file.*\.h/.test(l));
    throw failure(
      'Compiling the pause binary (gcc -static)',
      result,
      noLibc ? 'A static link needs libc.a and the C headers: `sudo apt-get install libc6-dev`.' : undefined,
    );
  }
}

/**
 * Builds a Go module folder (docker/app, docker/node, docker/coredns) into a static
 * Linux binary with the host's Go. Modules with dependencies (docker/coredns) take
 * them from the module cache, else from GOPROXY (the caller's, or Go's default); the
 * committed go.sum checks them, and GOTOOLCHAIN=local never downloads another Go.
 */
export async function compileApp(sourceDir: string, compile: HostCompile, outFile: string, engineArch: string, onLine?: LineSink): Promise<void> {
  const what = `docker/${basename(sourceDir)}`;
  const go = await findTool('go');
  if (!go) {
    throw new NetlabError(`Go is not installed: netlab compiles ${what} with it.`, {
      hint: 'Install Go: `sudo apt-get install golang-go` (or put the bin directory of a Go installation on PATH).',
    });
  }
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: toolPath(),
    CGO_ENABLED: '0',
    GOOS: 'linux',
    GOARCH: engineArch,
    GOTOOLCHAIN: 'local',
    GOFLAGS: '-mod=mod',
  };
  // Go refuses to run without a build cache directory (and, for dependencies, a module
  // cache); root under a bare sudo may have no HOME.
  if (!env.GOCACHE && !env.XDG_CACHE_HOME && !env.HOME) env.GOCACHE = join('/tmp', 'netlab-go-cache');
  if (!env.GOMODCACHE && !env.GOPATH && !env.HOME) env.GOMODCACHE = join('/tmp', 'netlab-go-mod');
  // -v names each package as it is compiled: the progress of a long build (CoreDNS).
  const result = await runStreaming(go, ['build', '-v', ...compile.flags, '-o', outFile, '.'], { cwd: sourceDir, env, onLine });
  if (result.code !== 0) {
    const offline = result.tail.some((l) => /dial tcp|lookup .*proxy|no such host|connection refused|i\/o timeout|GOPROXY/.test(l));
    const tooOld = result.tail.some((l) => /requires go >=|go\.mod requires go/.test(l));
    throw failure(
      `Compiling ${what} (go build)`,
      result,
      tooOld
        ? `${what}/go.mod needs a newer Go than ${go}; install a current Go (https://go.dev/dl/).`
        : offline
          ? 'Go could not fetch the module dependencies: reach the Go module proxy (GOPROXY) once, or build the images on a machine that can and carry them over with `netlab images save` / `netlab images load`.'
          : undefined,
    );
  }
}

/**
 * Runs docker/base/build.sh, which debootstraps a Debian root file system into
 * `outTar` and writes the image settings to `<outTar>.changes`; returns those settings.
 */
export async function buildBaseRootfs(sourceDir: string, outTar: string, onLine?: LineSink): Promise<string[]> {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new NetlabError('Building the base image needs root: debootstrap makes device nodes and changes owners.', {
      hint: 'Run `sudo netlab images build` once; the image is cached and later runs need no root.',
      exitCode: 3,
    });
  }
  if (!(await findTool('debootstrap'))) {
    throw new NetlabError('debootstrap is not installed: netlab builds its Debian base image with it (no image registry is needed).', {
      hint: 'Install it: `sudo apt-get install debootstrap`.',
      exitCode: 3,
    });
  }
  const bash = (await findTool('bash')) ?? 'bash';
  const result = await runStreaming(bash, [join(sourceDir, 'build.sh'), '--tar', outTar], {
    cwd: sourceDir,
    env: { ...process.env, PATH: toolPath(), LC_ALL: 'C' },
    onLine,
  });
  if (result.code !== 0) {
    throw failure(
      'Building the Debian root file system (docker/base/build.sh)',
      result,
      'It needs root, debootstrap and a reachable Debian mirror (set NETLAB_DEBIAN_MIRROR to use another).',
    );
  }
  const changes = await readFile(`${outTar}.changes`, 'utf8');
  return changes.split('\n').filter((l) => l.trim() !== '');
}
