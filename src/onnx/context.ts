/**
 * Decoding context: which file is being read (for error messages) and where its external data lives.
 * External data files are read once and cached for the duration of one decode.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { SlimnetError, type ErrorCode } from '../ir/errors.js';

export class DecodeContext {
  /** The model file's path (or a placeholder when decoding bytes). */
  readonly file: string;
  /** Directory external data locations are resolved against; undefined when decoding plain bytes. */
  readonly baseDir: string | undefined;
  private readonly externalFiles = new Map<string, Uint8Array>();

  constructor(file: string | undefined, baseDir: string | undefined) {
    this.file = file ?? '<model bytes>';
    this.baseDir = baseDir;
  }

  error(message: string, code: ErrorCode = 'ONNX_DECODE'): SlimnetError {
    return new SlimnetError(code, `${this.file}: ${message}`);
  }

  /** The bytes of an external data file named by `location`, relative to the model's directory. */
  externalFile(location: string, tensorName: string): Uint8Array {
    const cached = this.externalFiles.get(location);
    if (cached !== undefined) return cached;
    if (this.baseDir === undefined) {
      throw this.error(`tensor '${tensorName}' stores its data in external file '${location}', but the model was decoded from bytes without a path (use loadModel or pass opts.path)`, 'IO');
    }
    if (location === '' || isAbsolute(location)) {
      throw this.error(`tensor '${tensorName}' has an invalid external data location '${location}' (must be a relative path)`);
    }
    const full = resolve(this.baseDir, location);
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(full);
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      throw this.error(`cannot read external data file '${location}' of tensor '${tensorName}' (${full}): ${msg}`, 'IO');
    }
    this.externalFiles.set(location, bytes);
    return bytes;
  }
}
