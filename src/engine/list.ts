// The list value type: a deque of binary strings kept in one ring buffer (a plain array used
// circularly). Pushes and pops at both ends and indexing are O(1); the buffer doubles when
// full and halves when three quarters empty, so a list holds at most about 4 slots per item
// and a small list only as many slots as it has held items. OBJECT ENCODING is always
// "quicklist", as in Redis 7.0.
import type { Collection } from "./values.ts";

/** Smallest buffer kept once a list shrinks. */
const MIN_CAPACITY = 4;

export class ListValue implements Collection {
  #buf: string[];
  #head = 0;
  #size = 0;

  constructor(capacity = MIN_CAPACITY) {
    this.#buf = newBuffer(Math.max(1, capacity));
  }

  /** A list holding `items`, head first. */
  static from(items: readonly string[]): ListValue {
    const list = new ListValue(items.length);
    const buf = list.#buf;
    for (let i = 0; i < items.length; i++) buf[i] = items[i]!;
    list.#size = items.length;
    return list;
  }

  get type(): "list" {
    return "list";
  }

  get size(): number {
    return this.#size;
  }

  encoding(): string {
    return "quicklist";
  }

  /** The item at `index` (0 = head); index must be in [0, size). */
  at(index: number): string {
    const buf = this.#buf;
    let j = this.#head + index;
    if (j >= buf.length) j -= buf.length;
    return buf[j]!;
  }

  /** Replaces the item at `index`, which must be in [0, size). */
  setAt(index: number, value: string): void {
    const buf = this.#buf;
    let j = this.#head + index;
    if (j >= buf.length) j -= buf.length;
    buf[j] = value;
  }

  pushHead(value: string): void {
    if (this.#size === this.#buf.length) this.#resize(this.#size * 2);
    const buf = this.#buf;
    let h = this.#head - 1;
    if (h < 0) h += buf.length;
    buf[h] = value;
    this.#head = h;
    this.#size++;
  }

  pushTail(value: string): void {
    if (this.#size === this.#buf.length) this.#resize(this.#size * 2);
    const buf = this.#buf;
    let j = this.#head + this.#size;
    if (j >= buf.length) j -= buf.length;
    buf[j] = value;
    this.#size++;
  }

  /** Removes and returns the head; the list must not be empty. */
  popHead(): string {
    const buf = this.#buf;
    const h = this.#head;
    const v = buf[h]!;
    buf[h] = ""; // drop the reference so the string can be collected
    this.#head = h + 1 === buf.length ? 0 : h + 1;
    this.#size--;
    this.#maybeShrink();
    return v;
  }

  /** Removes and returns the tail; the list must not be empty. */
  popTail(): string {
    const buf = this.#buf;
    let j = this.#head + this.#size - 1;
    if (j >= buf.length) j -= buf.length;
    const v = buf[j]!;
    buf[j] = "";
    this.#size--;
    this.#maybeShrink();
    return v;
  }

  /**
   * Index of the first item equal to `value` scanning from `from` towards the tail
   * (`step` 1) or the head (`step` -1), or -1.
   */
  indexOf(value: string, from: number, step: 1 | -1): number {
    const n = this.#size;
    for (let i = from; i >= 0 && i < n; i += step) if (this.at(i) === value) return i;
    return -1;
  }

  /** Inserts `value` so that it ends up at `index` (0..size), moving the shorter side. */
  insertAt(index: number, value: string): void {
    const n = this.#size;
    if (index <= n >> 1) {
      this.pushHead(value);
      // The old items 0..index-1 moved to 1..index: shift them back one towards the head.
      for (let i = 0; i < index; i++) this.setAt(i, this.at(i + 1));
    } else {
      this.pushTail(value);
      for (let i = n; i > index; i--) this.setAt(i, this.at(i - 1));
    }
    this.setAt(index, value);
  }

  /**
   * Removes up to `count` items equal to `value` (0 = all), from the head when `fromTail` is
   * false, else from the tail. Returns how many went.
   */
  removeValue(value: string, count: number, fromTail: boolean): number {
    const n = this.#size;
    const keep: boolean[] = [];
    let removed = 0;
    if (!fromTail) {
      for (let i = 0; i < n; i++) {
        const drop = (count === 0 || removed < count) && this.at(i) === value;
        if (drop) removed++;
        keep.push(!drop);
      }
    } else {
      keep.length = n;
      for (let i = n - 1; i >= 0; i--) {
        const drop = (count === 0 || removed < count) && this.at(i) === value;
        if (drop) removed++;
        keep[i] = !drop;
      }
    }
    if (removed === 0) return 0;
    // Compact in place, head first, then clear the vacated slots.
    let w = 0;
    for (let i = 0; i < n; i++) {
      if (keep[i]) {
        if (w !== i) this.setAt(w, this.at(i));
        w++;
      }
    }
    for (let i = w; i < n; i++) this.setAt(i, "");
    this.#size = w;
    this.#maybeShrink();
    return removed;
  }

  /** Keeps the items [start, end] (valid, start <= end) and drops the rest. */
  keepRange(start: number, end: number): void {
    const n = this.#size;
    for (let i = 0; i < start; i++) this.setAt(i, "");
    for (let i = end + 1; i < n; i++) this.setAt(i, "");
    let h = this.#head + start;
    if (h >= this.#buf.length) h -= this.#buf.length;
    this.#head = h;
    this.#size = end - start + 1;
    this.#maybeShrink();
  }

  /** Removes every item. */
  clear(): void {
    this.#buf = newBuffer(MIN_CAPACITY);
    this.#head = 0;
    this.#size = 0;
  }

  /** Head to tail. */
  *values(): IterableIterator<string> {
    for (let i = 0; i < this.#size; i++) yield this.at(i);
  }

  copy(): ListValue {
    const list = new ListValue(this.#size);
    for (let i = 0; i < this.#size; i++) list.#buf[i] = this.at(i);
    list.#size = this.#size;
    return list;
  }

  memoryUsage(samples: number): number {
    const n = this.#size;
    let bytes = 0;
    const seen = samples === 0 || samples > n ? n : samples;
    for (let i = 0; i < seen; i++) bytes += STRING_HEADER + align(this.at(i).length);
    const items = seen === 0 ? 0 : Math.round((bytes / seen) * n);
    return OBJECT_BYTES + ARRAY_BYTES + this.#buf.length * 8 + items;
  }

  #maybeShrink(): void {
    const cap = this.#buf.length;
    if (cap > MIN_CAPACITY && this.#size * 4 <= cap) {
      this.#resize(Math.max(MIN_CAPACITY, cap >> 1));
    }
  }

  /** Moves the items to a new buffer of `capacity` slots, head at 0. */
  #resize(capacity: number): void {
    const n = this.#size;
    const next = newBuffer(Math.max(capacity, 1));
    for (let i = 0; i < n; i++) next[i] = this.at(i);
    this.#buf = next;
    this.#head = 0;
  }
}

/** A packed (not holey) array of empty strings: V8 keeps element access monomorphic. */
function newBuffer(n: number): string[] {
  const a: string[] = [];
  for (let i = 0; i < n; i++) a.push("");
  return a;
}

// --- Memory estimates (64-bit V8 without pointer compression) ---------------------------------

/** The list object with its three fields. */
const OBJECT_BYTES = 48;
/** The JSArray and its backing store's header. */
const ARRAY_BYTES = 48;
const STRING_HEADER = 16;

function align(n: number): number {
  return (n + 7) & ~7;
}
