// IPv4 addresses and CIDRs as plain numbers: parsing, containment, overlap, nth address.

export interface Cidr {
  /** Network address as an unsigned 32-bit number. */
  base: number;
  prefix: number;
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

export function parseIp(text: string): number | undefined {
  const m = IPV4.exec(text.trim());
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return (((parts[0]! << 24) >>> 0) + (parts[1]! << 16) + (parts[2]! << 8) + parts[3]!) >>> 0;
}

export function formatIp(n: number): string {
  return [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function mask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** Parses `a.b.c.d/n`. With `strict`, host bits must be zero (10.0.1.0/24, not 10.0.1.5/24). */
export function parseCidr(text: string, strict = true): Cidr | undefined {
  const [ip, len, ...rest] = text.trim().split('/');
  if (rest.length || ip === undefined || len === undefined || !/^\d{1,2}$/.test(len)) return undefined;
  const prefix = Number(len);
  const addr = parseIp(ip);
  if (addr === undefined || prefix > 32) return undefined;
  const base = (addr & mask(prefix)) >>> 0;
  if (strict && base !== addr) return undefined;
  return { base, prefix };
}

export function formatCidr(c: Cidr): string {
  return `${formatIp(c.base)}/${c.prefix}`;
}

export function size(c: Cidr): number {
  return 2 ** (32 - c.prefix);
}

/** The n-th address of the block (0 = network address). */
export function nth(c: Cidr, n: number): string {
  if (n < 0 || n >= size(c)) throw new RangeError(`address #${n} is outside ${formatCidr(c)}`);
  return formatIp((c.base + n) >>> 0);
}

export function contains(c: Cidr, ip: number): boolean {
  return (ip & mask(c.prefix)) >>> 0 === c.base;
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  const p = Math.min(a.prefix, b.prefix);
  return (a.base & mask(p)) >>> 0 === (b.base & mask(p)) >>> 0;
}

/** A host-bits-cleared version of a sloppy CIDR, for "did you mean" hints. */
export function normalizeCidr(text: string): string | undefined {
  const c = parseCidr(text, false);
  return c ? formatCidr(c) : undefined;
}

/** The first block of `prefix` in 10.0.0.0/8 (after 10.0.0.0 itself) that overlaps none of `taken`. */
export function freeBlock(prefix: number, taken: Cidr[]): string | undefined {
  const step = 2 ** (32 - prefix);
  const start = (10 << 24) >>> 0;
  for (let k = 1; k < Math.min(65536, 2 ** 24 / step); k++) {
    const candidate: Cidr = { base: (start + k * step) >>> 0, prefix };
    if (!taken.some((t) => overlaps(t, candidate))) return formatCidr(candidate);
  }
  return undefined;
}

/** The first block of `prefix` inside `outer` (at most 4096 tried) that overlaps none of `taken`. */
export function freeBlockIn(outer: Cidr, prefix: number, taken: readonly Cidr[]): string | undefined {
  if (prefix < outer.prefix) return undefined;
  const step = 2 ** (32 - prefix);
  const count = Math.min(4096, 2 ** (prefix - outer.prefix));
  for (let k = 0; k < count; k++) {
    const candidate: Cidr = { base: ((outer.base & mask(outer.prefix)) + k * step) >>> 0, prefix };
    if (!taken.some((t) => overlaps(t, candidate))) return formatCidr(candidate);
  }
  return undefined;
}

/** The smallest block that holds all of `blocks`. */
export function covering(blocks: Cidr[]): Cidr | undefined {
  const first = blocks[0];
  if (!first) return undefined;
  for (let prefix = Math.min(...blocks.map((b) => b.prefix)); prefix >= 0; prefix--) {
    const base = (first.base & mask(prefix)) >>> 0;
    if (blocks.every((b) => (b.base & mask(prefix)) >>> 0 === base)) return { base, prefix };
  }
  return { base: 0, prefix: 0 };
}

/** Whether `inner` lies entirely inside `outer`. */
export function within(inner: Cidr, outer: Cidr): boolean {
  return inner.prefix >= outer.prefix && contains(outer, inner.base);
}
