/**
 * The weight-sharing methods behind one uniform entry, for commands and method registries: a method takes a
 * model and plain-data options and returns {model, report}. `slimnet share --method hashed|circulant` uses
 * it, and `quantize --method hashed|circulant` through quantize-adapter.ts.
 */
import { SlimnetError } from '../../ir/errors.js';
import type { Model } from '../../ir/graph.js';
import { circulant } from './circulant/circulant.js';
import type { CirculantMode } from './circulant/layers.js';
import type { CirculantSize } from './circulant/structure.js';
import type { SharingReport } from './common/report.js';
import type { SharingTrainOptions } from './common/train-shared.js';
import { hashNet } from './hashed/hashnet.js';

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

export interface SharingMethod {
  readonly name: SharingMethodName;
  readonly summary: string;
  run(model: Model, opts: SharingMethodOptions): Promise<{ readonly model: Model; readonly report: SharingReport }>;
}

const pick = <K extends keyof SharingMethodOptions>(o: SharingMethodOptions, ...keys: K[]): Partial<Pick<SharingMethodOptions, K>> => {
  const out: Partial<Pick<SharingMethodOptions, K>> = {};
  for (const k of keys) if (o[k] !== undefined) out[k] = o[k];
  return out;
};

export const SHARING_METHODS: readonly SharingMethod[] = [
  {
    name: 'hashed',
    summary: 'HashedNets: fully-connected weights drawn from K = weights/factor buckets by a hash of (row, column), with a sign hash',
    run: (model, o) => hashNet(model, { ...pick(o, 'factor', 'factors', 'only', 'exclude', 'seed', 'index', 'train'), ...(o.init === undefined ? {} : { init: o.init === 'random' ? 'random' : 'mean' }) }),
  },
  {
    name: 'circulant',
    summary: 'circulant projections: y = circ(r)·D·x with d parameters per layer, computed with ONNX DFT (fft) or a gathered weight (dense)',
    run: (model, o) => circulant(model, { ...pick(o, 'only', 'exclude', 'seed', 'mode', 'size', 'train'), ...(o.init === undefined ? {} : { init: o.init }) }),
  },
];

export function sharingMethod(name: string): SharingMethod {
  const m = SHARING_METHODS.find((s) => s.name === name);
  if (m === undefined) throw new SlimnetError('INVALID_ARGUMENT', `unknown weight-sharing method '${name}' (known: ${SHARING_METHODS.map((s) => s.name).join(', ')})`);
  return m;
}
