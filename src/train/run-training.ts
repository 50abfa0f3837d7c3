/**
 * The training loop proper (worker side; also callable in-process). One onnxruntime session runs the
 * training graph, one the validation graph; each epoch: seeded shuffled batches, validation, an atomic
 * checkpoint. A NaN / Inf loss stops the run with TRAINING_DIVERGED naming the epoch and step; a stop
 * request ends it at the next step boundary with INTERRUPTED.
 */
import { epochBatches, batchCount } from '../data/batches.js';
import { assertLabelsFitModel } from '../data/checks.js';
import { loadDataset } from '../data/load.js';
import type { Dataset, Split } from '../data/types.js';
import { SlimnetError } from '../ir/errors.js';
import type { Model } from '../ir/graph.js';
import { Tensor } from '../ir/tensor.js';
import { decodeModel, encodeModel } from '../onnx/index.js';
import { outputClassCount } from '../passes/class-count.js';
import { accelerateConvs } from '../runtime/nchwc.js';
import { Session } from '../runtime/session.js';
import type { WorkerContext } from '../runtime/worker.js';
import type { CheckpointSettings, CheckpointState } from './checkpoint.js';
import { reconcileModel, writeCheckpoint } from './checkpoint-pair.js';
import { resumeState, runSettings } from './checkpoint-resume.js';
import { TrainingFeeds } from './feeds.js';
import { adamScalars } from './optimizer.js';
import { learningRate } from './schedule.js';
import type { ConvLayout, EpochStats, TrainProgress, TrainRequest, TrainResponse } from './types.js';

const EVAL_BATCH = 256;
const PROGRESS_MS = 250;

interface Run {
  readonly req: TrainRequest;
  readonly ctx: WorkerContext<TrainProgress>;
  readonly data: Dataset;
  readonly inference: Model;
  readonly feeds: TrainingFeeds;
  train: Session;
  evalSession: Session | undefined;
  /** Whether the sessions run blocked convolutions; 'unchecked' until the first batch has compared them. */
  convLayout: 'unchecked' | ConvLayout;
  readonly warnings: string[];
  readonly history: EpochStats[];
  /** Optimizer steps taken. */
  step: number;
  /** Seconds spent in training steps this run, and steps taken this run (for the ETA). */
  stepSeconds: number;
  stepsThisRun: number;
  /** What this run's checkpoints record (computed at the first one, or when resuming). */
  ckSettings: CheckpointSettings | undefined;
  /** SHA-256 of the checkpoint ONNX file on disk, which the next checkpoint replaces (null: none yet). */
  lastModel: string | null;
}

export async function runTraining(req: TrainRequest, ctx: WorkerContext<TrainProgress>): Promise<TrainResponse> {
  const data = typeof req.dataset === 'string' ? loadDataset(req.dataset, req.datasetOptions) : req.dataset;
  const inference = decodeModel(req.inferenceModel);
  const classes = outputClassCount(inference);
  const dataWhat = `data set '${typeof req.dataset === 'string' ? req.dataset : data.name}'`;
  if (classes !== undefined) assertLabelsFitModel(data, classes, 'the model being trained', dataWhat);
  const ckSettings = req.resume ? runSettings(req, data.train) : undefined;
  const saved = ckSettings === undefined ? undefined : resumeFrom(req, inference, ckSettings);
  const values = saved === undefined ? initialValues(req, inference) : new Map(saved.tensors);
  const feeds = new TrainingFeeds(req.info, values, req.masks, req.batchSize);
  const warnings: string[] = [];
  const { session: train, lowered } = await openSession(req, req.trainingGraph, warnings);
  const evalSession = req.validate ? (await openSession(req, req.evalGraph, warnings)).session : undefined;
  const run: Run = {
    req, ctx, data, inference, feeds, train, evalSession, history: [...(saved?.history ?? [])],
    step: saved?.step ?? 0, stepSeconds: 0, stepsThisRun: 0,
    convLayout: lowered ? 'unchecked' : 'plain', warnings, ckSettings, lastModel: saved?.model.sha256 ?? null,
  };
  const startEpoch = saved?.epochsDone ?? 0;
  try {
    for (let epoch = startEpoch; epoch < req.epochs; epoch++) await runEpoch(run, epoch);
  } finally {
    await run.train.release();
    await run.evalSession?.release();
  }
  applyValues(inference, req, feeds.snapshot());
  const convLayout = run.convLayout === 'unchecked' ? 'blocked' : run.convLayout;
  return { model: encodeModel(inference), history: run.history, resumedFromEpoch: startEpoch, convLayout, warnings: run.warnings };
}

