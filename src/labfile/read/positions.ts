// Where things are in a YAML file: parse with positions kept, then map a path
// (["workloads", 0, "spec", "replicas"]) to the line and column it was written at.
import { relative, isAbsolute } from 'node:path';
import {
  CST,
  isAlias,
  isCollection,
  isMap,
  isPair,
  isScalar,
  isSeq,
  Lexer,
  LineCounter,
  parseAllDocuments,
  parseDocument,
  Scalar,
  type Document,
  type Node,
} from 'yaml';
import type { LabFileProblem } from '../../core/errors.js';
import type { SourceLocation } from '../model.js';

export type Path = readonly (string | number)[];

/** Deeper than this, a YAML file is refused before it is read: no lab needs more than a dozen levels. */
export const MAX_NESTING = 64;
/** What aliases (*name) may expand to in all: a "billion laughs" file expands to billions of nodes. */
export const MAX_ALIAS_COUNT = 1000;

const TOO_DEEP = `YAML nested more than ${MAX_NESTING} levels deep`;
const TOO_DEEP_HINT = 'a lab file needs a few levels of lists and mappings: look for brackets or "- " that never close or repeat';

/** How a file is named in messages: relative to the working directory when inside it. */
export function displayPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}

/**
 * YAML text written inside another file (a block scalar of the lab file): where
 * its lines and columns are in that file, so messages point into it.
 */
export interface Embedding {
  /** The file the text is written in (absolute path). */
  file: string;
  /** Where line and column (1-based) of the text were written in that file. */
  locate(line: number, column: number): { line: number; column: number };
}

/** One parsed YAML file (one or several documents) that can say where a path is. */
export class YamlFile {
  private constructor(
    /** Absolute path. */
    readonly file: string,
    /** The path as messages show it. */
    readonly display: string,
    readonly docs: Document.Parsed[],
    private readonly lines: LineCounter,
    private readonly text: string,
    private readonly embedding?: Embedding,
  ) {}

