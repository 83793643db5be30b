/**
 * Configuration problems with their place in the YAML text. A zod issue path ('destinations', 'offsite',
 * 'tls') is mapped to the node of a document parsed with yaml's parseDocument + LineCounter: the value
 * node for a wrong value, the key node for an unknown key, the enclosing key for a missing key.
 */
import {
  LineCounter,
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  parseDocument,
  type Document,
  type Node,
} from 'yaml';
import type { z } from 'zod';
import { showValue } from './schema.ts';

export interface ConfigProblem {
  file: string;
  /** 1-based; 0 when the problem concerns the file as a whole (e.g. it cannot be read). */
  line: number;
  column: number;
  /** Key path such as destinations.offsite.tls or sources[1].path; '' for the document itself. */
  path: string;
  message: string;
}

export function formatProblem(p: ConfigProblem): string {
  const where = p.line > 0 ? `${p.file}:${p.line}:${p.column}` : p.file;
  return p.path === '' ? `${where}: ${p.message}` : `${where}: ${p.path}: ${p.message}`;
}

/** Every problem found in the configuration, all at once. */
export class ConfigError extends Error {
  readonly problems: ConfigProblem[];
  constructor(problems: ConfigProblem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

export type PathSegment = string | number;

/** 'destinations.offsite.tls', 'sources[1].path', 'destinations["my host"].port'. */
export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

function keyText(key: unknown): string | undefined {
  if (isScalar(key)) return String(key.value);
  return typeof key === 'string' ? key : undefined;
}

/** One YAML file: its text parsed into a document that knows the line of every node. */
export class YamlFile {
  readonly file: string;
  readonly doc: Document;
  readonly lines: LineCounter;
  /** The plain data, or undefined when the file has YAML syntax errors. */
  readonly data: unknown;
  /** Syntax errors, already located. */
  readonly syntaxProblems: ConfigProblem[];

  constructor(file: string, text: string) {
    this.file = file;
    this.lines = new LineCounter();
    this.doc = parseDocument(text, { lineCounter: this.lines, prettyErrors: false, logLevel: 'error' });
    this.syntaxProblems = this.doc.errors.map((e) => ({
      ...this.position(e.pos[0]),
      file,
      path: '',
      message: e.message,
    }));
    this.data = this.syntaxProblems.length === 0 ? this.toData() : undefined;
  }

  /** The plain data; an alias bomb (yaml's maxAliasCount) becomes a problem, not a crash. */
  private toData(): unknown {
    try {
      return this.doc.toJS();
    } catch (err) {
      this.syntaxProblems.push({
        file: this.file,
        line: 1,
        column: 1,
        path: '',
        message: (err as Error).message,
      });
      return undefined;
    }
  }

  private position(offset: number): { line: number; column: number } {
    const { line, col } = this.lines.linePos(offset);
    return { line, column: col };
  }

  private nodePosition(node: unknown): { line: number; column: number } | undefined {
    const range = (node as Node | null)?.range;
    return range ? this.position(range[0]) : undefined;
  }

  /**
   * Where the node at `path` is. atKey: the key of the last segment (unknown keys). When the path does
   * not exist (a missing key), the key of the deepest existing mapping, or that node itself.
   */
  locate(path: readonly PathSegment[], atKey = false): { line: number; column: number } {
    let node: unknown = this.doc.contents;
    let key: unknown = undefined;
    for (const seg of path) {
      if (isAlias(node)) node = node.resolve(this.doc);
      let next: unknown = undefined;
      let nextKey: unknown = undefined;
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && keyText(p.key) === String(seg));
        if (pair !== undefined) {
          next = pair.value;
          nextKey = pair.key;
        }
      } else if (isSeq(node) && typeof seg === 'number') {
        next = node.items[seg];
      }
      if (next === undefined && nextKey === undefined) {
        return this.nodePosition(key) ?? this.nodePosition(node) ?? { line: 1, column: 1 };
      }
      node = next;
      key = nextKey;
    }
    if (atKey && key !== undefined) return this.nodePosition(key) ?? { line: 1, column: 1 };
    // `key:` with nothing after it: the empty value sits wherever the parser put it, point at the key.
    const empty =
      node === null || node === undefined || (isScalar(node) && node.value === null && !node.source);
    return (
      (empty ? this.nodePosition(key) : this.nodePosition(node)) ??
      this.nodePosition(key) ?? { line: 1, column: 1 }
    );
  }

  /** A problem at `path` (relative to the document root). */
  problem(path: readonly PathSegment[], message: string, atKey = false): ConfigProblem {
    return { file: this.file, ...this.locate(path, atKey), path: formatPath(path), message };
  }
}

