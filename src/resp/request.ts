// The server side of the codec: turns a client's bytes into commands. Sans-IO and synchronous:
// `parse` returns how many bytes one command took, 0 when more bytes are needed, or -1 with
// `error` set to Redis's exact protocol error text. Arguments are offsets into the caller's
// buffer; `Argv` hands them out as views or binary strings, so multibulk parsing allocates
// nothing (inline commands, rare, get one buffer per line). Partial progress is kept between
// calls, so a command arriving in many reads is scanned once, not from the start every read.
// Redis's quirks are kept on purpose (see `parse`): clients and tests depend on the exact
// replies and on when a connection is closed.
import { latin1 } from "../_util/binary.ts";

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
  /**
   * While a bulk body is pending: the bytes, counted from the command's first byte, that the
   * command needs at least (a growth hint for the read buffer); 0 otherwise.
   */
  need = 0;
  // Multibulk in progress, relative to the command's first byte.
  #expected = 0;
  #scan = 0;
  #bulkLen = -1;
  // Bytes of a pending first line (inline command or `*` count) already searched in vain.
  #lineScan = 0;

  /** Forgets a partial command (after the caller discards its bytes). */
  reset(): void {
    this.#expected = 0;
    this.#scan = 0;
    this.#bulkLen = -1;
    this.#lineScan = 0;
    this.need = 0;
    this.error = "";
  }

  /**
   * Parses one command at `buf[start, end)` into `argv`. Returns the bytes consumed (> 0), 0 if
   * more bytes are needed, or -1 on a protocol error. A consumed command may have zero
   * arguments (an empty line, `*0`, `*-1`): the caller skips it. After 0, call again with the
   * same command start and more bytes (the buffer may have moved).
   *
   * Lines are found the way Redis finds them: a count line ends at the first CR and takes one
   * more byte, whatever it is; an inline line ends at LF; a NUL byte hides any terminator after
   * it, so such a line only ends by growing past INLINE_MAX.
   */
  parse(buf: Uint8Array, start: number, end: number, argv: Argv, limits: RequestLimits): number {
    if (this.#expected === 0) {
      if (start >= end) return 0;
      if (buf[start] !== 42) return this.#inline(buf, start, end, argv);
      const cr = this.#findLine(buf, start, end, 13);
      if (cr < 0) {
        if (end - start > INLINE_MAX) {
          return this.#fail("Protocol error: too big mbulk count string");
        }
        return 0;
      }
      if (cr + 1 >= end) return 0;
      const count = parseLongLong(buf, start + 1, cr);
      if (Number.isNaN(count) || count > INT_MAX) {
        return this.#fail("Protocol error: invalid multibulk length");
      }
      if (count > 10 && limits.unauthenticated) {
        return this.#fail("Protocol error: unauthenticated multibulk length");
      }
      argv.owned = null;
      argv.length = 0;
      if (count <= 0) return cr + 2 - start;
      this.#expected = count;
      this.#scan = cr + 2 - start;
      this.#bulkLen = -1;
    }
    argv.buf = buf;
    // Offsets are kept relative to the command's first byte until it is complete, because the
    // caller may move the unparsed bytes between calls.
    let p = start + this.#scan;
    while (argv.length < this.#expected) {
      if (this.#bulkLen < 0) {
        this.need = 0;
        let cr = p;
        while (cr < end) {
          const c = buf[cr]!;
          if (c === 13 || c === 0) break;
          cr++;
        }
        if (cr >= end || buf[cr] === 0) {
          if (end - p > INLINE_MAX) return this.#fail("Protocol error: too big bulk count string");
          return this.#pending(p, start);
        }
        if (cr + 1 >= end) return this.#pending(p, start);
        if (buf[p] !== 36) {
          return this.#fail(`Protocol error: expected '$', got '${String.fromCharCode(buf[p]!)}'`);
        }
        const len = parseLongLong(buf, p + 1, cr);
        if (Number.isNaN(len) || len < 0 || len > limits.maxBulkLen) {
          return this.#fail("Protocol error: invalid bulk length");
        }
        if (len > 16384 && limits.unauthenticated) {
          return this.#fail("Protocol error: unauthenticated bulk length");
        }
        this.#bulkLen = len;
        p = cr + 2;
      }
      const len = this.#bulkLen;
      // The two bytes after the body are skipped unread, as Redis does.
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
    this.#lineScan = 0;
    this.need = 0;
    return -1;
  }

  /**
   * Index of the first `term` byte in `buf[start, end)`, or -1 if none comes before the end or
   * a NUL byte. Resumes where the previous unsuccessful search of this line stopped.
   */
  #findLine(buf: Uint8Array, start: number, end: number, term: number): number {
    let i = start + this.#lineScan;
    while (i < end) {
      const c = buf[i]!;
      if (c === term) {
        this.#lineScan = 0;
        return i;
      }
      if (c === 0) break;
      i++;
    }
    // Past a NUL nothing can end the line, so it stays pending where it is.
    this.#lineScan = i - start;
    return -1;
  }

  #inline(buf: Uint8Array, start: number, end: number, argv: Argv): number {
    const nl = this.#findLine(buf, start, end, 10);
    if (nl < 0) {
      if (end - start > INLINE_MAX) return this.#fail("Protocol error: too big inline request");
      return 0;
    }
    const lineEnd = nl > start && buf[nl - 1] === 13 ? nl - 1 : nl;
    const args = lineEnd > start ? splitArgs(buf, start, lineEnd) : NO_ARGS;
    if (args === null) return this.#fail("Protocol error: unbalanced quotes in request");
    argv.owned = args;
    argv.length = args.length;
    return nl + 1 - start;
  }
}

