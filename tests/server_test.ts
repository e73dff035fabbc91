// Server commands: DBSIZE, FLUSHDB/FLUSHALL, SWAPDB, TIME, LASTSAVE, SHUTDOWN, COMMAND and its
// subcommands, DEBUG, MEMORY, SLOWLOG and MONITOR. Reply shapes and error texts are compared
// with a real redis-server where one is installed.
import assert from "node:assert/strict";
import { DiffPair, norm } from "./_diff.ts";
import {
  errorText,
  InProcess,
  requireTool,
  type RespClient,
  RespError,
  type RespValue,
  spawnHakv,
  waitFor,
} from "./_harness.ts";
import { SERVER_COMMANDS } from "../src/commands/table/server.ts";
import { CONNECTION_COMMANDS } from "../src/commands/table/connection.ts";

function debugServer(): InProcess {
  return new InProcess({ "enable-debug-command": "yes" });
}

/** Sends the same commands to hakv and redis-server and compares every reply. */
async function sameReplies(script: (string | number)[][], args: string[] = []): Promise<void> {
  if (!requireTool("redis-server")) return;
  await using pair = await DiffPair.start(args);
  for (const cmd of script) await pair.same(cmd);
}

// --- DBSIZE, FLUSH*, SWAPDB, TIME, LASTSAVE ---------------------------------------------------

Deno.test("DBSIZE counts the selected database; FLUSHDB empties it, FLUSHALL all", async () => {
  await using s = new InProcess();
  await s.run("SET", "a", "1");
  await s.run("SET", "b", "2");
  await s.run("SELECT", "1");
  await s.run("SET", "c", "3");
  assert.equal(await s.run("DBSIZE"), 1);
  assert.equal(await s.run("FLUSHDB", "ASYNC"), "OK");
  assert.equal(await s.run("DBSIZE"), 0);
  await s.run("SELECT", "0");
  assert.equal(await s.run("DBSIZE"), 2);
  assert.equal(await s.run("FLUSHALL", "sync"), "OK");
  assert.equal(await s.run("DBSIZE"), 0);
  assert.equal(errorText(await s.run("FLUSHALL", "foo")), "ERR syntax error");
  assert.equal(errorText(await s.run("FLUSHALL", "SYNC", "ASYNC")), "ERR syntax error");
  assert.equal(errorText(await s.run("FLUSHDB", "async", "x")), "ERR syntax error");
});

Deno.test("SWAPDB exchanges databases for every client; bad indexes are refused", async () => {
  await using s = new InProcess();
  const other = s.client();
  await s.run("SET", "k", "in0");
  await s.runAs(other, "SELECT", "1");
  await s.runAs(other, "SET", "k", "in1");
  assert.equal(await s.run("SWAPDB", "0", "1"), "OK");
  assert.equal(await s.run("GET", "k"), "in1");
  assert.equal(await s.runAs(other, "GET", "k"), "in0");
  assert.equal(await s.run("SWAPDB", "0", "0"), "OK");
  assert.equal(errorText(await s.run("SWAPDB", "a", "1")), "ERR invalid first DB index");
  assert.equal(errorText(await s.run("SWAPDB", "0", "b")), "ERR invalid second DB index");
  assert.equal(errorText(await s.run("SWAPDB", "0", "16")), "ERR DB index is out of range");
  assert.equal(errorText(await s.run("SWAPDB", "-1", "0")), "ERR DB index is out of range");
});

Deno.test("TIME returns seconds and microseconds as strings; LASTSAVE the start time", async () => {
  await using s = new InProcess();
  const [sec, usec] = await s.run("TIME") as string[];
  assert.match(sec!, /^\d+$/);
  assert.match(usec!, /^\d{1,6}$/);
  assert.ok(Math.abs(Number(sec) - Date.now() / 1000) < 5);
  const last = await s.run("LASTSAVE");
  assert.equal(last, s.server.lastSave);
  assert.ok(Math.abs((last as number) - Date.now() / 1000) < 60);
});

