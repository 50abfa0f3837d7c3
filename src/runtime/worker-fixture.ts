/**
 * Test fixture for worker.test.ts (not used by the library): a worker that counts to `steps`, reporting
 * progress, optionally throwing a SlimnetError or a plain error at `failAt`, and honouring stop requests.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ShapeError, SlimnetError } from '../ir/errors.js';
import { serveWorker } from './worker.js';

export interface FixtureRequest {
  readonly steps: number;
  /** Milliseconds per step. */
  readonly stepMs: number;
  readonly failAt?: number;
  readonly failWith?: 'slimnet' | 'shape' | 'plain';
  /** Ignore stop requests (to test forced termination). */
  readonly ignoreStop?: boolean;
  /** Busy-wait instead of sleeping (the event loop never runs, like a blocking onnxruntime call). */
  readonly busy?: boolean;
}

serveWorker<FixtureRequest, number, { steps: number; total: number }>(async (req, ctx) => {
  let total = 0;
  for (let i = 0; i < req.steps; i++) {
    if (req.ignoreStop !== true) ctx.throwIfStopped(`fixture step ${i}`);
    if (i === req.failAt) {
      if (req.failWith === 'shape') throw new ShapeError('bad dims', 'conv1');
      if (req.failWith === 'plain') throw new TypeError('plain failure');
      throw new SlimnetError('DATASET_INVALID', `failed at step ${i}`);
    }
    if (req.busy === true) {
      const end = Date.now() + req.stepMs;
      while (Date.now() < end) total += 0;
    } else {
      await sleep(req.stepMs);
    }
    total += i;
    ctx.progress(i + 1);
  }
  return { steps: req.steps, total };
});
