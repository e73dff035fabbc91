// What a key can hold. Strings are binary strings (one char per byte), the compact form V8
// stores at one byte per char; a string edited in place (SETRANGE, SETBIT, BITFIELD, APPEND
// onto a big value) becomes a MutableString so repeated edits do not copy the whole value.

/** A string value kept as a growable byte array. */
export class MutableString {
  bytes: Uint8Array;
  length: number;

  constructor(initial: string | Uint8Array, capacity = 0) {
    const len = initial.length;
    this.bytes = new Uint8Array(Math.max(capacity, len));
    if (typeof initial === "string") {
      for (let i = 0; i < len; i++) this.bytes[i] = initial.charCodeAt(i);
    } else this.bytes.set(initial);
    this.length = len;
  }

  /** Makes room for `size` bytes (zero-filled), growing geometrically. */
  ensure(size: number): void {
    if (size > this.bytes.length) {
      const next = new Uint8Array(
        Math.max(size, Math.min(this.bytes.length * 2, size + (1 << 20))),
      );
      next.set(this.bytes.subarray(0, this.length));
      this.bytes = next;
    }
    if (size > this.length) this.length = size;
  }

  view(): Uint8Array {
    return this.bytes.subarray(0, this.length);
  }
}

export type StringValue = string | MutableString;

export type CollectionType = "list" | "hash" | "set" | "zset";

/**
 * What every collection value offers the rest of the server. `type` and the methods live on
 * the class prototype, so they cost nothing per value.
 */
export interface Collection {
  readonly type: CollectionType;
  /** Elements (list items, hash fields, set members, zset members). */
  readonly size: number;
  /** OBJECT ENCODING's name for the current representation. */
  encoding(): string;
  /** A deep copy sharing nothing mutable (COPY). */
  copy(): Collection;
  /** Estimated bytes held (MEMORY USAGE); `samples` bounds the elements looked at, 0 = all. */
  memoryUsage(samples: number): number;
}

/** Every value type. */
export type Value = StringValue | Collection;

export type TypeName = "string" | CollectionType | "stream";

export function typeOf(value: Value): TypeName {
  if (typeof value === "string" || value instanceof MutableString) return "string";
  return value.type;
}

export function isString(value: Value): value is StringValue {
  return typeof value === "string" || value instanceof MutableString;
}

export function isCollection(value: unknown): value is Collection {
  return typeof value === "object" && value !== null && !(value instanceof MutableString) &&
    typeof (value as Collection).encoding === "function";
}

/** A collection of the given type, or undefined for any other value. */
export function asType<T extends Collection>(value: Value, type: CollectionType): T | undefined {
  return typeof value !== "string" && !(value instanceof MutableString) && value.type === type
    ? value as T
    : undefined;
}

/** A string value as a binary string (copies a MutableString). */
export function stringOf(value: StringValue): string {
  if (typeof value === "string") return value;
  return bytesToBinary(value.bytes, 0, value.length);
}

export function stringLength(value: StringValue): number {
  return value.length;
}

function bytesToBinary(bytes: Uint8Array, start: number, end: number): string {
  let out = "";
  const CHUNK = 8192;
  for (let i = start; i < end; i += CHUNK) {
    out += String.fromCharCode.apply(
      null,
      bytes.subarray(i, Math.min(end, i + CHUNK)) as unknown as number[],
    );
  }
  return out;
}

/** The integer a string holds, if it is one Redis would read as a 64-bit integer. */
export function parseInt64(s: string): bigint | null {
  const len = s.length;
  if (len === 0 || len > 20) return null;
  let i = 0;
  const c0 = s.charCodeAt(0);
  if (c0 === 45) {
    if (len === 1) return null;
    i = 1;
  }
  // No leading zeros (except "0"), no '+', no spaces: Redis's string2ll rules.
  if (s.charCodeAt(i) === 48 && len > i + 1) return null;
  for (let k = i; k < len; k++) {
    const c = s.charCodeAt(k);
    if (c < 48 || c > 57) return null;
  }
  if (s === "-0") return null;
  const n = BigInt(s);
  if (n > INT64_MAX || n < INT64_MIN) return null;
  return n;
}

/** Fast path of parseInt64 for values that fit a double exactly. */
export function parseSafeInt(s: string): number | null {
  const len = s.length;
  if (len === 0 || len > 16) return null;
  let i = 0;
  let neg = false;
  if (s.charCodeAt(0) === 45) {
    if (len === 1) return null;
    neg = true;
    i = 1;
  }
  if (s.charCodeAt(i) === 48 && len > i + 1) return null;
  let n = 0;
  for (; i < len; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return null;
    n = n * 10 + c;
  }
  // Sixteen digits can pass 2^53; those go through parseInt64's exact path.
  if (n > Number.MAX_SAFE_INTEGER) return null;
  if (neg) {
    if (n === 0) return null;
    return -n;
  }
  return n;
}

export const INT64_MAX = 9223372036854775807n;
export const INT64_MIN = -9223372036854775808n;

/** Redis's OBJECT ENCODING for a string value. */
export function stringEncoding(value: StringValue): "int" | "embstr" | "raw" {
  if (typeof value !== "string") return "raw";
  if (value.length <= 20 && parseInt64(value) !== null) return "int";
  return value.length <= 44 ? "embstr" : "raw";
}