Deno.test("differential: DBSIZE, FLUSH*, SWAPDB and their errors match Redis", async () => {
  await sameReplies([
    ["SET", "a", "1"],
    ["DBSIZE"],
    ["FLUSHALL", "foo"],
    ["FLUSHALL", "sync", "async"],
    ["FLUSHDB", "foo"],
    ["SWAPDB", "a", "1"],
    ["SWAPDB", "0", "b"],
    ["SWAPDB", "0", "16"],
    ["SWAPDB", "0", "99999999999"],
    ["SWAPDB", "0", "1"],
    ["DBSIZE"],
    ["SELECT", "1"],
    ["DBSIZE"],
    ["FLUSHDB", "ASYNC"],
    ["DBSIZE"],
    ["LASTSAVE", "x"],
    ["TIME", "x"],
  ]);
});

// --- SHUTDOWN ---------------------------------------------------------------------------------

Deno.test("SHUTDOWN option errors match Redis; ABORT without a shutdown in progress", async () => {
  await using s = new InProcess();
  assert.equal(errorText(await s.run("SHUTDOWN", "foo")), "ERR syntax error");
  assert.equal(errorText(await s.run("SHUTDOWN", "NOSAVE", "ABORT")), "ERR syntax error");
  assert.equal(errorText(await s.run("SHUTDOWN", "SAVE", "NOSAVE")), "ERR syntax error");
  assert.equal(errorText(await s.run("SHUTDOWN", "ABORT")), "ERR No shutdown in progress.");
});

Deno.test("process: SHUTDOWN closes connections and hakv server exits 0", async () => {
  await using p = await spawnHakv();
  await using c = await p.client();
  await using other = await p.client();
  assert.equal(await other.call("PING"), "PONG");
  await assert.rejects(() => c.call("SHUTDOWN", "NOSAVE", "NOW", "FORCE"));
  const status = await p.status;
  assert.equal(status.code, 0);
  await other.done;
  assert.ok(other.closed);
  assert.match(p.output(), /User requested shutdown\.\.\./);
  assert.match(p.output(), /ready to exit, bye bye/);
});

// --- COMMAND ----------------------------------------------------------------------------------

Deno.test("COMMAND COUNT, COMMAND and COMMAND INFO describe the command table", async () => {
  await using s = new InProcess();
  const count = await s.run("COMMAND", "COUNT") as number;
  assert.equal(count, s.server.registry.size);
  const all = await s.run("COMMAND") as unknown[][];
  assert.equal(all.length, count);
  const [get, missing, sub] = await s.run("COMMAND", "INFO", "GET", "nosuch", "client|list") as [
    unknown[],
    null,
    unknown[],
  ];
  assert.equal(missing, null);
  assert.deepEqual(get.slice(0, 7), ["get", 2, ["readonly", "fast"], 1, 1, 1, [
    "@read",
    "@string",
    "@fast",
  ]]);
  assert.deepEqual(get[8], [[
    "flags",
    ["RO", "access"],
    "begin_search",
    ["type", "index", "spec", ["index", 1]],
    "find_keys",
    ["type", "range", "spec", ["lastkey", 0, "keystep", 1, "limit", 0]],
  ]]);
  assert.equal(sub[0], "client|list");
  assert.deepEqual(sub[6], ["@admin", "@slow", "@dangerous", "@connection"]);
  const client = (await s.run("COMMAND", "INFO", "client") as unknown[][])[0]!;
  assert.deepEqual(client.slice(0, 7), ["client", -2, [], 0, 0, 0, ["@slow"]]);
  assert.ok((client[9] as unknown[]).length >= 10, "subcommands are listed");
});