function sessionOptions(req: TrainRequest): { threads: number; allowSpinning: boolean } {
  return { threads: req.threads, allowSpinning: req.spinning };
}

/**
 * A session over the graph with its convolutions lowered to the blocked layout, unless disabled or unless
 * onnxruntime cannot load the lowered graph (then the plain graph, with a warning).
 */
async function openSession(req: TrainRequest, bytes: Uint8Array, warnings: string[]): Promise<{ session: Session; lowered: boolean }> {
  if (req.blockedConvs) {
    const opts = req.nchwcBlockSize === undefined ? {} : { blockSize: req.nchwcBlockSize };
    const { model, modified } = await accelerateConvs(decodeModel(bytes), opts);
    try {
      if (modified) return { session: await Session.create(model, sessionOptions(req)), lowered: true };
    } catch (e) {
      warnings.push(`onnxruntime cannot load blocked convolutions (${e instanceof Error ? e.message : String(e)}); using plain ones`);
    }
  }
  return { session: await Session.create(bytes, sessionOptions(req)), lowered: false };
}

/**
 * Once per run, on the first real batch: the blocked-convolution training step must produce what the plain
 * graph produces (loss, updated weights, optimizer state, statistics). If it does not (a block size this CPU's
 * kernels do not use, a kernel defect), training continues on plain convolutions with one warning, from the
 * plain step's outputs. Returns the outputs to use.
 */
async function checkLowering(run: Run, lowered: Record<string, Tensor>): Promise<Record<string, Tensor>> {
  const { req } = run;
  const plain = await Session.create(req.trainingGraph, sessionOptions(req));
  const want = await plain.run(run.feeds.feeds);
  const bad = Object.keys(want).find((name) => !outputsAgree(lowered[name], want[name] as Tensor, tolerance(req, name)));
  if (bad === undefined) {
    await plain.release();
    run.convLayout = 'blocked';
    return lowered;
  }
  await run.train.release();
  run.train = plain;
  if (run.evalSession !== undefined) {
    await run.evalSession.release();
    run.evalSession = await Session.create(req.evalGraph, sessionOptions(req));
  }
  run.convLayout = 'plain';
  const message = `blocked convolutions (NCHWc) disagree with the plain ones on the first batch (output '${bad}'); ` +
    'training continues with plain convolutions (slower, correct)';
  run.warnings.push(message);
  run.ctx.progress({ ...progress(run, 'notice', 0, 0, 0, NaN, NaN, req.lr, 0), message });
  return want;
}

/**
 * Allowed |a − b| for a training-step output, relative to max|b| plus absolute. Forward quantities (the loss,
 * running statistics) agree to float32 rounding. Gradients (hence updated weights and optimizer state) do not:
 * through BatchNorm's backward and ReLU kinks they are ill-conditioned, so a 1e-6 relative change of the input
 * batch moves a ResNet-20's first-step gradients by up to 2 % of their largest value; a wrong blocked layout
 * moves them by O(1). The 25 % bound separates the two; the loss and statistics carry the fine check.
 */
function tolerance(req: TrainRequest, name: string): { rtol: number; atol: number } {
  if (name === req.info.loss) return { rtol: 1e-5, atol: 1e-6 };
  if (name === req.info.correct) return { rtol: 0, atol: 1 }; // a near-tie may flip one prediction
  if (req.info.buffers.some((b) => b.output === name)) return { rtol: 1e-3, atol: 1e-6 };
  return { rtol: 0.25, atol: 1e-6 };
}

