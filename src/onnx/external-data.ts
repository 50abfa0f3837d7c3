/**
 * External tensor data (TensorProto.data_location = EXTERNAL): reading the bytes a tensor points at, and
 * collecting tensors into one data file when saving.
 */
import type { StringStringEntryProto, TensorProto } from 'onnx-buf';
import type { DecodeContext } from './context.js';

function entry(tp: TensorProto, key: string): string | undefined {
  return tp.externalData.find((e) => e.key === key)?.value;
}

function parseCount(text: string | undefined, what: string, tensorName: string, ctx: DecodeContext): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n)) {
    throw ctx.error(`tensor '${tensorName}': external data ${what} '${text}' is not a non-negative integer`);
  }
  return n;
}

/** The `expectedBytes` bytes an external tensor points at (a view into the cached file). */
export function readExternalData(tp: TensorProto, tensorName: string, expectedBytes: number, ctx: DecodeContext): Uint8Array {
  const location = entry(tp, 'location');
  if (location === undefined) throw ctx.error(`tensor '${tensorName}' is marked EXTERNAL but has no 'location' entry`);
  const offset = parseCount(entry(tp, 'offset'), 'offset', tensorName, ctx) ?? 0;
  const file = ctx.externalFile(location, tensorName);
  const length = parseCount(entry(tp, 'length'), 'length', tensorName, ctx) ?? file.byteLength - offset;
  if (offset + length > file.byteLength) {
    throw ctx.error(
      `external data file '${location}' is too short for tensor '${tensorName}': needs bytes ${offset}..${offset + length}, file has ${file.byteLength}`,
      'IO',
    );
  }
  if (length !== expectedBytes) {
    throw ctx.error(`tensor '${tensorName}': external data length ${length} does not match its dims and type (${expectedBytes} bytes)`);
  }
  return file.subarray(offset, offset + length);
}

/** Accumulates tensor bytes for one external data file, aligning each tensor to `alignment` bytes. */
export class ExternalDataWriter {
  readonly location: string;
  private readonly chunks: Uint8Array[] = [];
  private size = 0;
  private readonly alignment: number;

  constructor(location: string, alignment = 64) {
    this.location = location;
    this.alignment = alignment;
  }

  get isEmpty(): boolean {
    return this.size === 0 && this.chunks.length === 0;
  }

  /** Appends `bytes`; returns the external_data entries to store in the TensorProto. */
  add(bytes: Uint8Array): Array<{ key: string; value: string }> {
    const pad = (this.alignment - (this.size % this.alignment)) % this.alignment;
    if (pad > 0) {
      this.chunks.push(new Uint8Array(pad));
      this.size += pad;
    }
    const offset = this.size;
    this.chunks.push(bytes);
    this.size += bytes.byteLength;
    return [
      { key: 'location', value: this.location },
      { key: 'offset', value: String(offset) },
      { key: 'length', value: String(bytes.byteLength) },
    ];
  }

  /** The file's contents. */
  bytes(): Uint8Array {
    const out = new Uint8Array(this.size);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.byteLength;
    }
    return out;
  }
}

export type ExternalDataEntries = StringStringEntryProto[];
