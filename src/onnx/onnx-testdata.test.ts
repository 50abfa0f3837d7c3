/**
 * ONNX backend node tests from Debian's libonnx-testdata: decode -> encode each model, run the re-encoded
 * bytes in onnxruntime on the reference inputs and compare with the reference outputs (TensorProto files
 * decoded by our own tensor decoder). Covers raw and typed-field tensors, strings, subgraphs (If, Loop,
 * Scan) and omitted optional inputs/outputs.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Tensor } from '../ir/tensor.js';
import { Session } from '../runtime/session.js';
import { expectClose } from '../testing/expect-close.js';
import { decodeModel, decodeTensorProto, encodeModel } from './index.js';
import { modelSignature } from './signature.js';

const ROOT = '/usr/share/libonnx-testdata/data/node';

const CASES = [
  // convolution, pooling, normalisation, dense
  'test_basic_conv_with_padding', 'test_conv_with_strides_and_asymmetric_padding', 'test_convtranspose',
  'test_convtranspose_pads', 'test_gemm_all_attributes', 'test_gemm_default_no_bias', 'test_matmul_2d',
  'test_averagepool_2d_pads', 'test_maxpool_2d_pads', 'test_maxpool_with_argmax_2d_precomputed_pads',
  'test_maxpool_2d_ceil', 'test_batchnorm_example', 'test_batchnorm_epsilon', 'test_mvn_expanded',
  'test_lrn', 'test_softmax_axis_1', 'test_layer_normalization_4d_axis1_expanded',
  // recurrent (optional inputs and outputs)
  'test_lstm_defaults', 'test_lstm_with_peepholes', 'test_gru_defaults', 'test_gru_seq_length',
  'test_rnn_seq_length', 'test_simple_rnn_defaults',
  // shape manipulation (int64 tensors, INT64_MAX-style bounds)
  'test_slice', 'test_slice_neg_steps', 'test_slice_end_out_of_bounds', 'test_slice_start_out_of_bounds',
  'test_constant_pad', 'test_reflect_pad', 'test_edge_pad', 'test_reshape_reordered_all_dims',
  'test_depthtospace_example', 'test_gather_0', 'test_where_example', 'test_clip_default_inbounds',
  'test_resize_upsample_scales_linear', 'test_resize_downsample_sizes_nearest_tf_half_pixel_for_nn',
  'test_resize_upsample_sizes_cubic',
  // typed-field tensors (Constant attributes with float_data / int32_data / int64_data), strings
  'test_constant', 'test_constantofshape_int_zeros', 'test_hannwindow_expanded', 'test_cast_STRING_to_FLOAT',
  'test_nllloss_NCd1d2_with_weight_reduction_sum_ii_expanded',
  // other dtypes, quantization
  'test_cast_FLOAT_to_FLOAT16', 'test_cast_FLOAT16_to_DOUBLE', 'test_bitshift_right_uint64',
  'test_and_bcast4v4d', 'test_matmulinteger', 'test_prelu_broadcast', 'test_dequantizelinear', 'test_qlinearconv', 'test_dropout_default_mask',
  // subgraphs
  'test_if', 'test_loop11', 'test_scan9_sum',
];

function readSet(dir: string, prefix: 'input' | 'output'): Tensor[] {
  return readdirSync(dir)
    .filter((f) => f.startsWith(`${prefix}_`) && f.endsWith('.pb'))
    .sort((a, b) => Number(a.slice(prefix.length + 1, -3)) - Number(b.slice(prefix.length + 1, -3)))
    .map((f) => decodeTensorProto(readFileSync(join(dir, f)), { path: join(dir, f) }).tensor);
}

function compare(actual: Tensor, expected: Tensor, what: string): void {
  assert.equal(actual.dtype, expected.dtype, `${what} dtype`);
  assert.deepEqual(actual.dims, expected.dims, `${what} dims`);
  if (expected.dtype === 'float32' || expected.dtype === 'float64' || expected.dtype === 'float16') {
    expectClose(actual.toNumbers(), expected.toNumbers(), { rtol: 1e-3, atol: 1e-5, what });
  } else {
    assert.deepEqual(Array.from(actual.data as ArrayLike<unknown>), Array.from(expected.data as ArrayLike<unknown>), what);
  }
}

test(`libonnx-testdata: ${CASES.length} node tests round-trip and match their reference outputs`, async (t) => {
  if (!existsSync(ROOT)) {
    const msg = `libonnx-testdata is not installed (${ROOT} missing): apt-get install libonnx-testdata`;
    if (process.env.CI === 'true') assert.fail(msg);
    t.skip(msg);
    return;
  }
  assert.ok(CASES.length >= 30);
  const storages = new Set<string>();
  for (const name of CASES) {
    const dir = join(ROOT, name);
    const file = join(dir, 'model.onnx');
    const model = decodeModel(readFileSync(file), { path: file });
    for (const n of model.graph.nodes) {
      for (const a of n.attributes.values()) if (a.type === 'tensor') storages.add(a.value.storage);
    }
    const encoded = encodeModel(model);
    assert.deepEqual(modelSignature(decodeModel(encoded)), modelSignature(model), `${name}: decode/encode/decode`);

    const dataDir = join(dir, 'test_data_set_0');
    const inputs = readSet(dataDir, 'input');
    const expected = readSet(dataDir, 'output');
    for (const x of [...inputs, ...expected]) storages.add(x.storage);
    const inputNames = model.graph.inputs.filter((v) => v.initializer === undefined).map((v) => v.name);
    assert.equal(inputs.length, inputNames.length, `${name}: input count`);
    const session = await Session.create(encoded, { threads: 1 });
    try {
      const feeds = Object.fromEntries(inputNames.map((n, i) => [n, inputs[i] as Tensor]));
      const out = await session.run(feeds);
      model.graph.outputs.forEach((v, i) => {
        const got = out[v.name];
        assert.ok(got, `${name}: output ${v.name}`);
        compare(got, expected[i] as Tensor, `${name} output ${v.name}`);
      });
    } finally {
      await session.release();
    }
  }
  assert.ok(storages.has('typed') && storages.has('raw'), 'both tensor storage forms were exercised');
});
