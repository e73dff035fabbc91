// The server side of the codec: turns a client's bytes into commands. Sans-IO and synchronous:
// `parse` returns how many bytes one command took, 0 when more bytes are needed, or -1 with
// `error` set to Redis's exact protocol error text. Arguments are offsets into the caller's
// buffer; `Argv` hands them out as views or binary strings, so parsing allocates nothing.
// Partial multibulk progress is kept between calls, so a command arriving in many reads is
// scanned once, not from the start on every read.
import { latin1 } from "./bytes.ts";

/** Redis's PROTO_INLINE_MAX_SIZE: longest inline command or count line. */
export const INLINE_MAX = 64 * 1024;
/** Redis's PROTO_MBULK_BIG_ARG: bulks at least this long get a buffer of their own size. */
export const BIG_ARG = 32 * 1024;

export interface RequestLimits {
  /** proto-max-bulk-len */
  maxBulkLen: number;
  /** The connection has not authenticated while a password is required. */
  unauthenticated: boolean;
}

/** The arguments of one command: offsets into a buffer that stays valid until the next parse. */
export class Argv {
  buf: Uint8Array = new Uint8Array(0);
  starts: number[] = [];
  ends: number[] = [];
  length = 0;
  /** Arguments owned by this Argv (inline commands, clones); used instead of buf offsets. */
  owned: Uint8Array[] | null = null;

  /** Argument i as a view (no copy; valid until the next command is parsed). */
  bytes(i: number): Uint8Array {
    if (this.owned !== null) return this.owned[i]!;
    return this.buf.subarray(this.starts[i]!, this.ends[i]!);
  }

  /** Argument i as a binary string (keys, values). */
  str(i: number): string {
    if (this.owned !== null) {
      const b = this.owned[i]!;
      return latin1(b, 0, b.length);
    }
    return latin1(this.buf, this.starts[i]!, this.ends[i]!);
  }

  /** Length in bytes of argument i. */
  len(i: number): number {
    if (this.owned !== null) return this.owned[i]!.length;
    return this.ends[i]! - this.starts[i]!;
  }

  /** Argument i lower-cased (ASCII), for command names and options. */
  lower(i: number): string {
    const b = this.owned !== null ? this.owned[i]! : this.buf;
    const start = this.owned !== null ? 0 : this.starts[i]!;
    const end = this.owned !== null ? b.length : this.ends[i]!;
    let s = "";
    for (let p = start; p < end; p++) {
      const c = b[p]!;
      s += String.fromCharCode(c >= 65 && c <= 90 ? c + 32 : c);
    }
    return s;
  }

  /** Whether argument i equals `word` ignoring ASCII case; `word` must be lower case. */
  is(i: number, word: string): boolean {
    if (i >= this.length) return false;
    const b = this.owned !== null ? this.owned[i]! : this.buf;
    const start = this.owned !== null ? 0 : this.starts[i]!;
    const end = this.owned !== null ? b.length : this.ends[i]!;
    if (end - start !== word.length) return false;
    for (let k = 0; k < word.length; k++) {
      let c = b[start + k]!;
      if (c >= 65 && c <= 90) c += 32;
      if (c !== word.charCodeAt(k)) return false;
    }
    return true;
  }

  /** A copy that survives later parses (for queued or blocked commands). */
  clone(): Argv {
    const copy = new Argv();
    copy.length = this.length;
    copy.owned = [];
    for (let i = 0; i < this.length; i++) copy.owned.push(this.bytes(i).slice());
    return copy;
  }

  /** All arguments as binary strings. */
  strings(from = 0): string[] {
    const out: string[] = [];
    for (let i = from; i < this.length; i++) out.push(this.str(i));
    return out;
  }

  /** Builds an owned Argv from binary strings (used by tests and internal callers). */
  static of(args: readonly (string | Uint8Array)[]): Argv {
    const argv = new Argv();
    argv.owned = args.map((a) => typeof a === "string" ? binary(a) : a);
    argv.length = args.length;
    return argv;
  }
}

