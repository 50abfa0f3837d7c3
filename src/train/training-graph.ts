/**
 * buildTrainingGraph: one ONNX graph that runs a whole training step — forward (BatchNorm / Dropout in
 * training mode), loss (+ regularizer terms), backward, and the optimizer update — so each step is a
 * single onnxruntime `run`. onnxruntime cannot update weights in place, so trainable parameters become
 * graph inputs and their updated values graph outputs; the caller feeds each step's outputs back as the
 * next step's inputs. Frozen parameters stay initializers and get no gradient.
 *
 * Inputs:  <image input>, labels int64 [N], lr (and adam_c1, adam_c2), every trainable parameter, its
 *          optimizer state and mask, every BatchNorm running statistic, extra loss inputs.
 * Outputs: loss, correct (top-1 hits in the batch, float), then per parameter / state / statistic the
 *          updated value (names in `info`).
 */
import { addBackward, type StraightThrough } from '../autodiff/backward.js';
import type { GradientRule } from '../autodiff/rule.js';
import { maxPoolRules } from '../autodiff/rules/pool.js';
import { GraphBuilder } from '../ir/builder.js';
import { SlimnetError } from '../ir/errors.js';
import type { Model } from '../ir/graph.js';
import type { Shape } from '../ir/shape.js';
import type { Value } from '../ir/value.js';
import { inferShapes } from '../passes/infer-shapes.js';
import { correctCount, imageInputOf, liftToInputs, logitsOf, paramRef } from './graph-edit.js';
import { insertActivationTransforms, insertTransforms, TransformRecorder, type ActivationSelector, type Clamp, type TransformSelector } from './transforms.js';
import { defaultLoss, trainingForward } from './forward-mode.js';
import { addOptimizerScalars, emitUpdate, stateSlots, validateOptimizer, type OptimizerSpec, type OptimizerScalars } from './optimizer.js';
import { defaultTrainableParams } from './params.js';
import type { LossTerm, ParamRef } from './regularizers.js';

/** What a custom loss builder receives. */
export interface LossContext {
  readonly b: GraphBuilder;
  /** The model's logits [N, classes] (training-mode forward). */
  readonly logits: Value;
  /** Class labels, int64 [N]. */
  readonly labels: Value;
  /**
   * The model's image input, so a loss can compute more from the same batch inside the step (e.g. a frozen
   * teacher embedded in the graph for distillation), and the student's other activations are in `b.graph`.
   */
  readonly input: Value;
  /** The graph's ai.onnx opset (losses with reductions need it). */
  readonly opset: number;
  /** Declares an extra float32 input fed every step (e.g. a teacher's logits) and returns it. */
  addInput(name: string, shape: Shape): Value;
}

/** Builds the (scalar, batch-mean) data loss. */
export type LossBuilder = (ctx: LossContext) => Value;

/**
 * Options of `buildTrainingGraph`: optimizer, loss and extra terms, weight and activation transforms, masks, trainable
 * parameters, input / logits names.
 */
export interface TrainingGraphOptions {
  /** The update rule. */
  readonly optimizer: OptimizerSpec;
  /** Data loss (default: softmax cross-entropy with the labels). */
  readonly loss?: LossBuilder;
  /** Extra loss terms added as coefficient × term (regularizers). */
  readonly terms?: readonly LossTerm[];
  /** Weight transforms used in the forward pass (quantizers...), chosen per parameter. */
  readonly transforms?: TransformSelector;
  /** Activation transforms (activation quantizers, binarizers), chosen per edge into a node input. */
  readonly activations?: ActivationSelector;
  /** Names of parameters trained under a 0/1 mask input (pruned entries stay exactly zero). */
  readonly masks?: readonly string[];
  /** Names of parameters kept fixed (left as initializers, no gradient). */
  readonly frozen?: readonly string[];
  /** Overrides the default choice of trainable parameters (see params.ts). */
  readonly trainable?: (p: ParamRef) => boolean;
  /** Base seed of the training-mode Dropout generators (default 0). */
  readonly dropoutSeed?: number;
  /**
   * MaxPool backward: 'index' (default; PyTorch semantics, MaxUnpool of the forward Indices) or 'tie-split'
   * (the rule table's default). On LeNet-5 'index' measured ~20 % faster per training step.
   */
  readonly maxPoolGrad?: 'index' | 'tie-split';
  /** Gradient rules overriding / extending the built-in table (custom ops). */
  readonly rules?: ReadonlyMap<string, GradientRule>;
  /** The image input (default: the model's only non-initializer input). */
  readonly inputName?: string;
  /** The logits output (default: the first output). */
  readonly logitsName?: string;
}

