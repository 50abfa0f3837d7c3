/** Constant contents of a value: an initializer, or the output of a `Constant` node. */
import { Tensor } from '../ir/tensor.js';
import type { Value } from '../ir/value.js';
import { toInt64 } from './attribute-codec.js';

function int64s(values: readonly number[], dims: readonly number[]): Tensor {
  return new Tensor('int64', dims, BigInt64Array.from(values, (x) => toInt64(x, 'Constant value')));
}

/**
 * The tensor held by an initializer or produced by a Constant node (value / value_float(s) /
 * value_int(s) / value_string(s) attributes); undefined for anything else (including sparse_value).
 */
export function constantValue(v: Value): Tensor | undefined {
  if (v.initializer !== undefined) return v.initializer;
  const n = v.producer;
  if (n === undefined || n.opType !== 'Constant' || (n.domain !== '' && n.domain !== 'ai.onnx')) return undefined;
  for (const [name, a] of n.attributes) {
    switch (name) {
      case 'value':
        return a.type === 'tensor' ? a.value : undefined;
      case 'value_float':
        return a.type === 'float' || a.type === 'int' ? Tensor.f32([], [a.value]) : undefined;
      case 'value_floats':
        return a.type === 'floats' || a.type === 'ints' ? Tensor.f32([a.value.length], a.value) : undefined;
      case 'value_int':
        return a.type === 'int' ? int64s([a.value], []) : undefined;
      case 'value_ints':
        return a.type === 'ints' ? int64s(a.value, [a.value.length]) : undefined;
      case 'value_string':
        return a.type === 'string' ? new Tensor('string', [], [a.value]) : undefined;
      case 'value_strings':
        return a.type === 'strings' ? new Tensor('string', [a.value.length], [...a.value]) : undefined;
      default:
        break;
    }
  }
  return undefined;
}
