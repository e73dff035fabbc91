// The reply side of the codec: decodes any RESP2 or RESP3 frame. Used by hakv's own client
// (replicas, sentinels, the proxy, tests). Sans-IO: `decodeFrame` returns the value and the
// bytes it took, or NEED_MORE; malformed input throws RespProtocolError.
import { latin1 } from "../_util/binary.ts";

/** An error reply (`-ERR ...`, `!len` blob errors). */
export class RespError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RespError";
  }
  /** The first word: ERR, WRONGTYPE, MOVED... */
  get code(): string {
    const sp = this.message.indexOf(" ");
    return sp < 0 ? this.message : this.message.slice(0, sp);
  }
}

/** Malformed bytes from the peer: a bug or a broken stream, not a reply. */
export class RespProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RespProtocolError";
  }
}

/** A RESP3 push frame (pub/sub messages, invalidations). */
export class RespPush {
  constructor(readonly items: RespValue[]) {}
}

/** A RESP3 verbatim string: its three-letter format and its text. */
export class RespVerbatim {
  constructor(readonly format: string, readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

/**
 * Decoded values: simple strings are JS strings; bulk strings are binary strings (one char per
 * byte); integers are numbers (bigint past 2^53); RESP3 maps are Maps and sets are Sets.
 */
export type RespValue =
  | string
  | number
  | bigint
  | boolean
  | null
  | RespError
  | RespPush
  | RespVerbatim
  | RespValue[]
  | Map<RespValue, RespValue>
  | Set<RespValue>;

export const NEED_MORE = -1;

export interface Decoded {
  value: RespValue;
  /** Bytes consumed, or NEED_MORE. */
  length: number;
}

const MAX_DEPTH = 64;

/** Decodes one frame at `buf[start, end)`. */
export function decodeFrame(buf: Uint8Array, start = 0, end = buf.length): Decoded {
  const out: Decoded = { value: null, length: NEED_MORE };
  const p = decodeAt(buf, start, end, out, 0);
  if (p >= 0) out.length = p - start;
  return out;
}

function lineEnd(buf: Uint8Array, from: number, end: number): number {
  const i = buf.indexOf(13, from);
  if (i < 0 || i + 1 >= end) return -1;
  if (buf[i + 1] !== 10) throw new RespProtocolError("expected CRLF");
  return i;
}

/** Parses an integer line; bigint past 2^53. Digits are read directly: replies are hot. */
function intOf(buf: Uint8Array, from: number, to: number): number | bigint {
  let i = from;
  const neg = buf[i] === 45;
  if (neg || buf[i] === 43) i++;
  if (i >= to) {
    throw new RespProtocolError(`invalid integer ${JSON.stringify(latin1(buf, from, to))}`);
  }
  if (to - i > 15) {
    const s = latin1(buf, from, to);
    if (!/^[+-]?\d+$/.test(s)) throw new RespProtocolError(`invalid integer ${JSON.stringify(s)}`);
    const big = BigInt(s);
    const n = Number(big);
    return Number.isSafeInteger(n) ? n : big;
  }
  let n = 0;
  for (; i < to; i++) {
    const c = buf[i]! - 48;
    if (c < 0 || c > 9) {
      throw new RespProtocolError(`invalid integer ${JSON.stringify(latin1(buf, from, to))}`);
    }
    n = n * 10 + c;
  }
  return neg && n !== 0 ? -n : n;
}

/** A length or count line: -1 means null; anything below is malformed. */
function countOf(buf: Uint8Array, from: number, to: number): number {
  const n = Number(intOf(buf, from, to));
  if (n < -1 || !Number.isSafeInteger(n)) {
    throw new RespProtocolError(`invalid length ${JSON.stringify(latin1(buf, from, to))}`);
  }
  return n;
}

const BIG_NUMBER = /^[+-]?\d+$/;
const DOUBLE = /^[+-]?(?:inf|nan|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)$/;

function doubleOf(s: string): number {
  if (!DOUBLE.test(s)) throw new RespProtocolError(`invalid double ${JSON.stringify(s)}`);
  if (s === "inf" || s === "+inf") return Infinity;
  if (s === "-inf") return -Infinity;
  if (s.endsWith("nan")) return NaN;
  return Number(s);
}

/** Decodes at `p`; returns the position after the frame, or -1 if incomplete. */
function decodeAt(buf: Uint8Array, p: number, end: number, out: Decoded, depth: number): number {
  if (depth > MAX_DEPTH) throw new RespProtocolError("nesting too deep");
  if (p >= end) return -1;
  const type = buf[p]!;
  const le = lineEnd(buf, p + 1, end);
  if (le < 0) return -1;
  const next = le + 2;
  switch (type) {
    case 43: // + simple string
      out.value = latin1(buf, p + 1, le);
      return next;
    case 45: // - error
      out.value = new RespError(latin1(buf, p + 1, le));
      return next;
    case 58: // : integer
      out.value = intOf(buf, p + 1, le);
      return next;
    case 40: { // ( big number
      const s = latin1(buf, p + 1, le);
      if (!BIG_NUMBER.test(s)) {
        throw new RespProtocolError(`invalid big number ${JSON.stringify(s)}`);
      }
      out.value = BigInt(s);
      return next;
    }
    case 44: // , double
      out.value = doubleOf(latin1(buf, p + 1, le));
      return next;
    case 35: { // # boolean
      const b = buf[p + 1];
      if (le !== p + 2 || (b !== 116 && b !== 102)) {
        throw new RespProtocolError("invalid boolean");
      }
      out.value = b === 116;
      return next;
    }
    case 95: // _ null
      if (le !== p + 1) throw new RespProtocolError("invalid null");
      out.value = null;
      return next;
    case 36: // $ bulk
    case 33: // ! blob error
    case 61: { // = verbatim
      const len = countOf(buf, p + 1, le);
      if (len < 0) {
        out.value = null;
        return next;
      }
      if (end - next < len + 2) return -1;
      if (buf[next + len] !== 13 || buf[next + len + 1] !== 10) {
        throw new RespProtocolError("bulk string not followed by CRLF");
      }
      const s = latin1(buf, next, next + len);
      if (type === 36) out.value = s;
      else if (type === 33) out.value = new RespError(s);
      else {
        if (len < 4 || buf[next + 3] !== 58) throw new RespProtocolError("invalid verbatim string");
        out.value = new RespVerbatim(s.slice(0, 3), s.slice(4));
      }
      return next + len + 2;
    }
    case 42: // * array
    case 126: // ~ set
    case 62: // > push
    case 37: // % map
    case 124: { // | attribute: decoded and dropped, then the real frame follows
      const n = countOf(buf, p + 1, le);
      if (n < 0) {
        out.value = null;
        return next;
      }
      const count = type === 37 || type === 124 ? n * 2 : n;
      const items: RespValue[] = [];
      let q = next;
      for (let i = 0; i < count; i++) {
        q = decodeAt(buf, q, end, out, depth + 1);
        if (q < 0) return -1;
        items.push(out.value);
      }
      if (type === 124) return decodeAt(buf, q, end, out, depth + 1);
      if (type === 37) {
        const m = new Map<RespValue, RespValue>();
        for (let i = 0; i < items.length; i += 2) m.set(items[i]!, items[i + 1]!);
        out.value = m;
      } else if (type === 126) out.value = new Set(items);
      else if (type === 62) out.value = new RespPush(items);
      else out.value = items;
      return q;
    }
    default:
      throw new RespProtocolError(`unknown RESP type byte ${type}`);
  }
}

/** Encodes a command (binary strings or bytes) as a RESP multibulk. */
export function encodeCommand(args: readonly (string | number | Uint8Array)[]): Uint8Array {
  let size = 16;
  const parts: Uint8Array[] = [];
  for (const a of args) {
    const bytes = typeof a === "string"
      ? binaryBytes(a)
      : typeof a === "number"
      ? binaryBytes(String(a))
      : a;
    parts.push(bytes);
    size += bytes.length + 16;
  }
  const out = new Uint8Array(size);
  let p = 0;
  const put = (s: string) => {
    for (let i = 0; i < s.length; i++) out[p++] = s.charCodeAt(i);
  };
  put(`*${parts.length}\r\n`);
  for (const b of parts) {
    put(`$${b.length}\r\n`);
    out.set(b, p);
    p += b.length;
    put("\r\n");
  }
  return out.subarray(0, p);
}

function binaryBytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}