/**
 * One optimizer state tensor of a parameter (e.g. momentum): its slot name and the graph input / output carrying it.
 */
export interface StateSlot {
  readonly slot: string;
  readonly input: string;
  readonly output: string;
}

/**
 * A trained parameter of the training graph: its input name, the output carrying its updated value, its dims, optional
 * mask input and optimizer state slots.
 */
export interface ParamSlot {
  /** Parameter name (the initializer name in the inference model, and the training graph input). */
  readonly name: string;
  readonly output: string;
  readonly dims: readonly number[];
  /** Mask input name when the parameter is masked. */
  readonly mask?: string;
  readonly state: readonly StateSlot[];
}

/**
 * A non-trained buffer of the training graph (e.g. BatchNorm running statistics): its name, the output carrying its new
 * value and its dims.
 */
export interface BufferSlot {
  readonly name: string;
  readonly output: string;
  readonly dims: readonly number[];
}

/** Plain-data description of the training graph's interface (travels to the worker). */
export interface TrainingGraphInfo {
  readonly input: string;
  readonly labels: string;
  readonly loss: string;
  readonly correct: string;
  readonly scalars: { readonly lr: string; readonly adamC1?: string; readonly adamC2?: string };
  readonly params: readonly ParamSlot[];
  readonly buffers: readonly BufferSlot[];
  readonly extraInputs: ReadonlyArray<{ readonly name: string; readonly shape: Shape }>;
  readonly optimizer: OptimizerSpec;
}

/**
 * The training graph built by `buildTrainingGraph`: one ONNX model that runs a forward pass, the backward pass and the
 * optimizer update, plus how to feed and read it.
 */
export interface TrainingGraph {
  readonly model: Model;
  readonly info: TrainingGraphInfo;
}

/** Trainable parameters of `model` under the given options (before any rewrite). */
export function selectTrainable(model: Model, opts: Pick<TrainingGraphOptions, 'frozen' | 'trainable'>): Value[] {
  const frozen = new Set(opts.frozen ?? []);
  const g = model.graph;
  for (const name of frozen) if (!g.initializers.has(name)) throw unknownParam(name, 'frozen', model);
  const base = opts.trainable === undefined
    ? defaultTrainableParams(g)
    : [...g.initializers.values()].filter((v) => opts.trainable?.(paramRef(v)) === true);
  return base.filter((v) => !frozen.has(v.name));
}

function unknownParam(name: string, what: string, model: Model): SlimnetError {
  const names = [...model.graph.initializers.keys()].slice(0, 20).join(', ');
  return new SlimnetError('INVALID_ARGUMENT', `${what} parameter '${name}' is not an initializer of the model (some are: ${names})`);
}

/**
 * Builds the training graph of an inference model: forward, loss, backward (autodiff) and the optimizer update as one
 * ONNX model; parameters, state and buffers become inputs and updated outputs.
 */
export function buildTrainingGraph(source: Model, opts: TrainingGraphOptions): TrainingGraph {
  validateOptimizer(opts.optimizer);
  const model = source.clone();
  inferShapes(model);
  const g = model.graph;
  const b = new GraphBuilder(g);
  const image = imageInputOf(model, opts.inputName);
  const logits = logitsOf(model, opts.logitsName);
  const params = selectTrainable(model, opts);
  const masked = new Set(opts.masks ?? []);
  for (const name of masked) if (!params.some((p) => p.name === name)) throw unknownParam(name, 'masked (trainable)', model);
  const refs = params.map(paramRef);
  const buffers = trainingForward(model, opts.dropoutSeed ?? 0);
  const recorder = new TransformRecorder(b, true, (v) => liftToInputs(g, [v]));
  insertActivationTransforms(b, opts.activations, recorder);
  liftToInputs(g, [...params, ...buffers.map((s) => s.buffer)]);
  g.outputs.length = 0;

  const ste: StraightThrough[] = insertTransforms(b, params, opts.transforms, recorder);
  params.push(...recorder.params);
  const labels = b.input(g.uniqueName('labels'), 'int64', [logits.shape?.[0] ?? 'N']);
  const extraInputs: Array<{ name: string; shape: Shape }> = [];
  const lossCtx: LossContext = {
    b, logits, labels, input: image, opset: model.opset(),
    addInput: (name, shape) => {
      extraInputs.push({ name, shape });
      return b.input(name, 'float32', shape);
    },
  };
  const loss = totalLoss(b, (opts.loss ?? defaultLoss)(lossCtx), opts.terms ?? [], refs);
  const correct = correctCount(b, logits, labels);
  inferShapes(model);

  const grads = addBackward(g, loss, params, { opset: model.opset(), straightThrough: ste, rules: ruleOverrides(opts) });
  const scalars = addOptimizerScalars(b, opts.optimizer);
  const slots = params.map((p) => updateParam(b, opts.optimizer, scalars, p, grads.get(p), masked.has(p.name), recorder.clamps.get(p.name)));
  b.output(loss, g.uniqueName('loss'));
  b.output(correct, g.uniqueName('correct'));
  for (const s of buffers) b.output(s.updated, g.uniqueName(`${s.buffer.name}__new`));
  typeOutputs(model, [loss, correct]);

  const info: TrainingGraphInfo = {
    input: image.name, labels: labels.name, loss: loss.name, correct: correct.name,
    scalars: { lr: scalars.lr.name, ...(scalars.c1 === undefined || scalars.c2 === undefined ? {} : { adamC1: scalars.c1.name, adamC2: scalars.c2.name }) },
    params: slots,
    buffers: buffers.map((s) => ({ name: s.buffer.name, output: s.updated.name, dims: staticDims(s.buffer) })),
    extraInputs,
    optimizer: opts.optimizer,
  };
  return { model, info };
}

