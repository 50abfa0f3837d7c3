/**
 * The registry of unstructured pruning methods, so the CLI and the bench can pick one by name. Each method
 * turns (model, target sparsity, data, retraining options, free-form options) into a PruneResult; methods
 * that retrain as part of their schedule (iterative, agp, l1, l2) say so with `retrains`.
 */
import type { Dataset } from '../../../data/types.js';
import { SlimnetError } from '../../../ir/errors.js';
import { Registry } from '../../registry.js';
import type { Model } from '../../../ir/graph.js';
import { dataFreePrune } from './data-free.js';
import { lobsPrune } from './lobs.js';
import { obdPrune } from './obd.js';
import { regularizedPrune } from './regularized.js';
import { agpPrune, iterativePrune, magnitudeStep, type PruneStep } from './retrain.js';
import type { PruneResult, RetrainOptions, SparsityTarget } from './types.js';

/** Free-form method options (from the command line): numbers, strings, flags. */
export type MethodOptions = Readonly<Record<string, number | string | boolean>>;

export interface MethodContext {
  /** Target sparsity of the prunable weights (for data-free: fraction of hidden FC units removed). */
  readonly sparsity: SparsityTarget;
  /** Loaded data (training split for curvature, retraining inside schedules); absent for weight-only runs. */
  readonly data?: Dataset;
  /** How the method retrains when its schedule includes training; absent for weight-only runs. */
  readonly retrain?: RetrainOptions;
  /** Method-specific options (see each method's `options` description). */
  readonly options: MethodOptions;
}

export interface UnstructuredMethod {
  readonly name: string;
  /** One line for --help. */
  readonly summary: string;
  /** Option names and meanings, for --help. */
  readonly options: Readonly<Record<string, string>>;
  /** True when the method trains as part of its schedule (the pipeline still fine-tunes afterwards). */
  readonly retrains: boolean;
  /** True when the method reads only the weights (no data, no training): it runs on unlabelled feeds, or none. */
  readonly weightOnly?: boolean;
  /** One-shot criteria: the pruning step used inside iterative / AGP schedules ('criterion' option). */
  readonly step?: (ctx: Omit<MethodContext, 'sparsity'>) => PruneStep;
  readonly run: (model: Model, ctx: MethodContext) => Promise<PruneResult>;
  /**
   * The option values used when an option is not given, for a sparsity target (the scope default depends on
   * whether the target is one number or a per-layer map), so commands can print the settings in effect.
   */
  readonly defaults?: (sparsity: SparsityTarget) => MethodOptions;
}

/** The context's data and retraining options, or a typed error: method `name` needs a labelled data set. */
function needsData(c: Omit<MethodContext, 'sparsity'>, name: string): { data: Dataset; retrain: RetrainOptions } {
  if (c.data === undefined || c.retrain === undefined) {
    throw new SlimnetError('INVALID_ARGUMENT', `pruning method '${name}' needs a labelled data set (training data for `
      + `its criterion or retraining); 'magnitude' and 'data-free' read only the weights`);
  }
  return { data: c.data, retrain: c.retrain };
}

function num(o: MethodOptions, key: string, fallback: number): number {
  const v = o[key];
  if (v === undefined) return fallback;
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isFinite(n)) throw new SlimnetError('INVALID_ARGUMENT', `option '${key}' must be a number, got '${String(v)}'`);
  return n;
}

function flag(o: MethodOptions, key: string, fallback: boolean): boolean {
  const v = o[key];
  if (v === undefined) return fallback;
  if (v === true || v === 'true' || v === 1) return true;
  if (v === false || v === 'false' || v === 0) return false;
  throw new SlimnetError('INVALID_ARGUMENT', `option '${key}' must be true or false, got '${String(v)}'`);
}

/**
 * The default scope of magnitude-based pruning: one global |w| threshold for a single target (measured on
 * LeNet-5, 92 %: per-layer scope leaves conv1 40 of its 500 weights and costs +0.8 pp after 3 fine-tuning
 * epochs, the global threshold −0.1 pp; bench/results/prune.md), per layer for a per-layer map.
 */
export function defaultScope(sparsity: SparsityTarget): 'layer' | 'global' {
  return typeof sparsity === 'number' ? 'global' : 'layer';
}

function scope(o: MethodOptions, fallback: 'layer' | 'global'): 'layer' | 'global' {
  const v = o['scope'] ?? fallback;
  if (v !== 'layer' && v !== 'global') throw new SlimnetError('INVALID_ARGUMENT', `option 'scope' must be 'layer' or 'global', got '${String(v)}'`);
  return v;
}

/** The pruning step of a one-shot criterion, for iterative / AGP schedules. */
function criterionStep(name: string, c: Omit<MethodContext, 'sparsity'>): PruneStep {
  const m = unstructuredMethod(name);
  if (m.step === undefined) {
    const known = Object.values(registry).filter((x) => x.step !== undefined).map((x) => x.name);
    throw new SlimnetError('INVALID_ARGUMENT', `'${name}' cannot be the pruning step of a schedule (use ${known.join(', ')})`);
  }
  return m.step(c);
}

