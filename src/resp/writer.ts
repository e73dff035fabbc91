// The RESP encoder: replies are appended to one growable buffer per connection, and the
// connection sends everything written for a batch of commands with a single write.
// RESP3 types degrade to their RESP2 shapes when the client speaks RESP2.
import { writeLatin1 } from "../_util/binary.ts";

export type Protocol = 2 | 3;

const CRLF0 = 13;
const CRLF1 = 10;
const INITIAL = 16 * 1024;
/** Buffers grown past this for one big reply shrink back once sent. */
const KEEP = 1024 * 1024;

export class RespWriter {
  #buf: Uint8Array;
  #pos = 0;
  /** Protocol of the peer: RESP3 adds maps, sets, doubles, booleans, nulls and pushes. */
  protocol: Protocol = 2;
  /** Error replies written so far, and the code of the last (INFO errorstats). */
  errors = 0;
  lastErrorCode = "";

  constructor(initial = INITIAL) {
    this.#buf = new Uint8Array(initial);
  }

  get length(): number {
    return this.#pos;
  }

  /** The bytes written so far (a view, valid until the next write or reset). */
  bytes(): Uint8Array {
    return this.#buf.subarray(0, this.#pos);
  }

  /** Forgets what was written; keeps the buffer unless a big reply grew it. */
  reset(): void {
    this.#pos = 0;
    if (this.#buf.length > KEEP) this.#buf = new Uint8Array(INITIAL);
  }

  /** Drops the first `n` bytes (they were sent), keeping anything written after them. */
  consume(n: number): void {
    if (n >= this.#pos) {
      this.reset();
      return;
    }
    this.#buf.copyWithin(0, n, this.#pos);
    this.#pos -= n;
  }

  /** Drops everything written after `mark` (used to discard a partial reply). */
  truncate(mark: number): void {
    if (mark < this.#pos) this.#pos = mark;
  }

  #reserve(n: number): void {
    const need = this.#pos + n;
    if (need <= this.#buf.length) return;
    let size = this.#buf.length * 2;
    while (size < need) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.#buf.subarray(0, this.#pos));
    this.#buf = next;
  }

  #byte(b: number): void {
    this.#buf[this.#pos++] = b;
  }

  #crlf(): void {
    this.#buf[this.#pos++] = CRLF0;
    this.#buf[this.#pos++] = CRLF1;
  }

