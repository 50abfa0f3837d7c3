/** Graph passes: shape inference, NCHWc lowering of convolutions, the class count of a classifier. */
export { inferShapes, inferShapesPass, type InferShapesOptions } from './infer-shapes.js';
export { runPasses, type Pass, type PassResult } from './pass.js';
export { outputClassCount } from './class-count.js';
