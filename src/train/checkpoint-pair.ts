/**
 * The two files of a checkpoint kept consistent: '<path>.state' is the source of truth of a resume and
 * '<path>' is the ONNX inference model made from it, whose SHA-256 the state records.
 *
 * Write order: the state first (naming the digest of the ONNX bytes about to be written and of the ONNX file
 * they replace), then the ONNX file, each atomically (temp file + rename). A kill -9 at any point therefore
 * leaves either the old pair, or the new state beside the ONNX file it names as `previous` (or none): a
 * resume recognises that half-finished write and regenerates the ONNX file from the state. Any other ONNX
 * file means the two files disagree, a CHECKPOINT_INVALID error that changes nothing on disk.
 */
import { SlimnetError } from '../ir/errors.js';
import { atomicWrite } from '../util/atomic-write.js';
import { statePath, writeState, type CheckpointState } from './checkpoint.js';
import { readCheckpointFile, sha256Hex } from './checkpoint-file.js';

/** What reconcileModel found: the ONNX file the state names, or one it regenerated. */
export type ModelReconciliation = 'consistent' | 'regenerated';

/**
 * Writes the state (with the digest of `modelBytes` and `previous`, the digest of the ONNX file it replaces)
 * and then the ONNX file. Returns the digest of `modelBytes`, the `previous` of the next checkpoint.
 */
export function writeCheckpoint(
  checkpoint: string, state: Omit<CheckpointState, 'model'>, modelBytes: Uint8Array, previous: string | null,
): string {
  const sha256 = sha256Hex(modelBytes);
  writeState(checkpoint, { ...state, model: { sha256, previous } });
  atomicWrite(checkpoint, modelBytes);
  return sha256;
}

/**
 * Checks the ONNX file of a checkpoint against its state before a resume. `regenerated` is the model being
 * trained with the state's values in it: it must be exactly the model the state records, else the state
 * belongs to another model. The file on disk must be that model, or the one the state replaced (or be
 * missing) after an interrupted write, which is then rewritten; anything else is a CHECKPOINT_INVALID error.
 */
export function reconcileModel(
  checkpoint: string, state: CheckpointState, regenerated: Uint8Array,
): ModelReconciliation {
  const sp = statePath(checkpoint);
  if (sha256Hex(regenerated) !== state.model.sha256) {
    throw new SlimnetError(
      'CHECKPOINT_INVALID',
      `checkpoint state '${sp}' does not belong to the model being trained: its values in this model do not give ` +
        `the checkpoint model it records (another model, or another slimnet version); train without --resume`,
    );
  }
  const onDisk = readCheckpointFile(checkpoint, 2 * regenerated.length + (1 << 20));
  const digest = onDisk === undefined ? undefined : sha256Hex(onDisk);
  if (digest === state.model.sha256) return 'consistent';
  if (digest !== undefined && digest !== state.model.previous) {
    throw new SlimnetError(
      'CHECKPOINT_INVALID',
      `checkpoint '${checkpoint}' and its state '${sp}' disagree: the ONNX file is not the model the state was ` +
        `saved with (epoch ${state.epochsDone}); delete '${checkpoint}' to regenerate it from the state, ` +
        'or train without --resume',
    );
  }
  atomicWrite(checkpoint, regenerated);
  return 'regenerated';
}
