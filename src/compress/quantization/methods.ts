/**
 * The registry of quantization methods: `slimnet quantize --method NAME` and `quantize()` look methods up
 * here. To add a method, write its file (see method.ts for the interface and a walk-through) and register it
 * with one line (the list below, or `registerQuantizationMethod` from outside); names must be unique, and an
 * option name shared by several methods must have the same type in each (both checked on registration).
 */
import { SlimnetError } from '../../ir/errors.js';
import { SHARING_QUANTIZATION_METHODS } from '../sharing/quantize-adapter.js';
import { BINARY_QUANTIZATION_METHODS } from './binary/quantize-adapter.js';
import { fixedMethod } from './fixed/method.js';
import { int8Method } from './int8/method.js';
import { kmeansMethod } from './kmeans/method.js';
import type { QuantizationMethod } from './method.js';
import { Registry } from '../registry.js';

/** A method's options must have the type any other registered method gives an option of the same name. */
function checkOptionTypes(m: QuantizationMethod, registered: readonly QuantizationMethod[]): void {
  for (const [opt, spec] of Object.entries(m.options)) {
    const other = registered.find((r) => Object.hasOwn(r.options, opt) && r.options[opt]?.type !== spec.type);
    if (other !== undefined) {
      throw new SlimnetError('INVALID_ARGUMENT', `option '${opt}' is a ${spec.type} in method '${m.name}' but a `
        + `${other.options[opt]?.type ?? '?'} in '${other.name}'`);
    }
  }
}

/** The quantization registry: `registerQuantizationMethod(m)` adds a method (one line per method). */
const registry = new Registry<QuantizationMethod>('quantization', checkOptionTypes);

/** Adds a quantization method to `slimnet quantize --method` and `quantize()`; returns it. */
export function registerQuantizationMethod(m: QuantizationMethod): QuantizationMethod {
  return registry.register(m);
}

/** Checks a list of methods (unique valid names, consistent option types) as a registry would, and returns it. */
export function checkMethods(list: readonly QuantizationMethod[]): readonly QuantizationMethod[] {
  const r = new Registry<QuantizationMethod>('quantization', checkOptionTypes);
  for (const m of list) r.register(m);
  return list;
}

for (const m of [int8Method, fixedMethod, kmeansMethod, ...BINARY_QUANTIZATION_METHODS, ...SHARING_QUANTIZATION_METHODS]) {
  registerQuantizationMethod(m);
}

/** Every registered quantization method, in --help order (a live view of the registry). */
export const quantizationMethods: readonly QuantizationMethod[] = registry.all();

/** The method called `name`, or a typed error listing the registered ones. */
export function quantizationMethod(name: string): QuantizationMethod {
  return registry.get(name);
}
