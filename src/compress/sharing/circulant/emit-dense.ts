/**
 * The dense ("materialised") form of a circulant layer: the [out, in] weight is gathered from r with the
 * signed index 2·((i − j) mod d) + [D_j < 0], computed in the graph from two Ranges and the int8 signs, so
 * the file holds r and D only; onnxruntime folds the index and the Gather at load time and then runs the
 * ordinary Gemm / MatMul kernel. Same function as the FFT form; a different speed.
 */
import type { GraphBuilder } from '../../../ir/builder.js';
import type { Value } from '../../../ir/value.js';

/** The int64 signed-index tensor, [out, in] when `outMajor`, else [in, out]. */
export function emitCirculantIndex(b: GraphBuilder, prefix: string, inFeatures: number, outFeatures: number, d: number, signs: Value, outMajor: boolean): Value {
  const scalar = (name: string, v: number): Value => b.constInt64([v], [], `${prefix}/${name}`);
  const op = (type: string, ins: Value[], name: string, attrs: Record<string, number | number[]> = {}): Value =>
    b.op(type, ins, attrs, { name: `${prefix}/${name}` });
  const [zero, one, two, size] = [scalar('zero', 0), scalar('one', 1), scalar('two', 2), scalar('size', d)];
  const rows = op('Unsqueeze', [op('Range', [zero, scalar('out', outFeatures), one], 'rows'), b.constInt64([1], [1], `${prefix}/axis1`)], 'rows2');
  const cols = op('Unsqueeze', [op('Range', [zero, scalar('in', inFeatures), one], 'cols'), b.constInt64([0], [1], `${prefix}/axis0`)], 'cols2');
  const diag = op('Mod', [op('Add', [op('Sub', [rows, cols], 'i_minus_j'), size], 'shifted'), size], 'diagonal');
  const negative = op('Div', [op('Sub', [one, op('Cast', [signs], 'signs64', { to: 7 })], 'one_minus_d'), two], 'negative');
  const index = op('Add', [op('Mul', [diag, two], 'diagonal2'), negative], 'signed_index');
  const out = outMajor ? index : op('Transpose', [index], 'index_t', { perm: [1, 0] });
  out.dtype = 'int64';
  out.shape = outMajor ? [outFeatures, inFeatures] : [inFeatures, outFeatures];
  return out;
}
