// The command table against Redis 7.0.15, command by command: COMMAND INFO (all ten fields, in
// RESP2 and RESP3, byte for byte where hash order does not interfere), COMMAND GETKEYS and
// GETKEYSANDFLAGS on generated and hand-written command lines, and whether the generated key
// specs (src/commands/key_specs.ts) are still what the server says. Every mismatch is collected
// and reported in one failure, grouped by the table file that owns the command.
import assert from "node:assert/strict";
import {
  type Command,
  type CommandFlag,
  type CommandSpec,
  getKeysOf,
  Registry,
  SERVER_REGISTRY,
} from "../src/commands/mod.ts";
import { command } from "../src/commands/spec.ts";
import { CONNECTION_COMMANDS } from "../src/commands/table/connection.ts";
import { HASH_COMMANDS } from "../src/commands/table/hashes.ts";
import { HLL_COMMANDS } from "../src/commands/table/hll.ts";
import { KEY_COMMANDS } from "../src/commands/table/keys.ts";
import { LIST_COMMANDS } from "../src/commands/table/lists.ts";
import { PUBSUB_COMMANDS } from "../src/commands/table/pubsub.ts";
import { SERVER_COMMANDS } from "../src/commands/table/server.ts";
import { SET_COMMANDS } from "../src/commands/table/sets.ts";
import { SORT_COMMANDS } from "../src/commands/table/sort.ts";
import { STRING_COMMANDS } from "../src/commands/table/strings.ts";
import { TRANSACTION_COMMANDS } from "../src/commands/table/transactions.ts";
import { ZSET_COMMANDS } from "../src/commands/table/zsets.ts";
import { Argv, decodeFrame, encodeCommand, NEED_MORE, RespError } from "../src/resp/mod.ts";
import type { RespValue } from "../src/resp/mod.ts";
import { execute } from "../src/server/dispatch.ts";
import type { Client } from "../src/server/client.ts";
import { generateKeySpecs, KEY_SPECS_PATH } from "../scripts/gen_key_specs.ts";
import { InProcess, type Proc, requireTool, RespClient, spawnRedis } from "./_harness.ts";

/** hakv serves it on purpose though Redis 7.0 does not (clients send it on connect). */
const NOT_IN_REDIS_7_0 = new Set(["client|setinfo"]);

const TABLE_FILES: [string, readonly CommandSpec[]][] = [
  ["connection.ts", CONNECTION_COMMANDS],
  ["server.ts", SERVER_COMMANDS],
  ["keys.ts", KEY_COMMANDS],
  ["strings.ts", STRING_COMMANDS],
  ["lists.ts", LIST_COMMANDS],
  ["hashes.ts", HASH_COMMANDS],
  ["sets.ts", SET_COMMANDS],
  ["zsets.ts", ZSET_COMMANDS],
  ["hll.ts", HLL_COMMANDS],
  ["sort.ts", SORT_COMMANDS],
  ["pubsub.ts", PUBSUB_COMMANDS],
  ["transactions.ts", TRANSACTION_COMMANDS],
];

function tableFile(fullName: string): string {
  for (const [file, specs] of TABLE_FILES) {
    if (specs.some((s) => s.name === fullName)) return `src/commands/table/${file}`;
  }
  return "?";
}

const FIELDS = [
  "name",
  "arity",
  "flags",
  "first_key",
  "last_key",
  "step",
  "acl_categories",
  "tips",
  "key_specs",
  "subcommands",
];

/** A reply with its RESP3 types kept: sets and maps are tagged, errors by message. */
function tag(v: RespValue): unknown {
  if (v instanceof RespError) return { error: v.message };
  if (v instanceof Set) return { set: [...v].map(tag) };
  if (v instanceof Map) return { map: [...v].map(([k, x]) => [tag(k), tag(x)]) };
  if (Array.isArray(v)) return v.map(tag);
  if (typeof v === "bigint") return { big: String(v) };
  return v;
}

function text(v: unknown): string {
  return JSON.stringify(v);
}

/** A reply as bytes and as a value. */
interface Reply {
  readonly bytes: string;
  readonly value: RespValue;
}

function decodeOne(bytes: Uint8Array): RespValue {
  const d = decodeFrame(bytes, 0, bytes.length);
  if (d.length !== bytes.length) throw new Error("expected exactly one reply frame");
  return d.value;
}

