// End-to-end helpers: run the real CLI, look at the real engine (found as the CLI finds it).
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { connectEngine } from '../../src/engine/connect.js';
import type { Engine } from '../../src/engine/engine.js';

export const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'bin', 'netlab.js');

export function netlab(args: string[], options: { reject?: boolean; timeout?: number; env?: Record<string, string>; input?: string } = {}) {
  return execa('node', [bin, ...args], {
    ...(options.input === undefined ? {} : { input: options.input }),
    reject: options.reject ?? false,
    timeout: options.timeout ?? 180_000,
    env: { CI: '1', NO_COLOR: '1', ...options.env },
    all: true,
  });
}

export function netlabSpawn(args: string[]): ResultPromise {
  return execa('node', [bin, ...args], { reject: false, env: { CI: '1', NO_COLOR: '1' }, all: true });
}

/** A lab name no other test (or earlier CI run) uses. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(3).toString('hex')}`;
}

/** Polls `pred` every 50 ms until it holds; throws after `ms`. */
export async function waitFor(pred: () => Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await pred()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('condition not met in time');
}

/** The engine the CLI uses (DOCKER_HOST, the docker context, the usual sockets). */
export function engine(): Promise<Engine> {
  return connectEngine();
}

/** Everything on the engine that carries the lab's label. */
export async function labObjects(lab: string) {
  const e = await engine();
  const filters = { label: [`netlab.lab=${lab}`] };
  const [containers, networks, volumes] = await Promise.all([e.listContainers(filters), e.listNetworks(filters), e.listVolumes(filters)]);
  return { containers: containers.length, networks: networks.length, volumes: volumes.length };
}

export interface CheckJson {
  lab: string;
  ok: boolean;
  checks: { name: string; from: string; to: string; expect: string; ok: boolean; ms: number; detail: string }[];
}

export async function checkJson(lab: string, extra: string[] = []): Promise<{ exitCode: number; report: CheckJson }> {
  const r = await netlab(['check', lab, '--json', ...extra]);
  try {
    return { exitCode: r.exitCode ?? -1, report: JSON.parse(r.stdout) as CheckJson };
  } catch {
    throw new Error(`check --json printed no JSON (exit ${r.exitCode}):\n${r.all}`);
  }
}

/** Names of the failed checks. */
export function failing(report: CheckJson): string[] {
  return report.checks.filter((c) => !c.ok).map((c) => c.name);
}

/** Failed checks with their details, for assertions whose failure message should say why. */
export function failures(report: CheckJson): string[] {
  return report.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`);
}
