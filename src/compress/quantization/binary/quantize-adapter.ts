/**
 * ADAPTER SPOT for `slimnet quantize --method bc|bwn|xnor|bnn|twn|ttq|dorefa|hwgq`.
 *
 * The `quantize` command and its method registry are being built on another branch (int8 | fixed |
 * kmeans). Register the eight binary methods there with one line each, e.g.
 *   for (const m of BINARY_QUANTIZE_METHODS) registerQuantizeMethod(m);
 * Each entry names the method, lists the extra CLI flags it reads, turns parsed flags into
 * TrainBinaryOptions and runs trainBinary (one library call); the command prints `binaryLayerRows`.
 */
import { SlimnetError } from '../../../ir/errors.js';
import type { Model } from '../../../ir/graph.js';
import { BINARY_METHODS, binaryMethod, type BinaryMethodName } from './methods.js';
import { trainBinary, type BinaryReport, type TrainBinaryOptions, type TrainBinaryResult } from './train-binary.js';

/** Parsed CLI flags as the command receives them (strings / booleans by flag name). */
export type CliFlags = Readonly<Record<string, string | boolean | undefined>>;

export interface CliFlagSpec {
  readonly type: 'string' | 'boolean';
  readonly description: string;
  readonly placeholder?: string;
}

export interface BinaryQuantizeMethod {
  readonly name: BinaryMethodName;
  readonly summary: string;
  /** Flags this method reads beyond the command's own (--data, --out...). */
  readonly flags: Readonly<Record<string, CliFlagSpec>>;
  /** Flags → options (typed errors on bad values). */
  options(flags: CliFlags): TrainBinaryOptions;
  run(model: Model, flags: CliFlags, hooks?: Pick<TrainBinaryOptions, 'onProgress' | 'signal'>): Promise<TrainBinaryResult>;
}

/** Flags shared by every binary method. */
export const BINARY_FLAGS: Readonly<Record<string, CliFlagSpec>> = {
  data: { type: 'string', placeholder: 'NAME|PATH', description: 'training data: mnist, fashion-mnist or a directory (required)' },
  epochs: { type: 'string', placeholder: 'N', description: 'fine-tuning epochs with the straight-through estimators (default 1)' },
  lr: { type: 'string', placeholder: 'X', description: 'learning rate (default 0.001 with Adam)' },
  optimizer: { type: 'string', placeholder: 'adam|sgd|adamw', description: 'update rule (default adam)' },
  'batch-size': { type: 'string', placeholder: 'N', description: 'mini-batch size (default 64)' },
  limit: { type: 'string', placeholder: 'N', description: 'use only the first N training samples' },
  threads: { type: 'string', placeholder: 'N', description: 'onnxruntime threads (default 2)' },
  seed: { type: 'string', placeholder: 'N', description: 'seed of batch order and stochastic parts (default 0)' },
  'quantize-first-last': { type: 'boolean', description: 'also quantize the first and last layers (default: as the paper)' },
};

const EXTRA: Readonly<Partial<Record<BinaryMethodName, Readonly<Record<string, CliFlagSpec>>>>> = {
  bc: { stochastic: { type: 'boolean', description: 'stochastic binarization during training' } },
  xnor: { 'no-activation-scale': { type: 'boolean', description: 'drop the activation scaling factor K' } },
  dorefa: {
    'weight-bits': { type: 'string', placeholder: 'K', description: 'weight bits (default 1)' },
    'activation-bits': { type: 'string', placeholder: 'K', description: 'activation bits (default 2)' },
    'gradient-bits': { type: 'string', placeholder: 'K', description: 'also quantize gradients to K bits' },
  },
  hwgq: { 'activation-bits': { type: 'string', placeholder: 'K', description: 'activation bits (default 2)' } },
};

function int(flags: CliFlags, name: string, min = 1): number | undefined {
  const v = flags[name];
  if (v === undefined || v === false) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || !Number.isInteger(n) || n < min) throw new SlimnetError('INVALID_ARGUMENT', `--${name} must be an integer ≥ ${min}, got '${String(v)}'`);
  return n;
}

function num(flags: CliFlags, name: string): number | undefined {
  const v = flags[name];
  if (v === undefined || v === false) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || !(n > 0)) throw new SlimnetError('INVALID_ARGUMENT', `--${name} must be a positive number, got '${String(v)}'`);
  return n;
}

/** Drops undefined entries (exactOptionalPropertyTypes). */
function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

export function binaryOptionsFromFlags(method: BinaryMethodName, flags: CliFlags): TrainBinaryOptions {
  const data = flags.data;
  if (typeof data !== 'string') throw new SlimnetError('INVALID_ARGUMENT', `quantize --method ${method} trains with straight-through estimators: give --data (mnist, fashion-mnist or a directory)`);
  const optimizer = flags.optimizer;
  if (optimizer !== undefined && optimizer !== 'adam' && optimizer !== 'sgd' && optimizer !== 'adamw') {
    throw new SlimnetError('INVALID_ARGUMENT', `--optimizer must be adam, sgd or adamw, got '${String(optimizer)}'`);
  }
  const limit = int(flags, 'limit', 0);
  return defined({
    method, dataset: data,
    datasetOptions: limit === undefined ? undefined : { limit },
    epochs: int(flags, 'epochs'), lr: num(flags, 'lr'), optimizer, batchSize: int(flags, 'batch-size'),
    threads: int(flags, 'threads'), seed: int(flags, 'seed', 0),
    quantizeFirstLast: flags['quantize-first-last'] === true ? true : undefined,
    stochastic: flags.stochastic === true ? true : undefined,
    activationScale: flags['no-activation-scale'] === true ? false : undefined,
    weightBits: int(flags, 'weight-bits'), activationBits: int(flags, 'activation-bits'), gradientBits: int(flags, 'gradient-bits'),
  }) as TrainBinaryOptions;
}

export const BINARY_QUANTIZE_METHODS: readonly BinaryQuantizeMethod[] = BINARY_METHODS.map((name) => ({
  name,
  summary: binaryMethod(name).title,
  flags: { ...BINARY_FLAGS, ...(EXTRA[name] ?? {}) },
  options: (flags) => binaryOptionsFromFlags(name, flags),
  run: (model, flags, hooks = {}) => trainBinary(model, { ...binaryOptionsFromFlags(name, flags), ...hooks }),
}));

/** Per-layer rows for the command's table: layer, op, bits, params, distinct values, scale, input. */
export function binaryLayerRows(r: BinaryReport): string[][] {
  const rows = r.layers.map((l) => [l.node, l.opType, String(l.bits), String(l.params), String(l.levels), l.scale === undefined ? '—' : 'per-channel Mul', l.quantizedInput ? `${r.activationBits}-bit` : 'float']);
  for (const n of r.fullPrecision) rows.push([n, '', '32', '', '', '', 'float']);
  return rows;
}
