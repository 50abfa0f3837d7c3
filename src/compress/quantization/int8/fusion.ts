/**
 * Fusion check: lets onnxruntime optimise the model (level 'all'), saves the optimised graph and looks for
 * float compute ops still fed by DequantizeLinear — the sign that QDQ was not fused into integer kernels.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Model } from '../../../ir/graph.js';
import { loadModel } from '../../../onnx/index.js';
import { Session } from '../../../runtime/session.js';

const FLOAT_COMPUTE = new Set(['Conv', 'Gemm', 'MatMul', 'FusedConv', 'FusedGemm', 'FusedMatMul', 'NhwcFusedConv']);
const INTEGER_OPS = new Set(['QLinearConv', 'QGemm', 'QLinearMatMul', 'MatMulInteger', 'ConvInteger', 'QLinearAdd', 'QLinearGlobalAveragePool', 'DynamicQuantizeMatMul', 'MatMulIntegerToFloat']);

export interface FusionReport {
  /** True when no DequantizeLinear feeds a float Conv / Gemm / MatMul. */
  readonly fused: boolean;
  /** Float compute nodes fed by a DequantizeLinear (unfused QDQ), by node name in the optimised graph. */
  readonly unfused: readonly string[];
  /** All float compute nodes left (fused or kept float on purpose). */
  readonly floatNodes: readonly string[];
  /** Integer kernels in the optimised graph. */
  readonly integerNodes: number;
}

export async function checkFusion(model: Model | Uint8Array, threads = 1): Promise<FusionReport> {
  const dir = mkdtempSync(join(tmpdir(), 'slimnet-fusion-'));
  const path = join(dir, 'optimized.onnx');
  try {
    const session = await Session.create(model, { optimizedModelPath: path, threads });
    await session.release();
    const g = loadModel(path).graph;
    const unfused: string[] = [];
    const floatNodes: string[] = [];
    let integerNodes = 0;
    for (const n of g.nodes) {
      if (INTEGER_OPS.has(n.opType)) integerNodes++;
      if (!FLOAT_COMPUTE.has(n.opType)) continue;
      floatNodes.push(n.name);
      if (n.inputs.some((v) => v?.producer?.opType === 'DequantizeLinear')) unfused.push(n.name);
    }
    return { fused: unfused.length === 0, unfused, floatNodes, integerNodes };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
