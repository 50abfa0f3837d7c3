/**
 * The binary / ternary methods as data: which weight and activation quantizers each uses, which layers it
 * quantizes, and its architectural additions. Adding a method = one quantizer file + one entry here.
 */
import { SlimnetError } from '../../../ir/errors.js';
import { binaryConnect } from './binary-connect.js';
import { bnnWeights } from './bnn.js';
import { binaryWeights } from './bwn.js';
import { dorefaActivations, dorefaWeights } from './dorefa.js';
import { hwgqActivations } from './hwgq.js';
import { signActivation } from './sign-activation.js';
import { trainedTernaryWeights } from './ttq.js';
import { ternaryWeights } from './twn.js';
import type { ActivationQuantizer, WeightQuantizer } from './types.js';

export const BINARY_METHODS = ['bc', 'bwn', 'xnor', 'bnn', 'twn', 'ttq', 'dorefa', 'hwgq'] as const;
/** Names of the binary / ternary methods: bc, bwn, xnor, bnn, twn, ttq, dorefa, hwgq. */
export type BinaryMethodName = (typeof BINARY_METHODS)[number];

/** Per-method knobs (each says which methods read it). */
export interface BinaryMethodOptions {
  /** DoReFa: weight bits (default 1). */
  readonly weightBits?: number;
  /** DoReFa: activation bits (default 2); HWGQ: activation bits (default 2). */
  readonly activationBits?: number;
  /** DoReFa: also quantize the gradients reaching each quantized layer's output to this many bits (default: off). */
  readonly gradientBits?: number;
  /** BinaryConnect: stochastic binarization during training (default false). */
  readonly stochastic?: boolean;
  /** BinaryConnect: the binary magnitude H, 'glorot' (default) or a number. */
  readonly bcScale?: 'glorot' | number;
  /** XNOR-Net: multiply binary layers' outputs by the activation scaling factor K (default true). */
  readonly activationScale?: boolean;
  /** Quantize the first and last layers too (default: true for BC and BNN, false for the others, as the papers). */
  readonly quantizeFirstLast?: boolean;
  /** Seed of stochastic parts (BC stochastic binarization, DoReFa gradient noise; default 0). */
  readonly seed?: number;
}

export interface BinaryMethod {
  readonly name: BinaryMethodName;
  /** One-line description with the paper. */
  readonly title: string;
  /** Whether the first and last Conv / Gemm are quantized by default. */
  readonly firstLast: boolean;
  /** XNOR-Net: the activation scaling factor K. */
  readonly activationScale: boolean;
  /** BNN: a BatchNormalization on the logits (the binary last layer's outputs are integers in ±fan-in). */
  readonly bnAfterLast: boolean;
  readonly weights: (o: BinaryMethodOptions) => WeightQuantizer;
  readonly activations?: (o: BinaryMethodOptions) => ActivationQuantizer;
}

const TABLE: Readonly<Record<BinaryMethodName, BinaryMethod>> = {
  bc: {
    name: 'bc', title: 'BinaryConnect (Courbariaux 2015): ±H weights, deterministic or stochastic, clipped real weights',
    firstLast: true, activationScale: false, bnAfterLast: false,
    weights: (o) => binaryConnect({ ...(o.stochastic === undefined ? {} : { stochastic: o.stochastic }), ...(o.bcScale === undefined ? {} : { scale: o.bcScale }), ...(o.seed === undefined ? {} : { seed: o.seed }) }),
  },
  bwn: {
    name: 'bwn', title: 'Binary-weight networks (Rastegari 2016): sign(w) × per-filter mean |w|',
    firstLast: false, activationScale: false, bnAfterLast: false,
    weights: () => binaryWeights(),
  },
  xnor: {
    name: 'xnor', title: 'XNOR-Net (Rastegari 2016): BWN weights, BN → Sign activations, scaling factor K',
    firstLast: false, activationScale: true, bnAfterLast: false,
    weights: () => binaryWeights(),
    activations: () => signActivation(),
  },
  bnn: {
    name: 'bnn', title: 'Binarized neural networks (Hubara 2016): sign weights and activations, hardtanh STE',
    firstLast: true, activationScale: false, bnAfterLast: true,
    weights: () => bnnWeights(),
    activations: () => signActivation(),
  },
  twn: {
    name: 'twn', title: 'Ternary weight networks (Li 2016): Δ = 0.7·E|w|, per-layer scale',
    firstLast: false, activationScale: false, bnAfterLast: false,
    weights: () => ternaryWeights(),
  },
  ttq: {
    name: 'ttq', title: 'Trained ternary quantization (Zhu 2017): learned positive / negative scales',
    firstLast: false, activationScale: false, bnAfterLast: false,
    weights: () => trainedTernaryWeights(),
  },
  dorefa: {
    name: 'dorefa', title: 'DoReFa-Net (Zhou 2016): k-bit weights, activations (and gradients)',
    firstLast: false, activationScale: false, bnAfterLast: false,
    weights: (o) => dorefaWeights(o.weightBits ?? 1),
    activations: (o) => dorefaActivations(o.activationBits ?? 2),
  },
  hwgq: {
    name: 'hwgq', title: 'HWGQ (Cai 2017): binary weights, half-wave Gaussian quantized activations',
    firstLast: false, activationScale: false, bnAfterLast: false,
    weights: () => binaryWeights(),
    activations: (o) => hwgqActivations(o.activationBits ?? 2),
  },
};

/** The method of that name; a typed error listing the known ones otherwise. */
export function binaryMethod(name: string): BinaryMethod {
  const m = (TABLE as Readonly<Record<string, BinaryMethod>>)[name];
  if (m === undefined) throw new SlimnetError('INVALID_ARGUMENT', `unknown binary/ternary method '${name}'; use one of ${BINARY_METHODS.join(', ')}`);
  return m;
}

/** Weight and activation bits of a method under the options (32 = float). */
export function methodBits(name: BinaryMethodName, o: BinaryMethodOptions = {}): { weightBits: number; activationBits: number } {
  const m = binaryMethod(name);
  return { weightBits: m.weights(o).bits, activationBits: m.activations?.(o).bits ?? 32 };
}