/** |a − b| ≤ rtol · max|b| + atol elementwise (exact for non-float outputs). */
function outputsAgree(a: Tensor | undefined, b: Tensor, { rtol, atol }: { rtol: number; atol: number }): boolean {
  if (a === undefined || a.size !== b.size) return false;
  if (b.dtype !== 'float32') return a.data.every((v, i) => v === b.data[i]);
  const x = a.data as Float32Array;
  const y = b.data as Float32Array;
  const scale = y.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  return x.every((v, i) => Math.abs(v - (y[i] as number)) <= rtol * scale + atol);
}

/** Parameters (masked) and running statistics from the inference model; optimizer state starts at zero. */
function initialValues(req: TrainRequest, inference: Model): Map<string, Float32Array> {
  const m = new Map<string, Float32Array>();
  const take = (name: string): Float32Array => {
    const t = inference.graph.initializers.get(name)?.initializer;
    if (t === undefined) throw new SlimnetError('INVALID_ARGUMENT', `inference model has no initializer '${name}'`);
    return Float32Array.from(t.toFloat32());
  };
  for (const p of req.info.params) {
    const w = take(p.name);
    const mask = req.masks[p.name];
    if (mask !== undefined) {
      if (mask.length !== w.length) throw new SlimnetError('INVALID_ARGUMENT', `mask of '${p.name}' has ${mask.length} elements, the parameter ${w.length}`);
      for (let i = 0; i < w.length; i++) if (mask[i] === 0) w[i] = 0;
    }
    m.set(p.name, w);
  }
  for (const b of req.info.buffers) m.set(b.name, take(b.name));
  return m;
}

/**
 * The checked state to resume from (checkpoint-resume.ts), with the checkpoint's ONNX file reconciled with it:
 * `inference` receives the state's values and must then encode to the model the state records.
 */
function resumeFrom(req: TrainRequest, inference: Model, settings: CheckpointSettings): CheckpointState {
  const state = resumeState(req, settings);
  applyValues(inference, req, state.tensors);
  reconcileModel(req.checkpoint ?? '', state, encodeModel(inference));
  return state;
}

async function runEpoch(run: Run, epoch: number): Promise<void> {
  const { req, feeds } = run;
  const split = run.data.train;
  const steps = batchCount(split.count, req.batchSize);
  const started = performance.now();
  let lossSum = 0;
  let correct = 0;
  let seen = 0;
  let lastReport = started;
  let lr = req.lr;
  for (const batch of epochBatches(split, epoch, { batchSize: req.batchSize, shuffle: true, seed: req.seed })) {
    if (run.ctx.shouldStop()) throw interrupted(run, epoch, batch.index);
    lr = learningRate(req.schedule, req.lr, epoch + batch.index / steps, req.epochs);
    const out = await step(run, batch.x, batch.dims, batch.y, lr);
    const loss = scalarOut(out, req.info.loss);
    if (!Number.isFinite(loss)) throw diverged(loss, epoch, batch.index, steps, lr);
    feeds.absorb(out);
    lossSum += loss * batch.size;
    correct += scalarOut(out, req.info.correct);
    seen += batch.size;
    const now = performance.now();
    if (now - lastReport >= PROGRESS_MS) {
      lastReport = now;
      run.ctx.progress(progress(run, 'step', epoch, batch.index + 1, steps, lossSum / seen, correct / seen, lr, seen / ((now - started) / 1000)));
    }
  }
  const trainSeconds = (performance.now() - started) / 1000;
  const testError = run.evalSession === undefined ? NaN : await validate(run.evalSession, run, run.data.test);
  const stats: EpochStats = {
    epoch: epoch + 1, trainLoss: lossSum / seen, trainError: 1 - correct / seen, testError, lr,
    seconds: (performance.now() - started) / 1000, imagesPerSecond: seen / trainSeconds,
  };
  run.history.push(stats);
  if (req.checkpoint !== undefined) saveCheckpoint(run, req.checkpoint, epoch + 1);
  run.ctx.progress({ ...progress(run, 'epoch', epoch, steps, steps, stats.trainLoss, 1 - stats.trainError, lr, stats.imagesPerSecond), stats });
}

