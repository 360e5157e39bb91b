// The language of link impairment, shared by `netlab impair`, a lab file's `topology.impair`
// and an exercise's `impair` fault: durations (`100ms`, `1s`), percentages (`5%`), rates
// (`10mbit`, tc's units) and targets (`node1`, `node1:cbr0`, `router`, a pod, `node1--router`).
import { resolveEndpoint } from './endpoints.js';
import type { Impairment, Lab } from './model.js';

export type Parsed<T> = { value: T } | { error: string; hint: string };

const DURATION_UNITS: Record<string, number> = { us: 0.001, ms: 1, s: 1000 };
/** netem's ceiling on delay and jitter is far above this; a lab has no use for more than a minute. */
export const MAX_DELAY_MS = 60_000;

/** `100ms`, `1s`, `1.5s`, `250us` (a bare number is milliseconds) -> milliseconds. */
export function parseDuration(text: string | number, what = 'delay'): Parsed<number> {
  const hint = `write a time such as 100ms or 1s (a bare number is milliseconds), at most ${MAX_DELAY_MS / 1000}s`;
  const m = typeof text === 'number' ? [String(text), String(text), 'ms'] : /^\s*(\d+(?:\.\d+)?)\s*(us|ms|s)?\s*$/.exec(text);
  if (!m || !Number.isFinite(Number(m[1]))) return { error: `${what} ${JSON.stringify(text)} is not a time`, hint };
  const ms = Number(m[1]) * DURATION_UNITS[m[2] ?? 'ms']!;
  if (ms < 0 || ms > MAX_DELAY_MS) return { error: `${what} ${JSON.stringify(text)} is out of range`, hint };
  return { value: ms };
}

/** `5%`, `0.1%`, `100%` (a bare number is a percentage) -> percent. */
export function parsePercent(text: string | number, what = 'loss'): Parsed<number> {
  const hint = 'write a percentage from 0% to 100%, e.g. 5% or 0.5%';
  const m = typeof text === 'number' ? [String(text), String(text)] : /^\s*(\d+(?:\.\d+)?)\s*%?\s*$/.exec(text);
  if (!m) return { error: `${what} ${JSON.stringify(text)} is not a percentage`, hint };
  const value = Number(m[1]);
  if (!(value >= 0 && value <= 100)) return { error: `${what} ${JSON.stringify(text)} is more than 100%`, hint };
  return { value };
}

// tc's units: bit (bits per second), kbit, mbit, gbit, tbit (powers of 1000); bps, kbps...: bytes.
const RATE_UNITS: Record<string, number> = {
  bit: 1,
  kbit: 1e3,
  mbit: 1e6,
  gbit: 1e9,
  tbit: 1e12,
  bps: 8,
  kbps: 8e3,
  mbps: 8e6,
  gbps: 8e9,
  tbps: 8e12,
};
/** tbf cannot shape below this (one packet per several seconds). */
export const MIN_RATE_BITS = 8_000;

/** `10mbit`, `512kbit`, `1gbit`, `100kbps` (tc's units) -> bits per second. */
export function parseRate(text: string | number, what = 'rate'): Parsed<number> {
  const hint = "write a rate in tc's units, e.g. 10mbit, 512kbit, 1gbit (bits per second) or 100kbps (bytes per second), at least 8kbit";
  const m = typeof text === 'number' ? null : /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]+)\s*$/.exec(text);
  const unit = m ? RATE_UNITS[m[2]!.toLowerCase()] : undefined;
  if (!m || unit === undefined) return { error: `${what} ${JSON.stringify(text)} is not a rate`, hint };
  const bits = Math.round(Number(m[1]) * unit);
  if (bits < MIN_RATE_BITS) return { error: `${what} ${JSON.stringify(text)} is too slow`, hint };
  return { value: bits };
}

/** As written in a lab file or on the command line (strings, or numbers of ms/percent). */
export interface WrittenImpairment {
  delay?: string | number;
  jitter?: string | number;
  loss?: string | number;
  rate?: string | number;
}

/** The impairment written, or the first problem with it (`field` names the key). */
export function readImpairment(w: WrittenImpairment): Parsed<Impairment> | { error: string; hint: string; field: keyof WrittenImpairment } {
  const out: Impairment = {};
  const fields: [keyof WrittenImpairment, (v: string | number) => Parsed<number>, keyof Impairment][] = [
    ['delay', (v) => parseDuration(v, 'delay'), 'delayMs'],
    ['jitter', (v) => parseDuration(v, 'jitter'), 'jitterMs'],
    ['loss', (v) => parsePercent(v, 'loss'), 'lossPercent'],
    ['rate', (v) => parseRate(v, 'rate'), 'rateBitsPerSecond'],
  ];
  for (const [key, parse, into] of fields) {
    const written = w[key];
    if (written === undefined) continue;
    const parsed = parse(written);
    if ('error' in parsed) return { ...parsed, field: key };
    out[into] = parsed.value;
  }
  if (Object.keys(out).length === 0) {
    return { error: 'an impairment needs at least one of delay, jitter, loss or rate', hint: 'e.g. delay: 100ms, loss: 5%, rate: 10mbit', field: 'delay' };
  }
  if (out.jitterMs !== undefined && out.jitterMs > 0 && !out.delayMs) {
    return {
      error: 'jitter spreads the delay: it needs a delay',
      hint: 'write delay too, e.g. delay: 100ms, jitter: 20ms (each packet waits 80-120 ms)',
      field: 'jitter',
    };
  }
  return { value: out };
}

