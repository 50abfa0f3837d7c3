/**
 * Typed errors. Every error slimnet raises carries a stable `code` so callers (and the CLI) can react
 * to the kind of failure without parsing messages. Messages name the file / node / expectation.
 */

/** Stable machine-readable error codes. */
export type ErrorCode =
  | 'ONNX_DECODE'
  | 'ONNX_ENCODE'
  | 'UNSUPPORTED_OP'
  | 'SHAPE_MISMATCH'
  | 'VERIFY'
  | 'DATASET_MISSING'
  | 'DATASET_INVALID'
  /** A training checkpoint that is corrupt, unverifiable or inconsistent with its pair. */
  | 'CHECKPOINT_INVALID'
  /** A Deep Compression container (.sldc) that fails its checksums or structural checks, or is of an old version. */
  | 'CONTAINER_CORRUPT'
  /** A model that decodes but cannot be used as it is, e.g. NaN / Inf weights. */
  | 'MODEL_INVALID'
  | 'IO'
  | 'INVALID_ARGUMENT'
  | 'RUNTIME'
  | 'TRAINING_DIVERGED'
  | 'INTERRUPTED'
  | 'DEPENDENCY_MISSING';

/** Base class of all slimnet errors. */
export class SlimnetError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SlimnetError';
    this.code = code;
  }
}

/** An operator a pass or analysis needs to understand but has no rule for. */
export class UnsupportedOpError extends SlimnetError {
  readonly opType: string;
  readonly nodeName: string;
  constructor(opType: string, nodeName: string, what = 'this operation') {
    super('UNSUPPORTED_OP', `unsupported op '${opType}' (node '${nodeName}'): no rule for ${what}`);
    this.name = 'UnsupportedOpError';
    this.opType = opType;
    this.nodeName = nodeName;
  }
}

/** A shape or dtype that contradicts what an op or a model input expects. */
export class ShapeError extends SlimnetError {
  readonly nodeName: string | undefined;
  constructor(message: string, nodeName?: string) {
    super('SHAPE_MISMATCH', nodeName === undefined ? message : `node '${nodeName}': ${message}`);
    this.name = 'ShapeError';
    this.nodeName = nodeName;
  }
}

/** A graph that breaks an IR invariant (single assignment, order, dangling values...). */
export class VerifyError extends SlimnetError {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super('VERIFY', `graph verification failed:\n  - ${problems.join('\n  - ')}`);
    this.name = 'VerifyError';
    this.problems = problems;
  }
}

/** Narrowing helper for catch blocks. */
export function isSlimnetError(e: unknown, code?: ErrorCode): e is SlimnetError {
  return e instanceof SlimnetError && (code === undefined || e.code === code);
}
