/** Everything `slimnet xnor` shows about a binary model: its binary layers, packed size, agreement and speed. */
import type { Model } from '../../../ir/graph.js';
import type { XnorIsa } from '../../../kernels/xnor/kernel.js';
import { findBinaryLayers, type SkippedBinaryLayer } from './detect.js';
import { compareBinaryLatency, type BinaryLatencyResult } from './measure.js';
import { packedModelSize, type PackedModelSize } from './size.js';

/** Options of `binaryReport`: batch sizes, runs, threads, kernel variant and input dims. */
export interface BinaryReportOptions {
  /** Batch sizes to measure (default [1, 64]); empty: no measurement. */
  readonly batchSizes?: readonly number[];
  /** Timed runs per engine and batch size (default 50). */
  readonly runs?: number;
  /** onnxruntime and kernel threads (default 1). */
  readonly threads?: number;
  /** Kernel variant (default 'auto'). */
  readonly isa?: XnorIsa | 'auto';
  /** Full dims of inputs whose non-batch dimensions are not fixed. */
  readonly inputDims?: Readonly<Record<string, readonly number[]>>;
  /** Called before each measurement (for progress output). */
  readonly onMeasure?: (batchSize: number) => void;
}

/** What `binaryReport` found: binary layers, skipped ones, packed size, and latency per batch size. */
export interface BinaryReport {
  /** Binary layers found: node, kind, output channels, reduction bits. */
  readonly layers: ReadonlyArray<{ readonly node: string; readonly kind: 'conv' | 'gemm'; readonly outChannels: number; readonly reduction: number }>;
  readonly skipped: readonly SkippedBinaryLayer[];
  readonly size: PackedModelSize;
  readonly measurements: readonly BinaryLatencyResult[];
}

/**
 * Reports a binary model's deployment: its binary layers, packed size, and latency on onnxruntime vs the XNOR kernel
 * per batch size.
 */
export async function binaryReport(model: Model, opts: BinaryReportOptions = {}): Promise<BinaryReport> {
  const scan = findBinaryLayers(model);
  const measurements: BinaryLatencyResult[] = [];
  // Sequential on purpose: concurrent measurements would steal each other's cores.
  for (const batchSize of opts.batchSizes ?? [1, 64]) {
    opts.onMeasure?.(batchSize);
    measurements.push(await compareBinaryLatency(model, {
      batchSize, runs: opts.runs ?? 50, threads: opts.threads ?? 1, isa: opts.isa ?? 'auto',
      ...(opts.inputDims === undefined ? {} : { inputDims: opts.inputDims }),
    }));
  }
  return {
    layers: scan.layers.map((l) => ({
      node: l.node.name, kind: l.kind, outChannels: l.weights.outChannels, reduction: l.weights.inChannels * l.weights.kernel[0] * l.weights.kernel[1],
    })),
    skipped: scan.skipped,
    size: packedModelSize(model),
    measurements,
  };
}
