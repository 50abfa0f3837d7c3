/**
 * Architecture check: every source file imports only from its own layer or the layers below it, `ir/`
 * imports nothing outside itself, and only `runtime/` imports onnxruntime-node.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const RANK: Readonly<Record<string, number>> = {
  ir: 0, util: 0, onnx: 1, passes: 2, metrics: 2, autodiff: 2, data: 2, zoo: 2,
  runtime: 3, kernels: 3, train: 4, compress: 4, report: 5, cli: 5, '.': 6,
};

// Compiled tests run from dist/src; read the TypeScript sources.
const here = dirname(fileURLToPath(import.meta.url));
const srcRoot = resolve(here, '../../src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return sourceFiles(p);
    return p.endsWith('.ts') && !p.endsWith('.test.ts') && !p.endsWith('.d.ts') ? [p] : [];
  });
}

function layerOf(file: string): string {
  const rel = relative(srcRoot, file);
  return rel.includes('/') ? (rel.split('/')[0] as string) : '.';
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

test('source files respect the layer order', () => {
  const problems: string[] = [];
  for (const file of sourceFiles(srcRoot)) {
    const layer = layerOf(file);
    if (layer === 'testing') continue;
    const rank = RANK[layer];
    if (rank === undefined) {
      problems.push(`${relative(srcRoot, file)}: directory '${layer}' has no rank in layers.test.ts`);
      continue;
    }
    for (const m of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const spec = (m[1] ?? m[2]) as string;
      if (spec === 'onnxruntime-node' || spec.startsWith('onnxruntime-')) {
        if (layer !== 'runtime') problems.push(`${relative(srcRoot, file)} imports ${spec}: only runtime/ may`);
        continue;
      }
      if (!spec.startsWith('.')) continue;
      const target = layerOf(resolve(dirname(file), spec));
      if (target === 'testing') {
        problems.push(`${relative(srcRoot, file)} imports test helpers (${spec})`);
        continue;
      }
      if (layer === 'ir' && target !== 'ir') problems.push(`${relative(srcRoot, file)}: ir/ must not import ${spec}`);
      const targetRank = RANK[target];
      if (targetRank !== undefined && targetRank > rank) {
        problems.push(`${relative(srcRoot, file)} (${layer}) imports ${spec} (${target}, a higher layer)`);
      }
    }
  }
  assert.deepEqual(problems, []);
});
