// Where things are in a YAML file: parse with positions kept, then map a path
// (["workloads", 0, "spec", "replicas"]) to the line and column it was written at.
import { relative, isAbsolute } from 'node:path';
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseAllDocuments, parseDocument, Scalar, type Document, type Node } from 'yaml';
import type { LabFileProblem } from '../../core/errors.js';
import type { SourceLocation } from '../model.js';

export type Path = readonly (string | number)[];

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
    const options = { lineCounter: lines, prettyErrors: false, keepSourceTokens: false } as const;
    const docs = multi ? parseAllDocuments(text, options) : [parseDocument(text, options)];
    // parseAllDocuments returns an EmptyStream (no documents) for an empty text.
    const list = Array.isArray(docs) ? docs : [];
    const shownFile = embedding?.file ?? file;
    const yaml = new YamlFile(shownFile, displayPath(shownFile), list as Document.Parsed[], lines, text, embedding);
    const problems: LabFileProblem[] = [];
    for (const doc of list) {
      for (const error of doc.errors) {
        problems.push({
          at: yaml.location(Math.max(0, error.pos[0])),
          message: syntaxMessage(error.message),
          hint: syntaxHint(error.code, text, error.pos[0]),
        });
      }
    }
    return { yaml, problems };
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
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(step));
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
