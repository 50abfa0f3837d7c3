export * from './activations.js';
export * from './layer-stats.js';
export * from './mac-rules.js';
export * from './params.js';
export * from './ratios.js';
export * from './topk.js';
export { FidelityAccumulator, formatFidelity, isClassScores, type OutputFidelity } from './fidelity.js';
