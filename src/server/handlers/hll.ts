// HyperLogLog commands: PFADD, PFCOUNT, PFMERGE, PFDEBUG, PFSELFTEST. Values are string values
// in Redis's HLL byte format (engine/hll.ts): a dense one is kept as a MutableString that PFADD
// edits in place, a sparse one (at most hll-sparse-max-bytes) as a plain string rebuilt once
// per command from the engine's scratch buffer.
import {
  cachedCount,
  createHll,
  decodeSparse,
  denseGet,
  denseSet,
  encodingOf,
  HLL_DENSE,
  HLL_HDR_SIZE,
  HLL_REGISTERS,
  HLL_SPARSE,
  hllAdd,
  hllCount,
  hllEditable,
  hllSet,
  hllSettle,
  hllView,
  invalidateCache,
  isHll,
  mergeInto,
  registersCount,
  setCachedCount,
  toDense,
} from "../../engine/hll.ts";
import type { Db } from "../../engine/keyspace.ts";
import { isString, MutableString, type StringValue, type Value } from "../../engine/values.ts";
import type { Argv } from "../../resp/mod.ts";
import type { Client } from "../client.ts";
import { WRONGTYPE } from "../errors.ts";
import type { Handlers } from "../handler.ts";
import { NOTIFY_STRING } from "../notify.ts";
import type { Server } from "../server.ts";

type Names = "pfadd" | "pfcount" | "pfmerge" | "pfdebug" | "pfselftest";

const NOT_HLL = "WRONGTYPE Key is not a valid HyperLogLog string value.";
const CORRUPT = "INVALIDOBJ Corrupted HLL object detected";
const NO_KEY = "ERR The specified key does not exist";
const NOT_SPARSE = "ERR HLL encoding is not sparse";

/** The HLL value `v`, or null after replying the right WRONGTYPE error. */
function hllOrReply(c: Client, v: Value): StringValue | null {
  if (!isString(v)) {
    c.w.error(WRONGTYPE);
    return null;
  }
  if (!isHll(v)) {
    c.w.error(NOT_HLL);
    return null;
  }
  return v;
}

/** Stores an edited HLL back under `key` when editing produced a new value object. */
function settle(
  db: Db,
  key: string,
  before: StringValue | undefined,
  m: MutableString,
  changed = true,
): void {
  const after = hllSettle(m, before, changed);
  if (after === before) return;
  if (before === undefined) db.set(key, after);
  else db.replace(key, after);
}

function sparseMax(server: Server): number {
  return server.config.int("hll-sparse-max-bytes");
}

function changed(c: Client, server: Server, key: string, dirty: number): void {
  server.touch(c.dbIndex, key);
  server.notify(NOTIFY_STRING, "pfadd", key, c.dbIndex);
  server.dirty += dirty;
}

/** PFCOUNT of several keys: the estimate of their union, stored nowhere. */
function countUnion(c: Client, argv: Argv): void {
  const max = new Uint8Array(HLL_REGISTERS);
  for (let i = 1; i < argv.length; i++) {
    const v = c.db.read(argv.str(i));
    if (v === undefined) continue;
    const h = hllOrReply(c, v);
    if (h === null) return;
    if (!mergeInto(max, hllView(h))) {
      c.w.error(CORRUPT);
      return;
    }
  }
  c.w.int(registersCount(max));
}

