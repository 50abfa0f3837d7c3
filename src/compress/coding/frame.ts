/**
 * The checksummed frame of the Deep Compression container (FORMAT.md, version 3): magic, version, file length,
 * layer count, the ONNX section and one section per layer (each a u32 length, the payload and the payload's
 * CRC-32), then the CRC-32 of every byte before it. `readFrame` verifies all of it before any section is parsed;
 * the payloads themselves are the business of container.ts and layer-codec.ts.
 */
import { SlimnetError } from '../../ir/errors.js';
import { crc32 } from '../../util/crc32.js';
import { ByteWriter } from './bits.js';

/** First four bytes of every container. */
export const MAGIC = 'SLDC';
/** Version written and the only one read (1 and 2 had no checksums). */
export const VERSION = 3;
/** magic, version, file length, layer count. */
export const HEADER_BYTES = 13;
/** Length and CRC-32 around each section's payload. */
export const SECTION_OVERHEAD = 8;
/** The smallest container: header, an empty ONNX section, the file CRC-32. */
const MIN_BYTES = HEADER_BYTES + SECTION_OVERHEAD + 4;
const MAGIC_BYTES = new TextEncoder().encode(MAGIC);

/** The verified payloads of a container. */
export interface Frame {
  /** The embedded ONNX model. */
  readonly onnx: Uint8Array;
  /** One payload per compressed layer, in file order. */
  readonly layers: readonly Uint8Array[];
}

/** Where one section lies in a container (offsets of its length field, payload and CRC-32). */
export interface SectionSpan {
  /** 'ONNX section' or 'layer section i of n'. */
  readonly label: string;
  readonly lengthOffset: number;
  readonly payloadOffset: number;
  readonly payloadLength: number;
  readonly crcOffset: number;
}

function corrupt(message: string): SlimnetError {
  return new SlimnetError('CONTAINER_CORRUPT', message);
}

function u32At(bytes: Uint8Array, offset: number): number {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(offset, true);
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}

/** Writes a container around the ONNX model bytes and the layer payloads. */
export function writeFrame(onnx: Uint8Array, layers: readonly Uint8Array[]): Uint8Array {
  const w = new ByteWriter();
  w.bytes(MAGIC_BYTES);
  w.u8(VERSION);
  const size = MIN_BYTES + onnx.length + layers.reduce((s, l) => s + SECTION_OVERHEAD + l.length, 0);
  if (size > 0xffffffff) {
    throw new SlimnetError('INVALID_ARGUMENT', `a container holds at most 4 GiB, this one would be ${size} bytes`);
  }
  w.u32(size);
  w.u32(layers.length);
  for (const payload of [onnx, ...layers]) {
    w.block(payload);
    w.u32(crc32(payload));
  }
  const body = w.finish();
  const out = new Uint8Array(body.length + 4);
  out.set(body);
  new DataView(out.buffer).setUint32(body.length, crc32(body), true);
  return out;
}

/**
 * The sections of `bytes` as far as their length fields stay inside the file (all of them for a sound container;
 * fewer for a damaged one). Reads only the header and the length fields.
 */
export function sectionSpans(bytes: Uint8Array): SectionSpan[] {
  if (bytes.length < MIN_BYTES) return [];
  const count = u32At(bytes, 9);
  const end = bytes.length - 4;
  const spans: SectionSpan[] = [];
  let at = HEADER_BYTES;
  for (let i = 0; i <= count && at + SECTION_OVERHEAD <= end; i++) {
    const length = u32At(bytes, at);
    if (length > end - at - SECTION_OVERHEAD) break;
    const label = i === 0 ? 'ONNX section' : `layer section ${i} of ${count}`;
    spans.push({ label, lengthOffset: at, payloadOffset: at + 4, payloadLength: length, crcOffset: at + 4 + length });
    at += SECTION_OVERHEAD + length;
  }
  return spans;
}

function checkHeader(bytes: Uint8Array): void {
  if (bytes.length < 4 || MAGIC_BYTES.some((b, i) => bytes[i] !== b)) {
    throw corrupt(`not a slimnet Deep Compression container (the file does not start with '${MAGIC}')`);
  }
  if (bytes.length < MIN_BYTES) {
    throw corrupt(`truncated container: ${bytes.length} bytes, a container has at least ${MIN_BYTES}`);
  }
  const version = bytes[4] as number;
  if (version === 1 || version === 2) {
    throw corrupt(`container format version ${version} (written by an older slimnet, without checksums) is no `
      + `longer read; this slimnet reads version ${VERSION}: pack the model again`);
  }
  if (version !== VERSION) {
    throw corrupt(`unknown container format version ${version} (expected ${VERSION}); the file may be damaged`);
  }
  const recorded = u32At(bytes, 5);
  if (recorded !== bytes.length) {
    throw corrupt(`the container is ${bytes.length} bytes but its header records ${recorded} `
      + '(truncated, extended or damaged)');
  }
}

