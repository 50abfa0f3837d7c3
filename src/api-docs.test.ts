/**
 * The public surface is documented and holds no internals: every name reachable from the entry points in
 * package.json `exports` (read from the built declaration files) carries a TSDoc comment with text, every
 * namespace's module opens with an overview comment, and nothing public comes from test helpers, fixtures or
 * util/ (internal plumbing shared by the layers).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { apiSurface, undocumentedExports } from './testing/api-surface.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const surface = apiSurface(repo);

test('every public export has a doc comment', () => {
  const missing = undocumentedExports(surface);
  const hint = 'say what it is, its units and defaults';
  assert.deepEqual(missing, [], `${missing.length} public exports have no /** doc comment */ (${hint})`);
});

test('no test fixture, test helper or util/ internal is public', () => {
  const internal = surface.exports
    .filter((e) => /^src\/(testing|util)\/|(^|\/)fixtures?\.ts$/.test(e.source))
    .map((e) => `${e.entry} ${e.name} — ${e.source}`);
  assert.deepEqual(internal, []);
});

test('the surface reaches every family through the root namespaces and nested namespaces', () => {
  const names = new Set(surface.exports.map((e) => `${e.entry} ${e.name}`));
  const namespaces = ['pruning', 'quantization', 'lowrank', 'compact', 'distill', 'ir', 'onnx', 'runtime', 'train',
    'data'];
  for (const ns of namespaces) {
    assert.ok(names.has(`slimnet ${ns}`), `'slimnet' exports the namespace ${ns}`);
  }
  assert.ok(names.has('slimnet/pruning unstructured.pruneAndRetrain'), 'nested namespaces are walked');
});

test('the documentation check reports a declaration without a doc comment and accepts one with', () => {
  const dir = mkdtempSync(join(tmpdir(), 'slimnet-api-docs-'));
  try {
    writeFileSync(join(dir, 'package.json'), JSON.stringify({
      name: 'pkg', type: 'module', exports: { '.': { types: './index.d.ts' }, './sub': { types: './sub.d.ts' } },
    }));
    writeFileSync(join(dir, 'index.d.ts'), [
      '/** Documented: the answer. */', 'export declare const answer: number;',
      '// a line comment is not a doc comment', 'export declare function bare(x: number): number;',
      "export * as sub from './sub.js';", '',
    ].join('\n'));
    writeFileSync(join(dir, 'sub.d.ts'), 'export interface Thing { readonly n: number }\n');
    const missing = undocumentedExports(apiSurface(dir));
    assert.deepEqual(missing, ['pkg bare (function) — index.d.ts', 'pkg sub (namespace) — sub.d.ts',
      'pkg/sub Thing (interface) — sub.d.ts']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
