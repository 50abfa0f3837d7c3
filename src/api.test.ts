/**
 * The public API as a consumer package sees it: a temporary package that depends on slimnet (a symlink in its
 * node_modules) imports the family namespaces from 'slimnet' and from subpaths; TypeScript (nodenext resolution,
 * strict) must accept it, and Node must resolve the same imports at run time.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

const CONSUMER = `
import { compact, distill, lowrank, pruning, quantization, loadModel, type Model } from 'slimnet';
import { quantize, type QuantizeOptions } from 'slimnet/quantization';
import { decompose } from 'slimnet/lowrank';
import { structured, unstructured } from 'slimnet/pruning';
import { rewrite } from 'slimnet/compact';
import { distill as runDistill, KD_DEFAULTS } from 'slimnet/distill';
import { GraphBuilder, Tensor } from 'slimnet/ir';
import { compareModels } from 'slimnet/runtime';

const prune: typeof pruning.unstructured.pruneAndRetrain = pruning.unstructured.pruneAndRetrain;
const int8: QuantizeOptions = { method: 'int8', options: { reduceRange: 'on' } };
const g = new GraphBuilder('consumer');
const x = g.input('x', 'float32', ['N', 4]);
g.output(g.op('MatMul', [x, g.initializer('w', new Tensor('float32', [4, 2], new Float32Array(8)))]), 'y');
const m: Model = g.build();
export const used = [prune, int8, quantize, decompose, compareModels, loadModel, m, quantization.quantize,
  lowrank.decompose, compact.rewrite, distill.distill, structured.structuredPrune, unstructured.agpPrune, rewrite,
  runDistill, KD_DEFAULTS.temperature];
`;

const RUNTIME = `
import { compact, distill, lowrank, pruning, quantization } from 'slimnet';
import { quantize } from 'slimnet/quantization';
const kinds = [compact.rewrite, distill.distill, lowrank.decompose, pruning.unstructured.pruneAndRetrain,
  quantization.quantize, quantize].map((f) => typeof f);
console.log(JSON.stringify(kinds));
`;

/** One namespace import per subpath of package.json `exports`, so a new entry point is checked without edits here. */
function everySubpath(): string {
  const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { exports: Record<string, unknown> };
  return Object.keys(pkg.exports).map((sub, i) => `import * as entry${i} from '${join('slimnet', sub)}';\n`).join('')
    + `export const entries = [${Object.keys(pkg.exports).map((_, i) => `entry${i}`).join(', ')}];\n`;
}

/**
 * The import statements of the TypeScript examples in README.md and docs/*.md that import from slimnet (the
 * examples themselves use undeclared variables; their imports must name what the package exports).
 */
function documentedImports(): string {
  const docs = ['README.md',
    ...readdirSync(join(repo, 'docs')).filter((f) => f.endsWith('.md')).map((f) => join('docs', f))];
  const blocks = docs.flatMap((doc) => [...readFileSync(join(repo, doc), 'utf8').matchAll(/```ts\n([\s\S]*?)```/g)]
    .map((block) => ({ doc, code: block[1] ?? '' })));
  const deep = blocks.filter((b) => /from\s+'\.{1,2}\/(?:dist|src)\//.test(b.code)).map((b) => b.doc);
  assert.deepEqual(deep, [], 'examples import the package (slimnet, slimnet/<family>), not files of the checkout');
  const fromSlimnet = /^import\s[^;]*?from\s+'slimnet(?:\/[\w-]+)?';/gm;
  const imports = blocks.flatMap(({ doc, code }) => [...code.matchAll(fromSlimnet)].map((m) => `// ${doc}\n${m[0]}`));
  // Each example's names get a unique alias, so two examples may import the same name.
  const aliased = imports.map((text, i) => text.replace(/\{([^}]*)\}/, (_, names: string) => `{ ${names.split(',')
    .map((n) => n.trim().replace(/^type\s+/, '')).filter((n) => n !== '')
    .map((n) => `${n.split(/\s+as\s+/)[0] ?? n} as doc${i}_${n.split(/\s+as\s+/).pop() ?? n}`).join(', ')} }`));
  return `${aliased.join('\n')}\nexport {};\n`;
}

test('a consumer package type-checks and runs imports of the family namespaces and subpaths', () => {
  const dir = mkdtempSync(join(tmpdir(), 'slimnet-consumer-'));
  try {
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(repo, join(dir, 'node_modules', 'slimnet'), 'dir');
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', type: 'module', private: true }));
    writeFileSync(join(dir, 'consumer.ts'), CONSUMER);
    writeFileSync(join(dir, 'subpaths.ts'), everySubpath());
    const docImports = documentedImports();
    assert.match(docImports, /from 'slimnet\/quantization'/, 'the docs\' imports are found');
    writeFileSync(join(dir, 'doc-imports.ts'), docImports);
    writeFileSync(join(dir, 'run.mjs'), RUNTIME);
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
      compilerOptions: {
        module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', strict: true, noEmit: true,
        exactOptionalPropertyTypes: true, noUncheckedIndexedAccess: true, skipLibCheck: true, types: [],
      },
      files: ['consumer.ts', 'subpaths.ts', 'doc-imports.ts'],
    }));
    const tsc = join(repo, 'node_modules', 'typescript', 'bin', 'tsc');
    try {
      execFileSync(process.execPath, [tsc, '-p', join(dir, 'tsconfig.json')], { encoding: 'utf8', stdio: 'pipe' });
    } catch (e) {
      const out = e as { stdout?: string; stderr?: string };
      assert.fail(`the consumer does not type-check:\n${out.stdout ?? ''}${out.stderr ?? ''}`);
    }
    const kinds = execFileSync(process.execPath, [join(dir, 'run.mjs')], { encoding: 'utf8', cwd: dir });
    assert.deepEqual(JSON.parse(kinds), Array(6).fill('function'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