function valueAt(data: unknown, path: readonly PathSegment[]): unknown {
  let v = data;
  for (const seg of path) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<string, unknown>)[String(seg)];
  }
  return v;
}

const TYPE_NAMES: Record<string, string> = {
  object: 'a mapping',
  record: 'a mapping',
  array: 'a list',
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
};

interface Located {
  path: PathSegment[];
  message: string;
  atKey: boolean;
}

/**
 * Issues of a union: when exactly one alternative matched the shape of the value (all its issues are
 * inside the value, none about the value itself), its issues are the useful ones; otherwise the union's
 * own message (which says what forms are accepted).
 */
function unionIssues(iss: z.core.$ZodIssueInvalidUnion, data: unknown): Located[] | undefined {
  const fitting = iss.errors.filter((branch) => branch.length > 0 && branch.every((b) => b.path.length > 0));
  if (fitting.length !== 1 || fitting[0] === undefined) return undefined;
  const prefixed = fitting[0].map((b) => ({ ...b, path: [...iss.path, ...b.path] }));
  return prefixed.flatMap((b) => locatedIssues(b, data));
}

function locatedIssues(iss: z.core.$ZodIssue, data: unknown): Located[] {
  const path = iss.path.filter((s): s is PathSegment => typeof s !== 'symbol');
  const here = valueAt(data, path);
  const one = (message: string, atKey = false): Located[] => [{ path, message, atKey }];
  const last = path[path.length - 1];
  // A key absent from a mapping that exists (YAML has no undefined: an empty value is null).
  const missing = here === undefined && last !== undefined && valueAt(data, path.slice(0, -1)) !== undefined;
  switch (iss.code) {
    case 'unrecognized_keys':
      return iss.keys.map((k) => ({
        path: [...path, k],
        message: `unknown key "${k}" (${iss.message})`,
        atKey: true,
      }));
    case 'invalid_type': {
      if (missing) return one(`missing required key ${JSON.stringify(String(last))}`);
      const expected = TYPE_NAMES[iss.expected] ?? iss.expected;
      return one(`expected ${expected}, got ${showValue(here)}`);
    }
    case 'invalid_value': {
      const values = iss.values.map((v) => String(v));
      return one(
        values.length === 1
          ? `expected ${values[0]}, got ${showValue(here)}`
          : `expected one of ${values.join(', ')}, got ${showValue(here)}`,
      );
    }
    case 'too_small':
    case 'too_big': {
      const small = iss.code === 'too_small';
      const bound = Number(small ? iss.minimum : iss.maximum);
      const inclusive = iss.inclusive !== false;
      if (iss.origin === 'array') {
        const n = Array.isArray(here) ? here.length : 0;
        return one(
          `expected ${small ? 'at least' : 'at most'} ${bound} item${bound === 1 ? '' : 's'}, got ${n}`,
        );
      }
      if (iss.origin === 'string') {
        return one(
          small && bound === 1
            ? 'expected a non-empty string'
            : `expected ${small ? 'at least' : 'at most'} ${bound} characters`,
        );
      }
      const word = small ? (inclusive ? 'at least' : 'more than') : inclusive ? 'at most' : 'less than';
      return one(`expected ${word} ${bound}, got ${showValue(here)}`);
    }
    case 'invalid_union': {
      if (iss.discriminator !== undefined && iss.errors.length === 0) {
        const options = ('options' in iss ? (iss.options ?? []) : []).map((o) => String(o)).join(', ');
        return here === undefined
          ? one(
              `missing required key ${JSON.stringify(String(path[path.length - 1]))} (expected one of: ${options})`,
            )
          : one(`expected one of ${options}, got ${showValue(here)}`);
      }
      if (missing) return one(`missing required key ${JSON.stringify(String(last))}`);
      return unionIssues(iss, data) ?? one(iss.message);
    }
    case 'custom': {
      const atKey = (iss.params as { atKey?: unknown } | undefined)?.atKey === true;
      return one(iss.message, atKey);
    }
    default:
      return one(iss.message);
  }
}

/** Turns zod issues about `file.data` (or the part of it under `prefix`) into located problems. */
export function problemsFromIssues(
  issues: readonly z.core.$ZodIssue[],
  file: YamlFile,
  prefix: readonly PathSegment[] = [],
): ConfigProblem[] {
  const base = prefix.length === 0 ? file.data : valueAt(file.data, prefix);
  return issues
    .flatMap((iss) => locatedIssues(iss, base))
    .map((l) => file.problem([...prefix, ...l.path], l.message, l.atKey));
}
