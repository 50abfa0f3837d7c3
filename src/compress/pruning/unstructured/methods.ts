/**
 * The registry of unstructured pruning methods, so the CLI and the bench can pick one by name. Each method
 * turns (model, target sparsity, data, retraining options, free-form options) into a PruneResult; methods
 * that retrain as part of their schedule (iterative, agp, l1-reg, l2-reg) say so with `retrains`.
 */
import type { Dataset } from '../../../data/types.js';
import { SlimnetError } from '../../../ir/errors.js';
import {
  defineOptions, resolveOptions, type AnyOptionValues, type OptionSpecs, type OptionValues, type RawOptions,
} from '../../options.js';
import { Registry, type MethodEntry } from '../../registry.js';
import { claimPruningName } from '../common/names.js';
import type { Model } from '../../../ir/graph.js';
import { dataFreePrune } from './data-free.js';
import { lobsPrune } from './lobs.js';
import { obdPrune } from './obd.js';
import { regularizedPrune } from './regularized.js';
import { agpPrune, iterativePrune, magnitudeStep, type PruneStep } from './retrain.js';
import type { PruneResult, RetrainOptions, SparsityTarget } from './types.js';

/**
 * What an unstructured pruning method receives: the target sparsity, the loaded data and retraining settings when the
 * run has them, and its checked options.
 */
export interface MethodContext<S extends OptionSpecs = OptionSpecs> {
  /** Target sparsity of the prunable weights (for data-free: fraction of hidden FC units removed). */
  readonly sparsity: SparsityTarget;
  /** Loaded data (training split for curvature, retraining inside schedules); absent for weight-only runs. */
  readonly data?: Dataset;
  /** How the method retrains when its schedule includes training; absent for weight-only runs. */
  readonly retrain?: RetrainOptions;
  /** The method's options, checked against its schema (see effectiveMethodOptions). */
  readonly options: OptionValues<S>;
}

/** What a one-shot criterion's step sees (its schedule sets the sparsity of each step). */
export type StepContext<S extends OptionSpecs = OptionSpecs> = Omit<MethodContext<S>, 'sparsity'>;

/** An unstructured pruning method: options declared once (flags, help and validation derive from them). */
export interface UnstructuredMethod<S extends OptionSpecs = OptionSpecs> extends MethodEntry<S> {
  /** True when the method trains as part of its schedule (the pipeline still fine-tunes afterwards). */
  readonly retrains: boolean;
  /** True when the method reads only the weights (no data, no training): it runs on unlabelled feeds, or none. */
  readonly weightOnly?: boolean;
  /** One-shot criteria: the pruning step used inside iterative / AGP schedules ('criterion' option). */
  step?(ctx: StepContext<S>): PruneStep;
  run(model: Model, ctx: MethodContext<S>): Promise<PruneResult>;
}

/** An unstructured method whose `run` / `step` see their options typed from the `options` schema. */
export function defineUnstructuredMethod<const S extends OptionSpecs>(m: UnstructuredMethod<S>): UnstructuredMethod {
  return m as unknown as UnstructuredMethod;
}

/** The context's data and retraining options, or a typed error: method `name` needs a labelled data set. */
function needsData(c: StepContext, name: string): { data: Dataset; retrain: RetrainOptions } {
  if (c.data === undefined || c.retrain === undefined) {
    throw new SlimnetError('INVALID_ARGUMENT', `pruning method '${name}' needs a labelled data set (training data for `
      + `its criterion or retraining); 'magnitude' and 'data-free' read only the weights`);
  }
  return { data: c.data, retrain: c.retrain };
}

/**
 * The default scope of magnitude-based pruning: one global |w| threshold for a single target (measured on
 * LeNet-5, 92 %: per-layer scope leaves conv1 40 of its 500 weights and costs +0.8 pp after 3 fine-tuning
 * epochs, the global threshold −0.1 pp; bench/results/prune.md), per layer for a per-layer map.
 */
export function defaultScope(sparsity: SparsityTarget): 'layer' | 'global' {
  return typeof sparsity === 'number' ? 'global' : 'layer';
}

/** The pruning step of a one-shot criterion, for iterative / AGP schedules. */
function criterionStep(name: string, c: StepContext): PruneStep {
  const m = unstructuredMethod(name);
  if (m.step === undefined) {
    const known = registry.all().filter((x) => x.step !== undefined).map((x) => x.name);
    throw new SlimnetError('INVALID_ARGUMENT', `'${name}' cannot be the pruning step of a schedule (use ${known.join(', ')})`);
  }
  return m.step(c);
}

