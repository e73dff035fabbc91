// Where a RESP2/RESP3 reply ends, without decoding it: the proxy forwards replies as bytes and
// only needs to count them (one per command sent) and to tell pushes from replies.
import { makeRoom } from "../_util/binary.ts";

const LF = 10;

/** Parses the decimal length or count of a frame header at buf[from, cr). */
function header(buf: Uint8Array, from: number, cr: number): number {
  let i = from;
  let neg = false;
  if (buf[i] === 45) {
    neg = true;
    i++;
  }
  let n = 0;
  for (; i < cr; i++) n = n * 10 + (buf[i]! - 48);
  return neg ? -n : n;
}

/**
 * The index just past the frame that starts at `start`, or -1 when its bytes are not all in
 * buf[start, end) yet.
 */
export function frameEnd(buf: Uint8Array, start: number, end: number): number {
  let p = start;
  let need = 1;
  while (need > 0) {
    if (p >= end) return -1;
    const type = buf[p]!;
    const lf = buf.indexOf(LF, p);
    if (lf < 0 || lf >= end) return -1;
    switch (type) {
      case 36: // $ bulk string
      case 33: // ! blob error
      case 61: { // = verbatim string
        const len = header(buf, p + 1, lf - 1);
        if (len < 0) p = lf + 1;
        else {
          const next = lf + 1 + len + 2;
          if (next > end) return -1;
          p = next;
        }
        need--;
        break;
      }
      case 42: // * array
      case 126: // ~ set
      case 62: { // > push
        const n = header(buf, p + 1, lf - 1);
        p = lf + 1;
        need += n > 0 ? n - 1 : -1;
        break;
      }
      case 37: { // % map
        const n = header(buf, p + 1, lf - 1);
        p = lf + 1;
        need += n > 0 ? 2 * n - 1 : -1;
        break;
      }
      case 124: { // | attribute: its pairs come before the value it describes
        const n = header(buf, p + 1, lf - 1);
        p = lf + 1;
        need += 2 * n;
        break;
      }
      default: // + - : _ # , ( one line each
        p = lf + 1;
        need--;
    }
  }
  return p;
}

const READ_CHUNK = 64 * 1024;

/** The replies coming from a connection, as whole frames, read into one buffer that grows. */
export class FrameReader {
  readonly #conn: Deno.Conn;
  #buf = new Uint8Array(READ_CHUNK);
  #start = 0;
  #end = 0;

  constructor(conn: Deno.Conn) {
    this.#conn = conn;
  }

  /** Reads what has arrived; false at the end of the stream. */
  async fill(): Promise<boolean> {
    if (this.#end === this.#buf.length) {
      this.#buf = makeRoom(this.#buf, this.#start, this.#end);
      this.#end -= this.#start;
      this.#start = 0;
    }
    const n = await this.#conn.read(this.#buf.subarray(this.#end));
    if (n === null) return false;
    this.#end += n;
    return true;
  }

  /** The next whole frame, or null until more is read. A view, valid until the next fill. */
  next(): Uint8Array | null {
    if (this.#start === this.#end) return null;
    const stop = frameEnd(this.#buf, this.#start, this.#end);
    if (stop < 0) return null;
    const frame = this.#buf.subarray(this.#start, stop);
    this.#start = stop;
    if (stop === this.#end) this.#start = this.#end = 0;
    return frame;
  }

  /** Everything read and not yet taken, whole frames or not (for replies that can't be counted). */
  rest(): Uint8Array {
    const bytes = this.#buf.subarray(this.#start, this.#end);
    this.#start = this.#end = 0;
    return bytes;
  }
}
