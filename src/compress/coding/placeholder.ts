/**
 * Placeholders of the compressed initializers in the container's embedded ONNX model: an int64 tensor of dims
 * [rank] holding the layer's dims, marked by its doc string. The graph thereby records what every layer section
 * must decode to, and unpack checks each section's dims against it before allocating anything.
 */
import { Tensor } from '../../ir/tensor.js';

/** doc_string of a placeholder initializer. */
export const PLACEHOLDER_DOC = 'slimnet .sldc placeholder: dims of a weight stored in a layer section';

/** The placeholder standing for a weight of `dims`. */
export function placeholderFor(dims: readonly number[]): Tensor {
  const t = new Tensor('int64', [dims.length], BigInt64Array.from(dims, (d) => BigInt(d)));
  t.docString = PLACEHOLDER_DOC;
  return t;
}

/** The dims a placeholder records, or undefined when `t` is not a placeholder. */
export function placeholderDims(t: Tensor | undefined): number[] | undefined {
  if (t === undefined || t.docString !== PLACEHOLDER_DOC || t.dtype !== 'int64' || t.rank !== 1) return undefined;
  if (!(t.data instanceof BigInt64Array)) return undefined;
  return Array.from(t.data, (d) => Number(d));
}
