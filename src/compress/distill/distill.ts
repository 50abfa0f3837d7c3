/**
 * distill({ teacher, student, method, ... }): trains the student from a frozen teacher that runs inside the
 * same training graph (see teacher.ts), with Hinton's soft targets ('kd'), FitNets ('fitnets') or attention
 * transfer ('at'). Returns the trained student and the history of every stage.
 */
import { loadDataset } from '../../data/load.js';
import type { Model } from '../../ir/graph.js';
import { saveModel } from '../../onnx/index.js';
import { evaluate } from '../../runtime/evaluate.js';
import type { RawOptions } from '../options.js';
import { resolveMethodOptions } from '../registry.js';
import { distillationMethod, type DistillOptions } from './methods.js';
import { setupDistillation } from './stage.js';
import type { DistillResult } from './types.js';

/**
 * Trains a student model from a teacher with a distillation method (KD, FitNets or attention transfer), the teacher
 * embedded in the training graph.
 */
export async function distill(o: DistillOptions): Promise<DistillResult> {
  const method = distillationMethod(o.method);
  const given = o as unknown as RawOptions; // the method's options are primitives (see MethodDistillOptions)
  const mo = resolveMethodOptions(method, Object.fromEntries(Object.keys(method.options).map((k) => [k, given[k]])));
  const s = setupDistillation(o, method.usesLogits(mo));
  const teacherTestError = o.evaluateTeacher === true ? await teacherError(s.teacher, o) : undefined;
  const r = await method.run(s, mo);
  if (o.output !== undefined) saveModel(r.model, o.output, { externalData: false });
  return {
    model: r.model, history: r.history, testError: r.testError,
    settings: r.settings, methodSettings: method.describe(s, mo),
    ...(teacherTestError === undefined ? {} : { teacherTestError }),
  };
}

async function teacherError(teacher: Model, o: DistillOptions): Promise<number> {
  const data = typeof o.dataset === 'string' ? loadDataset(o.dataset, o.datasetOptions) : o.dataset;
  const r = await evaluate(teacher, data.test, {
    ...(o.threads === undefined ? {} : { threads: o.threads }),
    ...(o.signal === undefined ? {} : { signal: o.signal }),
  });
  return r.top1Error;
}