/** The first section whose payload fails its CRC-32, to name in a checksum error. */
function damagedSection(bytes: Uint8Array): string {
  const spans = sectionSpans(bytes);
  for (const s of spans) {
    const stored = u32At(bytes, s.crcOffset);
    const actual = crc32(bytes.subarray(s.payloadOffset, s.crcOffset));
    if (stored !== actual) {
      return `the ${s.label}${layerNameHint(bytes, s)} (its CRC-32 is ${hex(actual)}, stored ${hex(stored)})`;
    }
  }
  const complete = spans.length === u32At(bytes, 9) + 1 && spans.at(-1)?.crcOffset === bytes.length - 8;
  return complete ? 'the header or a section length or checksum field' : 'the header or the section lengths';
}

/** " ('name')" when a damaged layer section still starts with a readable name, else "". */
function layerNameHint(bytes: Uint8Array, s: SectionSpan): string {
  if (!s.label.startsWith('layer') || s.payloadLength < 4) return '';
  const n = u32At(bytes, s.payloadOffset);
  if (n === 0 || n > 256 || n > s.payloadLength - 4) return '';
  try {
    const raw = bytes.subarray(s.payloadOffset + 4, s.payloadOffset + 4 + n);
    const name = new TextDecoder('utf-8', { fatal: true }).decode(raw);
    return /^[\x20-\x7e]+$/.test(name) ? `, apparently layer '${name}'` : '';
  } catch {
    return '';
  }
}

/**
 * Verifies a container's magic, version, recorded length and whole-file CRC-32, then splits it into sections,
 * each checked against its own CRC-32 and all together filling the file exactly. Throws 'CONTAINER_CORRUPT'
 * naming the damaged section where it can be told.
 */
export function readFrame(bytes: Uint8Array): Frame {
  checkHeader(bytes);
  const stored = u32At(bytes, bytes.length - 4);
  const actual = crc32(bytes.subarray(0, bytes.length - 4));
  if (stored !== actual) {
    throw corrupt(`container checksum mismatch (CRC-32 ${hex(actual)}, stored ${hex(stored)}): `
      + `damaged in ${damagedSection(bytes)}`);
  }
  const count = u32At(bytes, 9);
  const spans = sectionSpans(bytes);
  if (spans.length !== count + 1) {
    const fit = Math.max(0, spans.length - 1);
    throw corrupt(`the header announces ${count} layer section(s) but only ${fit} fit in the file`);
  }
  const last = spans[spans.length - 1] as SectionSpan;
  if (last.crcOffset + 4 !== bytes.length - 4) {
    throw corrupt(`${bytes.length - 8 - last.crcOffset} unexplained byte(s) after the last section`);
  }
  for (const s of spans) {
    const crc = crc32(bytes.subarray(s.payloadOffset, s.crcOffset));
    const stored = u32At(bytes, s.crcOffset);
    if (crc !== stored) throw corrupt(`the ${s.label} fails its CRC-32 (${hex(crc)}, stored ${hex(stored)})`);
  }
  const payload = (s: SectionSpan): Uint8Array => bytes.subarray(s.payloadOffset, s.crcOffset);
  return { onnx: payload(spans[0] as SectionSpan), layers: spans.slice(1).map(payload) };
}

/**
 * A copy of `bytes` with its recorded length, every section CRC-32 that can be located and the whole-file CRC-32
 * recomputed: what a damaged or deliberately edited container looks like when its checksums were forged. Tests
 * and benchmarks use it to reach the structural checks behind the checksums.
 */
export function resealFrame(bytes: Uint8Array): Uint8Array {
  const out = Uint8Array.from(bytes);
  if (out.length < MIN_BYTES) return out;
  const view = new DataView(out.buffer);
  view.setUint32(5, out.length, true);
  for (const s of sectionSpans(out)) {
    view.setUint32(s.crcOffset, crc32(out.subarray(s.payloadOffset, s.crcOffset)), true);
  }
  view.setUint32(out.length - 4, crc32(out.subarray(0, out.length - 4)), true);
  return out;
}
