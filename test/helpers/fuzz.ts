// Fuzzing the lab-file language: the shipped labs (and check files made from them) as seeds,
// mutated leaf by leaf (every scalar, value or key, in every file of the lab, and the YAML
// embedded in `apply: |` blocks) and as whole documents, with hostile payloads: shell
// metacharacters that try to create a canary file, quotes, newlines, NUL, unicode, huge and
// negative numbers, and YAML's own tricks (anchors, aliases, merge keys, tags, duplicate
// keys, deep nesting, alias bombs, several documents). Used by test/unit/labfile/fuzz.test.ts
// (through the loader, in-process) and test/e2e/fuzz.test.ts (on the real engine).
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import fc from 'fast-check';
import { parseAllDocuments, Scalar, stringify, visit } from 'yaml';
import { LabFileError, NetlabError, visible } from '../../src/core/errors.js';

export const labsDir = resolve(import.meta.dirname, '..', '..', 'labs');

/** A canary file that only an executed payload would create: `/tmp/netlab-canary-<random>`. */
export function canaryPath(): string {
  return `/tmp/netlab-canary-${randomBytes(6).toString('hex')}`;
}

/**
 * The files a payload made in folder `root` (`/tmp` on the host, or `/proc/<pid>/root/tmp` in a
 * container): the canary, or any name that starts with it (a payload with a suffix appended
 * by its field, `…/netlab-canary-x.in-addr.arpa`, makes a longer name).
 */
export function canariesIn(canary: string, root = ''): string[] {
  const folder = `${root}${dirname(canary)}`;
  try {
    return readdirSync(folder)
      .filter((f) => f.startsWith(basename(canary)))
      .map((f) => join(folder, f));
  } catch {
    return [];
  }
}

/** Shell payloads that create `canary` if any shell ever runs them as code. */
export function shellPayloads(canary: string): string[] {
  return [
    `;touch ${canary}`,
    `x; touch ${canary}; echo`,
    `$(touch ${canary})`,
    `\`touch ${canary}\``,
    `x | touch ${canary}`,
    `x & touch ${canary} &`,
    `x && touch ${canary} || touch ${canary}`,
    `> ${canary}`,
    `x >${canary}`,
    `'; touch ${canary}; '`,
    `"; touch ${canary}; "`,
    `\\'; touch ${canary}; \\'`,
    `x\ntouch ${canary}\n`,
    `x\rtouch ${canary}`,
    `$(touch\t${canary})`,
    `\${IFS}$(touch\${IFS}${canary})`,
    `'$(touch ${canary})'`,
    `"$(touch ${canary})"`,
    `-o${canary}`,
    `--output=${canary}`,
    `$((1))$(touch ${canary})`,
    `a'b"c\\d$(touch ${canary})`,
    `*?[a]{b,c}~$(touch ${canary})`,
  ];
}

/** Raw YAML that is no plain text: specials, numbers, tags, collections, aliases, nesting, bombs. */
export const RAW_SPECIALS: readonly string[] = [
  '~',
  'null',
  "''",
  '""',
  'yes',
  'no',
  'on',
  'off',
  'true',
  'false',
  'True',
  '.inf',
  '-.inf',
  '.nan',
  '1e309',
  '-1e309',
  '-1',
  '-0',
  '0',
  '0.5',
  '-65536',
  '65535',
  '65536',
  '4294967296',
  '-2147483649',
  '9007199254740993',
  '99999999999999999999999999999999999999',
  '0x7fffffffffffffff',
  '0o777',
  '0b101',
  '1_000',
  '2024-01-01',
  '2001-12-14t21:59:43.10-05:00',
  '12:30:00',
  '*nope',
  '&a x',
  '&a [*a]',
  '&a {k: *a}',
  '!!binary aGVsbG8=',
  '!!binary "$(touch x)"',
  '!!python/object/apply:os.system ["echo x"]',
  '!!python/name:os.system',
  '!!js/function "function(){}"',
  '!!js/undefined ""',
  '!!set {a, b}',
  '!!omap [{a: 1}, {b: 2}]',
  '!!pairs [{a: 1}]',
  '!!timestamp 2001-12-14',
  '!!int "12"',
  '!!str 12',
  '!!float 1',
  '!!bool yes',
  '!!map {}',
  '!!seq []',
  '!!null ""',
  '!custom x',
  '!<tag:yaml.org,2002:str> x',
  '!<tag:evil.example,2024:x> x',
  '[]',
  '{}',
  '[a, b]',
  '{a: 1}',
  '{<<: {name: merged, image: netlab/app}, x: 1}',
  '{base: &b {name: x, image: netlab/app}, <<: *b}',
  '[&m {name: a}, {<<: *m}]',
  '? complex key',
  '@reserved',
  '`backtick',
  '%percent',
  '"\\0"',
  '"a\\0b"',
  '"\\x00"',
  '"\\u0000"',
  '"a\\nb"',
  '"\\t"',
  '"\\r\\n"',
  '"\\u202e\\u200b\\ufeff"',
  '"\\ud800"',
  '"\\U0001F600"',
  '"\\e[31m"',
  "'it''s'",
  '"\\\\"',
  '"a: b"',
  '"- x"',
  '"# not a comment"',
  "'--http'",
  // Names of files that are no manifests files: devices that never end or never answer, folders, host files.
  '/dev/zero',
  '/dev/stdin',
  '/dev/null',
  '/proc/self/status',
  '/proc/self/environ',
  '../../../../etc/hostname',
  '/',
  '.',
  '/usr/bin/env',
];

