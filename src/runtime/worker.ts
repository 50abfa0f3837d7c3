/**
 * Long-running work in a worker thread. onnxruntime's `run` blocks the thread it is called on, so long
 * jobs (training, evaluation with progress) run in a `worker_threads` Worker while the main thread keeps
 * printing progress and handling Ctrl-C.
 *
 * Main side: `runWorker(moduleUrl, request, { onProgress, signal })`. Worker side: a module that calls
 * `serveWorker(async (request, ctx) => result)`; it reports with `ctx.progress(p)` and checks
 * `ctx.shouldStop()` (or calls `ctx.throwIfStopped()`) at step boundaries.
 *
 * Stopping: aborting `signal`, or the first Ctrl-C (SIGINT, when `sigint` is on), sets a flag in shared
 * memory that `shouldStop()` reads — no message has to be processed, so it works even while the worker
 * never yields to its event loop. The handler decides what "stop" means (typically: finish writing, then
 * throw SlimnetError('INTERRUPTED') via throwIfStopped). A second Ctrl-C, or `killAfterMs` after a stop
 * request, terminates the worker at once and rejects with INTERRUPTED.
 *
 * Errors thrown in the worker are re-thrown in the main thread with their name, message, stack, `code`
 * and other plain own properties; slimnet error classes keep their prototype (instanceof works).
 */
import { isMainThread, parentPort, Worker, workerData, type Transferable } from 'node:worker_threads';
import { ShapeError, SlimnetError, UnsupportedOpError, VerifyError } from '../ir/errors.js';

/** Options of `runWorker`: progress callback, abort signal, Ctrl-C handling, kill delay and transferred objects. */
export interface RunWorkerOptions<TProgress> {
  /** Called on the main thread for every `ctx.progress(p)` of the worker. */
  readonly onProgress?: (p: TProgress) => void;
  /** Aborting asks the worker to stop at its next step boundary. */
  readonly signal?: AbortSignal;
  /** Handle SIGINT while the worker runs (default true): 1st Ctrl-C = stop request, 2nd = terminate. */
  readonly sigint?: boolean;
  /** After a stop request, terminate the worker if it has not finished within this many ms (default: wait). */
  readonly killAfterMs?: number;
  /** Objects moved (not copied) into the worker, e.g. large ArrayBuffers inside `request`. */
  readonly transfer?: readonly Transferable[];
}

/** What a worker handler receives next to its request. */
export interface WorkerContext<TProgress> {
  /** Sends a progress report to the main thread (structured-cloned). */
  progress(p: TProgress): void;
  /** True once the main thread asked the worker to stop. */
  shouldStop(): boolean;
  /** Throws SlimnetError('INTERRUPTED') if a stop was requested. */
  throwIfStopped(what?: string): void;
}

type FromWorker =
  | { readonly type: 'progress'; readonly value: unknown }
  | { readonly type: 'result'; readonly value: unknown }
  | { readonly type: 'error'; readonly error: SerializedError };

interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly stack: string | undefined;
  readonly code: unknown;
  /** True for SlimnetError and its subclasses. */
  readonly slimnet: boolean;
  readonly props: Record<string, unknown>;
}

interface WorkerData {
  readonly request: unknown;
  readonly stopFlag: Int32Array;
}

