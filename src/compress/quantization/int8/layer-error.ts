/**
 * Per-layer error: SQNR (dB) of each quantized layer's output in the fake-quantized (QDQ) model against the
 * float model, on the calibration batches. The error is cumulative (each layer sees its quantized inputs),
 * which is what the final accuracy depends on; a sharp drop from one layer to the next marks the culprit.
 */
import type { Model } from '../../../ir/graph.js';
import { forEachCalibrationBatch, type CalibrationOptions } from './calibrate.js';
import { sqnrSums } from '../common/qparams.js';

export interface LayerError {
  /** Quantized node name (in the float model, after BatchNorm folding). */
  readonly node: string;
  readonly opType: string;
  /** Output tensor compared (after Relu folding: the Relu's output). */
  readonly output: string;
  readonly sqnrDb: number;
}

export async function layerErrors(
  float: Model, fakeQuant: Model, layers: ReadonlyArray<{ readonly node: string; readonly opType: string; readonly output: string }>,
  opts: CalibrationOptions,
): Promise<LayerError[]> {
  const names = layers.map((l) => l.output);
  if (names.length === 0) return [];
  const refs: Float32Array[][] = [];
  await forEachCalibrationBatch(float, names, opts, (out, b) => {
    refs[b] = names.map((n) => (out[n] as { toFloat32(): Float32Array }).toFloat32().slice());
  });
  const signal = new Float64Array(names.length);
  const noise = new Float64Array(names.length);
  await forEachCalibrationBatch(fakeQuant, names, opts, (out, b) => {
    names.forEach((n, k) => {
      const ref = (refs[b] as Float32Array[])[k] as Float32Array;
      const q = (out[n] as { toFloat32(): Float32Array }).toFloat32();
      const { signal: s, noise: e } = sqnrSums(ref, q);
      signal[k] = (signal[k] as number) + s;
      noise[k] = (noise[k] as number) + e;
    });
  });
  return layers.map((l, k) => ({
    ...l,
    sqnrDb: (noise[k] as number) === 0 ? Infinity : 10 * Math.log10((signal[k] as number) / (noise[k] as number)),
  }));
}