/** A billion-laughs alias bomb (10^depth leaves) as one flow mapping. */
export function aliasBomb(depth: number): string {
  const parts = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
  for (let i = 1; i <= depth; i++)
    parts.push(
      `a${i}: &a${i} [${Array(10)
        .fill(`*a${i - 1}`)
        .join(', ')}]`,
    );
  return `{${parts.join(', ')}}`;
}

/** Nesting `depth` levels deep: flow sequences, flow mappings, or one line of block sequence dashes. */
export function deepNesting(depth: number, style: 'seq' | 'map' | 'dash'): string {
  if (style === 'seq') return '['.repeat(depth) + ']'.repeat(depth);
  if (style === 'map') return '{a: '.repeat(depth) + '1' + '}'.repeat(depth);
  return '- '.repeat(depth) + 'x';
}

/** A payload written in place of one scalar: YAML text (a double-quoted string for text payloads). */
export function payloadArb(canary: string): fc.Arbitrary<string> {
  const shell = shellPayloads(canary);
  const quoted = (s: string) => JSON.stringify(s);
  const text = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...shell) },
    { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
    { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
    {
      weight: 1,
      arbitrary: fc.string({
        unit: fc.constantFrom(';', '$', '(', ')', '`', '|', '&', '>', '<', "'", '"', '\\', '\n', '\0', ' ', '*', '{', '}'),
        maxLength: 20,
      }),
    },
    { weight: 1, arbitrary: fc.constantFrom('', ' ', '\0', 'a\0b', '\u202e', '\u200b', '\ufeff', 'é', '日本語', '😀', 'x'.repeat(5000)) },
  );
  // Shapes that some grammars accept: a reverse-DNS name for PTR lookups, a name, a pod:port.
  const shaped = fc.tuple(text, fc.constantFrom('', '.in-addr.arpa', ':80', ':http', '/app')).map(([s, suffix]) => quoted(s + suffix));
  return fc.oneof(
    { weight: 5, arbitrary: shaped },
    { weight: 3, arbitrary: fc.constantFrom(...RAW_SPECIALS) },
    { weight: 1, arbitrary: fc.integer().map(String) },
    { weight: 1, arbitrary: fc.double().map((n) => (Number.isFinite(n) ? String(n) : n > 0 ? '.inf' : n < 0 ? '-.inf' : '.nan')) },
    { weight: 1, arbitrary: fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }).map(String) },
    { weight: 1, arbitrary: fc.constantFrom(aliasBomb(9), aliasBomb(5), aliasBomb(3)) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom(65, 200, 1000, 3000), fc.constantFrom('seq' as const, 'map' as const, 'dash' as const))
        .map(([d, s]) => deepNesting(d, s)),
    },
  );
}

/** Text payloads as values (not YAML): the shell payloads, and any unicode. */
export function textArb(canary: string): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...shellPayloads(canary)) },
    { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 30 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  );
}

/**
 * Checks written field by field for the service-dns lab (pods client, worker.shop, web-0;
 * Services web, api.shop): each takes the fields its probe takes, with payloads in every
 * free text and in the names it looks up, so most are accepted and carry payloads to the
 * probes; one in four then has one field made hostile (a payload, a number, an unknown key).
 */