/** A plain TCP connection to redis-server that keeps each reply's bytes. */
class RawRedis {
  #buf = new Uint8Array(0);

  private constructor(readonly conn: Deno.TcpConn) {}

  static async connect(port: number, protocol: 2 | 3): Promise<RawRedis> {
    const r = new RawRedis(await Deno.connect({ hostname: "127.0.0.1", port }));
    if (protocol === 3) await r.call(["HELLO", "3"]);
    return r;
  }

  async call(args: readonly string[]): Promise<Reply> {
    const req = encodeCommand(args);
    for (let off = 0; off < req.length;) off += await this.conn.write(req.subarray(off));
    const chunk = new Uint8Array(64 * 1024);
    while (true) {
      if (this.#buf.length > 0) {
        const d = decodeFrame(this.#buf, 0, this.#buf.length);
        if (d.length !== NEED_MORE) {
          const bytes = this.#buf.slice(0, d.length);
          this.#buf = this.#buf.slice(d.length);
          return { bytes: latin1(bytes), value: d.value };
        }
      }
      const n = await this.conn.read(chunk);
      if (n === null) throw new Error("redis-server closed the connection");
      const next = new Uint8Array(this.#buf.length + n);
      next.set(this.#buf);
      next.set(chunk.subarray(0, n), this.#buf.length);
      this.#buf = next;
    }
  }

  close(): void {
    this.conn.close();
  }
}

function latin1(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return s;
}

/** Runs a command on an in-process hakv client and keeps the reply's bytes. */
async function hakvCall(t: InProcess, c: Client, args: readonly string[]): Promise<Reply> {
  const pending = execute(t.server, c, Argv.of(args));
  if (pending !== undefined) await pending;
  const bytes = c.w.bytes().slice();
  c.w.reset();
  return { bytes: latin1(bytes), value: decodeOne(bytes) };
}

/** hakv in process and redis-server, each with a RESP2 and a RESP3 connection. */
class Sides {
  private constructor(
    readonly proc: Proc,
    readonly t: InProcess,
    readonly hakv: Record<2 | 3, Client>,
    readonly redis: Record<2 | 3, RawRedis>,
  ) {}

  static async start(): Promise<Sides> {
    const proc = await spawnRedis();
    const t = new InProcess();
    const c3 = t.client();
    await t.runAs(c3, "HELLO", "3");
    const redis = {
      2: await RawRedis.connect(proc.port, 2),
      3: await RawRedis.connect(proc.port, 3),
    };
    return new Sides(proc, t, { 2: t.c, 3: c3 }, redis);
  }

  async both(protocol: 2 | 3, args: readonly string[]): Promise<[Reply, Reply]> {
    const h = await hakvCall(this.t, this.hakv[protocol], args);
    const r = await this.redis[protocol].call(args);
    return [h, r];
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.redis[2].close();
    this.redis[3].close();
    await this.t[Symbol.asyncDispose]();
    await this.proc[Symbol.asyncDispose]();
  }
}

/** Field-by-field differences of two COMMAND INFO entries (subcommands compared by name). */
function infoDiffs(h: RespValue, r: RespValue): string[] {
  if (!Array.isArray(h) || !Array.isArray(r)) {
    return [`entry: hakv ${text(tag(h))} redis ${text(tag(r))}`];
  }
  const out: string[] = [];
  for (let i = 0; i < FIELDS.length; i++) {
    let hv = tag(h[i]!);
    let rv = tag(r[i]!);
    if (i === 9) {
      // Redis lists subcommands in its dict's (seeded hash) order; each one is compared on its own.
      const names = (v: RespValue, kind: unknown) => {
        const list = [...(v as Iterable<RespValue[]>)].map((e) => String(e[0]));
        const known = list.filter((n) => !NOT_IN_REDIS_7_0.has(n)).sort();
        return { kind, names: known };
      };
      hv = names(h[i]!, h[i] instanceof Set ? "set" : "array");
      rv = names(r[i]!, r[i] instanceof Set ? "set" : "array");
    }
    if (text(hv) !== text(rv)) out.push(`${FIELDS[i]}: hakv ${text(hv)} redis ${text(rv)}`);
  }
  return out;
}

/** One failure message listing every mismatch, grouped by table file. */
function report(title: string, mismatches: Map<string, string[]>): string {
  const byFile = new Map<string, string[]>();
  for (const [name, diffs] of mismatches) {
    const file = tableFile(name.split(" ")[0]!);
    const lines = byFile.get(file) ?? [];
    lines.push(`    ${name}:\n${diffs.map((d) => `      ${d}`).join("\n")}`);
    byFile.set(file, lines);
  }
  const parts = [`${title}: ${mismatches.size} mismatching`];
  for (const [file, lines] of [...byFile].sort()) parts.push(`  ${file}\n${lines.join("\n")}`);
  return parts.join("\n");
}

Deno.test("COMMAND INFO of every command in the table equals Redis 7.0's, all ten fields", async () => {
  if (!requireTool("redis-server")) return;
  await using s = await Sides.start();
  const mismatches = new Map<string, string[]>();
  const add = (name: string, diff: string) => {
    const list = mismatches.get(name) ?? [];
    if (!list.includes(diff)) list.push(diff);
    mismatches.set(name, list);
  };
  for (const cmd of SERVER_REGISTRY.all()) {
    const name = cmd.fullName;
    if (NOT_IN_REDIS_7_0.has(name)) continue;
    // RESP3 keeps the reply types, so fields are compared there; RESP2 then byte for byte.
    const [h, r] = await s.both(3, ["COMMAND", "INFO", name]);
    if (h.bytes !== r.bytes) {
      const he = (h.value as RespValue[])[0]!;
      const re = (r.value as RespValue[])[0]!;
      if (re === null) {
        add(name, "Redis 7.0 does not know this command");
        continue;
      }
      const diffs = infoDiffs(he, re);
      for (const d of diffs) add(name, d);
      if (diffs.length === 0 && cmd.subcommands.size === 0) {
        add(name, "RESP3 bytes differ (simple vs bulk strings?)");
      }
    }
    if (mismatches.has(name) || cmd.subcommands.size > 0) continue;
    const [h2, r2] = await s.both(2, ["COMMAND", "INFO", name]);
    if (h2.bytes !== r2.bytes) {
      add(name, `RESP2: hakv ${text(tag(h2.value))} redis ${text(tag(r2.value))}`);
    }
  }
  assert.equal(mismatches.size, 0, report("COMMAND INFO", mismatches));
});

Deno.test("COMMAND DOCS of every command in the table has Redis 7.0's summary, since, group and complexity", async () => {
  if (!requireTool("redis-server")) return;
  await using s = await Sides.start();
  const mismatches = new Map<string, string[]>();
  // RESP3 replies are maps, so a field is a key lookup; subcommands are inside their parent's.
  const docsOf = (reply: RespValue, name: string): Map<RespValue, RespValue> | undefined => {
    const top = reply instanceof Map ? reply : undefined;
    const [parent, sub] = name.split("|") as [string, string | undefined];
    let doc = top?.get(parent) as Map<RespValue, RespValue> | undefined;
    if (sub !== undefined) {
      doc = (doc?.get("subcommands") as Map<RespValue, RespValue> | undefined)?.get(name) as
        | Map<RespValue, RespValue>
        | undefined;
    }
    return doc;
  };
  for (const cmd of SERVER_REGISTRY.all()) {
    const name = cmd.fullName;
    if (NOT_IN_REDIS_7_0.has(name)) continue;
    const parent = name.split("|")[0]!;
    const [h, r] = await s.both(3, ["COMMAND", "DOCS", parent]);
    const hd = docsOf(h.value, name);
    const rd = docsOf(r.value, name);
    const diffs: string[] = [];
    if (rd === undefined) diffs.push("Redis 7.0 has no docs for it");
    else if (hd === undefined) diffs.push("hakv has no docs for it");
    else {
      for (const field of ["summary", "since", "group", "complexity"]) {
        if (hd.get(field) !== rd.get(field)) {
          diffs.push(`${field}: hakv ${text(hd.get(field))} redis ${text(rd.get(field))}`);
        }
      }
    }
    if (diffs.length > 0) mismatches.set(name, diffs);
  }
  assert.equal(mismatches.size, 0, report("COMMAND DOCS", mismatches));
});

/** Hand-written command lines for the commands whose keys depend on their arguments. */
function handSamples(): string[][] {
  const out: string[][] = [];
  const line = (s: string) => out.push(s.split(" ").filter((a) => a !== ""));
  const counts = [
    "1",
    "2",
    "3",
    "0",
    "-1",
    "1x",
    "01",
    "+1",
    "4294967297",
    "2147483648",
    "18446744073709551617",
    "abc",
  ];
  for (const n of counts) {
    for (const c of ["lmpop", "zmpop", "sintercard", "zintercard", "zunion", "zinter", "zdiff"]) {
      const tail = c === "lmpop" ? "left" : c === "zmpop" ? "min" : "withscores";
      line(`${c} ${n} a b ${tail}`);
      line(`${c} ${n} a b c ${tail} count 2`);
    }
    for (const c of ["zunionstore", "zinterstore", "zdiffstore"]) {
      line(`${c} d ${n} a b`);
      line(`${c} d ${n} a b weights 1 2`);
    }
    line(`blmpop 0 ${n} a b left`);
    line(`bzmpop 0.5 ${n} a b c min count 1`);
  }
  // Arguments with spaces (atoi skips leading blanks; Redis's strict parse does not).
  for (const c of ["lmpop", "zunion", "sintercard"]) out.push([c, " 1", "a", "left"]);
  out.push(["zunionstore", "d", " 2", "a", "b"]);
  out.push(["zunion", "", "a"]);
  for (
    const s of [
      "sort a",
      "sort a store b",
      "sort a STORE b store c",
      "sort a store",
      "sort a by x get y get z store d",
      "sort a limit 0 1 store d",
      "sort a limit store d",
      "sort a get store d",
      "sort a by store d",
      "sort a store get d",
      "sort a asc alpha store d desc",
      "sort_ro a",
      "sort_ro a by x get y",
      "sort_ro a store d",
      "set a b",
      "set a b get",
      "set a b GeT",
      "set a b px 10 get",
      "set a get",
      "set a b nx",
      "set a b getx",
      "set a b xx keepttl get",
      "bitfield a",
      "bitfield a get u8 0",
      "bitfield a get u8",
      "bitfield a overflow wrap get u8 0",
      "bitfield a overflow",
      "bitfield a set u8 0 1",
      "bitfield a incrby u8 0 1",
      "bitfield a set u8 0",
      "bitfield a foo",
      "bitfield a get u8 0 set u8 0 1",
      "bitfield_ro a get u8 0",
      "mset a 1 b",
      "mset a 1 b 2",
      "msetnx a 1 b 2 c",
      "mget a b c",
      "del a b c",
      "lmove a b left right",
      "blmove a b left right 0",
      "rpoplpush a b",
      "brpoplpush a b 0",
      "smove a b m",
      "pfmerge d a b",
      "pfmerge d",
      "pfcount a b",
      "bitop and d a b",
      "zrangestore d s 0 1",
      "sinterstore d a b",
      "sunionstore d a",
      "sdiffstore d a b c",
      "blpop a b 0",
      "brpop a 0",
      "bzpopmin a b 0",
      "bzpopmax a 0",
      "copy a b db 1",
      "rename a b",
      "lcs a b len",
      "watch a b",
      "object encoding k",
      "object freq k",
      "object help",
      "object nosuch k",
      "object",
      "memory usage k",
      "memory usage k samples 5",
      "memory stats",
      "client list",
      "spublish ch m",
      "ssubscribe a b",
      "sunsubscribe a",
      "publish ch m",
      "subscribe a",
      "pubsub shardnumsub a",
      "nosuch a",
      "get a b",
      "GET a",
      "LMove a b left right",
      "config get maxmemory",
      "command getkeys get k",
      "exec",
      "ping",
    ]
  ) line(s);
  return out;
}

/** Generated command lines: each command at and around its arity, with word and number args. */
function autoSamples(cmd: Command): string[][] {
  const out: string[][] = [];
  const prefix = cmd.fullName.split("|");
  const arity = cmd.spec.arity;
  const n = Math.abs(arity);
  const lengths = arity > 0 ? [n, n + 1] : [n, n + 1, n + 2, n + 5];
  if (n - 1 > prefix.length) lengths.push(n - 1);
  const fills: ((i: number) => string)[] = [(i) => `k${i}`, (i) => String(i), () => "1"];
  for (const len of lengths) {
    for (const fill of fills) {
      const args = [...prefix];
      for (let i = prefix.length; i < len; i++) args.push(fill(i));
      out.push(args);
    }
  }
  return out;
}

Deno.test("COMMAND GETKEYS and GETKEYSANDFLAGS equal Redis 7.0's on sample command lines", async () => {
  if (!requireTool("redis-server")) return;
  await using s = await Sides.start();
  const known = (args: string[]) => {
    const top = SERVER_REGISTRY.get(args[0]!.toLowerCase());
    if (top === undefined) return args[0] === "nosuch";
    if (args.length < 2 || top.subcommands.size === 0) return true;
    const sub = args[1]!.toLowerCase();
    return top.subcommands.has(sub) || sub === "nosuch";
  };
  const lines = handSamples().filter(known);
  for (const cmd of SERVER_REGISTRY.all()) {
    if (!NOT_IN_REDIS_7_0.has(cmd.fullName)) lines.push(...autoSamples(cmd));
  }
  const mismatches = new Map<string, string[]>();
  let compared = 0;
  for (const args of lines) {
    for (const sub of ["GETKEYS", "GETKEYSANDFLAGS"]) {
      for (const protocol of [2, 3] as const) {
        const [h, r] = await s.both(protocol, ["COMMAND", sub, ...args]);
        compared++;
        if (h.bytes === r.bytes) continue;
        const name = cmd(args);
        const list = mismatches.get(name) ?? [];
        list.push(
          `COMMAND ${sub} ${args.map((a) => JSON.stringify(a)).join(" ")} (RESP${protocol}): ` +
            `hakv ${text(tag(h.value))} redis ${text(tag(r.value))}`,
        );
        mismatches.set(name, list);
      }
    }
  }
  assert.ok(compared > 1000, `only ${compared} comparisons`);
  assert.equal(mismatches.size, 0, report("COMMAND GETKEYS", mismatches));
});

/** The full name of the command a sample line runs, for grouping. */
function cmd(args: string[]): string {
  const top = SERVER_REGISTRY.get(args[0]!.toLowerCase());
  if (top !== undefined && top.subcommands.size > 0 && args.length > 1) {
    const sub = top.subcommands.get(args[1]!.toLowerCase());
    if (sub !== undefined) return sub.fullName;
  }
  return top?.fullName ?? args[0]!.toLowerCase();
}

/** A registry of every Redis command (arity and flags from its COMMAND reply), for key extraction. */
async function redisRegistry(client: RespClient): Promise<Registry> {
  const specs: CommandSpec[] = [];
  const walk = (entries: RespValue[][], parent: string) => {
    for (const e of entries) {
      const subs = e[9] as RespValue[][];
      const flags = (e[2] as string[]).filter((f) => f !== "movablekeys") as CommandFlag[];
      specs.push(command(String(e[0]), e[1] as number, {
        group: "generic",
        summary: "",
        flags,
        ...(parent === "" && subs.length > 0 ? { container: true as const } : {}),
      }));
      walk(subs, String(e[0]));
    }
  };
  walk(await client.command("COMMAND") as RespValue[][], "");
  return new Registry(specs, "server");
}

/** Command lines for Redis commands hakv does not serve yet, beyond the generated ones. */
const OTHER_SAMPLES = [
  "eval s 2 a b c",
  "eval s 0",
  "eval s 1x a",
  "evalsha s 3 a b",
  "fcall f 1 a b",
  "fcall_ro f -1 a",
  "xread count 1 streams a b 0 0",
  "xread streams a b c",
  "xread block 0 streams s STREAMS 0 0",
  "xreadgroup group g c count 1 streams a 0",
  "georadius k 1 2 3 m store d",
  "georadius k 1 2 3 m storedist d store e",
  "georadiusbymember k m 3 km STOREDIST d",
  "geosearchstore d s frommember m byradius 1 m",
  "migrate h p k 0 5000",
  "migrate h p k 0 5000 copy",
  "migrate h p  0 5000 KEYS a b",
  "migrate h p  0 5000 auth keys keys a",
  "migrate h p  0 5000 auth2 u keys keys a",
  "migrate h p k 0 5000 keys a",
  "migrate h p  0 5000 keys",
  "migrate h p  0 5000 replace",
  "georadius k 1 2 3 m store",
  "georadius k 1 2 3 store d store",
  "georadius k 1 2 3 storedist d x store",
  "georadiusbymember k m 3 store d store",
  "georadiusbymember k m 3 km store d storedist",
  "georadius k 1 2 3 m storedist d store e store",
  "migrate h p k 0 5000 keys",
  "migrate h p  0 5000 copy keys x",
  "georadius k 1 2 3 m store d storedist",
  "georadiusbymember k m 3 km withdist store",
  "xread streams",
  "xread count 2 streams a",
  "xread count streams streams a 0",
  "xreadgroup group streams c streams a 0",
];

Deno.test("key extraction of Redis commands hakv does not serve yet follows their key specs", async () => {
  if (!requireTool("redis-server")) return;
  await using proc = await spawnRedis();
  await using client = await RespClient.connect({ port: proc.port });
  const registry = await redisRegistry(client);
  const lines = OTHER_SAMPLES.map((l) => l.split(" "));
  for (const c of registry.all()) {
    if (SERVER_REGISTRY.byFullName(c.fullName) === undefined) lines.push(...autoSamples(c));
  }
  const failures: string[] = [];
  for (const args of lines) {
    if (args.length < 2) continue; // COMMAND GETKEYS's own arity error
    let c = registry.get(args[0]!.toLowerCase());
    if (c !== undefined && c.subcommands.size > 0 && args.length >= 2) {
      c = c.subcommands.get(args[1]!.toLowerCase());
    }
    const keys = c === undefined ? "ERR Invalid command specified" : getKeysOf(c, {
      length: args.length,
      str: (i) => args[i]!,
    });
    const ours = typeof keys === "string"
      ? { error: keys }
      : keys.map((k) => [args[k.pos], [...k.flags]]);
    const theirs = tag(await client.call("COMMAND", "GETKEYSANDFLAGS", ...args));
    if (text(ours) !== text(theirs)) {
      failures.push(`${args.join(" ")}: hakv ${text(ours)} redis ${text(theirs)}`);
    }
  }
  assert.ok(lines.length > 500, `only ${lines.length} lines`);
  assert.deepEqual(failures, []);
});

Deno.test("src/commands/key_specs.ts is what scripts/gen_key_specs.ts makes from redis-server", async () => {
  if (!requireTool("redis-server")) return;
  await using proc = await spawnRedis();
  await using client = await RespClient.connect({ port: proc.port });
  const generated = await generateKeySpecs(client);
  const committed = await Deno.readTextFile(KEY_SPECS_PATH);
  assert.ok(
    generated === committed,
    "key_specs.ts is stale: run `deno run -A scripts/gen_key_specs.ts --port <redis port>`",
  );
});

Deno.test("a command Redis 7.0 lacks gets key specs and keys from its table entry", () => {
  const registry = new Registry([
    command("zzfixed", -2, {
      group: "generic",
      summary: "",
      flags: ["write"],
      firstKey: 1,
      lastKey: -1,
      step: 2,
    }),
    command("zzcount", -3, {
      group: "generic",
      summary: "",
      flags: ["readonly"],
      keys: { numkeysAt: 1, firstAfter: 2 },
    }),
  ], "server");
  const fixed = registry.get("zzfixed")!;
  const count = registry.get("zzcount")!;
  const line = (s: string) => {
    const args = s.split(" ");
    return { length: args.length, str: (i: number) => args[i]! };
  };
  assert.deepEqual(fixed.keySpecs, [{
    flags: ["RW", "access", "update"],
    begin: { index: 1 },
    find: { lastkey: -1, keystep: 2, limit: 0 },
  }]);
  assert.equal(fixed.movableKeys, false);
  assert.deepEqual(getKeysOf(fixed, line("zzfixed a 1 b 2")), [
    { pos: 1, flags: ["RW", "access", "update"] },
    { pos: 3, flags: ["RW", "access", "update"] },
  ]);
  assert.equal(count.movableKeys, true);
  const keys = getKeysOf(count, line("zzcount 2 a b x"));
  assert.deepEqual(typeof keys === "string" ? keys : keys.map((k) => k.pos), [2, 3]);
  assert.equal(
    getKeysOf(count, line("zzcount 3 a b")),
    "ERR Invalid arguments specified for command",
  );
  assert.equal(
    getKeysOf(count, line("zzcount 1")),
    "ERR Invalid number of arguments specified for command",
  );
});
