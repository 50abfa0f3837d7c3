/**
 * Pruning with retraining through `train()` (masks keep pruned weights exactly zero):
 *  - finetune: one masked training run;
 *  - iterativePrune (Han et al. 2015): cycles of magnitude pruning to increasing sparsity, each followed by
 *    masked retraining; earlier zeros stay pruned;
 *  - agpPrune (Zhu & Gupta 2017) at epoch granularity: before each epoch the masks are recomputed at the
 *    AGP sparsity for that epoch and one short `train()` run of Δt epochs follows (the paper updates masks
 *    every Δt optimizer steps; here Δt counts epochs), then `recoveryEpochs` at the final sparsity.
 * Weight ranking is magnitude (layer-wise by default, or global).
 */
import type { Model } from '../../../ir/graph.js';
import { train } from '../../../train/trainer.js';
import type { TrainHooks, TrainOptions } from '../../../train/types.js';
import { prunableWeights, type PrunableOptions } from '../common/prunable.js';
import { applyMasks, sparsityStats, type Masks } from '../common/sparsity.js';
import { magnitudeMasks } from './magnitude.js';
import { agpSparsity, iterativeSparsities, type AgpSchedule } from './schedule.js';
import type { PruneResult, RetrainOptions, SparsityTarget } from './types.js';
import { cloneModel } from '../../../train/graph-edit.js';

/** Trains `model` for `epochs` with `masks` (plus any extra hooks); returns the trained model. */
export async function finetune(model: Model, masks: Readonly<Masks>, epochs: number, o: RetrainOptions, extra: { final?: boolean; seedOffset?: number; hooks?: TrainHooks } = {}): Promise<Model> {
  if (epochs <= 0) return model;
  const opts: TrainOptions = {
    model, dataset: o.dataset, epochs,
    lr: o.lr ?? 0.01,
    seed: (o.seed ?? 0) + (extra.seedOffset ?? 0),
    validate: o.validate ?? false,
    hooks: { ...extra.hooks, masks },
    ...(o.datasetOptions === undefined ? {} : { datasetOptions: o.datasetOptions }),
    ...(o.batchSize === undefined ? {} : { batchSize: o.batchSize }),
    ...(o.optimizer === undefined ? {} : { optimizer: o.optimizer }),
    ...(o.momentum === undefined ? {} : { momentum: o.momentum }),
    ...(o.weightDecay === undefined ? {} : { weightDecay: o.weightDecay }),
    ...(o.schedule === undefined || extra.final !== true ? {} : { schedule: o.schedule }),
    ...(o.threads === undefined ? {} : { threads: o.threads }),
    ...(o.inProcess === undefined ? {} : { inProcess: o.inProcess }),
    ...(o.onProgress === undefined ? {} : { onProgress: o.onProgress }),
    ...(o.signal === undefined ? {} : { signal: o.signal }),
  };
  return (await train(opts)).model;
}

export interface IterativeOptions extends PrunableOptions {
  /** Final sparsity (uniform, or per layer). */
  readonly sparsity: SparsityTarget;
  /** Number of prune → retrain cycles (default 3). */
  readonly cycles?: number;
  /** Retraining epochs after each cycle (default 1). */
  readonly epochsPerCycle?: number;
  /** 'layer' (default) or 'global' magnitude threshold. */
  readonly scope?: 'layer' | 'global';
  /** How to retrain. */
  readonly retrain: RetrainOptions;
  /** Called after each cycle with the cycle (1-based) and the sparsity statistics. */
  readonly onCycle?: (cycle: number, result: PruneResult) => void;
}

function scaleTarget(t: SparsityTarget, f: (s: number) => number): SparsityTarget {
  return typeof t === 'number' ? f(t) : Object.fromEntries(Object.entries(t).map(([k, v]) => [k, f(v)]));
}

/** One masked magnitude pruning step on a copy of `model` at `sparsity`, keeping `previous` zeros. */
function pruneStep(model: Model, sparsity: SparsityTarget, scope: 'layer' | 'global', previous: Masks | undefined, sel: PrunableOptions): { model: Model; masks: Masks } {
  const m = cloneModel(model);
  const masks = magnitudeMasks(prunableWeights(m, sel), { ...sel, sparsity, scope, ...(previous === undefined ? {} : { previous }) });
  applyMasks(m, masks);
  return { model: m, masks };
}

/** Han et al.'s iterative pruning: `cycles` × (magnitude prune to the cycle's sparsity, masked retraining). */
export async function iterativePrune(model: Model, o: IterativeOptions): Promise<PruneResult> {
  const cycles = o.cycles ?? 3;
  let current = model;
  let masks: Masks | undefined;
  for (let c = 1; c <= cycles; c++) {
    const step = pruneStep(current, scaleTarget(o.sparsity, (s) => iterativeSparsities(s, cycles)[c - 1] as number), o.scope ?? 'layer', masks, o);
    masks = step.masks;
    current = await finetune(step.model, masks, o.epochsPerCycle ?? 1, o.retrain, { seedOffset: c, final: c === cycles });
    o.onCycle?.(c, { model: current, masks, stats: sparsityStats(current, o) });
  }
  return { model: current, masks: masks ?? {}, stats: sparsityStats(current, o) };
}

export interface AgpOptions extends PrunableOptions, Omit<AgpSchedule, 'finalSparsity'> {
  /** Final sparsity s_f (uniform, or per layer: each layer follows its own cubic curve). */
  readonly sparsity: SparsityTarget;
  /** Epochs at the final sparsity after the last mask update (default 1). */
  readonly recoveryEpochs?: number;
  /** 'layer' (default) or 'global' magnitude threshold. */
  readonly scope?: 'layer' | 'global';
  readonly retrain: RetrainOptions;
  /** Called after each training segment with the epoch reached and the sparsity statistics. */
  readonly onSegment?: (epoch: number, result: PruneResult) => void;
}

/** Gradual pruning with the AGP cubic schedule, at epoch granularity (see the module comment). */
export async function agpPrune(model: Model, o: AgpOptions): Promise<PruneResult> {
  const dt = o.frequency ?? 1;
  const t0 = o.start ?? 0;
  let current = model;
  let masks: Masks | undefined;
  let epoch = 0;
  const segment = async (s: SparsityTarget, epochs: number, final: boolean): Promise<void> => {
    const step = pruneStep(current, s, o.scope ?? 'layer', masks, o);
    masks = step.masks;
    current = await finetune(step.model, masks, epochs, o.retrain, { seedOffset: epoch + 1, final });
    epoch += epochs;
    o.onSegment?.(epoch, { model: current, masks, stats: sparsityStats(current, o) });
  };
  if (t0 > 0) await segment(scaleTarget(o.sparsity, () => 0), t0, false);
  for (let k = 0; k <= o.steps; k++) {
    const t = t0 + k * dt;
    const s = scaleTarget(o.sparsity, (sf) => agpSparsity(t, { ...o, finalSparsity: sf }));
    const last = k === o.steps;
    await segment(s, last ? (o.recoveryEpochs ?? 1) : dt, last);
  }
  return { model: current, masks: masks ?? {}, stats: sparsityStats(current, o) };
}
