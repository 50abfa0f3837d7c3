/**
 * The CLI never writes over its input, whatever the spelling (symlink, symlinked directory, hard link, the
 * input's external data file, a training checkpoint), and refuses hostile external data locations: typed
 * error, non-zero exit, no output file, input byte-identical.
 */
import assert from 'node:assert/strict';
import {
  linkSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, test } from 'node:test';
import { saveModel } from '../onnx/index.js';
import { cli } from '../testing/run-cli.js';
import { writeExternalModel } from '../testing/external-model.js';
import { buildZooModel } from '../zoo/index.js';

const root = mkdtempSync(join(tmpdir(), 'slimnet-protect-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** Every file under `dir` (relative path -> bytes). */
function snapshot(dir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const st = statSync(p, { throwIfNoEntry: false });
      if (st?.isDirectory() === true) walk(p);
      else if (st?.isFile() === true) files.set(relative(dir, p), readFileSync(p));
    }
  };
  walk(dir);
  return files;
}

test('outputs that reach the input or its data file by another name are refused', async () => {
  const dir = join(root, 'case');
  const input = join(dir, 'in', 'model.onnx');
  mkdirSync(join(dir, 'in'), { recursive: true });
  saveModel(buildZooModel('lenet-300-100'), input, { externalData: { threshold: 1024 } });
  const data = readdirSync(join(dir, 'in')).find((n) => n.endsWith('.data'));
  assert.ok(data !== undefined);
  symlinkSync('model.onnx', join(dir, 'in', 'link.onnx'));
  symlinkSync(join(dir, 'in'), join(dir, 'inlink'));
  linkSync(input, join(dir, 'in', 'hard.onnx'));
  const before = snapshot(dir);
  const quick = ['--epochs', '1', '--limit', '64'];
  const prune = ['--method', 'magnitude', '--target', '0.5', '--finetune-epochs', '0'];
  const trained = join(dir, 'trained.onnx');
  const runs: string[][] = [
    ['prune', join(dir, 'in', 'link.onnx'), ...prune, '--out', input],
    ['quantize', input, '--method', 'int8', '--out', join(dir, 'inlink', 'model.onnx')],
    ['train', '--model', input, ...quick, '--checkpoint', input, '--out', trained],
    ['train', '--model', input, ...quick, '--checkpoint', join(dir, 'in', 'hard.onnx'), '--out', trained],
    ['rewrite', input, '--to', 'width', '--width-mult', '0.5', '--out', join(dir, 'in', 'hard.onnx')],
    ['rewrite', input, '--to', 'width', '--width-mult', '0.5', '--out', join(dir, 'inlink', data)],
  ];
  for (const argv of runs) {
    const r = await cli(...argv);
    assert.notEqual(r.code, 0, argv.join(' '));
    assert.match(r.err, /\[IO\].*refusing to overwrite/, argv.join(' '));
    assert.deepEqual(snapshot(dir), before, `${argv.join(' ')}: nothing written, input byte-identical`);
  }
});

test('a model whose external data points outside its directory is refused and its target never copied', async () => {
  const dir = join(root, 'hostile');
  mkdirSync(join(dir, 'model'), { recursive: true });
  mkdirSync(join(dir, 'outside'));
  const canary = new TextEncoder().encode('CANARY-1b2c3d4e-'.repeat(64));
  writeFileSync(join(dir, 'outside', 'canary.bin'), canary);
  symlinkSync(join(dir, 'outside'), join(dir, 'model', 'dlink'));
  for (const location of ['../outside/canary.bin', 'dlink/canary.bin', join(dir, 'outside', 'canary.bin')]) {
    const model = writeExternalModel(join(dir, 'model'), [{ location, elements: 256 }], 'evil.onnx');
    const out = join(dir, 'model', 'out.onnx');
    const r = await cli('rewrite', model, '--to', 'width', '--width-mult', '0.5', '--out', out);
    assert.notEqual(r.code, 0, location);
    assert.match(r.err, /\[ONNX_DECODE\].*evil\.onnx.*tensor 'w0'/, location);
    assert.ok(r.err.includes(`'${location}'`), r.err);
    for (const [name, bytes] of snapshot(dir)) {
      const leaked = !name.endsWith('canary.bin') && bytes.includes(Buffer.from(canary.subarray(0, 64)));
      assert.ok(!leaked, `${name} holds canary bytes`);
    }
    assert.ok(!readdirSync(join(dir, 'model')).includes('out.onnx'));
  }
});
