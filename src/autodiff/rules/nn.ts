/** Gradient rules of layers: Conv, ConvTranspose, Gemm, MatMul, pooling, BatchNormalization, Dropout. */
import type { GradientTable } from '../rule.js';

export const nnRules: GradientTable = {};
