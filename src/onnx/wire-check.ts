/**
 * Strict wire-format pre-pass for ONNX protobufs. @bufbuild/protobuf decodes leniently: it reads a known
 * field with whatever wire type the bytes claim, and lets a nested length run past its parent. This walk
 * follows the message descriptors (ModelProto -> GraphProto -> NodeProto -> ...) and reports the first
 * spot that is malformed: a truncated or overlong varint, a length past the enclosing message, a bad
 * field number, a group or invalid wire type, a known field with the wrong wire type, a packed array
 * that does not split into whole elements, a string that is not UTF-8, or nesting deeper than 100.
 * Unknown fields are skipped (after the same bounds checks), as the reference parser does.
 */
import { isUtf8 } from 'node:buffer';
import { ScalarType, type DescField, type DescMessage } from '@bufbuild/protobuf';
import { WireCursor, WireFault, WireType, type WireTag } from './wire-reader.js';

/** The first malformed spot found: its byte offset, the field path (e.g. `ModelProto.graph.node[2].input`). */
export interface WireProblem {
  readonly offset: number;
  readonly path: string;
  readonly problem: string;
}

/** Deepest message nesting accepted (protobuf's default recursion limit). */
export const MAX_WIRE_DEPTH = 100;

const WIRE_NAMES = ['varint', '64-bit', 'length-delimited', 'group start', 'group end', '32-bit', '6', '7'];

const fieldMaps = new WeakMap<DescMessage, Map<number, DescField>>();

function fieldsOf(desc: DescMessage): Map<number, DescField> {
  let map = fieldMaps.get(desc);
  if (map === undefined) {
    map = new Map(desc.fields.map((f) => [f.number, f]));
    fieldMaps.set(desc, map);
  }
  return map;
}

/** The wire type of one element of a scalar (or enum, when `scalar` is undefined). */
function scalarWireType(scalar: ScalarType | undefined): number {
  switch (scalar) {
    case ScalarType.DOUBLE: case ScalarType.FIXED64: case ScalarType.SFIXED64: return WireType.I64;
    case ScalarType.FLOAT: case ScalarType.FIXED32: case ScalarType.SFIXED32: return WireType.I32;
    case ScalarType.STRING: case ScalarType.BYTES: return WireType.LEN;
    default: return WireType.VARINT;
  }
}

/** How a field's value looks on the wire. */
interface FieldShape {
  /** Wire type of one value. */
  readonly wireType: number;
  /** Whether a length-delimited run of values (packed encoding) is also allowed. */
  readonly packable: boolean;
  readonly message: DescMessage | undefined;
  readonly utf8: boolean;
}

function shapeOf(f: DescField): FieldShape {
  const list = f.fieldKind === 'list';
  const message = f.fieldKind === 'message' || (list && f.listKind === 'message') ? f.message : undefined;
  if (message !== undefined || f.fieldKind === 'map') {
    return { wireType: WireType.LEN, packable: false, message, utf8: false };
  }
  const scalar = f.fieldKind === 'scalar' || (list && f.listKind === 'scalar') ? f.scalar : undefined;
  const wireType = scalarWireType(scalar);
  return { wireType, packable: list && wireType !== WireType.LEN, message, utf8: scalar === ScalarType.STRING };
}

class Walker {
  private readonly cur: WireCursor;
  /** Field path of the message being walked, innermost last. */
  readonly path: string[];

  constructor(bytes: Uint8Array, root: DescMessage) {
    this.cur = new WireCursor(bytes);
    this.path = [root.name];
  }

  message(desc: DescMessage, end: number, depth: number): void {
    if (depth > MAX_WIRE_DEPTH) throw new WireFault(this.cur.pos, `messages nest deeper than ${MAX_WIRE_DEPTH} levels`);
    const counts = new Map<number, number>();
    while (this.cur.pos < end) {
      const tag = this.cur.tag(end);
      if (tag.wireType !== WireType.VARINT && tag.wireType !== WireType.I64 && tag.wireType !== WireType.LEN &&
        tag.wireType !== WireType.I32) {
        const kind = tag.wireType === WireType.SGROUP || tag.wireType === WireType.EGROUP ? 'group ' : 'invalid ';
        throw new WireFault(tag.offset, `field ${tag.fieldNo} has ${kind}wire type ${tag.wireType}`);
      }
      const field = fieldsOf(desc).get(tag.fieldNo);
      if (field === undefined) {
        this.cur.skip(tag.wireType, end);
        continue;
      }
      const index = counts.get(tag.fieldNo) ?? 0;
      counts.set(tag.fieldNo, index + 1);
      this.path.push(field.fieldKind === 'list' ? `${field.name}[${index}]` : field.name);
      this.field(field, tag, end, depth);
      this.path.pop();
    }
  }

  private field(f: DescField, tag: WireTag, end: number, depth: number): void {
    const shape = shapeOf(f);
    if (tag.wireType === shape.wireType) {
      if (shape.wireType !== WireType.LEN) {
        this.cur.skip(tag.wireType, end);
        return;
      }
      const len = this.cur.length(end);
      const start = this.cur.pos;
      if (shape.message !== undefined) this.message(shape.message, start + len, depth + 1);
      else if (shape.utf8 && !isUtf8(this.cur.bytes.subarray(start, start + len))) {
        throw new WireFault(start, 'string is not valid UTF-8');
      }
      this.cur.pos = start + len;
      return;
    }
    if (shape.packable && tag.wireType === WireType.LEN) {
      this.packed(shape.wireType, end);
      return;
    }
    const name = (wireType: number): string => WIRE_NAMES[wireType] ?? String(wireType);
    const found = `field ${tag.fieldNo} (${f.name}) has wire type ${name(tag.wireType)}`;
    throw new WireFault(tag.offset, `${found}, but its type needs ${name(shape.wireType)}`);
  }

  /** A packed run of scalars: whole fixed-width elements, or varints ending exactly at its end. */
  private packed(elementWireType: number, end: number): void {
    const len = this.cur.length(end);
    const start = this.cur.pos;
    const width = elementWireType === WireType.I64 ? 8 : elementWireType === WireType.I32 ? 4 : 0;
    if (width > 0) {
      if (len % width !== 0) {
        throw new WireFault(start, `packed array of ${len} bytes is not a whole number of ${width}-byte values`);
      }
      this.cur.pos = start + len;
      return;
    }
    while (this.cur.pos < start + len) this.cur.varint(start + len);
  }
}

/**
 * Walks `bytes` as a message of type `root` and returns the first wire-format problem, or undefined
 * when the bytes are well formed.
 */
export function findWireProblem(bytes: Uint8Array, root: DescMessage): WireProblem | undefined {
  const walker = new Walker(bytes, root);
  try {
    walker.message(root, bytes.byteLength, 1);
    return undefined;
  } catch (e) {
    if (!(e instanceof WireFault)) throw e;
    return { offset: e.offset, path: walker.path.join('.'), problem: e.message };
  }
}

/** A wire problem as one line of text: `at byte N (path): problem`. */
export function describeWireProblem(p: WireProblem): string {
  return `malformed protobuf at byte ${p.offset} (${p.path}): ${p.problem}`;
}
