/** The distillation methods, registered once here (one line per method). */
import { describeAt, runAt, type AtOptions } from './at.js';
import { describeFitnets, runFitnets, type FitnetsOptions } from './fitnets.js';
import { describeKd, runKd, type KdOptions } from './kd.js';
import type { DistillSetup, StageResult } from './stage.js';

/** Options of `distill`, tagged by method. */
export type DistillOptions = KdOptions | FitnetsOptions | AtOptions;

/** The distillation method names ('kd', 'fitnets', 'at'). */
export type DistillMethodName = DistillOptions['method'];

/** A distillation method of the registry: description, whether it uses logits, and its run and describe functions. */
export interface DistillMethod<O extends DistillOptions> {
  readonly description: string;
  /** Whether the method compares teacher and student logits (both need the same classes). */
  readonly usesLogits: (o: O) => boolean;
  readonly run: (s: DistillSetup, o: O) => Promise<StageResult>;
  /** The method's own settings in words, defaults filled in (printed by the command). */
  readonly describe: (s: DistillSetup, o: O) => string;
}

/** The distillation methods by name. */
export const distillMethods: { readonly [M in DistillMethodName]: DistillMethod<Extract<DistillOptions, { method: M }>> } = {
  kd: {
    description: 'Hinton soft targets (temperature T, weight alpha)', usesLogits: () => true, run: runKd, describe: describeKd,
  },
  fitnets: {
    description: 'FitNets: hint layer + regressor (stage 1), then soft targets (stage 2)',
    usesLogits: () => true, run: runFitnets, describe: describeFitnets,
  },
  at: {
    description: 'attention transfer on spatial attention maps of paired layers',
    usesLogits: (o) => (o.alpha ?? 0) > 0, run: runAt, describe: describeAt,
  },
};

/** Names of the distillation methods: kd, fitnets, at. */
export const DISTILL_METHOD_NAMES = Object.keys(distillMethods) as DistillMethodName[];