const SCOPE = defineOptions({
  scope: {
    type: 'string', choices: ['layer', 'global'],
    description: "'layer' (each layer at the target) or 'global' (one threshold); default global for one target, "
      + 'layer for a per-layer map',
  },
});
const NORMALIZE = defineOptions({
  normalize: {
    type: 'boolean', default: false,
    description: "global scope: compare |w| / std(layer), i.e. Han's quality × std threshold",
  },
});
const CRITERION = defineOptions({
  criterion: {
    type: 'string', default: 'magnitude',
    description: "pruning step: 'magnitude', 'obd' or 'obs' (their options apply)",
  },
});

/** Magnitude pruning steps; the scope default follows each step's target (see defaultScope). */
const magnitude = (c: StepContext<typeof SCOPE & typeof NORMALIZE>): PruneStep => (model, sparsity, previous) =>
  magnitudeStep({ scope: c.options.scope ?? defaultScope(sparsity), normalizeByStd: c.options.normalize === true })(
    model, sparsity, previous);

const builtins: UnstructuredMethod[] = [
  defineUnstructuredMethod({
    name: 'magnitude', retrains: false, weightOnly: true,
    summary: 'Han et al. 2015: remove the smallest |w| (layer-wise or one global threshold)',
    options: { ...SCOPE, ...NORMALIZE },
    step: (c) => magnitude(c),
    run: async (model, c) => magnitude(c)(model, c.sparsity, undefined),
  }),
  defineUnstructuredMethod({
    name: 'iterative', retrains: true,
    summary: 'Han et al. 2015: cycles of pruning to increasing sparsity, each retrained with masks',
    options: {
      cycles: { type: 'integer', min: 1, default: 3, description: 'prune → retrain cycles' },
      epochsPerCycle: { type: 'integer', min: 0, default: 1, description: 'retraining epochs per cycle' },
      ...CRITERION, ...SCOPE, ...NORMALIZE,
    },
    run: (model, c) => iterativePrune(model, {
      sparsity: c.sparsity, cycles: c.options.cycles, epochsPerCycle: c.options.epochsPerCycle,
      retrain: needsData(c, 'iterative').retrain, step: criterionStep(c.options.criterion, c),
    }),
  }),
  defineUnstructuredMethod({
    name: 'agp', retrains: true,
    summary: 'Zhu & Gupta 2017 gradual pruning, cubic schedule, masks updated every Δt epochs',
    options: {
      steps: { type: 'integer', min: 1, default: 4, description: 'pruning steps n' },
      frequency: { type: 'number', min: 0, default: 1, description: 'Δt in epochs' },
      initial: { type: 'number', min: 0, max: 1, default: 0, description: 'initial sparsity' },
      recoveryEpochs: { type: 'integer', min: 0, default: 1, description: 'epochs at the final sparsity' },
      ...CRITERION, ...SCOPE, ...NORMALIZE,
    },
    run: (model, c) => agpPrune(model, {
      sparsity: c.sparsity, steps: c.options.steps, frequency: c.options.frequency, initialSparsity: c.options.initial,
      recoveryEpochs: c.options.recoveryEpochs, retrain: needsData(c, 'agp').retrain,
      step: criterionStep(c.options.criterion, c),
    }),
  }),
  ...(['l1', 'l2'] as const).map((penalty) => defineUnstructuredMethod({
    name: `${penalty}-reg`, retrains: true,
    summary: `${penalty.toUpperCase()}-regularized training of the weights, then magnitude pruning`,
    options: {
      coefficient: {
        type: 'number', min: 0, default: penalty === 'l1' ? 1e-5 : 1e-4, description: 'penalty coefficient',
      },
      epochs: { type: 'integer', min: 0, default: 1, description: 'regularized epochs' },
      ...SCOPE, ...NORMALIZE,
    },
    run: (model, c) => regularizedPrune(model, {
      penalty, coefficient: c.options.coefficient, epochs: c.options.epochs, sparsity: c.sparsity,
      scope: c.options.scope ?? defaultScope(c.sparsity), normalizeByStd: c.options.normalize,
      retrain: needsData(c, `${penalty}-reg`).retrain,
    }),
  })),
  defineUnstructuredMethod({
    name: 'obd', retrains: false,
    summary: 'Optimal Brain Damage: saliency ½·h·w² with the Gauss-Newton diagonal measured on data',
    options: {
      samples: { type: 'integer', min: 1, default: 512, description: 'samples for the curvature' },
      batchSize: {
        type: 'integer', min: 1, default: 1, description: "samples per gradient, 'sampled' / 'empirical' labels",
      },
      labels: {
        type: 'string', choices: ['exact', 'sampled', 'empirical'], default: 'exact',
        description: "'exact' (GGN diagonal summed over classes), 'sampled' (one label drawn per sample) or "
          + "'empirical'",
      },
      ...SCOPE,
    },
    step: (c) => {
      const { data, retrain } = needsData(c, 'obd');
      return (model, sparsity, previous) => obdPrune(model, data.train, {
        sparsity, scope: c.options.scope ?? defaultScope(sparsity), samples: c.options.samples,
        batchSize: c.options.batchSize, labels: c.options.labels,
        seed: retrain.seed ?? 0, ...(retrain.threads === undefined ? {} : { threads: retrain.threads }),
        ...(previous === undefined ? {} : { previous }),
      });
    },
    run: (model, c) => criterionStep('obd', c)(model, c.sparsity, undefined),
  }),
  defineUnstructuredMethod({
    name: 'obs', retrains: false,
    summary: 'Layer-wise OBS (Dong et al. 2017) on Conv / FC layers (im2col inputs for conv) with the OBS weight update',
    options: {
      samples: { type: 'integer', min: 1, default: 1024, description: 'samples for the layer Hessians' },
      damping: { type: 'number', min: 0, default: 1e-2, description: 'relative damping' },
      steps: { type: 'integer', min: 1, default: 8, description: 'removal batches per layer' },
      scope: {
        type: 'string', choices: ['layer', 'global'], default: 'layer',
        description: "'layer' (each layer at the target) or 'global' (per-layer targets from one magnitude threshold)",
      },
      ...NORMALIZE,
    },
    step: (c) => (model, sparsity) => lobsPrune(model, needsData(c, 'obs').data.train, {
      sparsity, scope: c.options.scope, normalizeByStd: c.options.normalize, samples: c.options.samples,
      damping: c.options.damping, steps: c.options.steps,
      ...(c.retrain?.threads === undefined ? {} : { threads: c.retrain.threads }),
    }),
    run: (model, c) => criterionStep('obs', c)(model, c.sparsity, undefined),
  }),
  defineUnstructuredMethod({
    name: 'data-free', retrains: false, weightOnly: true,
    summary: 'Srinivas & Babu 2015: merge similar hidden FC units (physically removed), no data; sparsity = fraction of units',
    options: {},
    run: async (model, c) => dataFreePrune(model, { ratio: c.sparsity }),
  }),
];

