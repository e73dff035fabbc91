// Stateless-looking SCAN cursors over Maps (the keyspace's shards, or one collection).
//
// A cursor names a live Map iterator kept here. V8's Map iterators survive inserts, deletes and
// rehashing, and Maps keep insertion order, so a full iteration returns every key present from
// start to end (a key deleted and added again may come twice, which SCAN allows). Keys added
// during a scan go to the end of their Map, so each segment is walked for at most as many entries
// as it held when the walk began: that covers every key present throughout and ends even while
// writers append faster than the scan reads.
//
// A cursor is also self-describing: segment, entries visited in it, and a 27-bit hash of the last
// key returned. When its iterator is gone (evicted, or another server), the walk restarts the
// segment and resumes after the last entry, among the first `visited`, with that hash; the last
// key returned can only have moved towards the start. Without a match it restarts the segment.
// Keys may repeat; one present throughout is skipped only if, meanwhile, that key was deleted or
// keys before it were, and an unvisited key with the same 27-bit hash moved into its place.

/** Live iterators kept at most; the least recently used goes first. */
const MAX_LIVE = 4096;
const SEG_BITS = 10n;
const POS_BITS = 27n;
const CHECK_BITS = 27n;
const SEG_LIMIT = 1 << Number(SEG_BITS);
const POS_MAX = (1 << Number(POS_BITS)) - 1;
const CHECK_MASK = (1 << Number(CHECK_BITS)) - 1;
const MAX_CURSOR = 0xffffffffffffffffn;

/** A source of Maps to iterate, one per segment (shards, or a single collection). */
export type Segments<K> = (segment: number) => Map<K, unknown> | undefined;

interface Live<K> {
  source: Segments<K>;
  map: Map<K, unknown>;
  iter: Iterator<K>;
  segment: number;
  /** Entries visited in this segment. */
  pos: number;
  /** Entries still to visit: the map's size when the walk began, less those visited. */
  left: number;
  /** Hash of the last key visited (0 before the first). */
  check: number;
}

/** Where an iteration stands after one call. */
export interface ScanStep<K> {
  /** 0n when the iteration is complete; reply with its decimal form. */
  cursor: bigint;
  items: K[];
}

export class CursorRegistry<K = string> {
  readonly #live = new Map<bigint, Live<K>>();
  #pruner: Iterator<[bigint, Live<K>]> = this.#live.entries();

  /** Forgets every live cursor (their holders resume from the cursor alone). */
  clear(): void {
    this.#live.clear();
  }

  /** Live cursors held (for tests and memory reporting). */
  get size(): number {
    return this.#live.size;
  }

  /**
   * Continues the iteration `cursor` (0n starts one) over `segmentCount` maps, visiting about
   * `count` entries. `accept` filters what is returned (MATCH, TYPE, expiry) and may delete the
   * key it is given.
   */
  scan(
    cursor: bigint,
    segmentCount: number,
    segments: Segments<K>,
    count: number,
    accept: (key: K) => boolean,
  ): ScanStep<K> {
    this.#prune();
    const items: K[] = [];
    let state: Live<K> | undefined;
    if (cursor !== 0n) {
      state = this.#live.get(cursor);
      if (state !== undefined) this.#live.delete(cursor);
      else {
        state = this.#resume(cursor, segmentCount, segments);
        if (state === undefined) return { cursor: 0n, items };
      }
      state.source = segments;
    } else state = this.#open(segments, 0, segmentCount);
    let visited = 0;
    while (state !== undefined && visited < count) {
      // A flushed or swapped database has a new Map: the old keys are gone, start it afresh.
      if (segments(state.segment) !== state.map) {
        state = this.#open(segments, state.segment, segmentCount);
        continue;
      }
      const next = state.left > 0 ? state.iter.next() : undefined;
      if (next === undefined || next.done) {
        state = this.#open(segments, state.segment + 1, segmentCount);
        continue;
      }
      visited++;
      state.left--;
      state.pos++;
      state.check = hashKey(next.value);
      if (accept(next.value)) items.push(next.value);
    }
    // A segment walked to its end moves on now, sparing the client an empty round trip.
    if (state !== undefined && state.left === 0) {
      state = this.#open(segments, state.segment + 1, segmentCount);
    }
    if (state === undefined) return { cursor: 0n, items };
    const id = encode(state);
    if (this.#live.has(id)) {
      // Two walks stand at the same place: neither may continue with the other's budget, so
      // both resume from their cursors.
      this.#live.delete(id);
      return { cursor: id, items };
    }
    if (this.#live.size >= MAX_LIVE) {
      const oldest = this.#live.keys().next().value;
      if (oldest !== undefined) this.#live.delete(oldest);
    }
    this.#live.set(id, state);
    return { cursor: id, items };
  }