Deno.test("COMMAND GETKEYS and GETKEYSANDFLAGS extract keys with Redis's errors", async () => {
  await using s = new InProcess();
  assert.deepEqual(await s.run("COMMAND", "GETKEYS", "mset", "a", "1", "b", "2"), ["a", "b"]);
  assert.deepEqual(await s.run("COMMAND", "GETKEYS", "MEMORY", "USAGE", "k"), ["k"]);
  assert.equal(
    errorText(await s.run("COMMAND", "GETKEYS", "nosuch", "a")),
    "ERR Invalid command specified",
  );
  assert.equal(
    errorText(await s.run("COMMAND", "GETKEYS", "client", "list")),
    "ERR The command has no key arguments",
  );
  assert.equal(
    errorText(await s.run("COMMAND", "GETKEYS", "get", "a", "b")),
    "ERR Invalid number of arguments specified for command",
  );
  assert.equal(
    errorText(await s.run("COMMAND", "GETKEYS", "get")),
    "ERR wrong number of arguments for 'command|getkeys' command",
  );
  assert.deepEqual(await s.run("COMMAND", "GETKEYSANDFLAGS", "get", "k"), [["k", [
    "RO",
    "access",
  ]]]);
});

Deno.test("COMMAND LIST filters by pattern and ACL category; DOCS gives summaries", async () => {
  await using s = new InProcess();
  const conf = await s.run("COMMAND", "LIST", "FILTERBY", "PATTERN", "conf*") as string[];
  assert.deepEqual(conf.sort(), [
    "config",
    "config|get",
    "config|help",
    "config|resetstat",
    "config|rewrite",
    "config|set",
  ]);
  const dangerous = await s.run("COMMAND", "LIST", "FILTERBY", "ACLCAT", "dangerous") as string[];
  assert.ok(dangerous.includes("flushall") && dangerous.includes("client|kill"));
  assert.ok(!dangerous.includes("get") && !dangerous.includes("client"));
  assert.deepEqual(await s.run("COMMAND", "LIST", "FILTERBY", "MODULE", "x"), []);
  assert.equal(errorText(await s.run("COMMAND", "LIST", "foo")), "ERR syntax error");
  assert.equal(errorText(await s.run("COMMAND", "LIST", "FILTERBY", "x", "y")), "ERR syntax error");
  const all = await s.run("COMMAND", "LIST") as string[];
  assert.equal(all.length, s.server.registry.all().length);
  assert.deepEqual(await s.run("COMMAND", "DOCS", "get"), [
    "get",
    [
      "summary",
      "Get the value of a key",
      "since",
      "1.0.0",
      "group",
      "string",
      "complexity",
      "O(1)",
    ],
  ]);
  assert.deepEqual(await s.run("COMMAND", "DOCS", "nosuch"), []);
});

/** COMMAND INFO entries without the parts that depend on hash order (subcommands). */
function infoEntry(v: RespValue): unknown {
  const e = norm(v);
  if (!Array.isArray(e)) return e;
  const subs = (e[9] as unknown[][]).map((s) => JSON.stringify(s)).sort();
  return [...e.slice(0, 9), subs];
}

Deno.test("differential: COMMAND INFO of server and connection commands equals Redis's", async () => {
  if (!requireTool("redis-server")) return;
  await using pair = await DiffPair.start();
  const { hakv: hc, redis: rc } = pair;
  // CLIENT SETINFO is Redis 7.2's (clients send it); 7.0 does not know it.
  const names = [...SERVER_COMMANDS, ...CONNECTION_COMMANDS].map((c) => c.name).filter((n) =>
    n !== "client|setinfo" && n !== "client"
  );
  for (const name of names) {
    const [a] = await hc.call("COMMAND", "INFO", name) as RespValue[];
    const [b] = await rc.call("COMMAND", "INFO", name) as RespValue[];
    assert.deepEqual(infoEntry(a!), infoEntry(b!), name);
  }
  // Every command hakv knows has Redis's reply shape: ten fields of the same types.
  const all = await hc.call("COMMAND") as unknown[][];
  for (const e of all) {
    assert.equal(e.length, 10);
    assert.deepEqual(
      e.map((x) => Array.isArray(x) ? "array" : typeof x),
      [
        "string",
        "number",
        "array",
        "number",
        "number",
        "number",
        "array",
        "array",
        "array",
        "array",
      ],
      String(e[0]),
    );
  }
  for (const name of ["get", "config|get", "client|kill", "memory", "nosuch"]) {
    const a = norm(await hc.call("COMMAND", "DOCS", name)) as unknown[];
    const b = norm(await rc.call("COMMAND", "DOCS", name)) as unknown[];
    // hakv's docs carry no argument trees or history: compare the fields it has.
    const fields = (doc: unknown) => {
      if (!Array.isArray(doc)) return doc;
      const out: unknown[] = [];
      for (let i = 0; i < doc.length; i += 2) {
        if (["summary", "since", "group", "complexity"].includes(doc[i] as string)) {
          out.push(doc[i], doc[i + 1]);
        }
      }
      return out;
    };
    assert.deepEqual(
      a.map((x, i) => i % 2 ? fields(x) : x),
      b.map((x, i) => i % 2 ? fields(x) : x),
      name,
    );
  }
});

