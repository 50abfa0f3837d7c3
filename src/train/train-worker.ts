/** Worker entry of the training loop (started by train() through runtime/worker.ts). */
import { serveWorker } from '../runtime/worker.js';
import { runTraining } from './run-training.js';
import type { TrainProgress, TrainRequest, TrainResponse } from './types.js';

serveWorker<TrainRequest, TrainProgress, TrainResponse>(runTraining);
