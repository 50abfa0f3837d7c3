/**
 * Pruning with retraining through `train()` (masks keep pruned weights exactly zero):
 *  - finetune: one masked training run;
 *  - iterativePrune (Han et al. 2015): cycles of pruning to increasing sparsity, each followed by masked
 *    retraining; earlier zeros stay pruned. The pruning step is magnitude by default and can be any
 *    `PruneStep` (OBD, layer-wise OBS...), so "iterative OBD" is the same loop. Each cycle's retraining
 *    runs the retraining schedule afresh (e.g. a cosine decay per cycle);
 *  - agpPrune (Zhu & Gupta 2017) at epoch granularity: before each epoch the masks are recomputed at the
 *    AGP sparsity for that epoch and one short `train()` run of Δt epochs follows (the paper updates masks
 *    every Δt optimizer steps; here Δt counts epochs), then `recoveryEpochs` at the final sparsity. The
 *    learning-rate schedule spans the whole AGP run: each segment follows a cosine arc between the
 *    schedule's rates at its start and end.
 */
import { isSlimnetError } from '../../../ir/errors.js';
import type { Model } from '../../../ir/graph.js';
import { learningRate } from '../../../train/schedule.js';
import { train } from '../../../train/trainer.js';
import type { TrainHooks, TrainOptions } from '../../../train/types.js';
import { prunableWeights, type PrunableOptions } from '../common/prunable.js';
import { applyMasks, sparsityStats, type Masks } from '../common/sparsity.js';
import { magnitudeMasks } from './magnitude.js';
import { agpSparsity, iterativeSparsities, type AgpSchedule } from './schedule.js';
import type { PruneResult, RetrainOptions, SparsityTarget } from './types.js';

/** Extra settings of one retraining run. */
export interface FinetuneExtra {
  /** Offset added to the retraining seed (so successive runs see different batch orders). */
  readonly seedOffset?: number;
  /** Hooks added to the masks (regularizer terms...). */
  readonly hooks?: TrainHooks;
  /** Run with a cosine arc from `lrRange[0]` to `lrRange[1]` instead of the retraining schedule. */
  readonly lrRange?: readonly [number, number];
}

/** How often a diverged retraining run is restarted at half the learning rate before the error is passed on. */
export const DIVERGENCE_RETRIES = 2;

/**
 * Trains `model` for `epochs` with `masks` (plus any extra hooks); returns the trained model. A run whose loss
 * becomes NaN / Inf (TRAINING_DIVERGED) is restarted from `model` at half the learning rate, at most
 * DIVERGENCE_RETRIES times, each restart reported through `o.onWarning`.
 */
export async function finetune(model: Model, masks: Readonly<Masks>, epochs: number, o: RetrainOptions, extra: FinetuneExtra = {}): Promise<Model> {
  if (epochs <= 0) return model;
  let scale = 1;
  for (let attempt = 0; ; attempt++) {
    try {
      return await finetuneOnce(model, masks, epochs, o, extra, scale);
    } catch (e) {
      if (!isSlimnetError(e, 'TRAINING_DIVERGED') || attempt >= DIVERGENCE_RETRIES) throw e;
      scale /= 2;
      o.onWarning?.(`retraining diverged (${e.message}); restarting at ${scale}x the learning rate`);
    }
  }
}

