/**
 * Architecture check: every source file imports only from its own layer or the layers below it, `ir/`
 * imports nothing outside itself, and only `runtime/` imports onnxruntime-node.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
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

/**
 * Modules one compression family may import from another, each with its reason. Anything else under
 * compress/<family>/ importing compress/<other family>/ is an error: families meet through these modules only.
 */
const SHARED_ACROSS_FAMILIES: Readonly<Record<string, string>> = {
  'pruning/common/prunable.ts': 'which weights are prunable / quantizable: one rule for every family',
  'pruning/common/sparsity.ts': 'masks and sparsity statistics, read by every family that keeps zeros',
  'coding/container.ts': 'the packed container format every weight-sharing method writes',
  'coding/bits.ts': 'bit-level reader / writer of the packed formats',
  'coding/size-table.ts': 'the per-layer size table printed by every packing method',
  'quantization/method.ts': 'the quantization method contract, implemented by the sharing family too',
  'sharing/quantize-adapter.ts': 'registers the sharing methods with the quantization registry',
  'pruning/structured/dependency.ts': 'channel dependency groups, used by compact width rewrites',
  'pruning/structured/prune.ts': 'physical channel removal, used by compact width rewrites',
};

/**
 * Family-neutral modules directly under compress/, which every family may import: the contracts and helpers the
 * families share. Each is declared here with its reason; an undeclared module there fails the test below, so a
 * new shared module is a decision, not an accident.
 */
const SHARED_COMPRESS_MODULES: Readonly<Record<string, string>> = {
  'measure.ts': 'before / after measurement (error, size, latency) printed by every family',
  'method.ts': 'the method contract every family implements',
  'options.ts': 'typed method options (schema, parsing, defaults) shared by every family registry',
  'registry.ts': 'the generic method registry each family instantiates',
};

/** Files that compose several families by design (Deep Compression = pruning + k-means + coding). */
const COMPOSITES = new Set(['coding/deep-compress.ts']);

test('compression families import each other only through declared shared modules', () => {
  const compress = join(srcRoot, 'compress');
  const problems: string[] = [];
  for (const file of sourceFiles(compress)) {
    const rel = relative(compress, file);
    if (!rel.includes('/') || COMPOSITES.has(rel)) continue;
    const family = rel.split('/')[0] as string;
    for (const m of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const spec = (m[1] ?? m[2]) as string;
      if (!spec.startsWith('.')) continue;
      const target = relative(compress, resolve(dirname(file), spec)).replace(/\.js$/, '.ts');
      if (target.startsWith('..') || !target.includes('/') || target.split('/')[0] === family) continue;
      if (SHARED_ACROSS_FAMILIES[target] === undefined) problems.push(`compress/${rel} imports compress/${target}`);
    }
  }
  assert.deepEqual(problems, []);
});

test('modules shared by every family sit directly under compress/ and are declared', () => {
  const compress = join(srcRoot, 'compress');
  const undeclared = readdirSync(compress)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.endsWith('.d.ts'))
    .filter((f) => SHARED_COMPRESS_MODULES[f] === undefined)
    .map((f) => `compress/${f} is not declared in SHARED_COMPRESS_MODULES (layers.test.ts)`);
  assert.deepEqual(undeclared, []);
  const intoFamilies = Object.keys(SHARED_COMPRESS_MODULES).filter((f) => existsSync(join(compress, f)))
    .flatMap((f) => [...readFileSync(join(compress, f), 'utf8').matchAll(IMPORT)]
      .map((m) => (m[1] ?? m[2]) as string)
      .filter((spec) => spec.startsWith('./') && spec.slice(2).includes('/'))
      .map((spec) => `compress/${f} imports the family module ${spec}: shared modules must not depend on a family`));
  assert.deepEqual(intoFamilies, []);
});

test('benches do not import the CLI', () => {
  const bench = resolve(srcRoot, '../bench');
  const problems = sourceFiles(bench).flatMap((file) => [...readFileSync(file, 'utf8').matchAll(IMPORT)]
    .map((m) => (m[1] ?? m[2]) as string)
    .filter((spec) => spec.startsWith('.') && relative(srcRoot, resolve(dirname(file), spec)).startsWith('cli/'))
    .map((spec) => `${relative(bench, file)} imports ${spec}`));
  assert.deepEqual(problems, []);
});
