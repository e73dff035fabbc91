// Editing and slicing string values: Redis's GETRANGE index rules, and the in-place edits
// (APPEND, SETRANGE, bit writes) that turn a value into a MutableString so later edits reuse
// its buffer instead of copying the whole value.
import type { Bytes } from "./bits.ts";
import { MutableString, type StringValue } from "./values.ts";

/** The value's bytes without copying: the binary string itself or a view of the buffer. */
export function bytesOf(v: StringValue): Bytes {
  return typeof v === "string" ? v : v.view();
}

/** A MutableString owning `bytes` (no copy). */
export function wrapBytes(bytes: Uint8Array): MutableString {
  const m = new MutableString("");
  m.bytes = bytes;
  m.length = bytes.length;
  return m;
}

/**
 * The value as a MutableString at least `size` bytes long (zero-filled), reusing it when it
 * already is one; a new one reserves `capacity` bytes. Callers store the result when it
 * differs from `v`.
 */
export function mutableOf(
  v: StringValue | undefined,
  size: number,
  capacity = size,
): MutableString {
  if (v instanceof MutableString) {
    v.ensure(size);
    return v;
  }
  const m = new MutableString(v ?? "", Math.max(size, capacity));
  m.ensure(size);
  return m;
}

/** Copies `src` into `m` at `offset`, growing it as needed. */
export function writeAt(m: MutableString, offset: number, src: Uint8Array): void {
  m.ensure(offset + src.length);
  m.bytes.set(src, offset);
}

/**
 * GETRANGE's slice `[from, to)` of a value of length `len`, or null for an empty reply.
 * Indexes are clamped into the safe range by the caller; two negative indexes with
 * start > end are answered empty by the caller, where the exact 64-bit values are known.
 */
export function substringRange(len: number, start: number, end: number): [number, number] | null {
  if (start < 0) start += len;
  if (end < 0) end += len;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= len) end = len - 1;
  if (start > end || len === 0) return null;
  return [start, end + 1];
}