export function checksArb(canary: string): fc.Arbitrary<Record<string, unknown>[]> {
  const text = textArb(canary).filter((t) => t.trim() !== '');
  const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
  const dns = fc
    .record({
      probe: fc.constant('dns'),
      from: fc.constantFrom('client', 'worker.shop'),
      ptr: fc.boolean(),
      name: text,
      host: fc.constantFrom('web', 'api.shop', 'nosuch', 'web.default.svc.cluster.local'),
      expect: opt(fc.constantFrom('reachable', 'nxdomain')),
    })
    .map(({ ptr, name, host, ...c }) => (ptr ? { ...c, record: 'PTR', to: `${name}.in-addr.arpa` } : { ...c, to: host }));
  const http = fc.record({
    from: fc.constantFrom('client', 'worker.shop', 'node1'),
    to: fc.constantFrom('service/web:http', 'web:80', 'service/api.shop:http'),
    by: opt(fc.constantFrom('ip', 'dns')),
    contains: opt(text),
    count: opt(fc.integer({ min: 1, max: 5 })),
    expect: opt(fc.constantFrom('reachable', 'unreachable')),
  });
  const ping = fc.record({ probe: fc.constant('ping'), from: fc.constantFrom('client', 'node1'), to: fc.constantFrom('web-0', 'node1', '10.0.1.2') });
  const common = fc.record(
    {
      name: text,
      pass: text,
      fail: text,
      hint: text,
      wait: fc.constantFrom(0, 1, '1s'),
      points: fc.integer({ min: 0, max: 100 }),
      level: fc.constantFrom('error', 'warning'),
    },
    { requiredKeys: ['name'] },
  );
  const hostile = fc.tuple(
    fc.constantFrom('name', 'from', 'to', 'probe', 'record', 'count', 'wait', 'points', 'needs', 'via', 'x-unknown'),
    fc.oneof(text, fc.constantFrom(-1, 0, Number.POSITIVE_INFINITY, 2 ** 53 + 1, null, [], {})),
  );
  const check = fc
    .tuple(fc.oneof(dns, http, ping), common, fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: hostile }))
    .map(([probe, c, h]) => {
      const out: Record<string, unknown> = { ...c, ...Object.fromEntries(Object.entries(probe).filter(([, v]) => v !== undefined)) };
      if (h) out[h[0]] = h[1];
      return out;
    });
  // Names made unique (a name written twice is refused, and hides the rest).
  return fc.array(check, { minLength: 1, maxLength: 2 }).map((checks) => checks.map((c, i) => ({ ...c, name: `${i} ${String(c.name)}` })));
}

// ---------------------------------------------------------------- seeds

/** One lab: its file and every file it reads, by absolute path. */
export interface Seed {
  name: string;
  labFile: string;
  files: Map<string, string>;
}

/** The shipped labs, each with its manifests files. */
export function shippedLabs(): Seed[] {
  return readdirSync(labsDir)
    .filter((d) => !d.startsWith('.'))
    .sort()
    .map((name) => {
      const dir = join(labsDir, name);
      const labFile = join(dir, 'lab.yaml');
      const files = new Map<string, string>([[labFile, readFileSync(labFile, 'utf8')]]);
      for (const f of readdirSync(dir).sort()) if (f.endsWith('.yaml') && f !== 'lab.yaml') files.set(join(dir, f), readFileSync(join(dir, f), 'utf8'));
      return { name, labFile, files };
    });
}

/** Check files made from a lab: its `checks:` alone, the whole lab file, and checks whose strings reach probes. */
export function checkFileSeeds(seed: Seed): string[] {
  const labText = seed.files.get(seed.labFile)!;
  const js = parseAllDocuments(labText)[0]!.toJS() as { checks?: unknown[] };
  const own = stringify({ checks: js.checks ?? [] });
  const probing = stringify({ checks: probingChecks(seed) });
  return [own, labText, probing];
}

/** Checks of the lab's own `from` whose strings reach a probe's command: PTR and A names, by-dns Services, contains. */
function probingChecks(seed: Seed): unknown[] {
  const js = parseAllDocuments(seed.files.get(seed.labFile)!)[0]!.toJS() as { checks?: { from?: string; to?: string }[] };
  const first = js.checks?.[0];
  const from = first?.from ?? 'client';
  return [
    { name: 'ptr', from, probe: 'dns', record: 'PTR', to: '2.1.0.10.in-addr.arpa' },
    { name: 'a name', from, probe: 'dns', to: 'web.default.svc.cluster.local' },
    { name: 'own', from, to: first?.to ?? 'node1', contains: 'Hello', wait: 1, points: 2, pass: 'ok', fail: 'no', hint: 'look' },
  ];
}

// ---------------------------------------------------------------- mutations

