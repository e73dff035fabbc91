// The replication backlog: the last `size` bytes of the stream a master sends its replicas, so a
// replica that lost its link can continue from its offset (PSYNC ... +CONTINUE) instead of
// loading a full snapshot again. Offsets count stream bytes from 1, as Redis's do: after byte n
// the master's offset is n.
export class Backlog {
  #buf: Uint8Array;
  /** Bytes held (at most the buffer's size). */
  #len = 0;
  /** Where the next byte goes. */
  #at = 0;
  /** Offset of the last byte appended. */
  #end: number;

  constructor(size: number, offset: number) {
    this.#buf = new Uint8Array(Math.max(1, size));
    this.#end = offset;
  }

  get size(): number {
    return this.#buf.length;
  }

  /** Offset of the oldest byte held (Redis's repl_backlog_first_byte_offset). */
  get firstOffset(): number {
    return this.#end - this.#len + 1;
  }

  /** Bytes held (Redis's repl_backlog_histlen). */
  get length(): number {
    return this.#len;
  }

  append(bytes: Uint8Array): void {
    const cap = this.#buf.length;
    let src = bytes;
    // Only the tail of a write bigger than the whole backlog can stay.
    if (src.length > cap) src = src.subarray(src.length - cap);
    const first = Math.min(src.length, cap - this.#at);
    this.#buf.set(src.subarray(0, first), this.#at);
    if (first < src.length) this.#buf.set(src.subarray(first), 0);
    this.#at = (this.#at + src.length) % cap;
    this.#len = Math.min(cap, this.#len + src.length);
    this.#end += bytes.length;
  }

  /**
   * The bytes from `offset` (the first byte a replica still needs) to the end, as copies; null
   * when the backlog no longer (or not yet) holds that byte. `offset` one past the end is empty.
   */
  from(offset: number): Uint8Array | null {
    if (offset < this.firstOffset || offset > this.#end + 1) return null;
    const n = this.#end + 1 - offset;
    const out = new Uint8Array(n);
    const cap = this.#buf.length;
    const start = (this.#at - n + cap) % cap;
    const first = Math.min(n, cap - start);
    out.set(this.#buf.subarray(start, start + first), 0);
    if (first < n) out.set(this.#buf.subarray(0, n - first), first);
    return out;
  }
}
