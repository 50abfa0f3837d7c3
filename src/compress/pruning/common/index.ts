/** Helpers shared by the pruning families: prunable weights, masks and sparsity statistics. */
export { perLayer, prunableWeights, WEIGHT_OPS, type PrunableOptions, type PrunableWeight } from './prunable.js';
export { applyMasks, masksFromZeros, sparsityStats, type LayerSparsity, type Masks, type SparsityStats } from './sparsity.js';