Deno.test("differential: COMMAND subcommand replies and errors match Redis", async () => {
  await sameReplies([
    ["COMMAND", "HELP"],
    ["COMMAND", "GETKEYS", "get", "a"],
    ["COMMAND", "GETKEYS", "GET", "a"],
    ["COMMAND", "GETKEYS", "mset", "a", "1", "b", "2"],
    ["COMMAND", "GETKEYS", "mset", "a", "1", "b"],
    ["COMMAND", "GETKEYS", "get", "a", "b"],
    ["COMMAND", "GETKEYS", "nosuch", "a"],
    ["COMMAND", "GETKEYS", "client", "list"],
    ["COMMAND", "GETKEYS", "client", "nosuch"],
    ["COMMAND", "GETKEYS", "config", "get", "x"],
    ["COMMAND", "GETKEYS", "memory", "usage", "k"],
    ["COMMAND", "GETKEYS", "get"],
    ["COMMAND", "GETKEYSANDFLAGS", "mget", "a", "b"],
    ["COMMAND", "GETKEYSANDFLAGS", "get", "a"],
    ["COMMAND", "COUNT", "x"],
    ["COMMAND", "INFO", "client|nosuch", "GET", "CLIENT|LIST"],
    ["COMMAND", "DOCS", "nosuch"],
    ["COMMAND", "LIST", "foo"],
    ["COMMAND", "LIST", "FILTERBY", "pattern"],
    ["COMMAND", "LIST", "FILTERBY", "foo", "bar"],
    ["COMMAND", "LIST", "FILTERBY", "MODULE", "foo"],
    ["COMMAND", "LIST", "FILTERBY", "PATTERN", "client|k*"],
    ["COMMAND", "LIST", "FILTERBY", "ACLCAT", "nosuch"],
    ["COMMAND", "FOO"],
  ]);
});

// --- DEBUG ------------------------------------------------------------------------------------

Deno.test("DEBUG is refused unless enable-debug-command allows it", async () => {
  await using s = new InProcess();
  assert.equal(
    errorText(await s.run("DEBUG", "HELP")),
    'ERR DEBUG command not allowed. If the enable-debug-command option is set to "local", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.',
  );
  await using local = new InProcess({ "enable-debug-command": "local" });
  assert.ok(Array.isArray(await local.run("DEBUG", "HELP")), "loopback clients may use it");
  const remote = local.server.newClient("10.1.2.3:4000", "10.1.2.1:6379");
  assert.ok((await local.runAs(remote, "DEBUG", "HELP")) instanceof RespError);
});

Deno.test("DEBUG POPULATE names keys key:N with values value:N, sized and prefixed", async () => {
  await using s = debugServer();
  assert.equal(await s.run("DEBUG", "POPULATE", "3"), "OK");
  assert.deepEqual(await s.run("MGET", "key:0", "key:1", "key:2", "key:3"), [
    "value:0",
    "value:1",
    "value:2",
    null,
  ]);
  await s.run("DEBUG", "POPULATE", "2", "foo", "5");
  assert.deepEqual(await s.run("MGET", "foo:0", "foo:1"), ["value", "value"]);
  await s.run("DEBUG", "POPULATE", "1", "pad", "10");
  assert.equal(await s.run("GET", "pad:0"), "value:0\0\0\0");
  // Existing keys are left alone.
  await s.run("SET", "key:0", "mine");
  await s.run("DEBUG", "POPULATE", "5");
  assert.equal(await s.run("GET", "key:0"), "mine");
  assert.equal(await s.run("DBSIZE"), 5 + 2 + 1);
  for (const args of [["-1"], ["abc"], ["1", "x", "abc"], ["1", "x", "-1"]]) {
    assert.equal(
      errorText(await s.run("DEBUG", "POPULATE", ...args)),
      "ERR value is out of range, must be positive",
    );
  }
});

