/** Resolves a command's model argument: an ONNX file path, or the name of a zoo model. */
import { existsSync } from 'node:fs';
import { SlimnetError } from '../ir/errors.js';
import { assertFiniteWeights } from '../ir/finite.js';
import type { Model } from '../ir/graph.js';
import { loadModel } from '../onnx/index.js';
import { buildZooModel, zooModelNames } from '../zoo/index.js';
import { pretrainedModelNames, resolvePretrained } from '../zoo/pretrained.js';

/** A resolved model argument. */
export interface ModelSource {
  readonly model: Model;
  /** The file the model came from (undefined for zoo models). */
  readonly path: string | undefined;
  readonly label: string;
}

/** How to build a zoo model named on the command line. */
export interface ModelSourceOptions {
  /** Seed for zoo models' initial weights. */
  readonly seed?: number;
  /** Input shape [C,H,W] for zoo models (default [1,28,28]). */
  readonly inputShape?: readonly number[];
  readonly numClasses?: number;
  /** Width multiplier for zoo models that have one. */
  readonly width?: number;
}

/**
 * The model `spec` names: a file (loaded), a pretrained zoo model, or an untrained zoo model (built with `opts`).
 * A model holding NaN / Inf weights is refused (MODEL_INVALID naming the initializer), so no command computes
 * from them.
 */
export function resolveModel(spec: string, opts: ModelSourceOptions = {}): ModelSource {
  const source = findModel(spec, opts);
  assertFiniteWeights(source.model, source.path === undefined ? source.label : `model file '${source.path}'`);
  return source;
}

function findModel(spec: string, opts: ModelSourceOptions): ModelSource {
  if (existsSync(spec)) return { model: loadModel(spec), path: spec, label: spec };
  const name = spec.startsWith('zoo:') ? spec.slice(4) : spec;
  const pretrained = resolvePretrained(name);
  if (pretrained !== undefined) return { model: loadModel(pretrained.path), path: pretrained.path, label: `zoo:${name}` };
  if (zooModelNames().includes(name)) {
    const model = buildZooModel(name, {
      ...(opts.seed === undefined ? {} : { seed: opts.seed }),
      ...(opts.inputShape === undefined ? {} : { inputShape: opts.inputShape }),
      ...(opts.numClasses === undefined ? {} : { numClasses: opts.numClasses }),
      ...(opts.width === undefined ? {} : { width: opts.width }),
    });
    return { model, path: undefined, label: `zoo:${name}` };
  }
  const looksLikeFile = spec.includes('/') || spec.includes('.');
  throw new SlimnetError(
    looksLikeFile ? 'IO' : 'INVALID_ARGUMENT',
    looksLikeFile
      ? `model file '${spec}' does not exist`
      : `'${spec}' is neither a model file nor a zoo model (untrained: ${zooModelNames().join(', ')}; pretrained: ${pretrainedModelNames().join(', ')})`,
  );
}