async function step(run: Run, x: Float32Array, dims: readonly number[], y: Int32Array, lr: number): Promise<Record<string, Tensor>> {
  const { feeds, req } = run;
  run.step++;
  feeds.setBatch(x, dims, y);
  feeds.setScalar(req.info.scalars.lr, lr);
  if (req.info.scalars.adamC1 !== undefined) {
    const { c1, c2 } = adamScalars(req.optimizer, run.step);
    feeds.setScalar(req.info.scalars.adamC1, c1);
    feeds.setScalar(req.info.scalars.adamC2, c2);
  }
  const t0 = performance.now();
  let out = await run.train.run(feeds.feeds);
  if (run.convLayout === 'unchecked') out = await checkLowering(run, out);
  run.stepSeconds += (performance.now() - t0) / 1000;
  run.stepsThisRun++;
  return out;
}

/** Test-split top-1 error with the current weights. */
async function validate(session: Session, run: Run, split: Split): Promise<number> {
  if (split.count === 0) return NaN;
  const feeds: Record<string, Tensor> = {};
  for (const name of session.inputNames) {
    const t = run.feeds.feeds[name];
    if (t !== undefined) feeds[name] = t;
  }
  let correct = 0;
  const outName = session.outputNames[0] as string;
  for (const batch of epochBatches(split, 0, { batchSize: EVAL_BATCH })) {
    feeds[run.req.info.input] = new Tensor('float32', batch.dims, batch.x);
    feeds[run.req.info.labels] = Tensor.i64([batch.size], batch.y);
    correct += scalarOut(await session.run(feeds, [outName]), outName);
  }
  return 1 - correct / split.count;
}

function scalarOut(out: Readonly<Record<string, Tensor>>, name: string): number {
  const t = out[name];
  if (t === undefined) throw new SlimnetError('RUNTIME', `session returned no output '${name}'`);
  return (t.data as Float32Array)[0] as number;
}

function progress(run: Run, kind: TrainProgress['kind'], epoch: number, stepNo: number, steps: number, loss: number, accuracy: number, lr: number, ips: number): TrainProgress {
  const left = (run.req.epochs - epoch - 1) * steps + (steps - stepNo);
  const perStep = run.stepsThisRun > 0 ? run.stepSeconds / run.stepsThisRun : 0;
  return { kind, epoch: epoch + 1, epochs: run.req.epochs, step: stepNo, steps, loss, accuracy, lr, imagesPerSecond: ips, etaSeconds: left * perStep };
}

/** Writes the trained values into the inference model's initializers. */
function applyValues(inference: Model, req: TrainRequest, values: ReadonlyMap<string, Float32Array>): void {
  for (const name of [...req.info.params.map((p) => p.name), ...req.info.buffers.map((b) => b.name)]) {
    const v = inference.graph.initializers.get(name);
    const data = values.get(name);
    if (v?.initializer === undefined || data === undefined) continue;
    v.initializer = new Tensor('float32', v.initializer.dims, data);
  }
}

/** Writes the state, then the ONNX model made from it (checkpoint-pair.ts: a consistent pair after any crash). */
function saveCheckpoint(run: Run, path: string, epochsDone: number): void {
  const values = run.feeds.snapshot();
  applyValues(run.inference, run.req, values);
  run.ckSettings ??= runSettings(run.req, run.data.train);
  const state = { epochsDone, step: run.step, history: run.history, settings: run.ckSettings, tensors: values };
  run.lastModel = writeCheckpoint(path, state, encodeModel(run.inference), run.lastModel);
}

function diverged(loss: number, epoch: number, index: number, steps: number, lr: number): SlimnetError {
  const what = Number.isNaN(loss) ? 'NaN' : `${loss > 0 ? '+' : '-'}Inf`;
  return new SlimnetError(
    'TRAINING_DIVERGED',
    `loss became ${what} at epoch ${epoch + 1} step ${index + 1} of ${steps} (learning rate ${lr}): training diverged; lower the learning rate or check the data`,
  );
}

function interrupted(run: Run, epoch: number, index: number): SlimnetError {
  const ck = run.req.checkpoint;
  const done = run.history.length;
  const where = ck === undefined || done === 0 ? 'no checkpoint was written' : `checkpoint after epoch ${done} is in '${ck}'`;
  return new SlimnetError('INTERRUPTED', `training interrupted at epoch ${epoch + 1} step ${index + 1}; ${where}`);
}