Deno.test("DEBUG OBJECT reports encoding and serialized length in Redis's format", async () => {
  await using s = debugServer();
  await s.run("SET", "short", "value:0");
  await s.run("SET", "num", "12345");
  await s.run("SET", "long", "x".repeat(72));
  const line = (await s.run("DEBUG", "OBJECT", "short")) as string;
  assert.match(
    line,
    /^Value at:0x[0-9a-f]+ refcount:1 encoding:embstr serializedlength:8 lru:\d+ lru_seconds_idle:\d+$/,
  );
  assert.match(
    await s.run("DEBUG", "OBJECT", "num") as string,
    / encoding:int serializedlength:3 /,
  );
  assert.match(await s.run("DEBUG", "OBJECT", "long") as string, / encoding:raw /);
  assert.equal(errorText(await s.run("DEBUG", "OBJECT", "nosuch")), "ERR no such key");
});

Deno.test("DEBUG SLEEP blocks the server; SET-ACTIVE-EXPIRE 0 stops the expiry cycle", async () => {
  await using s = debugServer();
  const t = performance.now();
  assert.equal(await s.run("DEBUG", "SLEEP", "0.2"), "OK");
  assert.ok(performance.now() - t >= 190);
  assert.equal(await s.run("DEBUG", "SLEEP", "abc"), "OK");
  await s.run("PSETEX", "k", "10", "v");
  assert.equal(await s.run("DEBUG", "SET-ACTIVE-EXPIRE", "0"), "OK");
  await new Promise((r) => setTimeout(r, 30));
  s.server.cron(100);
  assert.equal(await s.run("DBSIZE"), 1, "the expired key is still stored");
  assert.equal(await s.run("DEBUG", "SET-ACTIVE-EXPIRE", "1"), "OK");
  s.server.cron(100);
  assert.equal(await s.run("DBSIZE"), 0, "the active cycle removed it");
});

Deno.test("DEBUG subcommand errors, LOG, ERROR and PROTOCOL", async () => {
  await using s = debugServer();
  assert.equal(
    errorText(await s.run("DEBUG", "FOO")),
    "ERR unknown subcommand or wrong number of arguments for 'FOO'. Try DEBUG HELP.",
  );
  assert.equal(
    errorText(await s.run("DEBUG", "SLEEP")),
    "ERR unknown subcommand or wrong number of arguments for 'SLEEP'. Try DEBUG HELP.",
  );
  assert.equal(
    errorText(await s.run("DEBUG", "RELOAD", "foo")),
    "ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.",
  );
  assert.equal(errorText(await s.run("DEBUG", "ERROR", "MYERR custom")), "MYERR custom");
  assert.deepEqual(await s.run("DEBUG", "PROTOCOL", "array"), [0, 1, 2]);
  assert.equal(await s.run("DEBUG", "PROTOCOL", "string"), "Hello World");
});

Deno.test("differential: DEBUG HELP, POPULATE and OBJECT errors match Redis", async () => {
  await sameReplies([
    ["DEBUG", "HELP"],
    ["DEBUG", "POPULATE", "3"],
    ["DBSIZE"],
    ["MGET", "key:0", "key:1", "key:2", "key:3"],
    ["DEBUG", "POPULATE", "2", "foo", "5"],
    ["MGET", "foo:0", "foo:1", "key:0"],
    ["DEBUG", "POPULATE", "2", "bar", "12"],
    ["MGET", "bar:0", "bar:1"],
    ["DEBUG", "POPULATE", "-1"],
    ["DEBUG", "POPULATE", "1", "x", "abc"],
    ["DEBUG", "OBJECT", "nosuch"],
    ["DEBUG", "OBJECT"],
    ["DEBUG", "FOO"],
    ["DEBUG", "SET-ACTIVE-EXPIRE", "1"],
    ["DEBUG", "SLEEP", "0"],
    ["DEBUG", "PROTOCOL", "map"],
    ["DEBUG", "PROTOCOL", "nosuch"],
  ], ["--enable-debug-command", "yes"]);
  await sameReplies([["DEBUG", "HELP"], ["DEBUG", "POPULATE", "1"]]);
});