const registry = new Registry<UnstructuredMethod>('unstructured pruning',
  (m) => claimPruningName(m.name, 'unstructured'));

/** Adds a method (one line per method); a name already registered throws. */
export function registerUnstructuredMethod(m: UnstructuredMethod): void {
  registry.register(m);
}

for (const m of builtins) registerUnstructuredMethod(m);

/** The registered methods, in --help order (a live view of the registry). */
export const unstructuredMethods: readonly UnstructuredMethod[] = registry.all();

/**
 * The options a run of method `name` uses: `raw` checked against the method's schema (a schedule's `criterion`
 * brings that criterion's options along: iterative with criterion=obd reads obd's samples...), defaults filled in,
 * and the scope default of `sparsity`. An unknown key is an INVALID_ARGUMENT error listing the valid ones (a
 * misspelt option would otherwise be ignored and the run would use its default).
 */
export function effectiveMethodOptions(name: string, raw: RawOptions, sparsity: SparsityTarget): AnyOptionValues {
  const m = unstructuredMethod(name);
  const criterion = raw['criterion'] ?? m.options['criterion']?.default;
  const step = Object.hasOwn(m.options, 'criterion') && typeof criterion === 'string' && registry.has(criterion)
    ? registry.get(criterion) : undefined;
  const o = resolveOptions(`pruning method '${name}'`, { ...m.options, ...step?.options }, raw);
  return Object.hasOwn(o, 'scope') && o['scope'] === undefined ? { ...o, scope: defaultScope(sparsity) } : o;
}

/** The method called `name`, or an error listing the known ones. */
export function unstructuredMethod(name: string): UnstructuredMethod {
  return registry.get(name);
}