async function finetuneOnce(
  model: Model, masks: Readonly<Masks>, epochs: number, o: RetrainOptions, extra: FinetuneExtra, scale: number,
): Promise<Model> {
  const r = extra.lrRange;
  const range = r === undefined ? undefined : ([r[0] * scale, r[1] * scale] as const);
  // Every setting is explicit (RetrainOptions' documented defaults), so a change of train()'s own defaults
  // does not silently change how pruned models are retrained.
  const optimizer = o.optimizer ?? 'sgd';
  const opts: TrainOptions = {
    model, dataset: o.dataset, epochs,
    lr: range?.[0] ?? scale * (o.lr ?? (optimizer === 'sgd' ? 0.01 : 0.001)),
    seed: (o.seed ?? 0) + (extra.seedOffset ?? 0),
    validate: o.validate ?? false,
    hooks: { ...extra.hooks, masks },
    ...(o.datasetOptions === undefined ? {} : { datasetOptions: o.datasetOptions }),
    batchSize: o.batchSize ?? 64, optimizer, weightDecay: o.weightDecay ?? 0,
    ...(optimizer === 'sgd' ? { momentum: o.momentum ?? 0.9, nesterov: false } : {}),
    schedule: range !== undefined ? { kind: 'cosine', minLr: range[1] } : (o.schedule ?? { kind: 'constant' }),
    ...(o.threads === undefined ? {} : { threads: o.threads }),
    ...(o.inProcess === undefined ? {} : { inProcess: o.inProcess }),
    ...(o.onProgress === undefined ? {} : { onProgress: o.onProgress }),
    ...(o.signal === undefined ? {} : { signal: o.signal }),
  };
  return (await train(opts)).model;
}

/**
 * One pruning step: a pruned copy of `model` at `sparsity` whose masks keep the zeros of `previous`
 * (magnitude, OBD, layer-wise OBS... see the method registry's `step`).
 */
export type PruneStep = (model: Model, sparsity: SparsityTarget, previous: Readonly<Masks> | undefined) => Promise<PruneResult>;

/** What a cycle callback may ask for: 'stop' ends the schedule after this cycle. */
export type CycleAction = void | 'stop';

/**
 * Options of `iterativePrune`: final sparsity or explicit ladder, cycles, epochs per cycle, threshold scope and
 * retraining.
 */
export interface IterativeOptions extends PrunableOptions {
  /** Final sparsity (uniform, or per layer); with `sparsities` unset the cycles approach it geometrically. */
  readonly sparsity: SparsityTarget;
  /** Number of prune → retrain cycles (default 3). */
  readonly cycles?: number;
  /** Explicit sparsity of each cycle (overrides `sparsity` / `cycles`): a ladder of increasing targets. */
  readonly sparsities?: readonly SparsityTarget[];
  /** Retraining epochs after each cycle (default 1; an array gives each cycle its own count). */
  readonly epochsPerCycle?: number | readonly number[];
  /** Magnitude steps: 'layer' (default) or 'global' threshold. */
  readonly scope?: 'layer' | 'global';
  /** Magnitude steps with global scope: compare |w| / std(layer) (Han's quality × std threshold). */
  readonly normalizeByStd?: boolean;
  /** The pruning step (default magnitude with `scope` / `normalizeByStd`). */
  readonly step?: PruneStep;
  /** How to retrain (its schedule runs afresh in every cycle). */
  readonly retrain: RetrainOptions;
  /** Called after each cycle's retraining; may evaluate the model and return 'stop'. */
  readonly onCycle?: (cycle: number, result: PruneResult) => CycleAction | Promise<CycleAction>;
}

function scaleTarget(t: SparsityTarget, f: (s: number) => number): SparsityTarget {
  return typeof t === 'number' ? f(t) : Object.fromEntries(Object.entries(t).map(([k, v]) => [k, f(v)]));
}

/** A magnitude PruneStep over the prunable weights selected by `sel`. */
export function magnitudeStep(sel: PrunableOptions & { readonly scope?: 'layer' | 'global'; readonly normalizeByStd?: boolean } = {}): PruneStep {
  return async (model, sparsity, previous) => {
    const m = model.clone();
    const masks = magnitudeMasks(prunableWeights(m, sel), {
      ...sel, sparsity, scope: sel.scope ?? 'layer', normalizeByStd: sel.normalizeByStd ?? false, ...(previous === undefined ? {} : { previous }),
    });
    applyMasks(m, masks);
    return { model: m, masks, stats: sparsityStats(m, sel) };
  };
}