/** A place in the text holding one scalar (a value or a key), and whether it holds YAML of its own. */
interface Leaf {
  start: number;
  end: number;
  key: boolean;
  /** A block scalar (`|`) whose text is YAML (an `apply:` fault's manifests). */
  embedded?: { value: string; indent: number };
}

const leafCache = new Map<string, Leaf[]>();

/** Every scalar of the text (values and keys, in every document), with where it was written. */
export function leavesOf(text: string): Leaf[] {
  const cached = leafCache.get(text);
  if (cached) return cached;
  if (leafCache.size > 500) leafCache.clear();
  const leaves: Leaf[] = [];
  leafCache.set(text, leaves);
  for (const doc of parseAllDocuments(text)) {
    if (!('contents' in doc) || doc.errors.length) continue;
    visit(doc, {
      Scalar(key, node) {
        if (!node.range) return;
        const leaf: Leaf = { start: node.range[0], end: node.range[1], key: key === 'key' };
        if (node.type === Scalar.BLOCK_LITERAL && typeof node.value === 'string' && /^\s*\w+:/m.test(node.value)) {
          const firstLine = text.slice(node.range[0]).split('\n')[1] ?? '';
          leaf.embedded = { value: node.value, indent: firstLine.length - firstLine.trimStart().length };
        }
        leaves.push(leaf);
      },
    });
  }
  return leaves;
}

/** One scalar's mutation: which one (modulo the number of leaves), and what is written there. */
export interface LeafEdit {
  leaf: number;
  payload: string;
  /** For an embedded block: mutate inside it instead (then `payload` goes to one of its leaves). */
  inner: number;
}

export type WholeEdit =
  | { kind: 'none' }
  | { kind: 'truncate'; at: number }
  | { kind: 'insert'; at: number; text: string }
  | { kind: 'dupkey'; line: number }
  | { kind: 'prepend'; text: string }
  | { kind: 'append'; text: string }
  | { kind: 'crlf' }
  | { kind: 'replace'; text: string };

export interface Mutation {
  /** Which file of the case (modulo its files). */
  file: number;
  leaves: LeafEdit[];
  whole: WholeEdit;
}

export function mutationArb(canary: string): fc.Arbitrary<Mutation> {
  const payload = payloadArb(canary);
  const leaf = fc.record({ leaf: fc.nat(), payload, inner: fc.nat() });
  const whole: fc.Arbitrary<WholeEdit> = fc.oneof(
    { weight: 10, arbitrary: fc.constant({ kind: 'none' as const }) },
    { weight: 1, arbitrary: fc.nat().map((at) => ({ kind: 'truncate' as const, at })) },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('insert' as const),
        at: fc.nat(),
        text: fc.constantFrom(
          '\0',
          '\t',
          '\r',
          '\ufeff',
          '\u2028',
          '\u0085',
          '\x1b[31m',
          '#',
          ':',
          ': ',
          '- ',
          '"',
          "'",
          '`',
          '{',
          '}',
          '[',
          '&a ',
          '*a',
          '!',
          '|',
          '>',
          '%',
          '@',
          '\n---\n',
          '\n...\n',
          ' <<: *a',
        ),
      }),
    },
    { weight: 2, arbitrary: fc.nat().map((line) => ({ kind: 'dupkey' as const, line })) },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('prepend' as const),
        text: fc.constantFrom(
          '---\n',
          '%YAML 1.1\n---\n',
          '%YAML 1.2\n---\n',
          '%TAG ! tag:evil.example,2024:\n---\n',
          '\ufeff',
          '...\n',
          'x: &a 1\n',
          '--- |\n  text\n---\n',
        ),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('append' as const),
        text: fc.constantFrom(
          '\n---\nname: other\n',
          '\n---\n',
          '\n...\n',
          `\nbomb: ${aliasBomb(9)}\n`,
          `\nbomb: ${aliasBomb(4)}\n`,
          '\n<<: {name: merged}\n',
          '\nname: again\n',
          `\nx: ${deepNesting(10000, 'seq')}\n`,
          '\n---\napiVersion: v1\nkind: Service\nmetadata: {name: "$(touch x)"}\nspec: {ports: [{port: 80}]}\n',
        ),
      }),
    },
    { weight: 1, arbitrary: fc.constant({ kind: 'crlf' as const }) },
    {
      weight: 1,
      arbitrary: fc
        .oneof(payload, fc.constantFrom('', '#only a comment\n', '- a\n- b\n', 'name\n', aliasBomb(9), deepNesting(20000, 'map')))
        .map((text) => ({ kind: 'replace' as const, text })),
    },
  );
  return fc.record({ file: fc.nat(), leaves: fc.array(leaf, { minLength: 0, maxLength: 3 }), whole });
}

