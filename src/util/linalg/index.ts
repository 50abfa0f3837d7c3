/** Dense float64 linear algebra shared by the compression families (no dependencies beyond ir/errors). */
export * from './matrix.js';
export { qr, lstsq, type QR } from './qr.js';
export { svd, completeOrthonormal, type SVD, type SvdOptions } from './svd.js';
export { symmetricEigen, type Eigen } from './eigen.js';
export { cholesky, dampedInverse, inverseFromCholesky, solveSpd, solveSpdMatrix } from './cholesky.js';
export { cpCompose, fold, khatriRao, khatriRaoAll, modeProduct, unfold, type DenseTensor } from './tensor.js';
export { cpAls, type CpOptions, type CpResult } from './cp.js';