/** Iterative pruning: cycles × (prune to the cycle's sparsity with `step`, masked retraining). */
export async function iterativePrune(model: Model, o: IterativeOptions): Promise<PruneResult> {
  const cycles = o.sparsities?.length ?? o.cycles ?? 3;
  const targets = o.sparsities ?? Array.from({ length: cycles }, (_, k) => scaleTarget(o.sparsity, (s) => iterativeSparsities(s, cycles)[k] as number));
  const step = o.step ?? magnitudeStep(o);
  let current = model;
  let masks: Masks | undefined;
  for (let c = 1; c <= cycles; c++) {
    const pruned = await step(current, targets[c - 1] as SparsityTarget, masks);
    masks = pruned.masks;
    const epochs = typeof o.epochsPerCycle === 'number' || o.epochsPerCycle === undefined ? (o.epochsPerCycle ?? 1) : (o.epochsPerCycle[c - 1] ?? 1);
    current = await finetune(pruned.model, masks, epochs, o.retrain, { seedOffset: c });
    if ((await o.onCycle?.(c, { model: current, masks, stats: sparsityStats(current, o) })) === 'stop') break;
  }
  return { model: current, masks: masks ?? {}, stats: sparsityStats(current, o) };
}

/**
 * Options of `agpPrune`: final sparsity, the AGP schedule, recovery epochs, threshold scope, pruning step and
 * retraining.
 */
export interface AgpOptions extends PrunableOptions, Omit<AgpSchedule, 'finalSparsity'> {
  /** Final sparsity s_f (uniform, or per layer: each layer follows its own cubic curve). */
  readonly sparsity: SparsityTarget;
  /** Epochs at the final sparsity after the last mask update (default 1). */
  readonly recoveryEpochs?: number;
  /** 'layer' (default) or 'global' magnitude threshold. */
  readonly scope?: 'layer' | 'global';
  /** Global scope: compare |w| / std(layer). */
  readonly normalizeByStd?: boolean;
  /** The pruning step (default magnitude). */
  readonly step?: PruneStep;
  readonly retrain: RetrainOptions;
  /** Called after each training segment with the epoch reached and the sparsity statistics. */
  readonly onSegment?: (epoch: number, result: PruneResult) => void | Promise<void>;
}

/** Gradual pruning with the AGP cubic schedule, at epoch granularity (see the module comment). */
export async function agpPrune(model: Model, o: AgpOptions): Promise<PruneResult> {
  const dt = o.frequency ?? 1;
  const t0 = o.start ?? 0;
  const total = t0 + o.steps * dt + (o.recoveryEpochs ?? 1);
  const lr = o.retrain.lr ?? 0.01;
  const rate = (t: number): number => learningRate(o.retrain.schedule ?? { kind: 'constant' }, lr, t, total);
  const step = o.step ?? magnitudeStep(o);
  let current = model;
  let masks: Masks | undefined;
  let epoch = 0;
  const segment = async (s: SparsityTarget, epochs: number): Promise<void> => {
    const pruned = await step(current, s, masks);
    masks = pruned.masks;
    current = await finetune(pruned.model, masks, epochs, o.retrain, { seedOffset: epoch + 1, lrRange: [rate(epoch), rate(epoch + epochs)] });
    epoch += epochs;
    await o.onSegment?.(epoch, { model: current, masks, stats: sparsityStats(current, o) });
  };
  if (t0 > 0) await segment(scaleTarget(o.sparsity, () => 0), t0);
  for (let k = 0; k <= o.steps; k++) {
    const t = t0 + k * dt;
    const s = scaleTarget(o.sparsity, (sf) => agpSparsity(t, { ...o, finalSparsity: sf }));
    await segment(s, k === o.steps ? (o.recoveryEpochs ?? 1) : dt);
  }
  return { model: current, masks: masks ?? {}, stats: sparsityStats(current, o) };
}
