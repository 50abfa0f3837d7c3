/**
 * Bounds-checked reads of protobuf wire-format primitives (varints, tags, length prefixes, fixed-width
 * values), for the strict pre-pass in wire-check.ts. Every read stays inside an `end` the caller names
 * (the end of the enclosing message), so a length that runs past its parent is caught where it is read.
 */

/** Protobuf wire types. */
export const WireType = { VARINT: 0, I64: 1, LEN: 2, SGROUP: 3, EGROUP: 4, I32: 5 } as const;

/** A malformed spot in the bytes: where it starts and what is wrong there. */
export class WireFault extends Error {
  readonly offset: number;
  constructor(offset: number, problem: string) {
    super(problem);
    this.name = 'WireFault';
    this.offset = offset;
  }
}

/** A field tag: field number and wire type, and the offset the tag starts at. */
export interface WireTag {
  readonly fieldNo: number;
  readonly wireType: number;
  readonly offset: number;
}

/** Largest length prefix protobuf accepts (lengths are read as signed 32-bit). */
const MAX_LENGTH = 0x7fffffff;
/** Largest field number protobuf allows. */
const MAX_FIELD_NO = 0x1fffffff;

/** A read position over `bytes`; each read checks it stays before the given end. */
export class WireCursor {
  readonly bytes: Uint8Array;
  pos: number;

  constructor(bytes: Uint8Array, pos = 0) {
    this.bytes = bytes;
    this.pos = pos;
  }

  /**
   * Reads a varint of at most `maxBytes` bytes that must end before `end`. Returns its value, exact
   * below 2^53 (enough for tags and lengths; other values are only skipped).
   */
  varint(end: number, maxBytes = 10, what = 'varint'): number {
    const start = this.pos;
    let value = 0;
    let scale = 1;
    for (let i = 0; i < maxBytes; i++) {
      if (this.pos >= end) {
        throw new WireFault(start, `${what} is truncated (the enclosing message ends at byte ${end})`);
      }
      const b = this.bytes[this.pos++] as number;
      value += (b & 0x7f) * scale;
      scale *= 128;
      if ((b & 0x80) === 0) return value;
    }
    throw new WireFault(start, `${what} is longer than ${maxBytes} bytes`);
  }

  /** Reads a field tag: at most 5 bytes, a field number in 1..2^29-1. */
  tag(end: number): WireTag {
    const offset = this.pos;
    const raw = this.varint(end, 5, 'field tag');
    if (raw > 0xffffffff) throw new WireFault(offset, `field tag ${raw} does not fit in 32 bits`);
    const fieldNo = Math.floor(raw / 8);
    if (fieldNo === 0 || fieldNo > MAX_FIELD_NO) throw new WireFault(offset, `invalid field number ${fieldNo}`);
    return { fieldNo, wireType: raw % 8, offset };
  }

  /** Reads a length prefix and checks that many bytes follow before `end`; returns the length. */
  length(end: number): number {
    const offset = this.pos;
    const len = this.varint(end, 10, 'length prefix');
    if (len > MAX_LENGTH) throw new WireFault(offset, `length ${len} is larger than 2^31-1`);
    if (this.pos + len > end) {
      const left = end - this.pos;
      throw new WireFault(offset, `length ${len} runs past the end of the enclosing message (${left} bytes left)`);
    }
    return len;
  }

  /** Skips `n` bytes that must lie before `end`. */
  fixed(n: number, end: number): void {
    if (this.pos + n > end) {
      throw new WireFault(this.pos, `${n}-byte value is truncated (the enclosing message ends at byte ${end})`);
    }
    this.pos += n;
  }

  /** Skips one value of a non-group wire type; groups and wire types 6 and 7 are faults. */
  skip(wireType: number, end: number): void {
    switch (wireType) {
      case WireType.VARINT: this.varint(end); return;
      case WireType.I64: this.fixed(8, end); return;
      case WireType.I32: this.fixed(4, end); return;
      case WireType.LEN: {
        const n = this.length(end);
        this.pos += n;
        return;
      }
      case WireType.SGROUP: case WireType.EGROUP:
        throw new WireFault(this.pos, `group wire type ${wireType} (ONNX files never use groups)`);
      default:
        throw new WireFault(this.pos, `invalid wire type ${wireType}`);
    }
  }
}