const SCOPE = "'layer' (each layer at the target) or 'global' (one threshold)";
const GLOBAL_DEFAULT = 'default global for one target, layer for a per-layer map';
const NORMALIZE = 'global scope: compare |w| / std(layer), i.e. Han\'s quality × std threshold (default false)';
const CRITERION = "pruning step: 'magnitude' (default), 'obd' or 'lobs' (their options apply)";

/** Magnitude pruning steps; the scope default follows each step's target (see defaultScope). */
const magnitude = (c: Omit<MethodContext, 'sparsity'>): PruneStep => (model, sparsity, previous) => {
  const normalizeByStd = flag(c.options, 'normalize', false);
  return magnitudeStep({ scope: scope(c.options, defaultScope(sparsity)), normalizeByStd })(model, sparsity, previous);
};

/** Defaults of the magnitude scope options. */
const magnitudeDefaults = (s: SparsityTarget): MethodOptions => ({ scope: defaultScope(s), normalize: false });

const builtins: UnstructuredMethod[] = [
  {
    name: 'magnitude', retrains: false, weightOnly: true,
    summary: 'Han et al. 2015: remove the smallest |w| (layer-wise or one global threshold)',
    options: { scope: `${SCOPE}; ${GLOBAL_DEFAULT}`, normalize: NORMALIZE },
    defaults: magnitudeDefaults,
    step: (c) => magnitude(c),
    run: (model, c) => magnitude(c)(model, c.sparsity, undefined),
  },
  {
    name: 'iterative', retrains: true,
    summary: 'Han et al. 2015: cycles of pruning to increasing sparsity, each retrained with masks',
    options: {
      cycles: 'prune → retrain cycles (default 3)', epochsPerCycle: 'retraining epochs per cycle (default 1)',
      criterion: CRITERION,
      scope: `${SCOPE}; ${GLOBAL_DEFAULT}`, normalize: NORMALIZE,
    },
    defaults: (s) => ({ cycles: 3, epochsPerCycle: 1, criterion: 'magnitude', ...magnitudeDefaults(s) }),
    run: (model, c) => iterativePrune(model, {
      sparsity: c.sparsity, cycles: num(c.options, 'cycles', 3), epochsPerCycle: num(c.options, 'epochsPerCycle', 1),
      retrain: needsData(c, 'iterative').retrain,
      step: criterionStep(String(c.options['criterion'] ?? 'magnitude'), c),
    }),
  },
  {
    name: 'agp', retrains: true,
    summary: 'Zhu & Gupta 2017 gradual pruning, cubic schedule, masks updated every Δt epochs',
    options: {
      steps: 'pruning steps n (default 4)', frequency: 'Δt in epochs (default 1)', initial: 'initial sparsity (default 0)', recoveryEpochs: 'epochs at the final sparsity (default 1)',
      criterion: CRITERION, scope: `${SCOPE}; ${GLOBAL_DEFAULT}`, normalize: NORMALIZE,
    },
    defaults: (s) => ({
      steps: 4, frequency: 1, initial: 0, recoveryEpochs: 1, criterion: 'magnitude', ...magnitudeDefaults(s),
    }),
    run: (model, c) => agpPrune(model, {
      sparsity: c.sparsity, steps: num(c.options, 'steps', 4), frequency: num(c.options, 'frequency', 1), initialSparsity: num(c.options, 'initial', 0),
      recoveryEpochs: num(c.options, 'recoveryEpochs', 1), retrain: needsData(c, 'agp').retrain, step: criterionStep(String(c.options['criterion'] ?? 'magnitude'), c),
    }),
  },
  ...(['l1', 'l2'] as const).map((penalty): UnstructuredMethod => ({
    name: penalty, retrains: true,
    summary: `${penalty.toUpperCase()}-regularized training of the weights, then magnitude pruning`,
    options: {
      coefficient: `penalty coefficient (default ${penalty === 'l1' ? '1e-5' : '1e-4'})`,
      epochs: 'regularized epochs (default 1)',
      scope: `${SCOPE}; ${GLOBAL_DEFAULT}`, normalize: NORMALIZE,
    },
    defaults: (s) => ({ coefficient: penalty === 'l1' ? 1e-5 : 1e-4, epochs: 1, ...magnitudeDefaults(s) }),
    run: (model, c) => regularizedPrune(model, {
      penalty, coefficient: num(c.options, 'coefficient', penalty === 'l1' ? 1e-5 : 1e-4), epochs: num(c.options, 'epochs', 1),
      sparsity: c.sparsity, scope: scope(c.options, defaultScope(c.sparsity)),
      normalizeByStd: flag(c.options, 'normalize', false),
      retrain: needsData(c, penalty).retrain,
    }),
  })),
  {
    name: 'obd', retrains: false,
    summary: 'Optimal Brain Damage: saliency ½·h·w² with the Gauss-Newton diagonal measured on data',
    options: {
      samples: 'samples for the curvature (default 512)', batchSize: "samples per gradient, 'sampled' / 'empirical' labels (default 1)",
      labels: "'exact' (GGN diagonal summed over classes, default), 'sampled' (one label drawn per sample) or "
        + "'empirical'",
      scope: `${SCOPE}; ${GLOBAL_DEFAULT}`,
    },
    defaults: (s) => ({ samples: 512, batchSize: 1, labels: 'exact', scope: defaultScope(s) }),
    step: (c) => {
      const labels = c.options['labels'] ?? 'exact';
      if (labels !== 'exact' && labels !== 'sampled' && labels !== 'empirical') {
        throw new SlimnetError('INVALID_ARGUMENT', `option 'labels' must be 'exact', 'sampled' or 'empirical', got '${String(labels)}'`);
      }
      const { data, retrain } = needsData(c, 'obd');
      return (model, sparsity, previous) => obdPrune(model, data.train, {
        sparsity, scope: scope(c.options, defaultScope(sparsity)), samples: num(c.options, 'samples', 512),
        batchSize: num(c.options, 'batchSize', 1), labels,
        seed: retrain.seed ?? 0, ...(retrain.threads === undefined ? {} : { threads: retrain.threads }),
        ...(previous === undefined ? {} : { previous }),
      });
    },
    run: (model, c) => criterionStep('obd', c)(model, c.sparsity, undefined),
  },
  {
    name: 'lobs', retrains: false,
    summary: 'Layer-wise OBS (Dong et al. 2017) on Conv / FC layers (im2col inputs for conv) with the OBS weight update',
    options: {
      samples: 'samples for the layer Hessians (default 1024)', damping: 'relative damping (default 0.01)', steps: 'removal batches per layer (default 8)',
      scope: `${SCOPE} (global: per-layer targets from one magnitude threshold); default layer`, normalize: NORMALIZE,
    },
    defaults: () => ({ samples: 1024, damping: 1e-2, steps: 8, scope: 'layer', normalize: false }),
    step: (c) => (model, sparsity) => lobsPrune(model, needsData(c, 'lobs').data.train, {
      sparsity, scope: scope(c.options, 'layer'), normalizeByStd: flag(c.options, 'normalize', false), samples: num(c.options, 'samples', 1024), damping: num(c.options, 'damping', 1e-2), steps: num(c.options, 'steps', 8),
      ...(c.retrain?.threads === undefined ? {} : { threads: c.retrain.threads }),
    }),
    run: (model, c) => criterionStep('lobs', c)(model, c.sparsity, undefined),
  },
  {
    name: 'data-free', retrains: false, weightOnly: true,
    summary: 'Srinivas & Babu 2015: merge similar hidden FC units (physically removed), no data; sparsity = fraction of units',
    options: {},
    defaults: () => ({}),
    run: async (model, c) => dataFreePrune(model, { ratio: c.sparsity }),
  },
];

