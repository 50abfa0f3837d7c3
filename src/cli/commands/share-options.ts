/**
 * CLI flags of the weight-sharing methods (hashed, circulant) → SharingMethodOptions. Shared by
 * `slimnet share` and by any other command that registers these methods (e.g. `quantize --method hashed`):
 * spread SHARING_FLAGS into its options and call sharingOptions(o).
 */
import type { SharingMethodOptions } from '../../compress/sharing/methods.js';
import { SlimnetError } from '../../ir/errors.js';
import { parseSchedule } from '../../train/schedule.js';
import type { TrainProgress } from '../../train/types.js';
import {
  COUNT, NON_NEGATIVE, optInt, optNumber, optString, POSITIVE, POSITIVE_INT, SEED, type NumericRule,
  type OptionSpecs, type ParsedOptions,
} from '../command.js';

/** --factor: buckets = weights / F, so F >= 1. */
const FACTOR: NumericRule = { kind: 'number', min: 1 };

export const SHARING_FLAGS: OptionSpecs = {
  factor: {
    type: 'string', placeholder: 'F', numeric: FACTOR,
    description: 'hashed: compression factor per layer (buckets = weights / F)', default: '8',
  },
  'layer-factors': { type: 'string', placeholder: 'L=F,...', description: 'hashed: per-layer factors overriding --factor, e.g. fc1=16,fc3=2' },
  mode: { type: 'string', placeholder: 'fft|dense', description: 'circulant: DFT subgraph or gathered dense weight', default: 'fft' },
  size: { type: 'string', placeholder: 'pow2|exact|N', description: 'circulant: size d of each circulant (>= max(in, out))', default: 'pow2' },
  index: { type: 'string', placeholder: 'hash|stored', description: 'hashed: indices recomputed from the seed in the graph, or stored (large)', default: 'hash' },
  init: { type: 'string', placeholder: 'project|random', description: 'start from the least-squares fit of the weights, or random (from scratch)', default: 'project' },
  only: { type: 'string', placeholder: 'A,B', description: 'only these layers (node or weight names)' },
  exclude: { type: 'string', placeholder: 'A,B', description: 'leave these layers dense' },
  seed: {
    type: 'string', placeholder: 'N', numeric: SEED,
    description: 'seed of hashes, sign vectors, random init and batch order', default: '0',
  },
  data: { type: 'string', placeholder: 'mnist|fashion-mnist|PATH', description: 'training / evaluation data', default: 'mnist' },
  epochs: {
    type: 'string', placeholder: 'N', numeric: COUNT,
    description: 'training epochs after the rewrite (0: rewrite only)', default: '10',
  },
  lr: {
    type: 'string', placeholder: 'RATE', numeric: POSITIVE,
    description: 'learning rate (default 0.01 SGD, 0.001 Adam; shared parameters sum many gradients: use less than for the dense net)',
  },
  optimizer: { type: 'string', placeholder: 'sgd|adam|adamw', description: 'update rule', default: 'sgd' },
  schedule: { type: 'string', placeholder: 'SPEC', description: 'lr schedule (constant | cosine[:min] | step:E[:g] ...)', default: 'constant' },
  'weight-decay': { type: 'string', placeholder: 'WD', numeric: NON_NEGATIVE, description: 'L2 weight decay' },
  threads: {
    type: 'string', placeholder: 'N', numeric: POSITIVE_INT,
    description: 'onnxruntime intra-op threads', default: '2',
  },
  limit: {
    type: 'string', placeholder: 'N', numeric: POSITIVE_INT,
    description: 'use only the first N training samples',
  },
  'test-limit': {
    type: 'string', placeholder: 'N', numeric: POSITIVE_INT,
    description: 'use only the first N test samples (validation and the final evaluation)',
  },
};

function list(o: ParsedOptions, name: string): string[] | undefined {
  const v = optString(o, name);
  return v === undefined ? undefined : v.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

function oneOf<T extends string>(o: ParsedOptions, name: string, allowed: readonly T[]): T | undefined {
  const v = optString(o, name);
  if (v !== undefined && !(allowed as readonly string[]).includes(v)) throw new SlimnetError('INVALID_ARGUMENT', `--${name} must be one of ${allowed.join(', ')}, got '${v}'`);
  return v as T | undefined;
}

/** loadDataset options from --limit / --test-limit. */
export function dataOptions(o: ParsedOptions): { limit?: number; testLimit?: number } {
  return {
    ...(optString(o, 'limit') === undefined ? {} : { limit: optInt(o, 'limit', 0) }),
    ...(optString(o, 'test-limit') === undefined ? {} : { testLimit: optInt(o, 'test-limit', 0) }),
  };
}

function layerFactors(o: ParsedOptions): Record<string, number> | undefined {
  const items = list(o, 'layer-factors');
  if (items === undefined) return undefined;
  const out: Record<string, number> = {};
  for (const item of items) {
    const [name, f] = item.split('=');
    const n = Number(f);
    if (name === undefined || name === '' || f === undefined || !Number.isFinite(n)) throw new SlimnetError('INVALID_ARGUMENT', `--layer-factors expects LAYER=FACTOR pairs, got '${item}'`);
    out[name] = n;
  }
  return out;
}

/** The method options the flags describe; training is included when --epochs > 0. */
export function sharingOptions(o: ParsedOptions, onProgress?: (p: TrainProgress) => void): SharingMethodOptions {
  const size = optString(o, 'size') ?? 'pow2';
  const epochs = optInt(o, 'epochs', 10);
  const wd = optNumber(o, 'weight-decay');
  const data = dataOptions(o);
  const [only, exclude, factors] = [list(o, 'only'), list(o, 'exclude'), layerFactors(o)];
  const optimizer = oneOf(o, 'optimizer', ['sgd', 'adam', 'adamw'] as const) ?? 'sgd';
  const [mode, index, init] = [oneOf(o, 'mode', ['fft', 'dense'] as const), oneOf(o, 'index', ['hash', 'stored'] as const), oneOf(o, 'init', ['project', 'random'] as const)];
  if (epochs < 0) throw new SlimnetError('INVALID_ARGUMENT', `--epochs must be >= 0, got ${epochs}`);
  return {
    factor: optNumber(o, 'factor', 8),
    size: size === 'pow2' || size === 'exact' ? size : optInt(o, 'size', 0),
    seed: optInt(o, 'seed', 0),
    ...(mode === undefined ? {} : { mode }), ...(index === undefined ? {} : { index }), ...(init === undefined ? {} : { init }),
    ...(only === undefined ? {} : { only }), ...(exclude === undefined ? {} : { exclude }), ...(factors === undefined ? {} : { factors }),
    ...(epochs === 0 ? {} : {
      train: {
        dataset: optString(o, 'data') ?? 'mnist', epochs, lr: optNumber(o, 'lr', optimizer === 'sgd' ? 0.01 : 0.001), optimizer,
        schedule: parseSchedule(optString(o, 'schedule') ?? 'constant'), seed: optInt(o, 'seed', 0), threads: optInt(o, 'threads', 2),
        ...(wd === undefined ? {} : { weightDecay: wd }), ...(Object.keys(data).length === 0 ? {} : { datasetOptions: data }),
        ...(onProgress === undefined ? {} : { onProgress }),
      },
    }),
  };
}
