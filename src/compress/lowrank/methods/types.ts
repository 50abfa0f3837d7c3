/**
 * The contract of a low-rank method: which layers it applies to, an analysis per layer (spectra for rank
 * selection, cost at given ranks) and the factorisation into a chain of thinner layers ("stages") that the
 * rewriter puts in place of the original node.
 */
import type { AttributeInput } from '../../../ir/attributes.js';
import type { Tensor } from '../../../ir/tensor.js';
import type { CpOptions } from '../../../util/linalg/cp.js';
import type { LayerInfo } from '../layers.js';
import type { MethodEntry } from '../../registry.js';

/** A registered low-rank method's name ('svd', 'jaderberg', 'cp', 'tucker2', or one registered later). */
export type LowRankMethodName = string;

/** Per-sample multiply-accumulates and parameter count. */
export interface Cost {
  readonly macs: number;
  readonly params: number;
}

/** Singular values of a matrix (an unfolding or a reshaped kernel) that a rank parameter truncates. */
export interface Spectrum {
  readonly values: Float64Array;
  readonly rows: number;
  readonly cols: number;
}

/** One layer of the replacement chain. */
export interface Stage {
  readonly op: 'Conv' | 'Gemm' | 'MatMul';
  /** Suffix of the node / weight names (e.g. 'v', 'h', 'core'). */
  readonly suffix: string;
  readonly weight: Tensor;
  readonly attrs: Readonly<Record<string, AttributeInput>>;
  /** This stage reads the original node's third input (bias / Gemm C). */
  readonly bias: boolean;
}

/** A layer's factorisation: the stages replacing it and the relative weight error ‖W − Ŵ‖_F / ‖W‖_F. */
export interface Factorization {
  readonly stages: readonly Stage[];
  /** ‖W − Ŵ‖_F / ‖W‖_F of the layer's weight. */
  readonly relError: number;
}

/** Options of the factorisations: Tucker-2 HOOI sweeps and CP-ALS settings. */
export interface FactorizeOptions {
  /** Tucker-2: HOOI refinement sweeps after the HOSVD initialisation (default 0). */
  readonly hooiIterations?: number;
  /** CP: ALS options (iterations, tolerance, seed). */
  readonly cp?: CpOptions;
}

/** What a method learns about one layer before choosing ranks: full ranks, rank limits, spectra and costs. */
export interface MethodAnalysis {
  /**
   * Full rank of each rank parameter (one, or [out, in] for Tucker-2); at these ranks the factorisation
   * is exact, except for CP, whose value is max(N, C) (a scale for rank fractions).
   */
  readonly maxRanks: readonly number[];
  /**
   * Largest rank an explicit integer rank may ask for, per rank parameter (default `maxRanks`). CP allows
   * ranks above max(N, C), up to N·C·k_h·k_w / max(N, C, k_h, k_w), which always suffices.
   */
  readonly rankLimits?: readonly number[];
  /**
   * Spectra per rank parameter for energy and VBMF selection; where several are given (CP: the mode-0
   * and mode-1 unfoldings), the parameter takes the largest rank any of them asks for.
   */
  readonly spectra: ReadonlyArray<readonly Spectrum[]>;
  /** Per-sample cost of the factored layer at these ranks. */
  cost(ranks: readonly number[]): Cost;
  factorize(ranks: readonly number[], opts: FactorizeOptions): Factorization;
}

/** A low-rank method: registered by name (methods/index.ts); its rank choice comes from the command, not options. */
export interface LowRankMethod extends MethodEntry {
  /** Undefined when the method applies to the layer, otherwise the reason it does not. */
  applies(layer: LayerInfo): string | undefined;
  /** The (possibly expensive: SVDs) per-layer analysis. */
  analyse(layer: LayerInfo): MethodAnalysis;
}
