// The replication log: the stream a master sends its replicas, held once in 64 KB blocks and
// shared by everything that needs it. Its last `size` bytes are the backlog a replica continues
// from after losing its link (PSYNC ... +CONTINUE). Older bytes stay only while an attached
// replica still has to receive them: a replica's output is a position in this log, not a copy,
// so N lagging replicas cost one copy of the stream, and a full sync's queued writes are just
// the log since the image's offset (Redis 7's shared replication buffer works the same way).
// Offsets count stream bytes from 1, as Redis's do: after byte n the master's offset is n.

const BLOCK = 64 * 1024;
/** Emptied blocks kept for reuse, so a steady stream allocates nothing. */
const POOL = 8;

export class ReplLog {
  /** Backlog size: how many of the latest bytes are kept for partial resyncs. */
  size: number;
  #blocks: Uint8Array[] = [];
  /** Index of the first live block in #blocks (dropping from the front is O(1)). */
  #head = 0;
  /** Offset of the first retained byte. */
  #first: number;
  /** Bytes retained in all blocks, and used in the last one. */
  #retained = 0;
  #tailUsed = 0;
  #pool: Uint8Array[] = [];

  constructor(size: number, offset: number) {
    this.size = Math.max(1, size);
    this.#first = offset + 1;
  }

  /** Offset of the last byte appended. */
  get end(): number {
    return this.#first + this.#retained - 1;
  }

  /** Backlog bytes held (Redis's repl_backlog_histlen): at most `size`. */
  get length(): number {
    return Math.min(this.size, this.#retained);
  }

  /** Offset of the oldest backlog byte (Redis's repl_backlog_first_byte_offset). */
  get firstOffset(): number {
    return this.end - this.length + 1;
  }

  /** Bytes in memory: the backlog plus whatever lagging replicas still need. */
  get retained(): number {
    return this.#retained;
  }

  /** Offset of the oldest byte still in memory. */
  get retainedFrom(): number {
    return this.#first;
  }

  append(bytes: Uint8Array): void {
    let at = 0;
    while (at < bytes.length) {
      let tail = this.#blocks.length > this.#head ? this.#blocks[this.#blocks.length - 1]! : null;
      if (tail === null || this.#tailUsed === tail.length) {
        tail = this.#pool.pop() ?? new Uint8Array(BLOCK);
        this.#blocks.push(tail);
        this.#tailUsed = 0;
      }
      const n = Math.min(bytes.length - at, tail.length - this.#tailUsed);
      tail.set(n === bytes.length ? bytes : bytes.subarray(at, at + n), this.#tailUsed);
      this.#tailUsed += n;
      at += n;
    }
    this.#retained += bytes.length;
  }

  /**
   * Drops the oldest blocks that are neither part of the backlog nor at or after `keepFrom`
   * (the first byte some replica has yet to receive; pass `end + 1` when none needs any).
   */
  trim(keepFrom: number): void {
    const blocks = this.#blocks;
    while (blocks.length - this.#head > 1) {
      const head = blocks[this.#head]!;
      if (this.#first + head.length > keepFrom) return;
      if (this.#retained - head.length < this.size) return;
      this.#first += head.length;
      this.#retained -= head.length;
      blocks[this.#head++] = EMPTY;
      if (this.#pool.length < POOL) this.#pool.push(head);
    }
    if (this.#head > 64 && this.#head * 2 > blocks.length) {
      this.#blocks = blocks.slice(this.#head);
      this.#head = 0;
    }
  }

  /** True when a replica needing bytes from `offset` can continue from the backlog. */
  holds(offset: number): boolean {
    return offset >= this.firstOffset && offset <= this.end + 1;
  }

  /**
   * Hands `sink` views of the retained bytes from `offset` on, at most `max` of them, in order;
   * returns how many. The views are valid until the next append or trim. `offset` must be
   * retained (at or after `retainedFrom`).
   */
  read(offset: number, max: number, sink: (view: Uint8Array) => void): number {
    if (offset < this.#first) throw new RangeError(`offset ${offset} is no longer retained`);
    let want = Math.min(max, this.end + 1 - offset);
    const total = want;
    const blocks = this.#blocks;
    const last = blocks.length - 1;
    // Every block is BLOCK bytes long; only the last is partly used.
    const into = offset - this.#first;
    let skip = into % BLOCK;
    for (let i = this.#head + Math.floor(into / BLOCK); i <= last && want > 0; i++) {
      const block = blocks[i]!;
      const used = i === last ? this.#tailUsed : block.length;
      const n = Math.min(used - skip, want);
      sink(block.subarray(skip, skip + n));
      want -= n;
      skip = 0;
    }
    return total;
  }
}

const EMPTY = new Uint8Array(0);