/** `text` with its leaves mutated, then the whole-document edit. */
export function mutateText(text: string, m: Pick<Mutation, 'leaves' | 'whole'>): string {
  const leaves = leavesOf(text);
  if (leaves.length && m.leaves.length) {
    // One edit per leaf, applied from the end so that earlier offsets still hold.
    const chosen = new Map<number, LeafEdit>();
    for (const e of m.leaves) chosen.set(e.leaf % leaves.length, e);
    for (const [i, e] of [...chosen].sort((a, b) => b[0] - a[0])) {
      const leaf = leaves[i]!;
      text = text.slice(0, leaf.start) + leafText(leaf, e) + text.slice(leaf.end);
    }
  }
  return wholeEdit(text, m.whole);
}

function leafText(leaf: Leaf, e: LeafEdit): string {
  if (!leaf.embedded || e.inner % 3 === 0) return e.payload;
  // Mutate the YAML inside the block, and write the block back at its indentation.
  const inner = mutateText(leaf.embedded.value, { leaves: [{ leaf: e.inner, payload: e.payload, inner: 0 }], whole: { kind: 'none' } });
  const pad = ' '.repeat(Math.max(leaf.embedded.indent, 2));
  return `|\n${inner
    .split('\n')
    .map((l) => (l ? pad + l : l))
    .join('\n')}`;
}

function wholeEdit(text: string, e: WholeEdit): string {
  switch (e.kind) {
    case 'none':
      return text;
    case 'truncate':
      return text.slice(0, e.at % (text.length + 1));
    case 'insert': {
      const at = e.at % (text.length + 1);
      return text.slice(0, at) + e.text + text.slice(at);
    }
    case 'dupkey': {
      // A key line written again under itself (as a sibling key): `  - name: x` -> also `    name: x`.
      const lines = text.split('\n');
      const keyed = lines.map((l, i) => ({ l, i })).filter(({ l }) => /^\s*(- )?[\w.-]+:/.test(l));
      if (!keyed.length) return text;
      const { l, i } = keyed[e.line % keyed.length]!;
      lines.splice(i + 1, 0, l.replace(/^(\s*)- /, '$1  '));
      return lines.join('\n');
    }
    case 'prepend':
      return e.text + text;
    case 'append':
      return text + e.text;
    case 'crlf':
      return text.replace(/\n/g, '\r\n');
    case 'replace':
      return e.text;
  }
}

// ---------------------------------------------------------------- outcomes

/** How an error names where the problem is: `file:line:column` (or `file:line`). */
const LOCATED = /^(.+?):(\d+)(?::(\d+))?: /m;

/**
 * Why an error thrown by the loader is not a clear refusal (undefined: it is one): not a
 * NetlabError, or a message that does not name the file, line and column of each problem
 * in one of the case's files, inside that file.
 */
export function unclearError(err: unknown, files: ReadonlyMap<string, string>, display: (path: string) => string): string | undefined {
  if (!(err instanceof NetlabError)) return `crash: ${err instanceof Error ? `${err.name}: ${err.message}\n${err.stack}` : String(err)}`;
  if (!(err instanceof LabFileError)) return LOCATED.test(err.message) ? undefined : `no file:line:column in: ${err.message}`;
  if (!err.problems.length) return 'a LabFileError with no problems';
  const shown = new Map([...files].map(([path, text]) => [display(path), text]));
  for (const p of err.problems) {
    // A file the case does not hold is one a mutated `file:` named (/proc/self/status...).
    const text = shown.get(p.at.file);
    const lines = text === undefined ? Number.POSITIVE_INFINITY : text.split(/\r?\n|\r/).length;
    if (!(p.at.line >= 1 && p.at.column >= 1 && p.at.line <= lines + 1))
      return `problem outside its file (${lines} lines): ${p.at.file}:${p.at.line}:${p.at.column}: ${p.message}`;
    if (!err.message.includes(`${visible(p.at.file)}:${p.at.line}:${p.at.column}: ${visible(p.message)}`)) return `message does not locate: ${p.message}`;
    if (!p.message.trim()) return `an empty message at ${p.at.file}:${p.at.line}:${p.at.column}`;
  }
  // What the terminal shows holds no character from the file that could rewrite it.
  const hidden = err.message.split('\n').find((line) => /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/.test(line));
  if (hidden !== undefined) return `a control character in the message: ${JSON.stringify(hidden)}`;
  return undefined;
}
