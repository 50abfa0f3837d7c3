/**
 * Pretrained zoo models: weights slimnet trained itself (bench/baselines.sh) and ships in `models/`, so
 * every command can start from a trained network without a download. `resolvePretrained(name)` gives the
 * file; the CLI accepts these names wherever it takes a model file.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface PretrainedEntry {
  /** File name under the repository's `models/` directory. */
  readonly file: string;
  /** Zoo architecture it was trained from. */
  readonly architecture: string;
  /** Data set name for loadDataset. */
  readonly dataset: 'mnist' | 'fashion-mnist';
  /** Test-split top-1 error printed by the training run, in [0, 1]. */
  readonly testError: number;
  /** The command that produced it. */
  readonly command: string;
}

export const pretrainedModels: Readonly<Record<string, PretrainedEntry>> = {
  'lenet-300-100-mnist': {
    file: 'lenet-300-100-mnist.onnx', architecture: 'lenet-300-100', dataset: 'mnist', testError: 0.0143,
    command: 'bash bench/baselines.sh lenet-300-100',
  },
  'lenet5-mnist': {
    file: 'lenet5-mnist.onnx', architecture: 'lenet5', dataset: 'mnist', testError: 0.0081,
    command: 'bash bench/baselines.sh lenet5',
  },
  'resnet20-fashion': {
    file: 'resnet20-fashion.onnx', architecture: 'resnet20', dataset: 'fashion-mnist', testError: 0.0713,
    command: 'bash bench/baselines.sh resnet20',
  },
  'vgg-fashion': {
    file: 'vgg-fashion.onnx', architecture: 'vgg', dataset: 'fashion-mnist', testError: 0.0705,
    command: 'bash bench/baselines.sh vgg (width 0.5)',
  },
};

/** Names of the pretrained models. */
export function pretrainedModelNames(): string[] {
  return Object.keys(pretrainedModels);
}

/** The repository's `models/` directory (next to `src/` and `dist/`). */
function modelsDir(): string {
  const here = fileURLToPath(new URL('.', import.meta.url));
  // dist/src/zoo/ or src/zoo/ → repository root.
  const root = here.includes('/dist/src/') ? new URL('../../../', import.meta.url) : new URL('../../', import.meta.url);
  return fileURLToPath(new URL('models/', root));
}

/** The file of a pretrained model, or undefined when `name` is not one (or its file is missing). */
export function resolvePretrained(name: string): { readonly path: string; readonly entry: PretrainedEntry } | undefined {
  const entry = Object.prototype.hasOwnProperty.call(pretrainedModels, name) ? pretrainedModels[name] : undefined;
  if (entry === undefined) return undefined;
  const path = modelsDir() + entry.file;
  return existsSync(path) ? { path, entry } : undefined;
}
