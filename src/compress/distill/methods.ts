/** The distillation registry: `slimnet distill --method NAME` and `distill()` look methods up here. */
import { Registry } from '../registry.js';
import { atMethod, type AtOptions } from './at.js';
import { fitnetsMethod, type FitnetsOptions } from './fitnets.js';
import { kdMethod, type KdOptions } from './kd.js';
import type { DistillMethod } from './types.js';

/** Options of `distill`, tagged by method. */
export type DistillOptions = KdOptions | FitnetsOptions | AtOptions;

const registry = new Registry<DistillMethod>('distillation');
for (const m of [kdMethod, fitnetsMethod, atMethod]) registry.register(m);

/** Adds a distillation method to `slimnet distill --method` and `distill()`; returns it. */
export function registerDistillMethod(m: DistillMethod): DistillMethod {
  return registry.register(m);
}

/** Every registered distillation method, in --help order (a live view of the registry). */
export const distillationMethods: readonly DistillMethod[] = registry.all();

/** The distillation method called `name`, or a typed error listing the registered ones. */
export function distillationMethod(name: string): DistillMethod {
  return registry.get(name);
}
