import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromBinary, toBinary } from '@bufbuild/protobuf';
import { ModelProtoSchema } from 'onnx-buf';
import { GraphBuilder } from '../ir/builder.js';
import { isSlimnetError } from '../ir/errors.js';
import type { Model } from '../ir/graph.js';
import { Tensor } from '../ir/tensor.js';
import { decodeModel, encodeModel, loadModel, saveModel } from './index.js';
import { modelSignature } from './signature.js';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'slimnet-onnx-'));
}

function weightsModel(): Model {
  const b = new GraphBuilder('mlp');
  const x = b.input('x', 'float32', ['N', 64]);
  const w1 = b.initializer('w1', Tensor.f32([32, 64], Array.from({ length: 2048 }, (_, i) => Math.sin(i))));
  const b1 = b.initializer('b1', Tensor.f32([32], Array.from({ length: 32 }, (_, i) => i / 32)));
  const w2 = b.initializer('w2', Tensor.f32([10, 32], Array.from({ length: 320 }, (_, i) => Math.cos(i))));
  const h = b.op('Relu', [b.op('Gemm', [x, w1, b1], { transB: 1 })]);
  b.output(b.op('Gemm', [h, w2], { transB: 1 }), 'y');
  return b.build(17);
}

function expectError(fn: () => unknown, code: string, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isSlimnetError(e), `expected a SlimnetError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    assert.match(e.message, pattern);
    return true;
  });
}

test('saveModel / loadModel round-trip, inline and with external data', () => {
  const dir = tempDir();
  try {
    const m = weightsModel();
    saveModel(m, join(dir, 'inline.onnx'));
    assert.deepEqual(modelSignature(loadModel(join(dir, 'inline.onnx'))), modelSignature(decodeModel(encodeModel(m))));

    saveModel(m, join(dir, 'ext.onnx'), { externalData: { location: 'weights.bin', threshold: 1024 } });
    assert.deepEqual(readdirSync(dir).sort(), ['ext.onnx', 'inline.onnx', 'weights.bin']);
    const loaded = loadModel(join(dir, 'ext.onnx'));
    assert.equal(loaded.graph.initializers.get('w1')?.initializer?.storage, 'external');
    assert.equal(loaded.graph.initializers.get('w2')?.initializer?.storage, 'external');
    assert.equal(loaded.graph.initializers.get('b1')?.initializer?.storage, 'raw', 'below the threshold stays inline');
    assert.deepEqual(loaded.graph.initializers.get('w1')?.initializer?.data, m.graph.initializers.get('w1')?.initializer?.data);
    assert.ok(readFileSync(join(dir, 'ext.onnx')).byteLength < 2000, 'weights left the model file');

    // Re-saving keeps external tensors external (default: a content-named data file), encodeModel inlines them.
    saveModel(loaded, join(dir, 'copy.onnx'));
    assert.equal(readdirSync(dir).filter((n) => /^copy\.onnx\.[0-9a-f]{16}\.data$/.test(n)).length, 1);
    assert.equal(loadModel(join(dir, 'copy.onnx')).graph.initializers.get('w2')?.initializer?.storage, 'external');
    const inlined = decodeModel(encodeModel(loaded));
    assert.equal(inlined.graph.initializers.get('w1')?.initializer?.storage, 'raw');
    saveModel(loaded, join(dir, 'flat.onnx'), { externalData: false });
    assert.ok(!readdirSync(dir).some((n) => n.startsWith('flat.onnx.')));
    assert.deepEqual(modelSignature(loadModel(join(dir, 'flat.onnx'))), modelSignature(inlined));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('missing or short external data names the file and the tensor', () => {
  const dir = tempDir();
  try {
    const path = join(dir, 'm.onnx');
    saveModel(weightsModel(), path, { externalData: { location: 'w.bin', threshold: 1024 } });
    truncateSync(join(dir, 'w.bin'), 100);
    expectError(() => loadModel(path), 'IO', /m\.onnx.*'w\.bin' is too short for tensor 'w1'/);
    rmSync(join(dir, 'w.bin'));
    expectError(() => loadModel(path), 'IO', /m\.onnx.*external data file 'w\.bin' of tensor 'w1'/);
    expectError(() => decodeModel(readFileSync(path)), 'IO', /without a path/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('non-ONNX, empty and truncated files are rejected with ONNX_DECODE naming the file', () => {
  const dir = tempDir();
  try {
    const good = encodeModel(weightsModel());
    const cases: Record<string, Uint8Array> = {
      'empty.onnx': new Uint8Array(0),
      'truncated.onnx': good.subarray(0, Math.floor(good.byteLength * 0.6)),
      'json.onnx': new TextEncoder().encode('{"graph": {"node": []}, "ir_version": 8}\n'),
      'random.onnx': Uint8Array.from({ length: 4096 }, (_, i) => (i * 2654435761) >>> 24),
    };
    for (const [name, bytes] of Object.entries(cases)) {
      writeFileSync(join(dir, name), bytes);
      expectError(() => loadModel(join(dir, name)), 'ONNX_DECODE', new RegExp(`${name.replace('.', '\\.')}: not a valid ONNX model`));
    }
    expectError(() => loadModel(join(dir, 'absent.onnx')), 'IO', /absent\.onnx/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('undefined value references and unknown element types are clear errors', () => {
  const proto = fromBinary(ModelProtoSchema, encodeModel(weightsModel()));
  const relu = proto.graph?.node.find((n) => n.opType === 'Relu');
  assert.ok(relu);
  relu.name = 'the_relu';
  relu.input = ['nowhere'];
  expectError(() => decodeModel(toBinary(ModelProtoSchema, proto), { path: 'bad.onnx' }), 'ONNX_DECODE', /bad\.onnx: .*node 'the_relu' \(Relu\) uses value 'nowhere'/);

  const proto2 = fromBinary(ModelProtoSchema, encodeModel(weightsModel()));
  const w2 = proto2.graph?.initializer.find((t) => t.name === 'w2');
  assert.ok(w2);
  w2.dataType = 17; // FLOAT8E4M3FN
  expectError(() => decodeModel(toBinary(ModelProtoSchema, proto2)), 'ONNX_DECODE', /initializer 'w2' has element type FLOAT8E4M3FN/);
  w2.dataType = 99;
  expectError(() => decodeModel(toBinary(ModelProtoSchema, proto2)), 'ONNX_DECODE', /initializer 'w2' has element type #99/);
});

test('saveModel refuses protected paths and never leaves partial files', () => {
  const dir = tempDir();
  try {
    const input = join(dir, 'input.onnx');
    saveModel(weightsModel(), input);
    const before = readFileSync(input);
    expectError(() => saveModel(weightsModel(), input, { protect: [input] }), 'IO', /refusing to overwrite/);
    expectError(
      () => saveModel(weightsModel(), join(dir, 'out.onnx'), { protect: [input], externalData: { location: 'input.onnx' } }),
      'IO',
      /refusing to overwrite/,
    );
    assert.deepEqual(readFileSync(input), before);

    // The target is a directory: the write fails and neither temp files nor the data file remain.
    mkdirSync(join(dir, 'taken.onnx'));
    expectError(() => saveModel(weightsModel(), join(dir, 'taken.onnx'), { externalData: { threshold: 16 } }), 'IO', /taken\.onnx/);
    // An unencodable model fails before anything is written.
    const bad = weightsModel();
    bad.functions = [{ not: 'a proto' }];
    expectError(() => saveModel(bad, join(dir, 'bad.onnx')), 'ONNX_ENCODE', /functions\[0\]/);
    assert.deepEqual(readdirSync(dir).sort(), ['input.onnx', 'taken.onnx']);
    assert.deepEqual(readdirSync(join(dir, 'taken.onnx')), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
