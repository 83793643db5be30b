/**
 * bin/ftps-backup.js must parse on an old Node so that its runtime guard can speak: as a module and as a
 * CommonJS script (Node 12 before 12.17 ignores "type": "module"), with no syntax newer than Node 12
 * supports (ES2019 plus import()): no optional chaining, no ??, no BigInt, no top-level await, no
 * import.meta, no static import.
 */
import { readFileSync } from 'node:fs';
import { parse, type Node } from 'acorn';
import { describe, expect, it } from 'vitest';

const source = readFileSync(new URL('../../../bin/ftps-backup.js', import.meta.url), 'utf8');

/** Every node of the tree, depth first. */
function* walk(node: unknown): Generator<Node> {
  if (node === null || typeof node !== 'object') return;
  if (Array.isArray(node)) {
    for (const n of node) yield* walk(n);
    return;
  }
  const n = node as Node & Record<string, unknown>;
  if (typeof n.type === 'string') yield n;
  for (const [key, value] of Object.entries(n)) if (key !== 'loc') yield* walk(value);
}

/** The constructs newer than Node 12 found in a program. */
function tooNew(code: string): string[] {
  const tree = parse(code, { ecmaVersion: 2020, sourceType: 'script', allowHashBang: true });
  const found: string[] = [];
  for (const n of walk(tree)) {
    const r = n as Node & { operator?: string; bigint?: string };
    if (n.type === 'ChainExpression') found.push('optional chaining');
    if (n.type === 'LogicalExpression' && r.operator === '??') found.push('??');
    if (n.type === 'Literal' && r.bigint !== undefined) found.push('BigInt literal');
  }
  return found;
}

describe('bin/ftps-backup.js', () => {
  it('parses as a script and as a module, with nothing newer than Node 12', () => {
    expect(tooNew(source)).toEqual([]);
    expect(() =>
      parse(source, { ecmaVersion: 2020, sourceType: 'module', allowHashBang: true }),
    ).not.toThrow();
  });

  it('the check itself can fail (a file using newer syntax is caught)', () => {
    expect(tooNew('var a = {}; var b = a?.x ?? 1;')).toEqual(['??', 'optional chaining']);
    expect(() => tooNew('await import("x");')).toThrow();
    expect(() => tooNew('import fs from "fs";')).toThrow();
    expect(() => tooNew('console.log(import.meta.url);')).toThrow();
  });

  it('keeps the shebang the packaging reads its heap flags from', () => {
    expect(source.split('\n')[0]).toMatch(/^#!\/usr\/bin\/env -S node --/);
  });
});
