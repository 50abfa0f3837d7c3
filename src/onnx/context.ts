/**
 * Decoding context: which file is being read (for error messages) and where its external data lives.
 * External data files are checked once per decode (see external-file.ts), cached by their real identity
 * (device + inode) rather than by spelling, and read range by range. The bytes tensors take from one file
 * may not add up to more than the file holds, so overlapping or repeated ranges cannot multiply memory.
 */
import { realpathSync } from 'node:fs';
import { SlimnetError, type ErrorCode } from '../ir/errors.js';
import { registerCompanion } from '../util/companion-files.js';
import { readExternalRange, resolveExternalFile, type ExternalFile } from './external-file.js';

/** State of one decode: the file named in errors and the external data files read so far. */
export class DecodeContext {
  /** The model file's path (or a placeholder when decoding bytes). */
  readonly file: string;
  /** Directory external data locations are resolved against; undefined when decoding plain bytes. */
  readonly baseDir: string | undefined;
  private readonly modelPath: string | undefined;
  private realBaseDir: string | undefined;
  private readonly bySpelling = new Map<string, ExternalFile>();
  private readonly byInode = new Map<string, ExternalFile>();
  private readonly bytesTaken = new Map<string, number>();

  constructor(file: string | undefined, baseDir: string | undefined) {
    this.file = file ?? '<model bytes>';
    this.modelPath = file;
    this.baseDir = baseDir;
  }

  /** An error prefixed with the file being decoded. */
  error(message: string, code: ErrorCode = 'ONNX_DECODE', cause?: unknown): SlimnetError {
    return new SlimnetError(code, `${this.file}: ${message}`, cause === undefined ? undefined : { cause });
  }

  private modelDir(location: string, tensorName: string): string {
    if (this.baseDir === undefined) {
      throw this.error(
        `tensor '${tensorName}' stores its data in external file '${location}', but the model was decoded from bytes ` +
          'without a path (use loadModel or pass opts.path)',
        'IO',
      );
    }
    if (this.realBaseDir === undefined) {
      try {
        this.realBaseDir = realpathSync(this.baseDir);
      } catch (e) {
        const msg = e instanceof Error ? e.message : String(e);
        const what = `cannot resolve the model's directory '${this.baseDir}' for tensor '${tensorName}'`;
        throw this.error(`${what}: ${msg}`, 'IO', e);
      }
    }
    return this.realBaseDir;
  }

  /** The checked external data file `location` (relative to the model's directory) names. Opens nothing. */
  externalFile(location: string, tensorName: string): ExternalFile {
    const cached = this.bySpelling.get(location);
    if (cached !== undefined) return cached;
    const fail = (m: string, code: ErrorCode, cause?: unknown): SlimnetError => this.error(m, code, cause);
    const file = resolveExternalFile(this.modelDir(location, tensorName), location, tensorName, fail);
    const same = this.byInode.get(file.inode);
    if (same === undefined) this.byInode.set(file.inode, file);
    // One identity per file: its first real path and size, whatever the spelling (which errors keep naming).
    const checked = same === undefined ? file : { ...same, location };
    this.bySpelling.set(location, checked);
    if (this.modelPath !== undefined) registerCompanion(this.modelPath, checked.realPath);
    return checked;
  }

  /**
   * Bytes offset..offset+length of `file` for tensor `tensorName`. Throws ONNX_DECODE when the tensors'
   * ranges in this file add up to more than its size.
   */
  readExternal(file: ExternalFile, offset: number, length: number, tensorName: string): Uint8Array {
    const taken = (this.bytesTaken.get(file.inode) ?? 0) + length;
    if (taken > file.size) {
      throw this.error(
        `tensor '${tensorName}' (external data '${file.location}', bytes ${offset}..${offset + length}) overlaps ` +
          `data other tensors already use: tensors would take ${taken} bytes from a file of ${file.size}`,
      );
    }
    this.bytesTaken.set(file.inode, taken);
    const fail = (m: string, code: ErrorCode, cause?: unknown): SlimnetError => this.error(m, code, cause);
    return readExternalRange(file, offset, length, tensorName, fail);
  }
}