/** Declares every output's type (onnx.checker requires it); updated values share their input's shape. */
function typeOutputs(model: Model, scalars: readonly Value[]): void {
  for (const o of model.graph.outputs) o.dtype ??= 'float32';
  for (const s of scalars) s.shape ??= [];
}

function ruleOverrides(opts: TrainingGraphOptions): Map<string, GradientRule> {
  return new Map([...maxPoolRules(opts.maxPoolGrad ?? 'index'), ...(opts.rules ?? new Map<string, GradientRule>())]);
}

function totalLoss(b: GraphBuilder, data: Value, terms: readonly LossTerm[], refs: readonly ParamRef[]): Value {
  const parts = [data];
  for (const t of terms) {
    if (t.coefficient === 0) continue;
    const v = t.build({ b, params: refs });
    if (v !== undefined) parts.push(b.op('Mul', [v, b.constant(t.coefficient, [], `loss/${t.name}/coef`)], {}, { name: `loss/${t.name}` }));
  }
  return parts.length === 1 ? data : b.op('Sum', parts, {}, { name: 'loss/total' });
}

function staticDims(v: Value): number[] {
  return (v.shape ?? []).map((d) => (typeof d === 'number' ? d : 0));
}

/** Adds mask, optimizer state and update nodes for one parameter and declares its outputs. */
function updateParam(b: GraphBuilder, o: OptimizerSpec, s: OptimizerScalars, w: Value, grad: Value | undefined, masked: boolean, clamp?: Clamp): ParamSlot {
  const g = b.graph;
  const dims = staticDims(w);
  const mask = masked ? b.input(g.uniqueName(`${w.name}__mask`), 'float32', w.shape ?? dims) : undefined;
  const state = stateSlots(o).map((slot) => ({ slot, value: b.input(g.uniqueName(`${w.name}__${slot}`), 'float32', w.shape ?? dims) }));
  let newW: Value;
  let newState: Value[];
  if (grad === undefined) {
    newW = b.op('Identity', [w]);
    newState = state.map((x) => b.op('Identity', [x.value]));
  } else {
    const gm = mask === undefined ? grad : b.op('Mul', [grad, mask], {}, { name: `opt/${w.name}/mask_grad` });
    const u = emitUpdate(b, o, s, w, gm, state.map((x) => x.value));
    const clipped = clamp === undefined ? u.w : b.op('Clip', [u.w, b.constant(clamp.min, [], `opt/${w.name}/min`), b.constant(clamp.max, [], `opt/${w.name}/max`)], {}, { name: `opt/${w.name}/clamp` });
    newW = mask === undefined ? clipped : applyMask(b, w.name, clipped, mask);
    newState = u.state;
  }
  b.output(newW, g.uniqueName(`${w.name}__new`));
  newW.shape = w.shape;
  const slots = state.map((x, i) => {
    const out = b.output(newState[i] as Value, g.uniqueName(`${x.value.name}__new`));
    out.dtype = 'float32';
    out.shape = w.shape;
    return { slot: x.slot, input: x.value.name, output: out.name };
  });
  return { name: w.name, output: newW.name, dims, ...(mask === undefined ? {} : { mask: mask.name }), state: slots };
}

/** w where mask is 1, +0 elsewhere (a Mul would leave -0 for negative weights). */
function applyMask(b: GraphBuilder, name: string, w: Value, mask: Value): Value {
  const keep = b.op('Cast', [mask], { to: 9 }, { name: `opt/${name}/mask_bool` });
  return b.op('Where', [keep, w, b.constant(0, [], `opt/${name}/zero`)], {}, { name: `opt/${name}/mask_w` });
}
