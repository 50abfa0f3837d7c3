/**
 * The two quantizer contracts of the binary / ternary family. A weight quantizer gives (1) the forward
 * transform used while training — fake quantization with its straight-through backward — and (2) a plain
 * JavaScript reference computing the deployed weight as codes × per-output-channel scale. An activation
 * quantizer gives the transform inserted on the edge into a quantized layer.
 */
import type { ValueTransform, WeightTransform } from '../../../train/transforms.js';
import type { OpsContext } from './graph-ops.js';

/** A layer weight as the quantizers see it. */
export interface WeightLayout {
  /** Initializer name. */
  readonly name: string;
  readonly dims: readonly number[];
  /** Axis of the output channels (0 for Conv and Gemm with transB = 1, 1 for Gemm with transB = 0 / MatMul). */
  readonly channelAxis: number;
  /** Initial values (quantizers that initialise learned parameters from them, e.g. TTQ). */
  readonly initial: Float32Array;
}

/** The deployed form of one quantized weight. */
export interface QuantizedWeight {
  /** Values the deployed weight initializer holds (±1 for binary codes, {-1, 0, 1} for ternary codes...). */
  readonly codes: Float32Array;
  /** Per-output-channel scale multiplied after the layer, when the codes are not already the values. */
  readonly scale?: Float32Array;
  /** Bits per stored code in a packed file. */
  readonly bits: number;
  /** Float32 numbers a packed file stores besides the codes (distinct scales, learned values). */
  readonly extraFloats: number;
}

/** Looks up a trained tensor of the model by name (TTQ's learned scales). */
export type TensorLookup = (name: string) => Float32Array | undefined;

export interface WeightQuantizer {
  /** Bits per weight in the packed form (1 binary, 2 ternary, k for k-bit). */
  readonly bits: number;
  /** Forward transform for training; `c.name` prefixes its node names. */
  transform(layout: WeightLayout, c: OpsContext): WeightTransform;
  /** JavaScript reference of the deployed weight (same values as the transform's forward). */
  quantize(w: Float32Array, layout: WeightLayout, lookup: TensorLookup): QuantizedWeight;
}

/** Whether a normalizing BatchNormalization is inserted in front of an activation quantizer. */
export type BatchNormPolicy = 'always' | 'auto';

export interface ActivationQuantizer {
  /** Bits per activation. */
  readonly bits: number;
  /**
   * 'always' (XNOR-Net, BNN: BN → binarize → binary layer); 'auto': only where the value is not already a
   * BatchNormalization output (directly or through Relu), so fixed quantizer ranges fit.
   */
  readonly batchNorm: BatchNormPolicy;
  /** The transform inserted on the edge into a quantized layer. */
  transform(c: OpsContext): ValueTransform;
}
