/**
 * The weight-sharing methods behind one uniform entry, for commands and method registries: a method takes a
 * model and plain-data options and returns {model, report}. `slimnet share --method hashed|circulant` uses
 * it, and `quantize --method hashed|circulant` through quantize-adapter.ts.
 */
import type { Model } from '../../ir/graph.js';
import { circulant } from './circulant/circulant.js';
import type { CirculantMode } from './circulant/layers.js';
import type { CirculantSize } from './circulant/structure.js';
import type { SharingReport } from './common/report.js';
import type { SharingTrainOptions } from './common/train-shared.js';
import { hashNet } from './hashed/hashnet.js';
import { defineOptions } from '../options.js';
import { Registry, type MethodEntry } from '../registry.js';

/** Names of the weight-sharing methods. */
export type SharingMethodName = 'hashed' | 'circulant';

/** Options every sharing method understands (each ignores those of the other). */
export interface SharingMethodOptions {
  /** hashed: compression factor of every layer (default 8). */
  readonly factor?: number;
  /** hashed: per-layer factors by node or weight name. */
  readonly factors?: Readonly<Record<string, number>>;
  /** Only these layers (node or weight names). */
  readonly only?: readonly string[];
  /** Leave these layers dense. */
  readonly exclude?: readonly string[];
  /** Start values: 'project' (least-squares fit of the current weights, default) or 'random' (training from scratch). */
  readonly init?: 'project' | 'random';
  /** Seed of hashes / sign vectors / random init (default 0). */
  readonly seed?: number;
  /** hashed: indices recomputed in the graph ('hash', default) or stored as an int32 initializer ('stored'). */
  readonly index?: 'hash' | 'stored';
  /** circulant: 'fft' (default) or 'dense'. */
  readonly mode?: CirculantMode;
  /** circulant: size d ('pow2' default, 'exact', or a number). */
  readonly size?: CirculantSize;
  /** Train end to end after the rewrite. */
  readonly train?: SharingTrainOptions;
}

/** A weight-sharing method: name, one-line summary and run function. */
/** A weight-sharing method: its options declared once (for `slimnet share` and `quantize`), and the rewrite. */
export interface SharingMethod extends MethodEntry {
  readonly name: SharingMethodName;
  run(model: Model, opts: SharingMethodOptions): Promise<{ readonly model: Model; readonly report: SharingReport }>;
}

const pick = <K extends keyof SharingMethodOptions>(o: SharingMethodOptions, ...keys: K[]): Partial<Pick<SharingMethodOptions, K>> => {
  const out: Partial<Pick<SharingMethodOptions, K>> = {};
  for (const k of keys) if (o[k] !== undefined) out[k] = o[k];
  return out;
};

/** Options of both sharing methods: layer selection, start values and end-to-end training. */
const COMMON = defineOptions({
  only: { type: 'string', placeholder: 'A,B', description: 'only these fully-connected layers (node or weight names)' },
  exclude: { type: 'string', placeholder: 'A,B', description: 'leave these layers dense' },
  init: {
    type: 'string', choices: ['project', 'random'], default: 'project',
    description: 'start from the least-squares fit of the weights, or random',
  },
  epochs: {
    type: 'integer', placeholder: 'N', min: 0, default: 10, description: 'training epochs after the rewrite (0: rewrite only)',
  },
  lr: {
    type: 'number', placeholder: 'RATE', min: 0,
    description: 'learning rate (default 0.01 with sgd, 0.001 with adam / adamw; shared parameters sum many gradients)',
  },
  optimizer: { type: 'string', choices: ['sgd', 'adam', 'adamw'], default: 'sgd', description: 'update rule' },
  schedule: {
    type: 'string', placeholder: 'SPEC', default: 'constant',
    description: 'learning-rate schedule: constant | cosine[:min] | step:E[:g] | multistep:E1,E2[:g]',
  },
  weightDecay: { type: 'number', placeholder: 'WD', min: 0, description: 'L2 weight decay' },
  batchSize: { type: 'integer', placeholder: 'N', min: 1, default: 64, description: 'training mini-batch size' },
});

const builtins: readonly SharingMethod[] = [
  {
    name: 'hashed', reference: 'Chen et al. 2015 (HashedNets)',
    summary: 'HashedNets: fully-connected weights drawn from K = weights/factor buckets by a hash of (row, column), with a sign hash',
    options: {
      ...COMMON,
      factor: {
        type: 'number', placeholder: 'F', min: 1, default: 8, description: 'compression factor per layer (buckets = weights / F)',
      },
      layerFactors: {
        type: 'string', placeholder: 'L=F,...', description: 'per-layer factors overriding --factor, e.g. fc1=16,fc3=2',
      },
      index: {
        type: 'string', choices: ['hash', 'stored'], default: 'hash',
        description: 'bucket indices recomputed in the graph, or stored (large)',
      },
    },
    run: (model, o) => hashNet(model, { ...pick(o, 'factor', 'factors', 'only', 'exclude', 'seed', 'index', 'train'), ...(o.init === undefined ? {} : { init: o.init === 'random' ? 'random' : 'mean' }) }),
  },
  {
    name: 'circulant', reference: 'Cheng et al. 2015 (circulant projections)',
    summary: 'circulant projections: y = circ(r)·D·x with d parameters per layer, computed with ONNX DFT (fft) or a gathered weight (dense)',
    options: {
      ...COMMON,
      mode: {
        type: 'string', choices: ['fft', 'dense'], default: 'fft', description: 'ONNX DFT subgraph or gathered dense weight',
      },
      size: {
        type: 'string', placeholder: 'pow2|exact|N', default: 'pow2', description: 'size d of each circulant (>= max(in, out))',
      },
    },
    run: (model, o) => circulant(model, { ...pick(o, 'only', 'exclude', 'seed', 'mode', 'size', 'train'), ...(o.init === undefined ? {} : { init: o.init }) }),
  },
];

const registry = new Registry<SharingMethod>('weight-sharing');
for (const m of builtins) registry.register(m);

/** The weight-sharing methods, in --help order. */
export const SHARING_METHODS: readonly SharingMethod[] = registry.all();

/** The method called `name`, or a typed error listing the registered ones. */
export function sharingMethod(name: string): SharingMethod {
  return registry.get(name);
}