// --- MEMORY -----------------------------------------------------------------------------------

Deno.test("MEMORY USAGE estimates a key's bytes; SAMPLES is validated", async () => {
  await using s = new InProcess();
  await s.run("SET", "small", "v");
  await s.run("SET", "big", "x".repeat(100_000));
  const small = await s.run("MEMORY", "USAGE", "small") as number;
  const big = await s.run("MEMORY", "USAGE", "big") as number;
  assert.ok(small > 10 && small < 200, `small ${small}`);
  assert.ok(big >= 100_000 && big < 101_000, `big ${big}`);
  await s.run("EXPIRE", "small", "100");
  assert.ok((await s.run("MEMORY", "USAGE", "small") as number) > small, "a TTL costs memory");
  assert.equal(await s.run("MEMORY", "USAGE", "nosuch"), null);
  assert.equal(await s.run("MEMORY", "USAGE", "big", "SAMPLES", "0"), big);
  assert.equal(
    errorText(await s.run("MEMORY", "USAGE", "big", "SAMPLES", "abc")),
    "ERR value is not an integer or out of range",
  );
  for (const args of [["foo"], ["SAMPLES"], ["SAMPLES", "-1"]]) {
    assert.equal(errorText(await s.run("MEMORY", "USAGE", "big", ...args)), "ERR syntax error");
  }
});

