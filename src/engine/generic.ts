// Keyspace-wide operations behind the generic commands that no single Db method covers:
// pattern listing (KEYS), a cheap random key (RANDOMKEY), one SCAN step over a database's
// shards, and value duplication (COPY). Typed results only; the handlers write the replies.
import type { Db, Table } from "./keyspace.ts";
import { globMatch } from "./glob.ts";
import type { CursorRegistry, ScanStep } from "./scan.ts";
import { MutableString, typeOf, type Value } from "./values.ts";

/** Whether `pattern` has no glob syntax, so it can only match itself. */
function isLiteral(pattern: string): boolean {
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern.charCodeAt(i);
    if (c === 42 || c === 63 || c === 91 || c === 92) return false; // * ? [ \
  }
  return true;
}

/**
 * Every live key of `db` matching `pattern`, in no particular order. Expired keys are left out
 * but not removed, as Redis's KEYS does (active and lazy expiry remove them).
 */
export function keysMatching(db: Db, pattern: string): string[] {
  const out: string[] = [];
  const now = db.keyspace.clock();
  if (isLiteral(pattern)) {
    // Matching itself only: one lookup instead of a walk over the whole database.
    const t = db.keyspace.table(db.index, pattern);
    if (t.data.has(pattern) && !expiredIn(t, pattern, now)) out.push(pattern);
    return out;
  }
  const all = pattern === "*";
  for (const shard of db.keyspace.shards) {
    const t = shard.tables[db.index]!;
    const volatile = t.expires.size > 0;
    for (const key of t.data.keys()) {
      if (!all && !globMatch(pattern, key)) continue;
      if (volatile && expiredIn(t, key, now)) continue;
      out.push(key);
    }
  }
  return out;
}

function expiredIn(t: Table, key: string, now: number): boolean {
  const at = t.expires.get(key);
  return at !== undefined && at <= now;
}

/** Tables up to this size are sampled exactly (uniformly); larger ones by a random walk. */
const EXACT_SAMPLE = 128;
/** Largest random step of the walk over a big table. */
const WALK = 256;
const walks = new WeakMap<Map<string, Value>, Iterator<string>>();

/**
 * A random live key of `db`, or undefined if it has none. Expired keys met on the way are
 * removed, so the search always ends. A shard is chosen in proportion to its size; inside a big
 * table the pick advances a random distance along a kept iterator (Maps have no random access,
 * and a walk from the start would make RANDOMKEY O(N)).
 */
export function randomKey(db: Db): string | undefined {
  const shards = db.keyspace.shards;
  // A replica never removes expired keys itself, so a database of only expired keys would loop
  // for ever: after 100 tries it answers with an expired key, as Redis does.
  for (let tries = 0;; tries++) {
    const total = db.size;
    if (total === 0) return undefined;
    let pick = Math.floor(Math.random() * total);
    let table: Table | undefined;
    for (const shard of shards) {
      const t = shard.tables[db.index]!;
      if (pick < t.data.size) {
        table = t;
        break;
      }
      pick -= t.data.size;
    }
    if (table === undefined) return undefined;
    const key = sample(table.data, pick);
    if (key === undefined) continue;
    // `get` removes the key if its TTL passed; then try again.
    if (table.expires.size > 0 && db.get(key) === undefined) {
      if (db.keyspace.replica !== 0 && tries >= 100) return key;
      continue;
    }
    return key;
  }
}

function sample(map: Map<string, Value>, pick: number): string | undefined {
  if (map.size <= EXACT_SAMPLE) {
    let i = 0;
    for (const key of map.keys()) if (i++ === pick) return key;
    return undefined;
  }
  let iter = walks.get(map);
  let steps = Math.floor(Math.random() * WALK);
  while (true) {
    if (iter === undefined) {
      iter = map.keys();
      walks.set(map, iter);
    }
    const next = iter.next();
    if (next.done) {
      iter = undefined;
      continue;
    }
    if (steps-- === 0) return next.value;
  }
}

/** What a SCAN over the keyspace keeps: a glob (null: all) and a type name (null: any). */
export interface KeyScanFilter {
  pattern: string | null;
  /** Lower case; compared with TYPE's names. */
  type: string | null;
}

/**
 * One SCAN step over `db`'s shards. Each candidate is filtered by pattern, then type, then
 * expiry (an expired key is removed), in Redis's order; the TYPE check reads the key, which
 * counts as a keyspace hit or miss as it does in Redis 7.0.
 */
export function scanKeys(
  registry: CursorRegistry<string>,
  db: Db,
  cursor: bigint,
  count: number,
  filter: KeyScanFilter,
): ScanStep<string> {
  const shards = db.keyspace.shards;
  const { pattern, type } = filter;
  const volatile = db.expiresCount > 0;
  return registry.scan(
    cursor,
    shards.length,
    (i) => shards[i]?.tables[db.index]?.data,
    count,
    (key) => {
      if (pattern !== null && !globMatch(pattern, key)) return false;
      if (type !== null) {
        // `read` also removes the key if it expired.
        const v = db.read(key);
        return v !== undefined && typeOf(v) === type;
      }
      return !volatile || db.get(key) !== undefined;
    },
  );
}

/**
 * A copy of `value` that shares nothing mutable with it (COPY). Binary strings are immutable
 * and shared; a MutableString gets its own bytes. Collection types add their deep copies here.
 */
export function copyValue(value: Value): Value {
  if (typeof value === "string") return value;
  if (value instanceof MutableString) return new MutableString(value.view());
  return value.copy();
}