/** `delay 200ms ±20ms, loss 5%, rate 10mbit`. */
export function describeImpairment(imp: Impairment): string {
  const parts: string[] = [];
  if (imp.delayMs !== undefined) parts.push(`delay ${formatMs(imp.delayMs)}${imp.jitterMs ? ` ±${formatMs(imp.jitterMs)}` : ''}`);
  if (imp.lossPercent !== undefined) parts.push(`loss ${imp.lossPercent}%`);
  if (imp.rateBitsPerSecond !== undefined) parts.push(`rate ${formatRate(imp.rateBitsPerSecond)}`);
  return parts.join(', ');
}

export function formatMs(ms: number): string {
  return ms >= 1000 && ms % 1000 === 0 ? `${ms / 1000}s` : ms < 1 ? `${Math.round(ms * 1000)}us` : `${ms}ms`;
}

export function formatRate(bits: number): string {
  for (const [unit, size] of [
    ['gbit', 1e9],
    ['mbit', 1e6],
    ['kbit', 1e3],
  ] as const) {
    if (bits >= size && bits % size === 0) return `${bits / size}${unit}`;
  }
  return `${bits}bit`;
}

/** A part's interface, or a link between two parts. */
export type ImpairTarget = { kind: 'part'; part: ImpairPart; iface: string } | { kind: 'link'; a: LinkEnd; b: LinkEnd };

export type ImpairPart = { kind: 'node'; name: string } | { kind: 'router' } | { kind: 'external' } | { kind: 'pod'; namespace: string; name: string };
export type LinkEnd = { kind: 'node'; name: string } | { kind: 'router' };

/** Linux's interface names: at most 15 characters, no slash, colon or space. */
const IFACE = /^[A-Za-z0-9_.@-]{1,15}$/;
const TARGETS = 'a node (node1, or node1:cbr0 for another interface), router, external, a pod, or a link between nodes and the router (node1--router)';

/** What an impair target names in the lab: which part's interface, or which link. */
export function resolveImpairTarget(lab: Pick<Lab, 'pods' | 'topology' | 'services'>, text: string): Parsed<ImpairTarget> {
  const written = text.trim();
  if (written.includes('--')) {
    const [a, b, ...rest] = written.split('--');
    if (rest.length || !a || !b) return { error: `link ${JSON.stringify(text)} must name two parts`, hint: 'write node1--router or node1--node2' };
    const ends: LinkEnd[] = [];
    for (const end of [a, b]) {
      const part = resolvePart(lab, end);
      if ('error' in part) return part;
      if (part.value.kind !== 'node' && part.value.kind !== 'router') {
        return {
          error: `link ${written}: ${end} is a ${part.value.kind}; links join nodes and the router`,
          hint: `impair a ${part.value.kind}'s own interface instead: netlab impair LAB ${end}`,
        };
      }
      ends.push(part.value);
    }
    if (endName(ends[0]!) === endName(ends[1]!)) return { error: `link ${written} joins ${a} to itself`, hint: 'name two different parts' };
    return { value: { kind: 'link', a: ends[0]!, b: ends[1]! } };
  }
  const colon = written.lastIndexOf(':');
  const name = colon < 0 ? written : written.slice(0, colon);
  const iface = colon < 0 ? 'eth0' : written.slice(colon + 1);
  if (!IFACE.test(iface))
    return { error: `${JSON.stringify(iface)} is not an interface name`, hint: 'write an interface of the part, e.g. node1:eth0 or node1:cbr0' };
  const part = resolvePart(lab, name);
  if ('error' in part) return part;
  if (part.value.kind === 'pod' && iface !== 'eth0') return { error: `pod ${name} has one interface, eth0 (not ${iface})`, hint: `write ${name}` };
  return { value: { kind: 'part', part: part.value, iface } };
}

function resolvePart(lab: Pick<Lab, 'pods' | 'topology' | 'services'>, name: string): Parsed<ImpairPart> {
  const ref = resolveEndpoint(lab, name);
  if ('error' in ref) return { error: ref.error, hint: ref.hint ?? `name ${TARGETS}` };
  switch (ref.kind) {
    case 'node':
      return { value: { kind: 'node', name: ref.node.name } };
    case 'router':
      if (lab.topology.routing !== 'router') return { error: 'this lab has no router (its topology.routing is direct)', hint: `name ${TARGETS}` };
      return { value: { kind: 'router' } };
    case 'external':
      if (!lab.topology.external) return { error: 'this lab has no external client (topology.external is false)', hint: `name ${TARGETS}` };
      return { value: { kind: 'external' } };
    case 'pod':
      return { value: { kind: 'pod', namespace: ref.pod.namespace, name: ref.pod.name } };
    default:
      return { error: `${name} is a ${ref.kind}, not a part with an interface`, hint: `name ${TARGETS}` };
  }
}

export function endName(end: LinkEnd): string {
  return end.kind === 'router' ? 'router' : end.name;
}
