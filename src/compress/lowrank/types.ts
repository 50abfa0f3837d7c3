/** Public options and results of `decompose` (see decompose.ts). */
import type { CpOptions } from '../../util/linalg/cp.js';
import type { Model } from '../../ir/graph.js';
import type { Cost, LowRankMethodName } from './methods/types.js';

/** Options of `decompose`: method and rank rule (fixed ranks, energy, budget or VBMF), layers and rounding. */
export interface DecomposeOptions {
  /** 'svd' (Gemm / MatMul / 1×1 conv), 'jaderberg', 'cp' or 'tucker2' (k×k convs). */
  readonly method: LowRankMethodName;
  /**
   * Fixed ranks: an integer ≥ 1 for every layer (clipped to its full rank; CP: to N·C·k²/max dim), a number in (0, 1) for that
   * fraction of each layer's full rank, or ranks by node name (Tucker-2 takes [out, in] or one number for
   * both; layers not named stay as they are). Exactly one of rank / energy / budget / vbmf is required.
   */
  readonly rank?: number | Readonly<Record<string, number | readonly number[]>>;
  /** Keep this fraction (0, 1] of each spectrum's energy Σσ². */
  readonly energy?: number;
  /** Keep at most this fraction (0, 1) of the whole model's MACs (or params, see budgetMetric), globally. */
  readonly budget?: number;
  /** What `budget` counts (default 'macs'). */
  readonly budgetMetric?: 'macs' | 'params';
  /** Ranks by empirical variational Bayesian matrix factorisation of each spectrum (Kim et al.). */
  readonly vbmf?: boolean;
  /** Only these layers (node names); default every layer the method applies to. */
  readonly layers?: readonly string[];
  /** Leave these layers (node names) as they are. */
  readonly exclude?: readonly string[];
  /**
   * Factor a layer only when that lowers its cost (MACs, or params under a params budget); default true.
   * false factors every selected layer at its rank (e.g. to check that full rank is exact).
   */
  readonly onlyIfSmaller?: boolean;
  /**
   * Round every chosen rank of at least this many up to a multiple of it, within the layer's limits (default 1:
   * off; budgets account for it). The ranks are the inner stages' channel counts, and onnxruntime's blocked
   * x86 convolutions run fast only with fewer channels than their block (8 with AVX2, 16 with AVX-512) or a
   * multiple of it: try 8 or 16 when a factored model has fewer MACs but is not faster.
   */
  readonly alignTo?: number;
  /** Tucker-2: HOOI refinement sweeps after HOSVD (default 0). */
  readonly hooiIterations?: number;
  /** CP: ALS settings (default 500 sweeps, tolerance 1e-9, SVD initialisation, seed 0). */
  readonly cp?: CpOptions;
  /** Progress messages (one per analysed and per factored layer). */
  readonly onProgress?: (message: string) => void;
}

/** What `decompose` did to one layer: decomposed or unchanged (with the reason), ranks, error and costs. */
export interface LayerReport {
  /** Node name (or 'OpType#index' for unnamed nodes). */
  readonly name: string;
  readonly op: string;
  /** Weight dims as stored. */
  readonly weightShape: readonly number[];
  readonly status: 'decomposed' | 'unchanged';
  /** Why an unchanged layer was left alone. */
  readonly reason?: string;
  /** Chosen ranks (one, or [out, in] for Tucker-2). */
  readonly ranks?: readonly number[];
  /** Full ranks of the layer for this method. */
  readonly maxRanks?: readonly number[];
  /** Per-sample MACs and parameters of this layer before and after. */
  readonly before: Cost;
  readonly after: Cost;
  /** ‖W − Ŵ‖_F / ‖W‖_F of the layer's weight. */
  readonly relError?: number;
  /** Names of the nodes that replaced it. */
  readonly nodes?: readonly string[];
}

/** What `decompose` did: method, rank rule, per-layer reports, and whole-model MACs and parameters before and after. */
export interface DecomposeReport {
  readonly method: LowRankMethodName;
  /** The rank rule as text, e.g. 'energy 0.9' or 'budget 0.5 of MACs (energy 0.83)'. */
  readonly rule: string;
  readonly layers: readonly LayerReport[];
  /** Whole-model MACs (batch 1) and parameters. */
  readonly before: Cost;
  readonly after: Cost;
}

/** The result of `decompose`: a new model and its report. */
export interface DecomposeResult {
  /** A new model (the input is not modified). */
  readonly model: Model;
  readonly report: DecomposeReport;
}