Deno.test("MEMORY STATS, DOCTOR, MALLOC-STATS, PURGE and HELP", async () => {
  await using s = new InProcess();
  await s.run("SET", "a", "1");
  const stats = await s.run("MEMORY", "STATS") as unknown[];
  const m = new Map<unknown, unknown>();
  for (let i = 0; i < stats.length; i += 2) m.set(stats[i], stats[i + 1]);
  assert.deepEqual([...m.keys()].slice(0, 11), [
    "peak.allocated",
    "total.allocated",
    "startup.allocated",
    "replication.backlog",
    "clients.slaves",
    "clients.normal",
    "cluster.links",
    "aof.buffer",
    "lua.caches",
    "functions.caches",
    "db.0",
  ]);
  assert.equal(m.get("keys.count"), 1);
  assert.ok((m.get("total.allocated") as number) > 0);
  assert.deepEqual((m.get("db.0") as unknown[]).filter((_, i) => i % 2 === 0), [
    "overhead.hashtable.main",
    "overhead.hashtable.expires",
    "overhead.hashtable.slot-to-keys",
  ]);
  assert.match(await s.run("MEMORY", "DOCTOR") as string, /^(Hi )?Sam/);
  assert.equal(
    await s.run("MEMORY", "MALLOC-STATS"),
    "Stats not supported for the current allocator",
  );
  assert.equal(await s.run("MEMORY", "PURGE"), "OK");
  const help = await s.run("MEMORY", "HELP") as string[];
  assert.equal(help[0], "MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
});

Deno.test("differential: MEMORY replies match Redis in shape", async () => {
  await sameReplies([
    ["MEMORY", "HELP"],
    ["MEMORY", "USAGE", "nosuch"],
    ["SET", "k", "v"],
    ["MEMORY", "USAGE", "k", "SAMPLES", "abc"],
    ["MEMORY", "USAGE", "k", "foo"],
    ["MEMORY", "USAGE", "k", "SAMPLES"],
    ["MEMORY", "USAGE", "k", "SAMPLES", "-1"],
    ["MEMORY", "PURGE"],
    ["MEMORY", "FOO"],
    ["MEMORY"],
  ]);
  if (!requireTool("redis-server")) return;
  await using pair = await DiffPair.start();
  const keys = async (c: RespClient) => {
    await c.call("SET", "k", "v");
    const flat = await c.call("MEMORY", "STATS") as unknown[];
    return flat.filter((_, i) => i % 2 === 0);
  };
  const { hakv: hc, redis: rc } = pair;
  assert.deepEqual(await keys(hc), await keys(rc));
});

// --- SLOWLOG ----------------------------------------------------------------------------------

Deno.test("SLOWLOG records commands over the threshold, newest first, with client info", async () => {
  await using s = new InProcess({ "slowlog-log-slower-than": "0" });
  await s.run("CLIENT", "SETNAME", "me");
  await s.run("SET", "k", "v");
  assert.equal(await s.run("SLOWLOG", "LEN"), 2);
  // Newest first, and each command is logged once it has run: SLOWLOG LEN is entry 2.
  const [len, entry] = await s.run("SLOWLOG", "GET", "2") as unknown[][];
  assert.deepEqual(len![3], ["SLOWLOG", "LEN"]);
  assert.equal(entry!.length, 6);
  assert.equal(entry![0], 1);
  assert.ok(Math.abs((entry![1] as number) - Date.now() / 1000) < 5);
  assert.equal(typeof entry![2], "number");
  assert.deepEqual(entry![3], ["SET", "k", "v"]);
  assert.equal(entry![4], "127.0.0.1:50000");
  assert.equal(entry![5], "me");
  assert.equal((await s.run("SLOWLOG", "GET", "-1") as unknown[]).length, 4);
  assert.equal((await s.run("SLOWLOG", "GET", "0") as unknown[]).length, 0);
  assert.equal(await s.run("SLOWLOG", "RESET"), "OK");
  // RESET itself is logged once it has run.
  assert.equal(await s.run("SLOWLOG", "LEN"), 1);
  for (const n of ["abc", "-2"]) {
    assert.equal(
      errorText(await s.run("SLOWLOG", "GET", n)),
      "ERR count should be greater than or equal to -1",
    );
  }
  assert.equal(
    errorText(await s.run("SLOWLOG", "GET", "1", "2")),
    "ERR unknown subcommand or wrong number of arguments for 'GET'. Try SLOWLOG HELP.",
  );
});

Deno.test("differential: SLOWLOG replies match Redis", async () => {
  const strip = [["SLOWLOG", "RESET"]];
  await sameReplies([
    ...strip,
    ["SLOWLOG", "HELP"],
    ["SLOWLOG", "GET"],
    ["SLOWLOG", "GET", "abc"],
    ["SLOWLOG", "GET", "-2"],
    ["SLOWLOG", "GET", "1", "2"],
    ["SLOWLOG", "LEN"],
    ["SLOWLOG", "RESET", "x"],
    ["SLOWLOG", "FOO"],
  ]);
});

Deno.test("differential: the slow log hides passwords as Redis does", async () => {
  if (!requireTool("redis-server")) return;
  await using pair = await DiffPair.start();
  const logged = async (c: RespClient) => {
    await c.call("CONFIG", "SET", "slowlog-log-slower-than", "0");
    await c.call("SLOWLOG", "RESET");
    await c.call("AUTH", "x");
    await c.call("HELLO", "2", "AUTH", "default", "pw");
    await c.call("CONFIG", "SET", "requirepass", "", "hz", "10");
    const entries = await c.call("SLOWLOG", "GET", "3") as unknown[][];
    return entries.map((e) => e[3]);
  };
  const { hakv: hc, redis: rc } = pair;
  const ours = await logged(hc);
  assert.deepEqual(ours, await logged(rc));
  assert.deepEqual(ours[2], ["AUTH", "(redacted)"]);
});

// --- MONITOR ----------------------------------------------------------------------------------

Deno.test("process: MONITOR replies OK then streams every client's commands", async () => {
  await using p = await spawnHakv();
  await using m = await p.client();
  await using c = await p.client();
  assert.equal(await m.call("MONITOR"), "OK");
  // Waiters are queued up front (frames nobody waits for would queue for next() too).
  const reader = Promise.all([m.next(), m.next(), m.next(), m.next()]);
  await c.call("SET", 'a"b', "\x01\n\\x");
  await c.call("SELECT", "2");
  await c.call("AUTH", "secret");
  await c.call("CONFIG", "GET", "hz");
  await c.call("GET", "x");
  const lines = (await reader).map(String);
  const pattern = (db: number, args: string) =>
    new RegExp(`^\\d+\\.\\d{6} \\[${db} 127\\.0\\.0\\.1:\\d+\\] ${args}$`);
  assert.match(lines[0]!, pattern(0, String.raw`"SET" "a\\"b" "\\x01\\n\\\\x"`));
  assert.match(lines[1]!, pattern(2, `"SELECT" "2"`));
  assert.match(lines[2]!, pattern(2, `"AUTH" "\\(redacted\\)"`));
  // Admin commands (CONFIG) are not shown.
  assert.match(lines[3]!, pattern(2, `"GET" "x"`));
  // The monitoring client may still run commands; it sees its own, after their replies.
  // Both waiters are queued before the replies arrive.
  const [pong, own] = await Promise.all([m.call("PING"), m.next()]);
  assert.equal(pong, "PONG");
  assert.match(String(own), /\] "PING"$/);
  const list = String(await c.call("CLIENT", "LIST"));
  assert.match(list, /flags=O /);
});

