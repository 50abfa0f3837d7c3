/** Pruning: shared helpers, unstructured (weight-level) methods and structured (channel) pruning. */
export * from './common/index.js';
export * as unstructured from './unstructured/index.js';
export * as structured from './structured/index.js';