  /**
   * Parses `text`. `multi`: a stream of `---`-separated documents (a manifests file);
   * otherwise exactly one document (a lab file). Syntax errors come back as problems.
   * `embedding`: the text was written inside another file (see `embeddedAt`).
   */
  static parse(file: string, text: string, multi: boolean, embedding?: Embedding): { yaml: YamlFile; problems: LabFileProblem[] } {
    const lines = new LineCounter();
    // logLevel: what cannot be read is reported as a problem, never as a warning printed on stderr.
    const options = { lineCounter: lines, prettyErrors: false, keepSourceTokens: false, logLevel: 'error' } as const;
    const shownFile = embedding?.file ?? file;
    // The parser recurses once per level: nesting that deep is refused before it runs (or
    // when it runs out of stack), not left to crash it.
    const tooDeep = (offset: number) => {
      const counted = new LineCounter();
      counted.addNewLine(0);
      for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) counted.addNewLine(i + 1);
      const yaml = new YamlFile(shownFile, displayPath(shownFile), [], counted, text, embedding);
      return { yaml, problems: [{ at: yaml.location(offset), message: TOO_DEEP, hint: TOO_DEEP_HINT }] };
    };
    const deepAt = nestedTooDeep(text);
    if (deepAt !== undefined) return tooDeep(deepAt);
    let docs: ReturnType<typeof parseAllDocuments> | Document.Parsed[];
    try {
      docs = multi ? parseAllDocuments(text, options) : [parseDocument(text, options)];
    } catch (err) {
      if (!(err instanceof RangeError)) throw err;
      return tooDeep(deepestOffset(text));
    }
    // parseAllDocuments returns an EmptyStream (no documents) for an empty text.
    const list = Array.isArray(docs) ? docs : [];
    const yaml = new YamlFile(shownFile, displayPath(shownFile), list as Document.Parsed[], lines, text, embedding);
    const problems: LabFileProblem[] = [];
    for (const doc of list) {
      for (const error of doc.errors) {
        const deep = /Maximum call stack/.test(error.message);
        problems.push({
          at: yaml.location(Math.max(0, error.pos[0])),
          message: deep ? TOO_DEEP : syntaxMessage(error.message),
          hint: deep ? TOO_DEEP_HINT : syntaxHint(error.code, text, error.pos[0]),
        });
      }
      if (doc.errors.length) continue;
      const { deep, nuls, odd } = scan(doc.contents as Node | null, MAX_NESTING);
      for (const node of odd)
        problems.push({
          at: yaml.location(node.range?.[0] ?? 0),
          message: `the tag ${tagName(node)} makes a value netlab does not read (bytes, a date, a set or ordered pairs)`,
          hint: 'write plain text, numbers, lists and mappings, without the tag',
        });
      if (deep) problems.push({ at: yaml.location(deep.range?.[0] ?? 0), message: TOO_DEEP, hint: TOO_DEEP_HINT });
      for (const nul of nuls)
        problems.push({
          at: yaml.location(nul.range?.[0] ?? 0),
          message: 'text holds a NUL character (\\0), which no command, name or value can carry',
          hint: 'remove the \\0 (or \\x00, \\u0000) from this text',
        });
    }
    return { yaml, problems };
  }

  /**
   * Document `doc` as plain data, or the problem why it cannot be: aliases that expand to
   * more than MAX_ALIAS_COUNT nodes (a "billion laughs" file), reported at the first alias.
   */
  value(doc: number): { value: unknown } | { problem: LabFileProblem } {
    const document = this.docs[doc];
    try {
      return { value: document?.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) };
    } catch (err) {
      let alias: Node | undefined;
      if (document?.contents) {
        const stack: unknown[] = [document.contents];
        while (stack.length && !alias) {
          const node = stack.pop();
          if (isAlias(node)) alias = node;
          else if (isCollection(node)) stack.push(...[...node.items].reverse());
          else if (isPair(node)) stack.push(node.value, node.key);
        }
      }
      const excessive = err instanceof ReferenceError && /alias/i.test(err.message);
      return {
        problem: {
          at: this.location(alias?.range?.[0] ?? document?.range?.[0] ?? 0),
          message: excessive
            ? `aliases (*name) here expand to more than ${MAX_ALIAS_COUNT} values`
            : `cannot read this YAML: ${(err as Error).message.split('\n')[0]}`,
          hint: excessive
            ? 'write the values out, or use fewer aliases: a lab file needs few'
            : 'check the anchors (&name), aliases (*name) and tags (!!...) here',
        },
      };
    }
  }

  /** 1-based line and column of a character offset. */
  location(offset: number): SourceLocation {
    const { line, col } = this.lines.linePos(offset);
    return this.located(line, col);
  }

  /** The start of the file: for things not written anywhere. */
  start(): SourceLocation {
    return this.located(1, 1);
  }

  private located(line: number, column: number): SourceLocation {
    if (!this.embedding) return { file: this.display, line, column };
    return { file: this.display, ...this.embedding.locate(line, column) };
  }

  /**
   * How text held by the string at `path` maps back into this file: line by line
   * for a literal block scalar (`key: |`), else everything at the string's start.
   */
  embeddedAt(doc: number, path: Path): Embedding {
    const { node } = this.walk(doc, path);
    const start = this.valueAt(doc, path);
    const whole: Embedding = { file: this.file, locate: () => ({ line: start.line, column: start.column }) };
    if (!node || !isScalar(node) || node.type !== Scalar.BLOCK_LITERAL || typeof node.value !== 'string' || !node.range) return whole;
    const header = start.line; // the line of `|`; the text starts on the next one
    const source = this.text.split('\n').map((l) => l.replace(/\r$/, ''));
    const lines = node.value.split('\n');
    const first = lines.findIndex((l) => l.trim() !== '');
    const written = first < 0 ? undefined : source[header + first];
    if (first < 0 || written === undefined) return whole;
    const indent = written.length - lines[first]!.length;
    return { file: this.file, locate: (line, column) => ({ line: header + line, column: column + indent }) };
  }

  /**
   * Where the value at `path` was written; if it was not written, where its
   * nearest written parent was (so a missing key points at its mapping).
   */
  valueAt(doc: number, path: Path): SourceLocation {
    const found = this.walk(doc, path);
    const offset = found.node?.range?.[0] ?? found.key?.range?.[0] ?? found.parent?.range?.[0];
    return offset === undefined ? this.start() : this.location(offset);
  }

  /** Where the key that ends `path` was written (for unknown fields); else as valueAt. */
  keyAt(doc: number, path: Path): SourceLocation {
    const found = this.walk(doc, path);
    const offset = found.key?.range?.[0] ?? found.node?.range?.[0] ?? found.parent?.range?.[0];
    return offset === undefined ? this.start() : this.location(offset);
  }

  private walk(doc: number, path: Path): { node?: Node; key?: Node; parent?: Node } {
    const document = this.docs[doc];
    if (!document) return {};
    let node: Node | undefined = (document.contents ?? undefined) as Node | undefined;
    let key: Node | undefined;
    let parent: Node | undefined;
    for (const step of path) {
      if (node && isAlias(node)) node = (node.resolve(document) ?? undefined) as Node | undefined;
      if (!node) return { parent: parent ?? key };
      parent = node;
      key = undefined;
      if (isMap(node)) {
        const pair = node.items.find((p) => keyMatches(p.key, String(step)));
        if (!pair) return { parent };
        key = (pair.key ?? undefined) as Node | undefined;
        node = (pair.value ?? undefined) as Node | undefined;
        // `key:` with nothing after it: point at the key.
        if (node && isScalar(node) && node.value === null && node.range?.[0] === node.range?.[1]) node = undefined;
        if (!node) return { key, parent };
      } else if (isSeq(node) && typeof step === 'number') {
        node = (node.items[step] ?? undefined) as Node | undefined;
        if (!node) return { parent };
      } else {
        return { parent };
      }
    }
    return { node, key, parent };
  }
}

