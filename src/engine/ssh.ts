// ssh:// engines as the docker CLI reaches them (its cli/connhelper): the user's own `ssh` (their
// ~/.ssh/config, keys, known_hosts, agent if any) runs `docker system dial-stdio` on the far side,
// and HTTP goes over the process's stdin and stdout. An http.Agent hands such a process to each
// connection and keeps it for the next request; hijacked streams (exec, attach) take theirs along.
import { type ChildProcess, spawn } from 'node:child_process';
import { Agent } from 'node:http';
import { Duplex } from 'node:stream';
import { NetlabError } from '../core/errors.js';

/** Where an ssh:// URL points. */
export interface SshTarget {
  user?: string;
  host: string;
  port?: string;
  /** The engine's socket on the far side (the URL's path), when not the default one. */
  socketPath?: string;
}

function refuse(url: string, why: string, hint = 'Write it as ssh://[user@]host[:port][/path/to/docker.sock].'): NetlabError {
  return new NetlabError(`${url} is not an ssh engine address netlab can use: ${why}.`, { hint, exitCode: 2 });
}

// What each part may hold: they go to ssh as separate arguments, and the socket path into the
// command the far side's shell runs, so nothing there may look like an option or like shell text.
const HOST_NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;
const IPV6 = /^[0-9A-Fa-f:.]+(%[A-Za-z0-9_.-]+)?$/;
const USER = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;
const SOCKET_PATH = /^\/[A-Za-z0-9._/-]*$/;

