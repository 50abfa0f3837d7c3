/**
 * Gradient rules of layers, merged from their family files: Conv / ConvTranspose (conv.ts), Gemm / MatMul
 * (matmul.ts), pooling (pool.ts), BatchNormalization / Dropout (batchnorm.ts).
 */
import type { GradientTable } from '../rule.js';
import { batchNormRules } from './batchnorm.js';
import { convRules } from './conv.js';
import { matmulRules } from './matmul.js';
import { poolRules } from './pool.js';

export { convGradOptions, type ConvGradOptions } from './conv.js';
export { maxPoolIndexGrad, maxPoolRules, maxPoolTieSplitGrad } from './pool.js';

export const nnRules: GradientTable = { ...convRules, ...matmulRules, ...poolRules, ...batchNormRules };