  /**
   * Checks the next two live cursors, round robin, and drops those whose map was replaced, so
   * abandoned cursors do not keep a flushed table alive for long.
   */
  #prune(): void {
    for (let n = 0; n < 2; n++) {
      let next = this.#pruner.next();
      if (next.done) {
        this.#pruner = this.#live.entries();
        next = this.#pruner.next();
        if (next.done) return;
      }
      const [id, live] = next.value;
      if (live.source(live.segment) !== live.map) this.#live.delete(id);
    }
  }

  /** An iterator at the start of the first non-empty segment from `from`, if any. */
  #open(segments: Segments<K>, from: number, count: number): Live<K> | undefined {
    for (let segment = from; segment < count; segment++) {
      const map = segments(segment);
      if (map === undefined || map.size === 0) continue;
      return {
        source: segments,
        map,
        iter: map.keys(),
        segment,
        pos: 0,
        left: map.size,
        check: 0,
      };
    }
    return undefined;
  }

  /** Rebuilds a walk from a cursor alone. Undefined if its segment is past the last. */
  #resume(cursor: bigint, count: number, segments: Segments<K>): Live<K> | undefined {
    const check = Number(cursor & BigInt(CHECK_MASK));
    const pos = Number((cursor >> CHECK_BITS) & BigInt(POS_MAX));
    const segment = Number(cursor >> (CHECK_BITS + POS_BITS));
    if (segment >= count) return undefined;
    const state = this.#open(segments, segment, count);
    if (state === undefined || state.segment !== segment || pos === 0) return state;
    // The last key returned is now at or before index pos - 1: resume after the last match.
    let at = -1;
    let i = 0;
    for (const key of state.map.keys()) {
      if (i >= pos) break;
      if (hashKey(key) === check) at = i;
      i++;
    }
    if (at < 0) return state;
    for (let k = 0; k <= at; k++) state.iter.next();
    state.pos = at + 1;
    state.left = state.map.size - state.pos;
    state.check = check;
    return state;
  }
}

function encode<K>(s: Live<K>): bigint {
  const id = (BigInt(s.segment) << (POS_BITS + CHECK_BITS)) |
    (BigInt(Math.min(s.pos, POS_MAX)) << CHECK_BITS) | BigInt(s.check);
  // Only segment 0 before its first entry could encode as 0, which means "done".
  return id === 0n ? 1n : id;
}

/** FNV-1a over a key's chars, cut to the cursor's check bits. */
function hashKey(key: unknown): number {
  const s = typeof key === "string" ? key : String(key);
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return (h >>> 0) & CHECK_MASK;
}

/**
 * Reads a SCAN cursor as Redis does (strtoul in base 10: an optional sign, digits, nothing
 * else; "" is 0; negative values wrap around 2^64). Returns null for an invalid cursor.
 */
export function parseScanCursor(s: string): bigint | null {
  // Redis sees the argument as a C string: it ends at the first NUL.
  const nul = s.indexOf("\0");
  if (nul >= 0) s = s.slice(0, nul);
  if (s.length === 0) return 0n;
  let i = 0;
  const sign = s.charCodeAt(0);
  if (sign === 43 || sign === 45) i = 1;
  if (i === s.length) return null;
  for (let k = i; k < s.length; k++) {
    const c = s.charCodeAt(k);
    if (c < 48 || c > 57) return null;
  }
  const n = BigInt(s.slice(i));
  if (n > MAX_CURSOR) return null; // ERANGE
  return sign === 45 && n !== 0n ? MAX_CURSOR + 1n - n : n;
}

/** Segments a cursor can name (shards are at most this many). */
export const MAX_SEGMENTS = SEG_LIMIT;