Deno.test("differential: MONITOR lines have Redis's format", async () => {
  if (!requireTool("redis-server")) return;
  const capture = async (port: number, spawned: { client(): Promise<RespClient> }) => {
    await using m = await spawned.client();
    await using c = await spawned.client();
    assert.equal(await m.call("MONITOR"), "OK");
    const lines = Promise.all([m.next(), m.next(), m.next(), m.next()]);
    await c.call("SET", "k\t", "v\x00\xff");
    await c.call("HELLO", "2", "AUTH", "default", "pw");
    await c.call("HELLO", "2", "AUTH");
    await c.call("PING");
    void port;
    return (await lines).map((l) => String(l).replace(/^\d+\.\d{6} \[0 127\.0\.0\.1:\d+\]/, "[]"));
  };
  await using pair = await DiffPair.start();
  const { hakvProc: h, redisProc: r } = pair;
  assert.deepEqual(await capture(h.port, h), await capture(r.port, r));
});

Deno.test("MONITOR twice is silent; killing a monitor removes it", async () => {
  await using s = new InProcess();
  assert.equal(await s.run("MONITOR"), "OK");
  assert.deepEqual(await s.replies(s.c, "MONITOR"), []);
  assert.equal(s.server.monitors.size, 1);
  const other = s.client();
  await s.runAs(other, "CLIENT", "KILL", "ID", String(s.c.id));
  await waitFor(() => s.server.monitors.size === 0);
});

Deno.test("process: pipelined commands are timed one by one: a slow one is logged, its neighbours are not charged", async () => {
  await using p = await spawnHakv(["--enable-debug-command", "yes"]);
  await using c = await p.client();
  await c.call("CONFIG", "SET", "slowlog-log-slower-than", "20000");
  // One write, one batch: PING, a 50 ms sleep, then PINGs timed back to back after it.
  const replies = await Promise.all([
    c.call("PING", "before"),
    c.call("DEBUG", "SLEEP", "0.05"),
    c.call("PING", "after"),
    c.call("INCR", "n"),
    c.call("SLOWLOG", "GET"),
  ]);
  const log = replies[4] as RespValue[][];
  assert.equal(log.length, 1, `only DEBUG SLEEP is slow: ${JSON.stringify(log)}`);
  assert.deepEqual(log[0]![3], ["DEBUG", "SLEEP", "0.05"]);
  const micros = log[0]![2] as number;
  assert.ok(micros >= 50_000 && micros < 1_000_000, `DEBUG SLEEP took ${micros} µs`);
  const stats = await c.call("INFO", "commandstats") as string;
  const ping = /cmdstat_ping:calls=(\d+),usec=(\d+)/.exec(stats)!;
  assert.equal(ping[1], "2");
  assert.ok(Number(ping[2]) < 20_000, `PING charged ${ping[2]} µs`);
  const incr = /cmdstat_incr:calls=1,usec=(\d+)/.exec(stats)!;
  assert.ok(Number(incr[1]) < 20_000, `INCR charged ${incr[1]} µs`);
});
