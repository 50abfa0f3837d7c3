/**
 * The registry of quantization methods: `slimnet quantize --method NAME` and `quantize()` look methods up
 * here. To add a method, write its file (see method.ts for the interface and a walk-through) and add one
 * line to the list below; names must be unique, and an option name shared by several methods must have
 * the same type in each (both checked when this module loads).
 */
import { SlimnetError } from '../../ir/errors.js';
import { SHARING_QUANTIZATION_METHODS } from '../sharing/quantize-adapter.js';
import { BINARY_QUANTIZATION_METHODS } from './binary/quantize-adapter.js';
import { fixedMethod } from './fixed/method.js';
import { int8Method } from './int8/method.js';
import { kmeansMethod } from './kmeans/method.js';
import type { MethodOptionType, QuantizationMethod } from './method.js';

const NAME = /^[a-z][a-z0-9-]*$/;

/** Checks a list of methods (unique valid names, consistent option types) and returns it. */
export function checkMethods(list: readonly QuantizationMethod[]): readonly QuantizationMethod[] {
  const names = new Set<string>();
  const types = new Map<string, { type: MethodOptionType; method: string }>();
  for (const m of list) {
    if (!NAME.test(m.name)) throw new SlimnetError('INVALID_ARGUMENT', `quantization method name '${m.name}' must be lower case letters, digits and dashes`);
    if (names.has(m.name)) throw new SlimnetError('INVALID_ARGUMENT', `quantization method '${m.name}' is registered twice`);
    names.add(m.name);
    for (const [opt, spec] of Object.entries(m.options)) {
      const seen = types.get(opt);
      if (seen !== undefined && seen.type !== spec.type) {
        throw new SlimnetError('INVALID_ARGUMENT', `option '${opt}' is a ${spec.type} in method '${m.name}' but a ${seen.type} in '${seen.method}'`);
      }
      types.set(opt, { type: spec.type, method: m.name });
    }
  }
  return list;
}

/** Every registered quantization method, in --help order. Add new methods here (one line each). */
export const quantizationMethods: readonly QuantizationMethod[] = checkMethods([
  int8Method,
  fixedMethod,
  kmeansMethod,
  ...BINARY_QUANTIZATION_METHODS,
  ...SHARING_QUANTIZATION_METHODS,
]);

/** The method called `name`, or a typed error listing the registered ones. */
export function quantizationMethod(name: string): QuantizationMethod {
  const m = quantizationMethods.find((x) => x.name === name);
  if (m === undefined) {
    throw new SlimnetError('INVALID_ARGUMENT', `unknown quantization method '${name}' (registered: ${quantizationMethods.map((x) => x.name).join(', ')})`);
  }
  return m;
}
