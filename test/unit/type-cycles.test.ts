import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * `import-x/no-cycle` (eslint.config.js) skips type-only imports, so a cycle made of `import type`
 * (like the one symphony/capture.ts ↔ capture-steps.ts had, issue 18) passes lint. This check
 * follows every relative import, types included, with the TypeScript compiler's own pre-processor
 * (no hand-written parsing), and fails on any cycle.
 */

const root = path.resolve(import.meta.dirname, '../..');

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : sourceFiles(full);
    return /\.tsx?$/.test(e.name) && !e.name.endsWith('.d.ts') ? [full] : [];
  });
}

function resolve(from: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const base = path.resolve(path.dirname(from), specifier);
  return [base, `${base}.ts`, `${base}.tsx`, path.join(base, 'index.ts'), path.join(base, 'index.tsx')].find((p) => /\.tsx?$/.test(p) && fs.existsSync(p));
}

/** Every import cycle among the files, each as the chain of files that closes it. */
function importCycles(files: readonly string[], relativeTo: string): string[] {
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const { importedFiles } = ts.preProcessFile(fs.readFileSync(file, 'utf8'), true, false);
    graph.set(file, importedFiles.map((i) => resolve(file, i.fileName)).filter((p): p is string => p !== undefined));
  }
  const state = new Map<string, 'open' | 'done'>();
  const cycles: string[] = [];
  const visit = (file: string, stack: string[]): void => {
    state.set(file, 'open');
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next].map((f) => path.relative(relativeTo, f)).join(' → '));
      else if (!state.has(next)) visit(next, stack);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of files) if (!state.has(file)) visit(file, []);
  return cycles;
}

/**
 * Known debt, by name, so that this list only shrinks: a cycle fixed here fails the test until it
 * is removed from the list, and a new one fails it at once.
 */
const KNOWN: string[] = [];

describe('no import cycle, type imports included', () => {
  it('finds none in electron/, shared/ and renderer/src/ beyond the known ones', () => {
    const files = ['electron', 'shared', 'renderer/src'].flatMap((d) => sourceFiles(path.join(root, d)));
    expect(files.length).toBeGreaterThan(100);
    expect(importCycles(files, root)).toEqual(KNOWN);
  });

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'type-cycle-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  it('bites on a cycle of type-only imports (which lint lets through)', () => {
    fs.writeFileSync(path.join(dir, 'a.ts'), "import type { B } from './b';\nexport type A = { b?: B };\n");
    fs.writeFileSync(path.join(dir, 'b.ts'), "import { type A } from './a';\nexport type B = { a?: A };\n");
    fs.writeFileSync(path.join(dir, 'c.ts'), "export type { A } from './a';\n");
    expect(importCycles(sourceFiles(dir), dir)).toEqual(['a.ts → b.ts → a.ts']);
  });
});