const registry = new Registry<UnstructuredMethod>('unstructured pruning');

/** Adds a method (one line per method); a name already registered throws. */
export function registerUnstructuredMethod(m: UnstructuredMethod): void {
  registry.register(m);
}

for (const m of builtins) registerUnstructuredMethod(m);

/** The registered methods, in --help order (a live view of the registry). */
export const unstructuredMethods: readonly UnstructuredMethod[] = registry.all();

/**
 * The options a run of method `name` uses: `options` over the method's defaults for `sparsity` (for printing
 * the settings in effect; a method without `defaults` gives `options` unchanged).
 */
export function effectiveMethodOptions(name: string, options: MethodOptions, sparsity: SparsityTarget): MethodOptions {
  checkMethodOptions(name, options);
  return { ...unstructuredMethod(name).defaults?.(sparsity), ...options };
}

/**
 * Throws INVALID_ARGUMENT, listing the valid keys, when `options` has a key method `name` does not read (a
 * misspelt option would otherwise be ignored and the run would use its default). A schedule's `criterion`
 * brings that criterion's options along (iterative with criterion=obd reads obd's samples...).
 */
export function checkMethodOptions(name: string, options: MethodOptions): void {
  const m = unstructuredMethod(name);
  const criterion = options['criterion'];
  const known = typeof criterion === 'string' && Object.hasOwn(m.options, 'criterion') && registry.has(criterion);
  const step = known ? registry.get(criterion) : undefined;
  const valid = [...new Set([...Object.keys(m.options), ...Object.keys(step?.options ?? {})])];
  const unknown = Object.keys(options).filter((k) => !valid.includes(k));
  if (unknown.length === 0) return;
  throw new SlimnetError(
    'INVALID_ARGUMENT',
    `unknown option ${unknown.map((k) => `'${k}'`).join(', ')} for pruning method '${name}' `
      + `(valid: ${valid.length === 0 ? 'none' : valid.join(', ')})`,
  );
}

/** The method called `name`, or an error listing the known ones. */
export function unstructuredMethod(name: string): UnstructuredMethod {
  return registry.get(name);
}
