/**
 * The public API as a consumer package sees it: a temporary package that depends on slimnet (a symlink in its
 * node_modules) imports the family namespaces from 'slimnet' and from subpaths; TypeScript (nodenext resolution,
 * strict) must accept it, and Node must resolve the same imports at run time.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

const CONSUMER = `
import { compact, distill, lowrank, pruning, quantization, loadModel, type Model } from 'slimnet';
import { quantize, type QuantizeOptions } from 'slimnet/quantization';
import { decompose } from 'slimnet/lowrank';
import { GraphBuilder, Tensor } from 'slimnet/ir';
import { compareModels } from 'slimnet/runtime';

const prune: typeof pruning.unstructured.pruneAndRetrain = pruning.unstructured.pruneAndRetrain;
const int8: QuantizeOptions = { method: 'int8', options: { reduceRange: 'on' } };
const g = new GraphBuilder('consumer');
const x = g.input('x', 'float32', ['N', 4]);
g.output(g.op('MatMul', [x, g.initializer('w', new Tensor('float32', [4, 2], new Float32Array(8)))]), 'y');
const m: Model = g.build();
export const used = [prune, int8, quantize, decompose, compareModels, loadModel, m, quantization.quantize,
  lowrank.decompose, compact.rewrite, distill.distill];
`;

const RUNTIME = `
import { compact, distill, lowrank, pruning, quantization } from 'slimnet';
import { quantize } from 'slimnet/quantization';
const kinds = [compact.rewrite, distill.distill, lowrank.decompose, pruning.unstructured.pruneAndRetrain,
  quantization.quantize, quantize].map((f) => typeof f);
console.log(JSON.stringify(kinds));
`;

test('a consumer package type-checks and runs imports of the family namespaces and subpaths', () => {
  const dir = mkdtempSync(join(tmpdir(), 'slimnet-consumer-'));
  try {
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(repo, join(dir, 'node_modules', 'slimnet'), 'dir');
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', type: 'module', private: true }));
    writeFileSync(join(dir, 'consumer.ts'), CONSUMER);
    writeFileSync(join(dir, 'run.mjs'), RUNTIME);
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
      compilerOptions: {
        module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', strict: true, noEmit: true,
        exactOptionalPropertyTypes: true, skipLibCheck: true, types: [],
      },
      files: ['consumer.ts'],
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
