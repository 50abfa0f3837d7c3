/** Bytes of the packed 1-bit weight format (layout in FORMAT.md): `encodePackedWeights` / `decodePackedWeights`. */
import { SlimnetError } from '../../ir/errors.js';
import type { PackedBinaryWeights } from './packed.js';

const MAGIC = [0x53, 0x4e, 0x58, 0x42]; // "SNXB"
const VERSION = 1;
const HEADER = 24;

/** Size in bytes of the encoded form. */
export function packedByteSize(p: PackedBinaryWeights): number {
  return HEADER + p.bits.length * 4 + (p.scales === undefined ? 0 : p.outChannels * 4);
}

/** Serialises packed binary weights: the 'SNXB' header (version, kind, dims), the bit rows and the optional scales. */
export function encodePackedWeights(p: PackedBinaryWeights): Uint8Array {
  const bytes = new Uint8Array(packedByteSize(p));
  const dv = new DataView(bytes.buffer);
  bytes.set(MAGIC, 0);
  dv.setUint8(4, VERSION);
  dv.setUint8(5, p.kind === 'conv' ? 0 : 1);
  dv.setUint8(6, p.scales === undefined ? 0 : 1);
  dv.setUint32(8, p.outChannels, true);
  dv.setUint32(12, p.inChannels, true);
  dv.setUint32(16, p.kernel[0], true);
  dv.setUint32(20, p.kernel[1], true);
  let at = HEADER;
  for (const half of p.bits) {
    dv.setUint32(at, half, true);
    at += 4;
  }
  for (const s of p.scales ?? []) {
    dv.setFloat32(at, s, true);
    at += 4;
  }
  return bytes;
}

/** Reads packed binary weights written by `encodePackedWeights`; throws ONNX_DECODE on a bad magic, version or size. */
export function decodePackedWeights(bytes: Uint8Array): PackedBinaryWeights {
  const bad = (why: string): SlimnetError => new SlimnetError('ONNX_DECODE', `not valid packed binary weights: ${why}`);
  if (bytes.length < HEADER || MAGIC.some((b, i) => bytes[i] !== b)) throw bad('magic "SNXB" missing');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (dv.getUint8(4) !== VERSION) throw bad(`version ${dv.getUint8(4)} is not supported (expected ${VERSION})`);
  const kindCode = dv.getUint8(5);
  const flags = dv.getUint8(6);
  if (kindCode > 1 || flags > 1) throw bad(`unknown kind ${kindCode} or flags ${flags}`);
  const m = dv.getUint32(8, true);
  const c = dv.getUint32(12, true);
  const kh = dv.getUint32(16, true);
  const kw = dv.getUint32(20, true);
  if (m === 0 || c === 0 || kh === 0 || kw === 0 || (kindCode === 1 && (kh !== 1 || kw !== 1))) {
    throw bad(`impossible dims M=${m} C=${c} kernel=${kh}x${kw}`);
  }
  const wordsPerRow = Math.ceil((c * kh * kw) / 64);
  const halves = m * wordsPerRow * 2;
  const expected = HEADER + halves * 4 + (flags === 1 ? m * 4 : 0);
  if (bytes.length !== expected) throw bad(`${bytes.length} bytes, expected ${expected} for M=${m} C=${c} kernel=${kh}x${kw}`);
  const bits = new Uint32Array(halves);
  for (let i = 0; i < halves; i++) bits[i] = dv.getUint32(HEADER + 4 * i, true);
  const reduction = c * kh * kw;
  for (let r = 0; r < m; r++) {
    const j = reduction % 64;
    if (j !== 0 && hasBitsFrom(bits, (r + 1) * wordsPerRow * 2 - 2, j)) throw bad(`row ${r} has bits set past the reduction length ${reduction}`);
  }
  let scales: Float32Array | undefined;
  if (flags === 1) {
    scales = new Float32Array(m);
    for (let i = 0; i < m; i++) scales[i] = dv.getFloat32(HEADER + halves * 4 + 4 * i, true);
  }
  return { kind: kindCode === 0 ? 'conv' : 'gemm', outChannels: m, inChannels: c, kernel: [kh, kw], wordsPerRow, bits, scales };
}

/** Whether the 64-bit word whose low half is at `lo` has any bit at position >= from. */
function hasBitsFrom(bits: Uint32Array, lo: number, from: number): boolean {
  const low = bits[lo] as number;
  const high = bits[lo + 1] as number;
  if (from >= 32) return from === 32 ? high !== 0 : (high >>> (from - 32)) !== 0;
  return (low >>> from) !== 0 || high !== 0;
}
