/** Low-rank decomposition: SVD, Jaderberg, CP and Tucker-2 factorisations as graph rewrites, rank selection. */
export { decompose } from './decompose.js';
export type { DecomposeOptions, DecomposeReport, DecomposeResult, LayerReport } from './types.js';
export { lowRankMethod, lowRankMethods, registerLowRankMethod } from './methods/index.js';
export type { Cost, Factorization, FactorizeOptions, LowRankMethod, LowRankMethodName, MethodAnalysis, Spectrum, Stage } from './methods/types.js';
export { analyseLayers, layerCost, type ConvLayer, type FcLayer, type LayerInfo } from './layers.js';
export { energyRank, selectRanks, type Candidate, type RankChoice, type RankRule } from './rank-select.js';
export { replaceWithStages } from './rewrite.js';
export { tauBar, vbmf, vbmfFromSpectrum, type VbmfOptions, type VbmfResult } from './vbmf.js';
export { extractChain, measureDecomposition, type DecompositionLatency, type LayerLatency, type MeasureOptions } from './measure.js';
export { lowRankPipeline, type LowRankErrors, type LowRankPipelineOptions, type LowRankPipelineResult } from './pipeline.js';
export { refitLastStages, type RefitLayer, type RefitOptions, type RefitResult } from './refit.js';
