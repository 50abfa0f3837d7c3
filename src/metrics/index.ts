/**
 * Model metrics: parameters, MACs and element ops per layer (one rule per op type), activation memory, sizes,
 * compression ratios and top-k error, plus output fidelity between two models.
 */
export * from './activations.js';
export * from './layer-stats.js';
export * from './mac-rules.js';
export * from './params.js';
export * from './ratios.js';
export * from './topk.js';
export { argmax, FidelityAccumulator, formatFidelity, isClassScores, type OutputFidelity } from './fidelity.js';