/** Runs the task module at `moduleUrl` (which calls serveWorker) in a worker thread. */
export function runWorker<TReq, TProgress, TResult>(
  moduleUrl: URL,
  request: TReq,
  opts: RunWorkerOptions<TProgress> = {},
): Promise<TResult> {
  return new Promise<TResult>((resolvePromise, rejectPromise) => {
    const stopFlag = new Int32Array(new SharedArrayBuffer(4));
    const data: WorkerData = { request, stopFlag };
    let worker: Worker;
    try {
      worker = new Worker(moduleUrl, { workerData: data, transferList: [...(opts.transfer ?? [])] });
    } catch (e) {
      rejectPromise(new SlimnetError('RUNTIME', `cannot start worker ${moduleUrl.href}: ${errMessage(e)}`, { cause: e }));
      return;
    }
    let settled = false;
    let interrupts = 0;
    let killTimer: NodeJS.Timeout | undefined;
    const cleanup = (): void => {
      settled = true;
      opts.signal?.removeEventListener('abort', onAbort);
      if (sigint) process.off('SIGINT', onSigint);
      if (killTimer !== undefined) clearTimeout(killTimer);
    };
    const settle = (fn: () => void): void => {
      if (settled) return;
      cleanup();
      fn();
    };
    const kill = (why: string): void => {
      settle(() => rejectPromise(new SlimnetError('INTERRUPTED', why)));
      void worker.terminate();
    };
    const requestStop = (): void => {
      Atomics.store(stopFlag, 0, 1);
      if (opts.killAfterMs !== undefined && killTimer === undefined) {
        killTimer = setTimeout(() => kill(`worker did not stop within ${opts.killAfterMs} ms and was terminated`), opts.killAfterMs);
      }
    };
    const onAbort = (): void => requestStop();
    const onSigint = (): void => {
      interrupts++;
      if (interrupts === 1) requestStop();
      else kill('interrupted (second Ctrl-C): worker terminated');
    };
    const sigint = opts.sigint ?? true;
    if (sigint) process.on('SIGINT', onSigint);
    if (opts.signal !== undefined) {
      if (opts.signal.aborted) requestStop();
      else opts.signal.addEventListener('abort', onAbort, { once: true });
    }
    worker.on('message', (msg: FromWorker) => {
      if (settled) return;
      if (msg.type === 'progress') {
        try {
          opts.onProgress?.(msg.value as TProgress);
        } catch (e) {
          settle(() => rejectPromise(e));
          void worker.terminate();
        }
      } else if (msg.type === 'result') {
        settle(() => resolvePromise(msg.value as TResult));
        void worker.terminate();
      } else {
        settle(() => rejectPromise(reviveError(msg.error)));
        void worker.terminate();
      }
    });
    worker.on('error', (e) => settle(() => rejectPromise(e)));
    worker.on('exit', (code) => {
      settle(() => rejectPromise(new SlimnetError('RUNTIME', `worker ${moduleUrl.href} exited with code ${code} before reporting a result`)));
    });
  });
}

/** Worker side: runs `handler` on the request sent by runWorker and reports its result or error. */
export function serveWorker<TReq, TProgress, TResult>(
  handler: (request: TReq, ctx: WorkerContext<TProgress>) => Promise<TResult>,
): void {
  if (isMainThread || parentPort === null) {
    throw new SlimnetError('RUNTIME', 'serveWorker must be called from a module started by runWorker');
  }
  const port = parentPort;
  const data = workerData as WorkerData;
  const ctx: WorkerContext<TProgress> = {
    progress: (p) => port.postMessage({ type: 'progress', value: p }),
    shouldStop: () => Atomics.load(data.stopFlag, 0) !== 0,
    throwIfStopped: (what = 'work') => {
      if (Atomics.load(data.stopFlag, 0) !== 0) throw new SlimnetError('INTERRUPTED', `${what} interrupted on request`);
    },
  };
  handler(data.request as TReq, ctx).then(
    (value) => port.postMessage({ type: 'result', value }),
    (e: unknown) => port.postMessage({ type: 'error', error: serializeError(e) }),
  );
}

function serializeError(e: unknown): SerializedError {
  if (!(e instanceof Error)) {
    return { name: 'Error', message: String(e), stack: undefined, code: undefined, slimnet: false, props: {} };
  }
  const props: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(e)) {
    if (k === 'cause') continue;
    try {
      structuredClone(v);
      props[k] = v;
    } catch {
      props[k] = String(v);
    }
  }
  const code = (e as { code?: unknown }).code;
  return { name: e.name, message: e.message, stack: e.stack, code, slimnet: e instanceof SlimnetError, props };
}

const PROTOTYPES: Readonly<Record<string, object>> = {
  SlimnetError: SlimnetError.prototype,
  ShapeError: ShapeError.prototype,
  UnsupportedOpError: UnsupportedOpError.prototype,
  VerifyError: VerifyError.prototype,
};

function reviveError(s: SerializedError): Error {
  let e: Error;
  if (s.slimnet && typeof s.code === 'string') {
    e = new SlimnetError(s.code as SlimnetError['code'], s.message);
    const proto = PROTOTYPES[s.name];
    if (proto !== undefined) Object.setPrototypeOf(e, proto);
  } else {
    e = new Error(s.message);
  }
  Object.assign(e, s.props);
  e.name = s.name;
  if (s.stack !== undefined) e.stack = `${s.stack}\n    --- rethrown from worker thread ---`;
  return e;
}

function errMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
