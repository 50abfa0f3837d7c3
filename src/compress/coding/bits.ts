/** MSB-first bit streams and a little-endian byte buffer for the Deep Compression container. */
import { SlimnetError } from '../../ir/errors.js';

/** Writes an MSB-first bit stream, zero-padded to whole bytes by `finish`. */
export class BitWriter {
  private bytes: Uint8Array = new Uint8Array(64);
  private bitLength = 0;

  /** Appends the low `n` bits of `value` (n <= 32), most significant first. */
  write(value: number, n: number): void {
    for (let i = n - 1; i >= 0; i--) {
      if (this.bitLength >> 3 >= this.bytes.length) {
        const grown = new Uint8Array(this.bytes.length * 2);
        grown.set(this.bytes);
        this.bytes = grown;
      }
      if ((value >>> i) & 1) {
        const p = this.bitLength >> 3;
        this.bytes[p] = (this.bytes[p] as number) | (0x80 >> (this.bitLength & 7));
      }
      this.bitLength++;
    }
  }

  get length(): number {
    return this.bitLength;
  }

  /** The bits, zero-padded to whole bytes. */
  finish(): Uint8Array {
    return this.bytes.slice(0, (this.bitLength + 7) >> 3);
  }
}

/** Reads an MSB-first bit stream; reading past its end throws a SlimnetError. */
export class BitReader {
  private pos = 0;
  constructor(private readonly bytes: Uint8Array) {}

  bit(): number {
    const p = this.pos >> 3;
    if (p >= this.bytes.length) throw new SlimnetError('ONNX_DECODE', 'compressed stream ended early');
    const b = ((this.bytes[p] as number) >> (7 - (this.pos & 7))) & 1;
    this.pos++;
    return b;
  }

  read(n: number): number {
    let v = 0;
    for (let i = 0; i < n; i++) v = (v * 2) + this.bit();
    return v;
  }

  /** Bits not read yet (padding included). */
  get bitsLeft(): number {
    return this.bytes.length * 8 - this.pos;
  }

  /** True when only the zero padding of the last byte is left (what a BitWriter's `finish` leaves). */
  get atPaddedEnd(): boolean {
    const left = this.bitsLeft;
    if (left < 0 || left >= 8) return false;
    const last = this.bytes.length === 0 ? 0 : (this.bytes[this.bytes.length - 1] as number);
    return (last & ((1 << left) - 1)) === 0;
  }
}

/** Growable little-endian byte writer. */
export class ByteWriter {
  private buf = new Uint8Array(256);
  private view = new DataView(this.buf.buffer);
  private n = 0;

  private ensure(extra: number): void {
    if (this.n + extra <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.n + extra) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.buf.subarray(0, this.n));
    this.buf = grown;
    this.view = new DataView(grown.buffer);
  }

  u8(v: number): void {
    this.ensure(1);
    this.view.setUint8(this.n, v);
    this.n += 1;
  }

  u32(v: number): void {
    this.ensure(4);
    this.view.setUint32(this.n, v, true);
    this.n += 4;
  }

  f32bits(bits: number): void {
    this.u32(bits);
  }

  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.n);
    this.n += b.length;
  }

  /** u32 length then the bytes. */
  block(b: Uint8Array): void {
    this.u32(b.length);
    this.bytes(b);
  }

  string(s: string): void {
    this.block(new TextEncoder().encode(s));
  }

  get length(): number {
    return this.n;
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.n);
  }
}

/** Little-endian reader over a byte buffer; reading past its end throws a SlimnetError ('ONNX_DECODE'). */
export class ByteReader {
  private readonly view: DataView;
  private n = 0;
  constructor(private readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  private need(k: number): void {
    if (this.n + k > this.buf.length) throw new SlimnetError('ONNX_DECODE', `compressed container truncated at byte ${this.n}`);
  }

  u8(): number {
    this.need(1);
    return this.view.getUint8(this.n++);
  }

  u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.n, true);
    this.n += 4;
    return v;
  }

  bytes(k: number): Uint8Array {
    this.need(k);
    const b = this.buf.subarray(this.n, this.n + k);
    this.n += k;
    return b;
  }

  block(): Uint8Array {
    return this.bytes(this.u32());
  }

  string(): string {
    return new TextDecoder().decode(this.block());
  }

  get done(): boolean {
    return this.n === this.buf.length;
  }

  /** Bytes read so far. */
  get offset(): number {
    return this.n;
  }

  /** Bytes not read yet. */
  get remaining(): number {
    return this.buf.length - this.n;
  }
}
