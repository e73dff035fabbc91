// Stateless-looking SCAN cursors over Maps. A cursor names a live Map iterator kept here; V8's
// Map iterators survive inserts, deletes and rehashing, so a full iteration returns every key
// present from start to end exactly once. Cursors also carry their segment and position, so
// when a cursor's iterator was evicted (or the server restarted) the scan resumes close to where
// it was, possibly repeating keys, which SCAN allows, but never skipping any that stayed put.

const MAX_LIVE = 4096;
const POS_BITS = 2 ** 27;
const SEG_BITS = 2 ** 10;
const TOKEN_LIMIT = 2 ** 16;

interface Live<K> {
  map: Map<K, unknown>;
  iter: Iterator<K>;
  segment: number;
  pos: number;
}

/** Where an iteration stands after one call. */
export interface ScanStep<K> {
  /** 0 when the iteration is complete. */
  cursor: number;
  items: K[];
}

/** A source of Maps to iterate, one per segment (shards, or a single collection). */
export type Segments<K> = (segment: number) => Map<K, unknown> | undefined;

export class CursorRegistry<K = string> {
  readonly #live = new Map<number, Live<K>>();
  #token = 1;

  /** Forgets every live cursor. */
  clear(): void {
    this.#live.clear();
  }

  /**
   * Continues the iteration `cursor` (0 starts one) over `segmentCount` maps, visiting about
   * `count` entries. `accept` filters what is returned (MATCH, TYPE, expiry) and may be slow.
   */
  scan(
    cursor: number,
    segmentCount: number,
    segments: Segments<K>,
    count: number,
    accept: (key: K) => boolean,
  ): ScanStep<K> {
    let state = cursor === 0 ? undefined : this.#live.get(cursor);
    if (cursor !== 0) this.#live.delete(cursor);
    if (state === undefined) {
      const segment = cursor === 0 ? 0 : Math.floor(cursor / POS_BITS) % SEG_BITS;
      const pos = cursor === 0 ? 0 : cursor % POS_BITS;
      state = this.#open(segments, segment, segmentCount, pos);
    }
    const items: K[] = [];
    let visited = 0;
    while (state !== undefined && visited < count) {
      // A flushed or swapped database has a new Map: the old keys are gone, start it afresh.
      if (segments(state.segment) !== state.map) {
        state = this.#open(segments, state.segment, segmentCount, 0);
        continue;
      }
      const next = state.iter.next();
      if (next.done) {
        state = this.#open(segments, state.segment + 1, segmentCount, 0);
        continue;
      }
      state.pos++;
      visited++;
      if (accept(next.value)) items.push(next.value);
    }
    if (state === undefined) return { cursor: 0, items };
    const token = this.#token;
    this.#token = this.#token % (TOKEN_LIMIT - 1) + 1;
    const next = (token * SEG_BITS + state.segment) * POS_BITS + Math.min(state.pos, POS_BITS - 1);
    if (this.#live.size >= MAX_LIVE) {
      const oldest = this.#live.keys().next().value;
      if (oldest !== undefined) this.#live.delete(oldest);
    }
    this.#live.set(next, state);
    return { cursor: next, items };
  }

  #open(segments: Segments<K>, from: number, count: number, skip: number): Live<K> | undefined {
    for (let segment = from; segment < count; segment++) {
      const map = segments(segment);
      if (map === undefined || map.size === 0) {
        skip = 0;
        continue;
      }
      const iter = map.keys();
      let pos = 0;
      while (pos < skip && !iter.next().done) pos++;
      return { map, iter, segment, pos };
    }
    return undefined;
  }
}
