/**
 * distill({ teacher, student, method, ... }): trains the student from a frozen teacher that runs inside the
 * same training graph (see teacher.ts), with Hinton's soft targets ('kd'), FitNets ('fitnets') or attention
 * transfer ('at'). Returns the trained student and the history of every stage.
 */
import { loadDataset } from '../../data/load.js';
import { SlimnetError } from '../../ir/errors.js';
import type { Model } from '../../ir/graph.js';
import { saveModel } from '../../onnx/index.js';
import { evaluate } from '../../runtime/evaluate.js';
import { distillMethods, DISTILL_METHOD_NAMES, type DistillMethod, type DistillOptions } from './methods.js';
import { setupDistillation } from './stage.js';
import type { DistillResult } from './types.js';

/**
 * Trains a student model from a teacher with a distillation method (KD, FitNets or attention transfer), the teacher
 * embedded in the training graph.
 */
export async function distill(o: DistillOptions): Promise<DistillResult> {
  const method = Object.prototype.hasOwnProperty.call(distillMethods, o.method)
    ? (distillMethods[o.method] as unknown as DistillMethod<DistillOptions>)
    : undefined;
  if (method === undefined) {
    throw new SlimnetError('INVALID_ARGUMENT', `unknown distillation method '${String(o.method)}'; use ${DISTILL_METHOD_NAMES.join(', ')}`);
  }
  const s = setupDistillation(o, method.usesLogits(o));
  const teacherTestError = o.evaluateTeacher === true ? await teacherError(s.teacher, o) : undefined;
  const r = await method.run(s, o);
  if (o.output !== undefined) saveModel(r.model, o.output, { externalData: false });
  return {
    model: r.model, history: r.history, testError: r.testError,
    settings: r.settings, methodSettings: method.describe(s, o),
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
