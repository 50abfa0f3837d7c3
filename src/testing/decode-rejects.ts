/** Test helper: a model's bytes fail to decode with ONNX_DECODE, and the message names the file and each needle. */
import assert from 'node:assert/strict';
import { SlimnetError } from '../ir/errors.js';
import { decodeModel } from '../onnx/index.js';

/** Asserts that decoding `bytes` as file `file` throws ONNX_DECODE whose message contains `file` and every needle. */
export function assertDecodeRejects(bytes: Uint8Array, file: string, ...needles: string[]): void {
  assert.throws(() => decodeModel(bytes, { path: file }), (e: unknown) => {
    assert.ok(e instanceof SlimnetError, `typed error, got ${String(e)}`);
    assert.equal(e.code, 'ONNX_DECODE');
    for (const n of [file, ...needles]) assert.ok(e.message.includes(n), `'${n}' in: ${e.message}`);
    return true;
  });
}
