// DUMP and RESTORE: a key's value serialized as Redis's DUMP payload (the RDB type byte and the
// value's RDB encoding, then the 2-byte little-endian RDB version and an 8-byte little-endian
// CRC-64 of everything before it), and the way back, with Redis 7.0's options and errors.
import type { HashValue } from "../../engine/hash.ts";
import type { ListValue } from "../../engine/list.ts";
import type { SetValue } from "../../engine/set.ts";
import { type Collection, isString, type StringValue, type Value } from "../../engine/values.ts";
import type { ZSetValue } from "../../engine/zset.ts";
import { type Argv, fromLatin1, latin1 } from "../../resp/mod.ts";
import type { Client } from "../client.ts";
import { NOT_INTEGER, SYNTAX } from "../errors.ts";
import type { Handlers } from "../handler.ts";
import { NOTIFY_GENERIC } from "../notify.ts";
import { Crc64 } from "../persistence/crc64.ts";
import { RDB_VERSION } from "../persistence/rdb_format.ts";
import { readRdbValue } from "../persistence/rdb_reader.ts";
import { RdbWriter } from "../persistence/rdb_writer.ts";
import { encodingLimits, toValue } from "../persistence/snapshot.ts";
import type { Server } from "../server.ts";
import { intArg } from "./_args.ts";

type Names = "dump" | "restore";

const BUSYKEY = "BUSYKEY Target key name already exists.";
const BAD_PAYLOAD = "ERR DUMP payload version or checksum are wrong";
const BAD_FORMAT = "ERR Bad data format";
const BAD_TTL = "ERR Invalid TTL value, must be >= 0";
const BAD_IDLETIME = "ERR Invalid IDLETIME value, must be >= 0";
const BAD_FREQ = "ERR Invalid FREQ value, must be >= 0 and <= 255";

/** Bytes after the value: RDB version (2) and CRC-64 (8). */
const FOOTER = 10;

/** The DUMP payload of `value`, as a binary string. */
export function dumpPayload(value: Value, compression: boolean): string {
  const w = new RdbWriter({ compression, checksum: false });
  if (isString(value)) w.stringValue(value as StringValue);
  else {
    const c = value as Collection;
    switch (c.type) {
      case "list":
        w.listValue([...(c as ListValue).values()]);
        break;
      case "set":
        w.setValue((c as SetValue).toArray());
        break;
      case "hash":
        w.hashValue((c as HashValue).flat());
        break;
      case "zset":
        w.zsetValue([...(c as ZSetValue).entries()]);
        break;
    }
  }
  const body = w.bytes();
  const out = new Uint8Array(body.length + FOOTER);
  out.set(body);
  out[body.length] = RDB_VERSION & 0xff;
  out[body.length + 1] = RDB_VERSION >>> 8;
  new Crc64().update(out.subarray(0, body.length + 2)).writeLE(out, body.length + 2);
  return latin1(out);
}

/** The payload's value bytes (without footer) if its version and checksum are right, else null. */
function verifyPayload(p: string): Uint8Array | null {
  const n = p.length;
  if (n < FOOTER) return null;
  const bytes = fromLatin1(p);
  const version = bytes[n - FOOTER]! | (bytes[n - FOOTER + 1]! << 8);
  if (version > RDB_VERSION) return null;
  if (!new Crc64().update(bytes.subarray(0, n - 8)).equalsLE(bytes, n - 8)) return null;
  return bytes.subarray(0, n - FOOTER);
}

/** The engine value a payload body holds, or null if it is malformed or an empty collection. */
function decodePayload(body: Uint8Array, server: Server): Value | null {
  try {
    const v = readRdbValue(body);
    if (typeof v !== "string") {
      const n = v.type === "list"
        ? v.items.length
        : v.type === "set"
        ? v.members.length
        : v.pairs.length;
      // Redis refuses empty collections in a payload (they cannot exist as keys).
      if (n === 0) return null;
    }
    return toValue(v, encodingLimits(server.config));
  } catch {
    return null;
  }
}

export const DUMP_HANDLERS: Handlers<Names> = {
  dump(c: Client, argv: Argv, server: Server) {
    const value = c.db.read(argv.str(1));
    if (value === undefined) {
      c.w.nil();
      return;
    }
    c.w.bulk(dumpPayload(value, server.config.bool("rdbcompression")));
  },
  restore(c: Client, argv: Argv, server: Server) {
    let replace = false;
    let absTtl = false;
    let idle = -1;
    let freq = -1;
    // Options are checked before the TTL, as Redis does.
    for (let i = 4; i < argv.length; i++) {
      const more = i + 1 < argv.length;
      if (argv.is(i, "replace")) replace = true;
      else if (argv.is(i, "absttl")) absTtl = true;
      else if (argv.is(i, "idletime") && more && freq === -1) {
        const v = intArg(argv, ++i);
        if (v === null) return c.w.error(NOT_INTEGER);
        if (v < 0) return c.w.error(BAD_IDLETIME);
        idle = v;
      } else if (argv.is(i, "freq") && more && idle === -1) {
        const v = intArg(argv, ++i);
        if (v === null) return c.w.error(NOT_INTEGER);
        if (v < 0 || v > 255) return c.w.error(BAD_FREQ);
        freq = v;
      } else return c.w.error(SYNTAX);
    }
    const ttl = intArg(argv, 2);
    if (ttl === null) return c.w.error(NOT_INTEGER);
    if (ttl < 0) return c.w.error(BAD_TTL);
    const db = c.db;
    const key = argv.str(1);
    if (!replace && db.has(key)) return c.w.error(BUSYKEY);
    const body = verifyPayload(argv.str(3));
    if (body === null) return c.w.error(BAD_PAYLOAD);
    const value = decodePayload(body, server);
    if (value === null) return c.w.error(BAD_FORMAT);
    const deleted = replace && db.delete(key);
    let expireAt: number | undefined;
    if (ttl !== 0) {
      expireAt = absTtl ? ttl : db.keyspace.clock() + ttl;
      // A TTL already past: nothing is created, and a replaced key stays deleted.
      if (expireAt <= db.keyspace.clock()) {
        if (deleted) {
          server.touch(c.dbIndex, key);
          server.notify(NOTIFY_GENERIC, "del", key, c.dbIndex);
          server.dirty++;
          if (server.repl.active) server.repl.rewrite(["DEL", key]);
        }
        return c.w.ok();
      }
    }
    // IDLETIME and FREQ are validated but not kept: hakv tracks no per-key LRU/LFU state.
    db.set(key, value, expireAt);
    server.touch(c.dbIndex, key);
    server.notify(NOTIFY_GENERIC, "restore", key, c.dbIndex);
    server.dirty++;
    if (server.repl.active && expireAt !== undefined && !absTtl) {
      // A relative TTL goes to replicas as the absolute time it became.
      const args = argv.strings();
      args[2] = String(expireAt);
      args.push("ABSTTL");
      server.repl.rewrite(args);
    }
    c.w.ok();
  },
};