/**
 * Walks a document without recursion: the first node nested more than `max` levels deep, and
 * the scalars (values or keys) whose text holds a NUL character.
 */
/** `!!binary` for `tag:yaml.org,2002:binary`. */
function tagName(node: Node): string {
  const tag = (node as { tag?: string }).tag ?? '';
  return tag.replace('tag:yaml.org,2002:', '!!') || 'here';
}

/** Collections YAML 1.1's tags make that are not a plain mapping or list. */
const ODD_COLLECTIONS = new Set(['tag:yaml.org,2002:set', 'tag:yaml.org,2002:omap', 'tag:yaml.org,2002:pairs']);

function scan(root: Node | null, max: number): { deep?: Node; nuls: Node[]; odd: Node[] } {
  const nuls: Node[] = [];
  const odd: Node[] = [];
  const byPlace = (nodes: Node[]) => nodes.sort((a, b) => (a.range?.[0] ?? 0) - (b.range?.[0] ?? 0));
  const stack: { node: unknown; depth: number }[] = [{ node: root, depth: 0 }];
  while (stack.length) {
    const { node, depth } = stack.pop()!;
    if (isCollection(node)) {
      if (depth + 1 > max) return { deep: node as Node, nuls, odd };
      if (node.tag && ODD_COLLECTIONS.has(node.tag)) odd.push(node as Node);
      for (const item of node.items) stack.push({ node: item, depth: depth + 1 });
    } else if (isPair(node)) {
      stack.push({ node: node.value, depth }, { node: node.key, depth });
    } else if (isScalar(node)) {
      if (typeof node.value === 'string' && node.value.includes('\0')) nuls.push(node);
      // !!binary makes bytes, !!timestamp a date: values no field of netlab's takes.
      else if (node.value !== null && typeof node.value === 'object') odd.push(node);
    }
  }
  return { nuls: byPlace(nuls), odd: byPlace(odd) };
}

/**
 * Where flow collections (`[`, `{`) open more than MAX_NESTING levels deep, or a line holds more
 * than MAX_NESTING block indicators (`- - - ...`), read from the tokens (brackets in quotes do
 * not count); undefined when nothing is, or when the text is too small to be.
 */
function nestedTooDeep(text: string): number | undefined {
  let opening = 0;
  for (let i = 0; i < text.length && opening <= MAX_NESTING; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5b || c === 0x7b || c === 0x2d || c === 0x3f) opening++; // [ { - ?
  }
  if (opening <= MAX_NESTING) return undefined;
  let offset = 0;
  let flow = 0;
  let indicators = 0;
  for (const token of new Lexer().lex(text)) {
    const type = CST.tokenType(token);
    if (type === 'flow-seq-start' || type === 'flow-map-start') flow++;
    else if ((type === 'flow-seq-end' || type === 'flow-map-end') && flow > 0) flow--;
    else if (type === 'seq-item-ind' || type === 'explicit-key-ind') indicators++;
    else if (type === 'newline') indicators = 0;
    else if (type === 'doc-start' || type === 'doc-end') flow = 0;
    if (flow > MAX_NESTING || indicators > MAX_NESTING) return offset;
    // Markers the lexer adds (document, scalar, flow error end) are not in the text.
    if (type !== 'doc-mode' && type !== 'scalar' && type !== 'flow-error-end') offset += token.length;
  }
  return undefined;
}