/** The parts of an ssh:// URL, checked as the docker CLI checks them (no password, query or fragment) and more strictly. */
export function parseSshUrl(url: string): SshTarget {
  const m = /^ssh:\/\/(?:([^@/?#]*)@)?([^/?#]*)([^?#]*)(\?[^#]*)?(#.*)?$/.exec(url);
  if (!m) throw refuse(url, 'it is not an ssh:// URL');
  const [, userInfo, hostPort = '', path = '', query, fragment] = m;
  if (query !== undefined) throw refuse(url, 'query parameters are not allowed');
  if (fragment !== undefined) throw refuse(url, 'fragments are not allowed');
  let user: string | undefined;
  if (userInfo !== undefined) {
    if (userInfo.includes(':')) throw refuse(url, 'a plain-text password is not supported', 'Use a key (ssh-copy-id), named in ~/.ssh/config if need be.');
    user = decode(url, userInfo);
    if (!USER.test(user)) throw refuse(url, `the user name ${JSON.stringify(user)} has characters ssh would not take as a name`);
  }
  const hp = /^(?:\[([^\]]*)\]|([^:]*))(?::(.*))?$/.exec(hostPort)!;
  const host = hp[1] ?? hp[2] ?? '';
  const port = hp[3];
  if (host === '') throw refuse(url, 'the host name is empty');
  if (hp[1] !== undefined ? !IPV6.test(host) : !HOST_NAME.test(host)) {
    throw refuse(url, `the host ${JSON.stringify(host)} is not a host name or address${host.startsWith('-') ? ' (it would be taken as an ssh option)' : ''}`);
  }
  if (port !== undefined && (!/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535)) {
    throw refuse(url, `the port ${JSON.stringify(port)} is not a number from 1 to 65535`);
  }
  const socketPath = path.replace(/^\/+$/, '');
  if (socketPath !== '' && !SOCKET_PATH.test(socketPath)) {
    throw refuse(url, `the socket path ${JSON.stringify(path)} has characters other than letters, digits, ".", "_", "-" and "/"`);
  }
  return { ...(user !== undefined ? { user } : {}), host, ...(port ? { port } : {}), ...(socketPath ? { socketPath } : {}) };
}

function decode(url: string, text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw refuse(url, `${JSON.stringify(text)} is not valid percent-encoding`);
  }
}

/**
 * The arguments of `ssh` (without "ssh" itself) that run dial-stdio on the far side, as the
 * docker CLI's connhelper builds them: its connect timeout and no terminal, then -l, -p, and the
 * host after `--`, then the remote command.
 */
export function sshArgv(target: SshTarget): string[] {
  const remote = target.socketPath ? ['docker', `--host=unix://${target.socketPath}`, 'system', 'dial-stdio'] : ['docker', 'system', 'dial-stdio'];
  return ['-o ConnectTimeout=30', '-T', ...(target.user ? ['-l', target.user] : []), ...(target.port ? ['-p', target.port] : []), '--', target.host, ...remote];
}

/** `user@host:port`, for messages. */
export function describeTarget(t: SshTarget): string {
  return `${t.user ? `${t.user}@` : ''}${t.host.includes(':') ? `[${t.host}]` : t.host}${t.port ? `:${t.port}` : ''}`;
}

/** The command a person can run to see what netlab's ssh sees. */
function manualCommand(t: SshTarget): string {
  return ['ssh', ...(t.user ? ['-l', t.user] : []), ...(t.port ? ['-p', t.port] : []), t.host, 'docker', 'version'].join(' ');
}

/** ssh could not give an engine connection: its own words, and what to do about them. */
export class SshEngineError extends NetlabError {
  constructor(
    readonly target: SshTarget,
    readonly stderr: string,
    exit: string,
    cause?: unknown,
  ) {
    const said = stderr.trim().split('\n').slice(-6).join('\n').trim();
    super(`ssh to ${describeTarget(target)} did not reach a Docker engine (${exit})${said ? `:\n${said}` : '.'}`, {
      hint: sshHint(target, stderr, cause),
      exitCode: 3,
      cause,
    });
  }
}

function sshHint(t: SshTarget, stderr: string, cause: unknown): string {
  const check = `Check by hand: ${manualCommand(t)}`;
  if ((cause as NodeJS.ErrnoException | undefined)?.code === 'ENOENT')
    return 'There is no `ssh` on PATH: install the OpenSSH client (Debian: apt-get install openssh-client).';
  if (/Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED|No .* host key is known/i.test(stderr)) {
    return `ssh does not know (or no longer trusts) ${t.host}'s host key: connect once by hand and accept it (${manualCommand(t)}), or add it with ssh-keyscan${t.port ? ` -p ${t.port}` : ''} ${t.host} >> ~/.ssh/known_hosts.`;
  }
  if (/Permission denied|Too many authentication failures/i.test(stderr)) {
    return `ssh could not log in: install your public key there (ssh-copy-id${t.port ? ` -p ${t.port}` : ''} ${describeTarget({ ...t, port: undefined })}) or name the key in ~/.ssh/config (IdentityFile). ${check}`;
  }
  if (/docker: (command )?not found|docker: No such file|command not found/i.test(stderr)) {
    return `The far side has no docker CLI on the PATH of a non-interactive ssh session (Docker 18.09 or later has \`docker system dial-stdio\`). ${check}`;
  }
  if (/Cannot connect to the Docker daemon|permission denied while trying to connect/i.test(stderr)) {
    return `ssh logged in, but the engine there did not answer: start it, or give the user access to its socket (the docker group). ${check}`;
  }
  if (/Could not resolve hostname|Connection refused|timed out|No route to host|Network is unreachable/i.test(stderr)) {
    return `ssh could not reach ${t.host}${t.port ? ` on port ${t.port}` : ''}: is the machine up and sshd running there? ${check}`;
  }
  return check;
}

/**
 * One `ssh … docker system dial-stdio` process as a socket: what is written goes to its stdin,
 * what it prints comes out. An ssh that ends before printing anything failed: the stream then
 * ends with an SshEngineError carrying ssh's stderr.
 */
export class SshConnection extends Duplex {
  /** Read by Node's HTTP client as a socket's. */
  readonly connecting = false;
  readonly remoteAddress: string;
  private readonly child: ChildProcess;
  private stderr = '';
  private received = 0;
  private exit: string | undefined;
  private readonly childClosed: Promise<void>;
  private idleMs = 0;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly target: SshTarget,
    command = 'ssh',
  ) {
    // A socket's default: once the far side has ended, end ours too (the process then exits).
    super({ allowHalfOpen: false });
    this.remoteAddress = describeTarget(target);
    // In a session of its own (as the docker CLI's commandconn): Ctrl-C at the terminal reaches
    // netlab, which ends its requests in order, not ssh, which would cut them off. If netlab dies,
    // ssh's stdin closes and it ends as well.
    const child = spawn(command, sshArgv(target), { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    this.child = child;
    this.childClosed = new Promise((resolve) => child.once('close', () => resolve()));
    child.once('exit', (code, signal) => {
      this.exit = signal ? `ssh was stopped by ${signal}` : `ssh exited with ${code}`;
    });
    child.once('error', (err) => this.destroy(new SshEngineError(target, this.stderr, (err as Error).message, err)));
    child.stderr!.on('data', (c: Buffer) => {
      this.stderr = (this.stderr + c.toString('utf8')).slice(-8192);
    });
    child.stdout!.on('data', (chunk: Buffer) => {
      this.received += chunk.length;
      this.touch();
      if (!this.push(chunk)) child.stdout!.pause();
    });
    child.stdout!.once('end', () => {
      if (this.received > 0) {
        this.push(null);
        return;
      }
      // Nothing came: wait for ssh to say why (its stderr and exit status) before ending.
      void this.childClosed.then(() => {
        if (this.exit === 'ssh exited with 0') this.push(null);
        else this.destroy(new SshEngineError(target, this.stderr, this.exit ?? 'ssh ended'));
      });
    });
    // Writing to an ssh that has gone: its exit (above) says why.
    child.stdin!.on('error', () => undefined);
  }

  override _read(): void {
    this.child.stdout?.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.touch();
    if (this.child.stdin!.write(chunk)) callback();
    else this.child.stdin!.once('drain', () => callback());
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.child.stdin!.end();
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    clearTimeout(this.idleTimer);
    if (this.exit === undefined) {
      this.child.stdin!.destroy();
      this.child.kill('SIGTERM');
    }
    callback(error);
  }

  // What Node's HTTP client and agent call on a socket.

  /** Emits 'timeout' after `ms` without traffic (the agent closes idle kept connections so); as net.Socket's, 0 also drops `callback`. */
  setTimeout(ms: number, callback?: () => void): this {
    this.idleMs = ms;
    if (callback) {
      if (ms === 0) this.removeListener('timeout', callback);
      else this.once('timeout', callback);
    }
    this.touch();
    return this;
  }

  /** The idle timeout set last (net.Socket's `timeout`). */
  get timeout(): number {
    return this.idleMs;
  }

  setKeepAlive(): this {
    return this;
  }

  setNoDelay(): this {
    return this;
  }

  /** A kept connection does not hold the process open (the agent unrefs it while idle). */
  ref(): this {
    for (const handle of [this.child, this.child.stdin, this.child.stdout, this.child.stderr]) (handle as { ref?: () => void } | null)?.ref?.();
    return this;
  }

  unref(): this {
    for (const handle of [this.child, this.child.stdin, this.child.stdout, this.child.stderr]) (handle as { unref?: () => void } | null)?.unref?.();
    return this;
  }

  /** The ssh process's PID (tests look for it). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  private touch(): void {
    clearTimeout(this.idleTimer);
    if (this.idleMs > 0) {
      this.idleTimer = setTimeout(() => this.emit('timeout'), this.idleMs);
      this.idleTimer.unref();
    }
  }
}

/** At most this many ssh processes at once per engine (sshd's MaxStartups drops more than 10 starting together). */
export const SSH_MAX_CONNECTIONS = 8;

/** Closes a kept ssh connection after this long unused. */
const SSH_IDLE_MS = 30_000;

/**
 * The HTTP agent of an ssh engine: each connection is an SshConnection, kept alive and reused by
 * the next request; at most SSH_MAX_CONNECTIONS at once (a hijacked exec stream leaves the pool
 * with its connection, which ends with the stream).
 */
export class SshAgent extends Agent {
  /** Connections opened so far (each one ssh process). */
  opened = 0;

  constructor(
    readonly target: SshTarget,
    private readonly command = 'ssh',
  ) {
    super({ keepAlive: true, maxSockets: SSH_MAX_CONNECTIONS, maxFreeSockets: SSH_MAX_CONNECTIONS, timeout: SSH_IDLE_MS });
  }

  override createConnection(): Duplex {
    this.opened++;
    return new SshConnection(this.target, this.command);
  }
}
