/** Worker entry module of evaluateInWorker (started by runWorker; never import it elsewhere). */
import { evaluate, type EvaluateResult } from './evaluate.js';
import type { EvalProgress, EvalRequest } from './evaluate-worker.js';
import { serveWorker } from './worker.js';

serveWorker<EvalRequest, EvalProgress, EvaluateResult>((req, ctx) =>
  evaluate(req.model, req.split, {
    ...req.opts,
    onProgress: (done, total) => ctx.progress({ done, total }),
    shouldStop: () => ctx.shouldStop(),
  }));
