/** Reverse-mode differentiation of ONNX graphs: backward passes emitted as ONNX, gradient rules, losses. */
export { addBackward, type BackwardOptions, type StraightThrough } from './backward.js';
export type { GradContext, GradientRule, GradientTable } from './rule.js';
export * as losses from './losses.js';