function binary(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}

export class RequestParser {
  /** Set when parse returns -1: the error text, without the leading '-'. */
  error = "";
  // Multibulk in progress, relative to the command's first byte.
  #expected = 0;
  #scan = 0;
  #bulkLen = -1;
  /** When a big bulk is pending: the total bytes the command needs so far (a growth hint). */
  need = 0;

  /** Forgets a partial command (after the caller discards its bytes). */
  reset(): void {
    this.#expected = 0;
    this.#scan = 0;
    this.#bulkLen = -1;
    this.need = 0;
    this.error = "";
  }

  /**
   * Parses one command at `buf[start, end)` into `argv`. Returns the bytes consumed (> 0), 0 if
   * more bytes are needed, or -1 on a protocol error. A consumed command may have zero
   * arguments (an empty line, `*0`, `*-1`): the caller skips it.
   */
  parse(buf: Uint8Array, start: number, end: number, argv: Argv, limits: RequestLimits): number {
    if (this.#expected === 0) {
      if (start >= end) return 0;
      if (buf[start] !== 42) return this.#inline(buf, start, end, argv);
      const nl = indexOfLf(buf, start, end);
      if (nl < 0) {
        if (end - start > INLINE_MAX) {
          return this.#fail("Protocol error: too big mbulk count string");
        }
        return 0;
      }
      const count = parseNumber(buf, start + 1, nl - 1);
      if (buf[nl - 1] !== 13 || Number.isNaN(count) || count > 2147483647) {
        return this.#fail("Protocol error: invalid multibulk length");
      }
      if (count <= 0) {
        argv.owned = null;
        argv.length = 0;
        return nl + 1 - start;
      }
      if (limits.unauthenticated && count > 10) {
        return this.#fail("Protocol error: unauthenticated multibulk length");
      }
      this.#expected = count;
      this.#scan = nl + 1 - start;
      argv.owned = null;
      argv.length = 0;
      argv.starts.length = 0;
      argv.ends.length = 0;
      this.#bulkLen = -1;
    }
    argv.buf = buf;
    // Offsets were recorded relative to the command start; rebase them to this buffer.
    let p = start + this.#scan;
    while (argv.length < this.#expected) {
      if (this.#bulkLen < 0) {
        if (p >= end) return this.#pending(p, start);
        if (buf[p] !== 36) {
          return this.#fail(`Protocol error: expected '$', got '${String.fromCharCode(buf[p]!)}'`);
        }
        const nl = indexOfLf(buf, p, end);
        if (nl < 0) {
          if (end - p > INLINE_MAX) return this.#fail("Protocol error: too big bulk count string");
          return this.#pending(p, start);
        }
        const len = parseNumber(buf, p + 1, nl - 1);
        if (
          buf[nl - 1] !== 13 || Number.isNaN(len) || len < 0 || len > limits.maxBulkLen
        ) {
          return this.#fail("Protocol error: invalid bulk length");
        }
        if (limits.unauthenticated && len > 16384) {
          return this.#fail("Protocol error: unauthenticated bulk length");
        }
        this.#bulkLen = len;
        p = nl + 1;
      }
      const len = this.#bulkLen;
      if (end - p < len + 2) {
        this.need = p - start + len + 2;
        return this.#pending(p, start);
      }
      const i = argv.length;
      argv.starts[i] = p - start;
      argv.ends[i] = p - start + len;
      argv.length = i + 1;
      p += len + 2;
      this.#bulkLen = -1;
    }
    // Rebase the relative offsets now that the command is complete.
    for (let i = 0; i < argv.length; i++) {
      argv.starts[i]! += start;
      argv.ends[i]! += start;
    }
    this.#expected = 0;
    this.#scan = 0;
    this.need = 0;
    return p - start;
  }

