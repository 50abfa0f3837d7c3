/** Gradient rules of data-movement ops: Reshape, Flatten, Transpose, Concat, Split, Slice, Pad, Gather... */
import type { GradientTable } from '../rule.js';

export const shapeRules: GradientTable = {};
