// A packed sequence of binary strings held in one binary string: hakv's listpack. Small
// hashes and sorted sets live in this form, because one V8 string of N bytes costs 16 bytes
// of header, where an array of N small strings costs a pointer and a header per element.
// Each entry is a length (LEB128, one byte below 128) followed by its bytes. A packed value is
// immutable: edits build a new one, which is O(n) like Redis's listpack memmove and fine for
// the sizes the *-max-listpack-* settings allow.

/** An empty packed sequence. */
export const EMPTY_PACKED = "";

/** Packs `items` (binary strings) into one binary string. */
export function pack(items: readonly string[]): string {
  let out = "";
  for (const item of items) out += header(item.length) + item;
  return out;
}

/** The entries of a packed sequence. */
export function unpack(packed: string): string[] {
  const out: string[] = [];
  let pos = 0;
  while (pos < packed.length) {
    const len = readLength(packed, pos);
    pos = lengthEnd;
    out.push(packed.slice(pos, pos + len));
    pos += len;
  }
  return out;
}

/** How many entries a packed sequence holds. */
export function packedCount(packed: string): number {
  let n = 0;
  let pos = 0;
  while (pos < packed.length) {
    const len = readLength(packed, pos);
    pos = lengthEnd + len;
    n++;
  }
  return n;
}

/** Appends entries to a packed sequence. */
export function packedAppend(packed: string, ...items: string[]): string {
  return packed + pack(items);
}

/**
 * The index of the first entry equal to `needle` among entries `start`, `start + step`, ...
 * (step 2 searches the fields of field/value pairs), or -1. Compares in place: nothing is
 * allocated for entries that do not match.
 */
export function packedFind(packed: string, needle: string, step = 1, start = 0): number {
  let pos = 0;
  let index = 0;
  const n = needle.length;
  while (pos < packed.length) {
    const len = readLength(packed, pos);
    pos = lengthEnd;
    if (index >= start && (index - start) % step === 0 && len === n) {
      let k = 0;
      while (k < n && packed.charCodeAt(pos + k) === needle.charCodeAt(k)) k++;
      if (k === n) return index;
    }
    pos += len;
    index++;
  }
  return -1;
}

/** Entry `index`, or undefined past the end. */
export function packedAt(packed: string, index: number): string | undefined {
  let pos = 0;
  let i = 0;
  while (pos < packed.length) {
    const len = readLength(packed, pos);
    pos = lengthEnd;
    if (i === index) return packed.slice(pos, pos + len);
    pos += len;
    i++;
  }
  return undefined;
}

/** Replaces `remove` entries at `index` with `items` (Array.prototype.splice's contract). */
export function packedSplice(
  packed: string,
  index: number,
  remove: number,
  ...items: string[]
): string {
  const from = offsetOf(packed, index);
  let to = from;
  for (let i = 0; i < remove && to < packed.length; i++) {
    const len = readLength(packed, to);
    to = lengthEnd + len;
  }
  return packed.slice(0, from) + pack(items) + packed.slice(to);
}

/** The byte offset where entry `index` starts (the end for index ≥ count). */
function offsetOf(packed: string, index: number): number {
  let pos = 0;
  for (let i = 0; i < index && pos < packed.length; i++) {
    const len = readLength(packed, pos);
    pos = lengthEnd + len;
  }
  return pos;
}

function header(len: number): string {
  if (len < 0x80) return String.fromCharCode(len);
  let out = "";
  while (len >= 0x80) {
    out += String.fromCharCode((len & 0x7f) | 0x80);
    len = Math.floor(len / 128);
  }
  return out + String.fromCharCode(len);
}

/**
 * Where the entry header read last by `readLength` ended (its bytes start there); a module
 * variable, so reading a header allocates nothing.
 */
export let lengthEnd = 0;

/** The length in the entry header at `pos` of a packed string; sets `lengthEnd`. */
export function readLength(packed: string, pos: number): number {
  let b = packed.charCodeAt(pos++);
  if (b < 0x80) {
    lengthEnd = pos;
    return b;
  }
  let len = b & 0x7f;
  let scale = 128;
  do {
    b = packed.charCodeAt(pos++);
    len += (b & 0x7f) * scale;
    scale *= 128;
  } while (b >= 0x80);
  lengthEnd = pos;
  return len;
}
