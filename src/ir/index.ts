/**
 * The graph IR: Model / Graph / Node / Value / Tensor, the builder, attributes, dtypes, shapes, verification and the
 * typed errors. Imports nothing else of slimnet.
 */
export * from './attributes.js';
export * from './builder.js';
export * from './dtype.js';
export * from './errors.js';
export * from './finite.js';
export * from './graph.js';
export * from './node.js';
export * from './shape.js';
export * from './tensor.js';
export * from './value.js';
export * from './verify.js';
