/**
 * The registry of structured (channel) pruning criteria: `slimnet prune --method NAME`, `structuredPrune` and
 * `slimnet sensitivity` look criteria up here. A criterion makes a fresh importance scorer from its checked
 * options; one that trains first (SSL, network slimming) says so with `prepare`, run once before the first step.
 */
import type { Dataset } from '../../../data/types.js';
import { SlimnetError } from '../../../ir/errors.js';
import type { Model } from '../../../ir/graph.js';
import type { TrainOptions } from '../../../train/types.js';
import { defineOptions, type OptionSpecs, type OptionValues } from '../../options.js';
import { Registry, type MethodEntry } from '../../registry.js';
import { claimPruningName } from '../common/names.js';
import { buildDependencyGraph } from './dependency.js';
import { apozImportance } from './importance/apoz.js';
import { bnScaleImportance, magnitudeImportance } from './importance/magnitude.js';
import { taylorImportance } from './importance/taylor.js';
import { ThiNetImportance } from './importance/thinet.js';
import type { Importance } from './importance/types.js';
import { sparsityTrain, sslImportance } from './sparsity.js';

/** What a criterion's `prepare` hook gets: data, the training settings of the run, progress. */
export interface PrepareContext<S extends OptionSpecs = OptionSpecs> {
  readonly options: OptionValues<S>;
  /** The run's data (absent when the caller gave none: a criterion that needs it says so). */
  readonly dataset?: Dataset;
  /** The training settings of the run's `train()` calls. */
  readonly train: Partial<Omit<TrainOptions, 'model' | 'dataset' | 'epochs' | 'hooks'>>;
  readonly log: (message: string) => void;
}

/** A channel importance criterion: options declared once, a scorer, and an optional training stage first. */
export interface StructuredCriterion<S extends OptionSpecs = OptionSpecs> extends MethodEntry<S> {
  /** A fresh scorer. */
  importance(options: OptionValues<S>): Importance;
  /** Runs once on the unpruned model before the first step and returns the model to prune (e.g. sparsity training). */
  prepare?(model: Model, ctx: PrepareContext<S>): Promise<Model>;
}

/** A criterion whose hooks see their options typed from the `options` schema. */
export function defineCriterion<const S extends OptionSpecs>(c: StructuredCriterion<S>): StructuredCriterion {
  return c as unknown as StructuredCriterion;
}

/**
 * The options of the removal policy, shared by every criterion (`slimnet prune --options`; the library takes them as
 * StructuredPruneOptions fields). None has a default here: structuredPrune's own defaults apply.
 */
export const POLICY_OPTIONS = defineOptions({
  ranking: { type: 'string', choices: ['local', 'global'], description: 'rank channels per group or across groups' },
  roundTo: {
    type: 'integer', min: 1,
    description: "kept channels a multiple of N (onnxruntime's conv kernels gain most from multiples of 8 / 16)",
  },
  alignTo: {
    type: 'integer', min: 1,
    description: "kept counts >= N a multiple of N (16 keeps onnxruntime's AVX-512 NCHWc kernels, 8 its AVX2 ones)",
  },
  minChannels: { type: 'integer', min: 1, description: 'channels every group keeps at least' },
  threshold: { type: 'number', description: 'remove channels scoring below this (instead of a ratio)' },
  calibrationSamples: { type: 'integer', min: 1, description: 'samples of data-driven criteria (default 256)' },
  exclude: { type: 'string', placeholder: 'G1;G2', description: 'groups left unpruned, separated by ;' },
});

const SPARSITY = defineOptions({
  sparsityEpochs: { type: 'integer', min: 0, default: 1, description: 'epochs of sparsity training before pruning' },
  coefficient: { type: 'number', min: 0, default: 1e-4, description: 'coefficient of the sparsity term' },
});

/** SSL and slimming: train with a sparsity term (group lasso / L1 on BatchNorm γ), then score. */
function sparsityCriterion(
  kind: 'ssl' | 'slimming', summary: string, importance: () => Importance,
): StructuredCriterion {
  return defineCriterion({
    name: kind, summary, options: SPARSITY, importance,
    async prepare(model, ctx) {
      const { dataset } = ctx;
      if (dataset === undefined) {
        throw new SlimnetError('INVALID_ARGUMENT', `criterion '${kind}' trains first and needs a dataset`);
      }
      ctx.log(`${kind}: sparsity training`);
      return sparsityTrain(buildDependencyGraph(model), {
        ...ctx.train, kind, dataset, epochs: ctx.options.sparsityEpochs, coefficient: ctx.options.coefficient,
      });
    },
  });
}

const builtins: readonly StructuredCriterion[] = [
  defineCriterion({ name: 'l1', summary: 'L1 norm of each channel\'s filters (Li et al. 2017)', options: {},
    importance: () => magnitudeImportance({ p: 1 }) }),
  defineCriterion({ name: 'l2', summary: 'L2 norm of each channel\'s filters', options: {},
    importance: () => magnitudeImportance({ p: 2 }) }),
  defineCriterion({ name: 'apoz', summary: 'average percentage of zero activations (Hu et al. 2016; data)', options: {},
    importance: () => apozImportance() }),
  defineCriterion({
    name: 'taylor', summary: 'first-order Taylor |activation × gradient| (Molchanov et al. 2017; data)', options: {},
    importance: () => taylorImportance(),
  }),
  defineCriterion({ name: 'thinet', summary: 'ThiNet: greedy next-layer reconstruction, consumers rescaled (data)',
    options: {}, importance: () => new ThiNetImportance() }),
  defineCriterion({ name: 'bn-scale', summary: 'BatchNorm scale |γ| of each channel', options: {},
    importance: () => bnScaleImportance() }),
  sparsityCriterion('ssl', 'structured sparsity learning: group-lasso training, then channel norms (Wen et al. 2016)',
    sslImportance),
  sparsityCriterion('slimming', 'network slimming: L1 on BatchNorm γ during training, then |γ| (Liu et al. 2017)',
    () => ({ ...bnScaleImportance(), name: 'slimming' })),
];

const registry = new Registry<StructuredCriterion>('structured pruning', (c) => claimPruningName(c.name, 'structured'));

/** Adds a criterion (one line per criterion); a duplicate name, or one an unstructured method has, throws. */
export function registerCriterion(c: StructuredCriterion): StructuredCriterion {
  return registry.register(c);
}

for (const c of builtins) registerCriterion(c);

/** The registered criteria, in --help order (a live view of the registry). */
export const structuredCriteria: readonly StructuredCriterion[] = registry.all();

/** The criterion called `name`, or a typed error listing the registered ones. */
export function structuredCriterion(name: string): StructuredCriterion {
  return registry.get(name);
}

/** True when `name` is a registered criterion. */
export function isCriterion(name: string): boolean {
  return registry.has(name);
}