const INT_MAX = 2147483647;
const NO_ARGS: Uint8Array[] = [];
// Decimal digits of 2^63 - 1 and of 2^63 (the largest magnitudes of a signed 64-bit integer).
const LLONG_MAX_DIGITS = "9223372036854775807";
const LLONG_MIN_DIGITS = "9223372036854775808";

/**
 * Parses `buf[from, to)` as a signed 64-bit decimal the way Redis's string2ll does: an optional
 * '-', no '+', no leading zeros (nor "-0"), nothing else. Returns NaN if it is not one. Past
 * 2^53 the value is the nearest double; whether it is valid is exact.
 */
export function parseLongLong(buf: Uint8Array, from: number, to: number): number {
  const len = to - from;
  if (len <= 0 || len > 20) return NaN;
  if (len === 1 && buf[from] === 48) return 0;
  let i = from;
  const neg = buf[i] === 45;
  if (neg) i++;
  const first = i < to ? buf[i]! : 0;
  if (first < 49 || first > 57) return NaN;
  const digits = to - i;
  if (digits > 19) return NaN;
  // Up to 4 leading digits, then the last 15: both parts are exact, so their sum is rounded
  // once and -2^63 comes out exact.
  let hi = 0;
  let n = 0;
  const split = to - 15;
  for (; i < to; i++) {
    const c = buf[i]! - 48;
    if (c < 0 || c > 9) return NaN;
    if (i < split) hi = hi * 10 + c;
    else n = n * 10 + c;
  }
  if (hi !== 0) n += hi * 1e15;
  if (digits === 19) {
    const limit = neg ? LLONG_MIN_DIGITS : LLONG_MAX_DIGITS;
    const at = to - 19;
    for (let k = 0; k < 19; k++) {
      const d = buf[at + k]! - limit.charCodeAt(k);
      if (d < 0) break;
      if (d > 0) return NaN;
    }
  }
  return neg ? -n : n;
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** C's isspace in the "C" locale. */
function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/**
 * Splits an inline command line (or a config line) as Redis's sdssplitargs does: words are
 * separated by whitespace; "double quotes" take \n \r \t \b \a \xHH and \<any> escapes;
 * 'single quotes' take \' only; a closing quote must be followed by whitespace or the end.
 * An unquoted word ends only at space, tab, CR or LF (not at \v or \f). A NUL byte ends the
 * line, as it ends a C string. Returns null on unbalanced quotes.
 */
export function splitArgs(buf: Uint8Array, start: number, end: number): Uint8Array[] | null {
  for (let i = start; i < end; i++) {
    if (buf[i] === 0) {
      end = i;
      break;
    }
  }
  const out: Uint8Array[] = [];
  // Decoded words are never longer than the line: one allocation holds them all.
  const text = new Uint8Array(end - start);
  let w = 0;
  let p = start;
  while (true) {
    while (p < end && isSpace(buf[p]!)) p++;
    if (p >= end) return out;
    const from = w;
    let inDq = false;
    let inSq = false;
    let done = false;
    while (!done) {
      // Past the end reads as C's terminating NUL.
      const c = p < end ? buf[p]! : 0;
      const next = p + 1 < end ? buf[p + 1]! : 0;
      if (inDq) {
        if (c === 92 && next === 120 && p + 3 < end) {
          const hi = hexValue(buf[p + 2]!);
          const lo = hexValue(buf[p + 3]!);
          if (hi >= 0 && lo >= 0) {
            text[w++] = hi * 16 + lo;
            p += 3;
          } else {
            // Not \xHH: a plain escaped 'x'.
            text[w++] = 120;
            p++;
          }
        } else if (c === 92 && next !== 0) {
          p++;
          text[w++] = next === 110
            ? 10
            : next === 114
            ? 13
            : next === 116
            ? 9
            : next === 98
            ? 8
            : next === 97
            ? 7
            : next;
        } else if (c === 34) {
          if (next !== 0 && !isSpace(next)) return null;
          done = true;
        } else if (c === 0) {
          return null;
        } else text[w++] = c;
      } else if (inSq) {
        if (c === 92 && next === 39) {
          p++;
          text[w++] = 39;
        } else if (c === 39) {
          if (next !== 0 && !isSpace(next)) return null;
          done = true;
        } else if (c === 0) {
          return null;
        } else text[w++] = c;
      } else if (c === 32 || c === 10 || c === 13 || c === 9 || c === 0) {
        done = true;
      } else if (c === 34) {
        inDq = true;
      } else if (c === 39) {
        inSq = true;
      } else text[w++] = c;
      if (p < end) p++;
    }
    out.push(text.subarray(from, w));
  }
}