export const HLL_HANDLERS: Handlers<Names> = {
  pfadd(c, argv, server) {
    const key = argv.str(1);
    const v = c.db.get(key);
    let h: StringValue | undefined;
    if (v !== undefined) {
      const checked = hllOrReply(c, v);
      if (checked === null) return;
      h = checked;
    }
    const m = hllEditable(h);
    let updated = h === undefined ? 1 : 0;
    const limit = argv.length > 2 ? sparseMax(server) : 0;
    for (let i = 2; i < argv.length; i++) {
      const r = hllAdd(m, argv.bytes(i), limit);
      if (r < 0) {
        // Registers set before the corruption was found stay set, as in Redis.
        settle(c.db, key, h, m, updated > 0);
        c.w.error(CORRUPT);
        return;
      }
      updated += r;
    }
    if (updated > 0) invalidateCache(m.bytes);
    settle(c.db, key, h, m, updated > 0);
    if (updated > 0) changed(c, server, key, updated);
    c.w.int(updated > 0 ? 1 : 0);
  },

  pfcount(c, argv, server) {
    if (argv.length > 2) {
      countUnion(c, argv);
      return;
    }
    const key = argv.str(1);
    const v = c.db.read(key);
    if (v === undefined) {
      c.w.int(0);
      return;
    }
    const h = hllOrReply(c, v);
    if (h === null) return;
    const cached = cachedCount(h);
    if (cached !== -1) {
      c.w.int(cached);
      return;
    }
    const n = hllCount(hllView(h));
    if (n < 0) {
      c.w.error(CORRUPT);
      return;
    }
    // Caching the count is a write Redis propagates: WATCHers of the key see it change.
    const m = hllEditable(h);
    setCachedCount(m.bytes, n);
    settle(c.db, key, h, m);
    server.touch(c.dbIndex, key);
    server.dirty++;
    c.w.int(n);
  },

  pfmerge(c, argv, server) {
    const max = new Uint8Array(HLL_REGISTERS);
    let dense = false;
    // The destination is a source too.
    for (let i = 1; i < argv.length; i++) {
      const v = c.db.read(argv.str(i));
      if (v === undefined) continue;
      const h = hllOrReply(c, v);
      if (h === null) return;
      const b = hllView(h);
      if (encodingOf(b) === HLL_DENSE) dense = true;
      if (!mergeInto(max, b)) {
        c.w.error(CORRUPT);
        return;
      }
    }
    const key = argv.str(1);
    const h = c.db.get(key) as StringValue | undefined;
    const m = hllEditable(h);
    if (dense && !toDense(m)) {
      settle(c.db, key, h, m);
      c.w.error(CORRUPT);
      return;
    }
    const limit = sparseMax(server);
    for (let i = 0; i < HLL_REGISTERS; i++) {
      if (max[i] !== 0) hllSet(m, i, max[i]!, limit);
    }
    invalidateCache(m.bytes);
    settle(c.db, key, h, m);
    changed(c, server, key, 1);
    c.w.ok();
  },

  pfdebug(c, argv, server) {
    const key = argv.str(2);
    const v = c.db.get(key);
    if (v === undefined) {
      c.w.error(NO_KEY);
      return;
    }
    const h = hllOrReply(c, v);
    if (h === null) return;
    const sparse = encodingOf(hllView(h)) === HLL_SPARSE;
    if (sparse && (argv.is(1, "getreg") || argv.is(1, "todense"))) {
      const m = hllEditable(h);
      const ok = toDense(m);
      settle(c.db, key, h, m, ok);
      if (!ok) {
        c.w.error(CORRUPT);
        return;
      }
      server.dirty++;
    }
    if (argv.is(1, "getreg")) {
      const b = hllView(c.db.get(key) as StringValue);
      c.w.array(HLL_REGISTERS);
      for (let i = 0; i < HLL_REGISTERS; i++) c.w.int(denseGet(b, HLL_HDR_SIZE, i));
    } else if (argv.is(1, "decode")) {
      if (!sparse) c.w.error(NOT_SPARSE);
      else c.w.bulk(decodeSparse(hllView(h)));
    } else if (argv.is(1, "encoding")) {
      c.w.simple(sparse ? "sparse" : "dense");
    } else if (argv.is(1, "todense")) {
      c.w.int(sparse ? 1 : 0);
    } else {
      c.w.error(`ERR Unknown PFDEBUG subcommand '${argv.str(1)}'`);
    }
  },

  pfselftest(c) {
    const failure = selfTest();
    if (failure === null) c.w.ok();
    else c.w.error(`TESTFAILED ${failure}`);
  },
};

/**
 * PFSELFTEST: dense registers read back what was written, and a sparse HLL (promoted to dense
 * midway) counts within the expected error of the true cardinality as it grows.
 */
function selfTest(): string | null {
  const regs = new Uint8Array(HLL_HDR_SIZE + (HLL_REGISTERS * 6) / 8);
  const expect = new Uint8Array(HLL_REGISTERS);
  let seed = 1;
  for (let round = 0; round < 64; round++) {
    for (let i = 0; i < HLL_REGISTERS; i++) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      expect[i] = seed >>> 26;
      denseSet(regs, HLL_HDR_SIZE, i, expect[i]!);
    }
    for (let i = 0; i < HLL_REGISTERS; i++) {
      if (denseGet(regs, HLL_HDR_SIZE, i) !== expect[i]) {
        return `Register error at ${i}`;
      }
    }
  }
  const m = createHll();
  const ele = new Uint8Array(8);
  const view = new DataView(ele.buffer);
  // 1.04 / sqrt(m) is the standard error; allow five of them.
  const relErr = 5 * 1.04 / Math.sqrt(HLL_REGISTERS);
  for (let n = 1; n <= 100000; n++) {
    view.setUint32(0, n, true);
    view.setUint32(4, 0x9e3779b9, true);
    if (hllAdd(m, ele, 3000) < 0) return "corrupt HLL while adding";
    if (n % 1000 !== 0) continue;
    const est = hllCount(m.view());
    if (Math.abs(est - n) > n * relErr && n > 10) {
      return `Cardinality ${n} estimated as ${est}`;
    }
  }
  return null;
}
