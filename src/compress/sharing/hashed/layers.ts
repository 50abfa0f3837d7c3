/**
 * Applying HashedNets to a model: each selected fully-connected weight is replaced by the weight generated
 * from its bucket vector (see ../common/signed-table.ts) with the hash of hash.ts. The layer descriptions
 * travel in the model's metadata (key `slimnet.hashed`) so trained buckets can be read back, packed and
 * unpacked.
 */
import { GraphBuilder } from '../../../ir/builder.js';
import { SlimnetError } from '../../../ir/errors.js';
import type { Model } from '../../../ir/graph.js';
import { Tensor } from '../../../ir/tensor.js';
import type { Value } from '../../../ir/value.js';
import { emitSignedGather } from '../common/signed-table.js';
import { emitHashIndex, hashIndex, type HashCoefficients } from './hash.js';

/** Model metadata key under which hashed layers are recorded (JSON list of HashedLayer). */
export const HASHED_METADATA_KEY = 'slimnet.hashed';

/** One hashed layer, as recorded in the model metadata. */
export interface HashedLayer {
  /** The Gemm / MatMul node reading the generated weight. */
  readonly node: string;
  /** Name of the dense weight it replaced. */
  readonly weight: string;
  /** Stored weight dims [rows, cols]. */
  readonly dims: readonly [number, number];
  /** Bucket count K. */
  readonly buckets: number;
  /** The seed the coefficients were drawn from. */
  readonly seed: number;
  readonly coefficients: HashCoefficients;
  /** The float32 [K, 1] bucket initializer. */
  readonly bucketName: string;
  /** 'hash': indices recomputed in the graph from the coefficients; 'stored': an int32 index initializer. */
  readonly index: 'hash' | 'stored';
}

/** Name of the bucket initializer of a layer. */
export function bucketName(weight: string): string {
  return `${weight}__hash_buckets`;
}

/** The signed-index array of a layer (row-major over the stored weight). */
export function layerIndex(l: HashedLayer): Int32Array {
  return hashIndex(l.dims[0] * l.dims[1], l.buckets, l.coefficients);
}

/** Emits the generator of one layer and wires it into its node in place of the dense weight. */
function emitLayer(b: GraphBuilder, l: HashedLayer, buckets: Float32Array, weight: Value): void {
  const g = b.graph;
  const prefix = `${l.node}/hash`;
  if (buckets.length !== l.buckets) throw new SlimnetError('INVALID_ARGUMENT', `layer '${l.node}': ${buckets.length} bucket values for K = ${l.buckets}`);
  const vector = b.initializer(l.bucketName, new Tensor('float32', [l.buckets, 1], buckets));
  const index = l.index === 'hash'
    ? emitHashIndex(b, prefix, l.dims, l.buckets, l.coefficients)
    : b.initializer(`${l.weight}__hash_index`, new Tensor('int32', [...l.dims], layerIndex(l)));
  const w = emitSignedGather(b, prefix, vector, l.buckets, index, l.dims);
  for (const u of [...weight.uses]) u.node.setInput(u.index, w);
  g.removeInitializer(weight);
}

/**
 * A copy of `model` with the given layers hashed. `buckets` gives each layer's bucket values (by weight
 * name). The dense weights must still be initializers of the model.
 */
export function applyHashing(model: Model, layers: readonly HashedLayer[], buckets: ReadonlyMap<string, Float32Array>): Model {
  const m = model.clone();
  const b = new GraphBuilder(m.graph);
  for (const l of layers) {
    const w = m.graph.initializers.get(l.weight);
    if (w === undefined || w.uses.length !== 1 || w.uses[0]?.node.name !== l.node) {
      throw new SlimnetError('INVALID_ARGUMENT', `hashed layer '${l.node}': '${l.weight}' is not an initializer read by that node only`);
    }
    const values = buckets.get(l.weight);
    if (values === undefined) throw new SlimnetError('INVALID_ARGUMENT', `no bucket values for layer '${l.node}'`);
    emitLayer(b, l, values, w);
  }
  m.graph.sortTopologically();
  m.metadataProps.set(HASHED_METADATA_KEY, JSON.stringify([...readHashedLayers(model), ...layers]));
  return m;
}

/** The hashed layers recorded in a model's metadata (empty when it has none). */
export function readHashedLayers(model: Model): HashedLayer[] {
  const raw = model.metadataProps.get(HASHED_METADATA_KEY);
  if (raw === undefined) return [];
  try {
    return JSON.parse(raw) as HashedLayer[];
  } catch {
    throw new SlimnetError('INVALID_ARGUMENT', `model metadata '${HASHED_METADATA_KEY}' is not valid JSON`);
  }
}

/** The current bucket values of a hashed layer. */
export function readBuckets(model: Model, l: HashedLayer): Float32Array {
  const t = model.graph.initializers.get(l.bucketName)?.initializer;
  if (t === undefined || t.size !== l.buckets) throw new SlimnetError('INVALID_ARGUMENT', `model has no bucket initializer '${l.bucketName}' of ${l.buckets} values`);
  return Float32Array.from(t.toFloat32());
}