/** Where nesting too deep for the parser is: where brackets open deepest, else the most indented line. */
function deepestOffset(text: string): number {
  let depth = 0;
  let deepest = { depth: 0, at: 0 };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '[' || c === '{') depth++;
    else if ((c === ']' || c === '}') && depth > 0) depth--;
    if (depth > deepest.depth) deepest = { depth, at: i };
  }
  if (deepest.depth > MAX_NESTING) return deepest.at;
  let line = { width: -1, at: 0 };
  for (let start = 0; start < text.length; ) {
    const end = text.indexOf('\n', start);
    const stop = end < 0 ? text.length : end;
    const width = /^[\s-]*/.exec(text.slice(start, stop))![0].length;
    if (width > line.width) line = { width, at: start + width };
    start = stop + 1;
  }
  return line.at;
}

/**
 * Whether a key node is the key `step` names: a scalar by its text, a collection (`? [a, b]`)
 * by the text the YAML library made of it (`[ a, b ]`), spaces and quotes aside.
 */
function keyMatches(key: unknown, step: string): boolean {
  if (isScalar(key)) return String(key.value) === step || (key.value === null && step === '');
  if (!isCollection(key)) return false;
  const loose = (text: string) => text.replace(/[\s"']/g, '');
  try {
    return loose(JSON.stringify(key.toJSON())) === loose(step);
  } catch {
    return false;
  }
}

/** A document with nothing in it (only comments, or nothing after a trailing ---). */
export function isEmptyDocument(doc: Document | undefined): boolean {
  const contents = doc?.contents;
  return contents == null || (isScalar(contents) && contents.value === null && !contents.tag);
}

/** A place in a parsed file: a document and a path inside it. */
export interface Place {
  yaml: YamlFile;
  doc: number;
  path: Path;
}

export function child(place: Place, ...steps: (string | number)[]): Place {
  return { ...place, path: [...place.path, ...steps] };
}

export const valueAt = (place: Place, ...steps: (string | number)[]): SourceLocation => place.yaml.valueAt(place.doc, [...place.path, ...steps]);

export const keyAt = (place: Place, ...steps: (string | number)[]): SourceLocation => place.yaml.keyAt(place.doc, [...place.path, ...steps]);

/** `a.b[0].c`: a path as a person reads it. */
export function formatPath(path: Path): string {
  let out = '';
  for (const step of path) out += typeof step === 'number' ? `[${step}]` : out ? `.${step}` : step;
  return out;
}

function syntaxMessage(message: string): string {
  const first = message.split('\n')[0] ?? message;
  return `YAML syntax: ${first.replace(/ at line \d+, column \d+:?$/, '').replace(/\.$/, '')}`;
}

function syntaxHint(code: string, text: string, offset: number): string {
  const lineStart = text.lastIndexOf('\n', Math.max(0, offset - 1)) + 1;
  const lineEnd = text.indexOf('\n', offset);
  const line = text.slice(lineStart, lineEnd < 0 ? undefined : lineEnd);
  if (line.includes('\\\\"') && code !== 'DUPLICATE_KEY')
    return 'inside double quotes \\\\ is one backslash and the " after it ends the text: write \\" for a quote character';
  return SYNTAX_HINTS[code] ?? 'check the indentation and the quoting on this line';
}

const SYNTAX_HINTS: Partial<Record<string, string>> = {
  TAB_AS_INDENT: 'indent with spaces, not tabs',
  BAD_INDENT: 'line up keys of one mapping at the same column; nested keys go two spaces further than their parent',
  DUPLICATE_KEY: 'write each key once per mapping: remove or rename one of them',
  MULTIPLE_DOCS:
    'a lab file is one YAML document: put manifests under `workloads:` (indented list items), or in a separate file named by `- file: manifests.yaml`',
  BLOCK_AS_IMPLICIT_KEY: 'a key and its value go on one line as `key: value`; quote values that contain ": "',
  MULTILINE_IMPLICIT_KEY: 'a key and its value go on one line as `key: value`; quote values that contain ": " or start a nested block on the next line',
  MISSING_CHAR: 'close the quote or bracket opened on this line',
  BAD_DQ_ESCAPE: 'inside double quotes write a backslash as \\\\, or use single quotes',
  UNEXPECTED_TOKEN: 'check the indentation and the quoting on this line; quote values that start with a special character',
  BAD_SCALAR_START: 'quote values that start with a special character such as @, ` or %',
  BAD_ALIAS: 'an alias (*name) must refer to an anchor (&name) defined earlier',
};