  #pending(p: number, start: number): number {
    this.#scan = p - start;
    return 0;
  }

  #fail(text: string): number {
    this.error = "ERR " + text;
    this.#expected = 0;
    this.#scan = 0;
    this.#bulkLen = -1;
    return -1;
  }

  #inline(buf: Uint8Array, start: number, end: number, argv: Argv): number {
    const nl = indexOfLf(buf, start, end);
    if (nl < 0) {
      if (end - start > INLINE_MAX) return this.#fail("Protocol error: too big inline request");
      return 0;
    }
    const lineEnd = nl > start && buf[nl - 1] === 13 ? nl - 1 : nl;
    const args = splitArgs(buf, start, lineEnd);
    if (args === null) return this.#fail("Protocol error: unbalanced quotes in request");
    argv.owned = args;
    argv.length = args.length;
    return nl + 1 - start;
  }
}

function indexOfLf(buf: Uint8Array, from: number, end: number): number {
  const i = buf.indexOf(10, from);
  return i < 0 || i >= end ? -1 : i;
}

/** Parses a signed decimal in `buf[from, to)`; NaN if it is not one (or is too long). */
function parseNumber(buf: Uint8Array, from: number, to: number): number {
  if (to <= from || to - from > 18) return NaN;
  let i = from;
  let neg = false;
  if (buf[i] === 45) {
    neg = true;
    i++;
    if (i === to) return NaN;
  }
  let n = 0;
  for (; i < to; i++) {
    const c = buf[i]! - 48;
    if (c < 0 || c > 9) return NaN;
    n = n * 10 + c;
  }
  return neg ? -n : n;
}

const HEX = "0123456789abcdef";

function hexValue(c: number): number {
  const lower = c >= 65 && c <= 90 ? c + 32 : c;
  return HEX.indexOf(String.fromCharCode(lower));
}

function isHex(c: number | undefined): boolean {
  return c !== undefined && hexValue(c) >= 0;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9 || c === 11 || c === 12;
}

/**
 * Splits an inline command line as Redis does: words separated by spaces; "double quotes" with
 * \n \r \t \b \a \\ \" and \xHH escapes; 'single quotes' with \' only. A closing quote must be
 * followed by a space or the end of the line. Returns null on unbalanced quotes.
 */
export function splitArgs(buf: Uint8Array, start: number, end: number): Uint8Array[] | null {
  const out: Uint8Array[] = [];
  let p = start;
  while (true) {
    while (p < end && isSpace(buf[p]!)) p++;
    if (p >= end) return out;
    const cur: number[] = [];
    let inDq = false;
    let inSq = false;
    let done = false;
    while (!done) {
      const c = p < end ? buf[p] : undefined;
      if (inDq) {
        if (c === undefined) return null;
        if (c === 92 && buf[p + 1] === 120 && isHex(buf[p + 2]) && isHex(buf[p + 3])) {
          cur.push(hexValue(buf[p + 2]!) * 16 + hexValue(buf[p + 3]!));
          p += 3;
        } else if (c === 92 && p + 1 < end) {
          p++;
          const e = buf[p]!;
          cur.push(
            e === 110 ? 10 : e === 114 ? 13 : e === 116 ? 9 : e === 98 ? 8 : e === 97 ? 7 : e,
          );
        } else if (c === 34) {
          // The closing quote must be followed by a space or nothing.
          if (p + 1 < end && !isSpace(buf[p + 1]!)) return null;
          done = true;
        } else cur.push(c);
      } else if (inSq) {
        if (c === undefined) return null;
        if (c === 92 && buf[p + 1] === 39) {
          p++;
          cur.push(39);
        } else if (c === 39) {
          if (p + 1 < end && !isSpace(buf[p + 1]!)) return null;
          done = true;
        } else cur.push(c);
      } else {
        if (c === undefined || isSpace(c)) done = true;
        else if (c === 34) inDq = true;
        else if (c === 39) inSq = true;
        else cur.push(c);
      }
      if (p < end) p++;
    }
    out.push(Uint8Array.from(cur));
  }
}
