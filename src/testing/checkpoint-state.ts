/**
 * Checkpoint state files taken apart and rebuilt independently of train/checkpoint.ts (tests only), following
 * the documented v2 layout: magic, uint32 LE header length, JSON header, zero padding to 4, data region,
 * SHA-256 of everything before it. Lets tests forge states with a valid checksum but a hostile header.
 */
import { createHash } from 'node:crypto';

/** The parts of a state file. */
export interface StateParts {
  readonly header: Record<string, unknown>;
  readonly data: Uint8Array;
}

/** A state file with `header` (any JSON value) and `data`, sealed with a correct checksum. */
export function craftState(header: unknown, data: Uint8Array, magic = 'SLIMCKP2'): Uint8Array {
  const json = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(4);
  len.writeUInt32LE(json.length);
  return sealState(Buffer.concat([Buffer.from(magic), len, json, Buffer.alloc(pad4(12 + json.length)), data]));
}

/** `body` followed by its SHA-256 (what a state file ends with). */
export function sealState(body: Uint8Array): Uint8Array {
  return Buffer.concat([body, createHash('sha256').update(body).digest()]);
}

/** The header and data region of a well-formed state file. */
export function splitState(bytes: Uint8Array): StateParts {
  const len = Buffer.from(bytes).readUInt32LE(8);
  const header = JSON.parse(Buffer.from(bytes.subarray(12, 12 + len)).toString()) as Record<string, unknown>;
  return { header, data: bytes.slice(12 + len + pad4(12 + len), bytes.length - 32) };
}

function pad4(n: number): number {
  return (4 - (n % 4)) % 4;
}