  #ascii(s: string): void {
    const len = s.length;
    const buf = this.#buf;
    let p = this.#pos;
    for (let i = 0; i < len; i++) buf[p++] = s.charCodeAt(i);
    this.#pos = p;
  }

  /** Writes an integer's decimal digits (reserve first). */
  #digits(n: number): void {
    if (n >= 0 && n < 10) {
      this.#buf[this.#pos++] = 48 + n;
      return;
    }
    this.#ascii(String(n));
  }

  /** A `<prefix><n>\r\n` header line. */
  #header(prefix: number, n: number): void {
    this.#reserve(24);
    this.#byte(prefix);
    this.#digits(n);
    this.#crlf();
  }

  /** Raw bytes already in RESP form (e.g. a cached reply). */
  raw(bytes: Uint8Array): void {
    this.#reserve(bytes.length);
    this.#buf.set(bytes, this.#pos);
    this.#pos += bytes.length;
  }

  /** `+text` — text must not contain CR or LF. */
  simple(text: string): void {
    this.#reserve(text.length + 3);
    this.#byte(43);
    writeLatin1(text, this.#buf, this.#pos);
    this.#pos += text.length;
    this.#crlf();
  }

  ok(): void {
    this.raw(OK);
  }

  /** An error reply; `message` starts with its code (`ERR ...`, `WRONGTYPE ...`). */
  error(message: string): void {
    // Errors are one line: Redis replaces newlines so the protocol is never broken.
    const text = message.includes("\n") || message.includes("\r")
      ? message.replace(/[\r\n]/g, " ")
      : message;
    this.errors++;
    const sp = text.indexOf(" ");
    this.lastErrorCode = sp < 0 ? text : text.slice(0, sp);
    this.#reserve(text.length + 3);
    this.#byte(45);
    writeLatin1(text, this.#buf, this.#pos);
    this.#pos += text.length;
    this.#crlf();
  }

  int(n: number | bigint): void {
    if (typeof n === "bigint") {
      const s = n.toString();
      this.#reserve(s.length + 3);
      this.#byte(58);
      this.#ascii(s);
      this.#crlf();
      return;
    }
    this.#header(58, n);
  }

  /** A bulk string from a binary string. */
  bulk(s: string): void {
    const len = s.length;
    this.#reserve(len + 24);
    this.#byte(36);
    this.#digits(len);
    this.#crlf();
    writeLatin1(s, this.#buf, this.#pos);
    this.#pos += len;
    this.#crlf();
  }

  /** A bulk string from bytes. */
  bulkBytes(bytes: Uint8Array): void {
    const len = bytes.length;
    this.#reserve(len + 24);
    this.#byte(36);
    this.#digits(len);
    this.#crlf();
    this.#buf.set(bytes, this.#pos);
    this.#pos += len;
    this.#crlf();
  }

  /** A bulk string holding a number's decimal form. */
  bulkNumber(n: number | bigint): void {
    this.bulk(String(n));
  }

  /** The null bulk string (RESP2 `$-1`, RESP3 `_`). */
  nil(): void {
    this.raw(this.protocol === 3 ? NULL3 : NIL_BULK);
  }

  /** The null array (RESP2 `*-1`, RESP3 `_`). */
  nilArray(): void {
    this.raw(this.protocol === 3 ? NULL3 : NIL_ARRAY);
  }

  array(n: number): void {
    this.#header(42, n);
  }

  /** A map of `n` pairs (RESP2: a flat array of 2n elements). */
  map(n: number): void {
    if (this.protocol === 3) this.#header(37, n);
    else this.#header(42, n * 2);
  }

  /** A set of `n` elements (RESP2: an array). */
  set(n: number): void {
    this.#header(this.protocol === 3 ? 126 : 42, n);
  }

  /** A push frame of `n` elements (RESP2: an array). */
  push(n: number): void {
    this.#header(this.protocol === 3 ? 62 : 42, n);
  }

  /** A double (RESP2: a bulk string in Redis's formatting). */
  double(d: number, text = formatDouble(d)): void {
    if (this.protocol === 3) {
      this.#reserve(text.length + 3);
      this.#byte(44);
      this.#ascii(text);
      this.#crlf();
    } else this.bulk(text);
  }

  bool(b: boolean): void {
    if (this.protocol === 3) this.raw(b ? TRUE3 : FALSE3);
    else this.int(b ? 1 : 0);
  }

  /** A verbatim string (RESP3 `=len\r\ntxt:...`; RESP2: a bulk string). */
  verbatim(s: string, format = "txt"): void {
    if (this.protocol !== 3) {
      this.bulk(s);
      return;
    }
    const len = s.length + 4;
    this.#reserve(len + 24);
    this.#byte(61);
    this.#digits(len);
    this.#crlf();
    this.#ascii(format);
    this.#byte(58);
    writeLatin1(s, this.#buf, this.#pos);
    this.#pos += s.length;
    this.#crlf();
  }

  /** An array of bulk strings. */
  bulks(items: readonly string[]): void {
    this.array(items.length);
    for (const s of items) this.bulk(s);
  }
}

/** Formats a double the way Redis replies with one (`%.17g`, inf, -inf, nan). */
export function formatDouble(d: number): string {
  if (d === Infinity) return "inf";
  if (d === -Infinity) return "-inf";
  if (Number.isNaN(d)) return "nan";
  if (Object.is(d, -0)) return "-0"; // %.17g keeps the sign of zero
  // Below 2^53 an integer's shortest form is its exact value, which is what %.17g prints.
  if (Number.isInteger(d) && Math.abs(d) <= 9007199254740992) {
    return String(d);
  }
  return formatG17(d);
}

/**
 * C's `%.17g`: 17 significant digits, rounded half to even on the exact binary value, trailing
 * zeros removed, exponent form when the exponent is below -4 or at least 17.
 */
export function formatG17(d: number): string {
  if (d === 0) return Object.is(d, -0) ? "-0" : "0";
  const neg = d < 0;
  const [digits, exp] = round17(Math.abs(d));
  let out: string;
  if (exp < -4 || exp >= 17) {
    const mant = stripZeros(digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits);
    out = `${mant}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  } else if (exp >= 0) {
    out = stripZeros(`${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`);
  } else {
    out = stripZeros(`0.${"0".repeat(-exp - 1)}${digits}`);
  }
  return neg ? `-${out}` : out;
}

function stripZeros(s: string): string {
  if (!s.includes(".")) return s;
  return s.replace(/0+$/, "").replace(/\.$/, "");
}

/**
 * The 17 significant digits of `x` (> 0) and the decimal exponent of the first one.
 * toPrecision rounds exactly but breaks ties upwards; printf breaks them to even, so a tie
 * (the exact expansion continues with 5 and then only zeros) is detected and redone.
 */
function round17(x: number): [string, number] {
  const [mant17, exp17] = splitExp(x.toPrecision(17));
  const [long] = splitExp(x.toPrecision(100));
  const tail = long.slice(17);
  if (tail[0] === "5" && /^50*$/.test(tail)) {
    const head = long.slice(0, 17);
    const last = Number(head[16]);
    if (last % 2 === 0) {
      const [, expLong] = splitExp(x.toPrecision(100));
      return [head, expLong];
    }
  }
  return [mant17, exp17];
}

/** "1.2345e+21" or "123.45" → the digits without a point and the exponent of the first. */
function splitExp(s: string): [string, number] {
  let mant = s;
  let exp = 0;
  const e = s.indexOf("e");
  if (e >= 0) {
    mant = s.slice(0, e);
    exp = Number(s.slice(e + 1));
  }
  const dot = mant.indexOf(".");
  const intPart = dot < 0 ? mant : mant.slice(0, dot);
  const frac = dot < 0 ? "" : mant.slice(dot + 1);
  let digits = intPart + frac;
  let lead = 0;
  while (lead < digits.length - 1 && digits[lead] === "0") lead++;
  digits = digits.slice(lead);
  // The first significant digit sits at intPart.length - 1 - lead (relative to the point).
  return [digits, exp + intPart.length - 1 - lead];
}

function ascii(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

const OK = ascii("+OK\r\n");
const NIL_BULK = ascii("$-1\r\n");
const NIL_ARRAY = ascii("*-1\r\n");
const NULL3 = ascii("_\r\n");
const TRUE3 = ascii("#t\r\n");
const FALSE3 = ascii("#f\r\n");
