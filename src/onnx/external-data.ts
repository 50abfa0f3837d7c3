/**
 * External tensor data (TensorProto.data_location = EXTERNAL): reading the bytes a tensor points at, and
 * collecting tensors into one data file when saving.
 */
import { create } from '@bufbuild/protobuf';
import { StringStringEntryProtoSchema, type StringStringEntryProto, type TensorProto } from 'onnx-buf';
import type { DecodeContext } from './context.js';

function entry(tp: TensorProto, key: string): string | undefined {
  return tp.externalData.find((e) => e.key === key)?.value;
}

function parseCount(
  text: string | undefined, what: string, tensorName: string, ctx: DecodeContext,
): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n)) {
    throw ctx.error(`tensor '${tensorName}': external data ${what} '${text}' is not a non-negative integer`);
  }
  return n;
}

/**
 * The `expectedBytes` bytes an external tensor points at. The location is checked (inside the model's
 * directory, a regular file) and the declared range against the file's size before anything is allocated;
 * only that range is read.
 */
export function readExternalData(
  tp: TensorProto, tensorName: string, expectedBytes: number, ctx: DecodeContext,
): Uint8Array {
  const location = entry(tp, 'location');
  if (location === undefined) throw ctx.error(`tensor '${tensorName}' is marked EXTERNAL but has no 'location' entry`);
  const offset = parseCount(entry(tp, 'offset'), 'offset', tensorName, ctx) ?? 0;
  const declared = parseCount(entry(tp, 'length'), 'length', tensorName, ctx);
  const file = ctx.externalFile(location, tensorName);
  const need = declared ?? expectedBytes;
  if (offset + need > file.size) {
    throw ctx.error(
      `external data file '${location}' is too short for tensor '${tensorName}': ` +
        `needs bytes ${offset}..${offset + need}, file has ${file.size}`,
      'IO',
    );
  }
  const length = declared ?? file.size - offset;
  if (length !== expectedBytes) {
    throw ctx.error(
      `tensor '${tensorName}': external data length ${length} does not match its dims and type ` +
        `(${expectedBytes} bytes)`,
    );
  }
  return ctx.readExternal(file, offset, length, tensorName);
}

/**
 * Accumulates tensor bytes for one external data file, aligning each tensor to `alignment` bytes. The file's
 * name may be set after all tensors were added (it can depend on the contents): the 'location' entries
 * handed out are updated in place.
 */
export class ExternalDataWriter {
  private name: string;
  private readonly locationEntries: StringStringEntryProto[] = [];
  private readonly chunks: Uint8Array[] = [];
  private size = 0;
  private readonly alignment: number;

  constructor(location: string, alignment = 64) {
    this.name = location;
    this.alignment = alignment;
  }

  /** The data file's name, relative to the model's directory. */
  get location(): string {
    return this.name;
  }

  /** Renames the data file, in every 'location' entry already handed out too. */
  set location(name: string) {
    this.name = name;
    for (const e of this.locationEntries) e.value = name;
  }

  /** Whether no tensor was added. */
  get isEmpty(): boolean {
    return this.size === 0 && this.chunks.length === 0;
  }

  /** Appends `bytes`; returns the external_data entries to store in the TensorProto. */
  add(bytes: Uint8Array): StringStringEntryProto[] {
    const pad = (this.alignment - (this.size % this.alignment)) % this.alignment;
    if (pad > 0) {
      this.chunks.push(new Uint8Array(pad));
      this.size += pad;
    }
    const offset = this.size;
    this.chunks.push(bytes);
    this.size += bytes.byteLength;
    const location = create(StringStringEntryProtoSchema, { key: 'location', value: this.name });
    this.locationEntries.push(location);
    return [
      location,
      create(StringStringEntryProtoSchema, { key: 'offset', value: String(offset) }),
      create(StringStringEntryProtoSchema, { key: 'length', value: String(bytes.byteLength) }),
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

/** The external_data entries of one TensorProto (location, offset, length). */
export type ExternalDataEntries = StringStringEntryProto[];
