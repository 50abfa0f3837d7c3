/**
 * CRC-32 as in zlib, PNG and Ethernet (IEEE 802.3: reflected polynomial 0xEDB88320, initial value and final xor
 * 0xFFFFFFFF). Pure TypeScript over a Uint8Array, so it runs in Node and in a browser alike. Used to detect damaged
 * files (the Deep Compression container's sections and whole file); it is not a defence against deliberate edits.
 */

let table: Uint32Array | undefined;

function crcTable(): Uint32Array {
  if (table !== undefined) return table;
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  table = t;
  return t;
}

/**
 * The CRC-32 of `bytes` as an unsigned 32-bit number. `previous` continues a running checksum: `crc32(b, crc32(a))`
 * equals the CRC-32 of `a` followed by `b` (start with 0, the CRC-32 of nothing).
 */
export function crc32(bytes: Uint8Array, previous = 0): number {
  const t = crcTable();
  let c = (previous ^ 0xffffffff) >>> 0;
  for (let i = 0; i < bytes.length; i++) c = (t[(c ^ (bytes[i] as number)) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
