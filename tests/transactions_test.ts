// In-process tests of MULTI / EXEC / DISCARD / WATCH / UNWATCH through the real dispatch
// pipeline, with two clients of one server. Expected replies are redis-server 7.0.15's
// (transactions_diff_test.ts checks the same ground against a live one). The clock is the
// keyspace's, set by hand, so expiry cases are exact. Tests marked "(lists)" need the list
// commands and blocking (BLPOP) from the lists owner; they are skipped until LPUSH has a
// handler.
import assert from "node:assert/strict";
import { drain, errorText, InProcess, RespError, type RespValue } from "./_harness.ts";
import { HANDLERS } from "../src/server/handlers/mod.ts";
import { RequestParser } from "../src/resp/mod.ts";
import { Argv } from "../src/resp/mod.ts";
import { execute } from "../src/server/dispatch.ts";

const HAS_LISTS = (HANDLERS as Record<string, unknown>)["blpop"] !== undefined;

type Step = [cmd: string | (string | number)[], want: RespValue | Err];

class Err {
  constructor(readonly message: string) {}
}
function err(message: string): Err {
  return new Err(message);
}

const EXECABORT = err("EXECABORT Transaction discarded because of previous errors.");

async function check(t: InProcess, steps: Step[], c = t.c): Promise<void> {
  for (const [cmd, want] of steps) {
    const args = typeof cmd === "string" ? cmd.split(" ") : cmd;
    const got = await t.runAs(c, ...args);
    const label = args.map((a) => JSON.stringify(String(a))).join(" ");
    if (want instanceof Err) {
      assert.ok(got instanceof RespError, `${label}: expected an error, got ${String(got)}`);
      assert.equal(got.message, want.message, label);
    } else assert.deepStrictEqual(got, want, label);
  }
}

/** One field of this client's CLIENT INFO line. */
async function infoField(t: InProcess, name: string, c = t.c): Promise<string> {
  const line = String(await t.runAs(c, "CLIENT", "INFO"));
  const field = line.trim().split(" ").find((f) => f.startsWith(name + "="));
  assert.ok(field !== undefined, `no ${name} in ${line}`);
  return field.slice(name.length + 1);
}

Deno.test("MULTI queues commands and EXEC replies with each of their replies", async () => {
  await using t = new InProcess();
  await check(t, [
    ["MULTI", "OK"],
    ["SET k 1", "QUEUED"],
    ["INCR k", "QUEUED"],
    ["GET k", "QUEUED"],
    ["EXEC", ["OK", 2, "2"]],
    ["GET k", "2"],
    ["MULTI", "OK"],
    ["EXEC", []],
  ]);
});

Deno.test("misplaced MULTI, EXEC, DISCARD and WATCH get Redis's errors", async () => {
  await using t = new InProcess();
  await check(t, [
    ["EXEC", err("ERR EXEC without MULTI")],
    ["DISCARD", err("ERR DISCARD without MULTI")],
    ["MULTI", "OK"],
    ["MULTI", err("ERR MULTI calls can not be nested")],
    ["WATCH k", err("ERR WATCH inside MULTI is not allowed")],
    ["SET k v", "QUEUED"],
    // Neither error dooms the transaction.
    ["EXEC", ["OK"]],
    ["EXEC", err("ERR EXEC without MULTI")],
  ]);
});

Deno.test("a command refused while queued aborts the transaction at EXEC", async () => {
  await using t = new InProcess();
  await check(t, [
    ["MULTI", "OK"],
    ["SET a 1", "QUEUED"],
    ["NOSUCH x", err("ERR unknown command 'NOSUCH', with args beginning with: 'x' ")],
    ["GET", err("ERR wrong number of arguments for 'get' command")],
    ["EXEC", EXECABORT],
    ["GET a", null],
    // The client left MULTI.
    ["EXEC", err("ERR EXEC without MULTI")],
  ]);
  await check(t, [
    ["MULTI", "OK"],
    [
      "CLIENT NOSUCH",
      err(
        "ERR unknown subcommand 'NOSUCH'. Try CLIENT HELP.",
      ),
    ],
    ["EXEC", EXECABORT],
    ["MULTI", "OK"],
    ["SHUTDOWN", err("ERR Command not allowed inside a transaction")],
    ["EXEC", EXECABORT],
  ]);
});

Deno.test("errors at run time are elements of EXEC's reply; nothing rolls back", async () => {
  await using t = new InProcess();
  await check(t, [
    ["SET s v", "OK"],
    ["MULTI", "OK"],
    ["INCR s", "QUEUED"],
    ["SET s w", "QUEUED"],
    ["EXEC", [new RespError("ERR value is not an integer or out of range"), "OK"]],
    ["GET s", "w"],
  ]);
});

Deno.test("DISCARD drops the queue and the watches", async () => {
  await using t = new InProcess();
  const other = t.client();
  await check(t, [
    ["WATCH k", "OK"],
    ["MULTI", "OK"],
    ["SET k 1", "QUEUED"],
    ["DISCARD", "OK"],
    ["GET k", null],
  ]);
  await t.runAs(other, "SET", "k", "2");
  await check(t, [["MULTI", "OK"], ["GET k", "QUEUED"], ["EXEC", ["2"]]]);
});

Deno.test("a watched key changed by another client fails EXEC with a null array", async () => {
  await using t = new InProcess();
  const other = t.client();
  await check(t, [["WATCH k", "OK"], ["MULTI", "OK"], ["SET k mine", "QUEUED"]]);
  await t.runAs(other, "SET", "k", "theirs");
  await check(t, [["EXEC", null], ["GET k", "theirs"], ["EXEC", err("ERR EXEC without MULTI")]]);
  // The failed EXEC unwatched: the next transaction runs.
  await t.runAs(other, "SET", "k", "again");
  await check(t, [["MULTI", "OK"], ["SET k mine", "QUEUED"], ["EXEC", ["OK"]]]);
});

Deno.test("RESP3 EXEC of a dirty transaction replies null", async () => {
  await using t = new InProcess();
  await t.run("HELLO", "3");
  await t.run("WATCH", "k");
  await t.run("SET", "k", "1");
  await t.run("MULTI");
  await t.run("PING");
  const replies = await t.replies(t.c, "EXEC");
  assert.deepStrictEqual(replies, [null]);
  // And the wire bytes are RESP3's null.
  await t.run("WATCH", "k");
  await t.run("SET", "k", "2");
  await t.run("MULTI");
  const pending = execute(t.server, t.c, Argv.of(["EXEC"]));
  assert.equal(pending, undefined);
  assert.equal(new TextDecoder().decode(t.c.w.bytes()), "_\r\n");
  drain(t.c);
});

Deno.test("the watcher's own change before MULTI fails EXEC; changes inside EXEC do not", async () => {
  await using t = new InProcess();
  await check(t, [
    ["WATCH k", "OK"],
    ["SET k 1", "OK"],
    ["MULTI", "OK"],
    ["GET k", "QUEUED"],
    ["EXEC", null],
    ["WATCH k", "OK"],
    ["MULTI", "OK"],
    ["SET k 2", "QUEUED"],
    ["SET k 3", "QUEUED"],
    ["EXEC", ["OK", "OK"]],
  ]);
});

Deno.test("writes that change nothing do not touch watched keys", async () => {
  await using t = new InProcess();
  const other = t.client();
  await t.run("SET", "k", "1");
  await t.run("WATCH", "k", "missing");
  await check(t, [["SETNX k 2", 0], ["DEL missing", 0]], other);
  await check(t, [["MULTI", "OK"], ["GET k", "QUEUED"], ["EXEC", ["1"]]]);
});

Deno.test("UNWATCH forgets the keys and a dirty flag", async () => {
  await using t = new InProcess();
  const other = t.client();
  await t.run("WATCH", "k");
  await t.runAs(other, "SET", "k", "1");
  await check(t, [["UNWATCH", "OK"], ["MULTI", "OK"], ["GET k", "QUEUED"], ["EXEC", ["1"]]]);
});

Deno.test("WATCH remembers the database of the key", async () => {
  await using t = new InProcess();
  const other = t.client();
  await check(t, [["SELECT 1", "OK"], ["WATCH k", "OK"], ["SELECT 0", "OK"]]);
  await t.runAs(other, "SET", "k", "db0");
  await check(t, [["MULTI", "OK"], ["EXEC", []], ["SELECT 1", "OK"], ["WATCH k", "OK"]]);
  await check(t, [["SELECT 1", "OK"], ["SET k db1", "OK"]], other);
  await check(t, [["MULTI", "OK"], ["EXEC", null]]);
  assert.equal(t.server.watches.size, 0);
});

Deno.test("expiry: a key live at WATCH and expired at EXEC fails it", async () => {
  await using t = new InProcess();
  let now = 1_000_000;
  t.server.keyspace.clock = () => now;
  await t.run("SET", "k", "v", "PX", "100");
  await t.run("WATCH", "k");
  now += 200;
  // Not yet removed: EXEC notices the expiry itself.
  await check(t, [["MULTI", "OK"], ["EXEC", null]]);
  // Removed by a lookup before EXEC: the removal touches the key.
  await t.run("SET", "k", "v", "PX", "100");
  await t.run("WATCH", "k");
  now += 200;
  await check(t, [["GET k", null], ["MULTI", "OK"], ["EXEC", null]]);
});

Deno.test("expiry: a key already expired at WATCH changes nothing when it goes", async () => {
  await using t = new InProcess();
  let now = 1_000_000;
  t.server.keyspace.clock = () => now;
  await t.run("SET", "k", "v", "PX", "100");
  now += 200;
  await t.run("WATCH", "k");
  await check(t, [["MULTI", "OK"], ["EXEC", []]]);
  await t.run("SET", "k", "v", "PX", "100");
  now += 200;
  await t.run("WATCH", "k");
  await check(t, [["GET k", null], ["MULTI", "OK"], ["EXEC", []]]);
  // But storing a value there again does.
  await t.run("SET", "k", "v", "PX", "100");
  now += 200;
  await t.run("WATCH", "k");
  await check(t, [["SET k w", "OK"], ["MULTI", "OK"], ["EXEC", null]]);
});

Deno.test("FLUSHDB and FLUSHALL fail watchers of keys that existed", async () => {
  await using t = new InProcess();
  const other = t.client();
  await t.run("WATCH", "missing");
  await t.runAs(other, "SET", "x", "1");
  await t.runAs(other, "FLUSHDB");
  await check(t, [["MULTI", "OK"], ["EXEC", []]]);
  await t.runAs(other, "SET", "k", "1");
  await t.run("WATCH", "k");
  await t.runAs(other, "FLUSHDB");
  await check(t, [["MULTI", "OK"], ["EXEC", null]]);
  // FLUSHALL reaches keys of every database; FLUSHDB only its own.
  await check(t, [["SELECT 2", "OK"], ["SET k 1", "OK"]], other);
  await check(t, [["SELECT 2", "OK"], ["WATCH k", "OK"], ["SELECT 0", "OK"]]);
  await t.runAs(other, "SELECT", "0");
  await t.runAs(other, "FLUSHDB");
  await check(t, [["MULTI", "OK"], ["EXEC", []]]);
  await check(t, [["SELECT 2", "OK"], ["WATCH k", "OK"], ["SELECT 0", "OK"]]);
  await t.runAs(other, "FLUSHALL");
  await check(t, [["MULTI", "OK"], ["EXEC", null]]);
});

Deno.test("SWAPDB fails watchers whose visible value changes", async () => {
  await using t = new InProcess();
  const other = t.client();
  const cases: [setup: string[], swap: string, want: RespValue][] = [
    [[], "SWAPDB 0 1", []],
    [["SELECT 1", "SET k 1", "SELECT 0"], "SWAPDB 0 1", null],
    [["SET k 1"], "SWAPDB 0 1", null],
    [["SET k 1", "SELECT 1", "SET k 1", "SELECT 0"], "SWAPDB 0 1", null],
    [["SET k 1"], "SWAPDB 2 3", []],
  ];
  for (const [setup, swap, want] of cases) {
    await t.runAs(other, "FLUSHALL");
    for (const cmd of setup) await t.runAs(other, ...cmd.split(" "));
    await t.run("WATCH", "k");
    await t.runAs(other, ...swap.split(" "));
    await check(t, [["MULTI", "OK"], ["EXEC", want]]);
  }
});

Deno.test("CLIENT LIST shows multi, multi-mem and the x and d flags", async () => {
  await using t = new InProcess();
  const other = t.client();
  assert.equal(await infoField(t, "multi"), "-1");
  await t.run("WATCH", "k");
  await t.runAs(other, "SET", "k", "1");
  assert.equal(await infoField(t, "flags"), "d");
  await t.run("MULTI");
  const line = String(await t.runAs(other, "CLIENT", "LIST", "ID", String(t.c.id)));
  assert.match(line, / flags=xd /);
  assert.match(line, / multi=0 /);
  // A doomed transaction keeps nothing it is sent.
  await t.run("SET", "a", "b");
  const dirty = String(await t.runAs(other, "CLIENT", "LIST", "ID", String(t.c.id)));
  assert.match(dirty, / multi=0 /);
  assert.match(dirty, / multi-mem=0 /);
  await t.run("DISCARD");
  await t.run("MULTI");
  await t.run("SET", "a", "b");
  await t.run("CLIENT", "KILL", "ID", "999");
  const after = String(await t.runAs(other, "CLIENT", "LIST", "ID", String(t.c.id)));
  // Argument bytes plus 8 per argument, as Redis counts them: 29 + 47.
  assert.match(after, / flags=x /);
  assert.match(after, / multi=2 /);
  assert.match(after, / multi-mem=76 /);
  await t.run("DISCARD");
  assert.equal(await infoField(t, "flags"), "N");
  assert.equal(await infoField(t, "multi-mem"), "0");
});

Deno.test("EXEC counts its commands in commandstats and errorstats as Redis does", async () => {
  await using t = new InProcess();
  await check(t, [
    ["SET s v", "OK"],
    ["CONFIG RESETSTAT", "OK"],
    ["MULTI", "OK"],
    ["INCR s", "QUEUED"],
    ["SET s w", "QUEUED"],
    ["EXEC", [new RespError("ERR value is not an integer or out of range"), "OK"]],
    ["MULTI", "OK"],
    ["GET", err("ERR wrong number of arguments for 'get' command")],
    ["EXEC", EXECABORT],
  ]);
  const info = String(await t.run("INFO", "commandstats"));
  const stat = (name: string) => info.match(new RegExp(`cmdstat_${name}:(.*)`))?.[1] ?? "";
  assert.match(stat("exec"), /^calls=2,.*rejected_calls=0,failed_calls=1$/);
  assert.match(stat("incr"), /^calls=1,.*rejected_calls=0,failed_calls=1$/);
  assert.match(stat("set"), /^calls=1,.*rejected_calls=0,failed_calls=0$/);
  assert.match(stat("get"), /^calls=0,.*rejected_calls=1,failed_calls=0$/);
  assert.match(stat("multi"), /^calls=2,/);
  const errors = String(await t.run("INFO", "errorstats"));
  assert.match(errors, /errorstat_EXECABORT:count=1/);
  assert.match(errors, /errorstat_ERR:count=2/);
});

Deno.test("MONITOR sees MULTI, then each queued command, then EXEC", async () => {
  await using t = new InProcess();
  const mon = t.client();
  await t.runAs(mon, "MONITOR");
  await check(t, [
    ["multi", "OK"],
    ["set k 1", "QUEUED"],
    ["get k", "QUEUED"],
    ["exec", ["OK", "1"]],
  ]);
  const lines = drain(mon).map((l) => String(l).replace(/^.*\] /, ""));
  assert.deepStrictEqual(lines, ['"multi"', '"set" "k" "1"', '"get" "k"', '"exec"']);
});

Deno.test("queued arguments are copies: the read buffer may be reused", async () => {
  await using t = new InProcess();
  await t.run("MULTI");
  const parser = new RequestParser();
  const buf = new TextEncoder().encode("*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$3\r\nval\r\n");
  const argv = new Argv();
  assert.equal(
    parser.parse(buf, 0, buf.length, argv, { maxBulkLen: 1 << 20, unauthenticated: false }),
    buf.length,
  );
  await execute(t.server, t.c, argv);
  buf.fill(120); // "xxxx..."
  assert.deepStrictEqual(drain(t.c), ["QUEUED"]);
  await check(t, [["EXEC", ["OK"]], ["GET key", "val"]]);
});

/** Whether `p` is still pending after a short wait. */
async function stillPending(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  p.then(() => (done = true), () => (done = true));
  await new Promise((r) => setTimeout(r, 30));
  return !done;
}

Deno.test("CLIENT PAUSE WRITE holds an EXEC with writes, not a read-only one", async () => {
  await using t = new InProcess();
  const other = t.client();
  await check(t, [["MULTI", "OK"], ["GET k", "QUEUED"]]);
  await t.runAs(other, "CLIENT", "PAUSE", "10000", "WRITE");
  assert.deepStrictEqual(await t.run("EXEC"), [null]);
  await t.runAs(other, "CLIENT", "UNPAUSE");
  await check(t, [["MULTI", "OK"], ["SET k 1", "QUEUED"]]);
  await t.runAs(other, "CLIENT", "PAUSE", "10000", "WRITE");
  const exec = t.run("EXEC");
  assert.ok(await stillPending(exec));
  await t.runAs(other, "CLIENT", "UNPAUSE");
  assert.deepStrictEqual(await exec, ["OK"]);
  // Queueing a write waits too, as in Redis (the pause looks at the command, queued or not).
  await t.run("MULTI");
  await t.runAs(other, "CLIENT", "PAUSE", "10000", "WRITE");
  const queued = t.run("SET", "k", "2");
  assert.ok(await stillPending(queued));
  await t.runAs(other, "CLIENT", "UNPAUSE");
  assert.equal(await queued, "QUEUED");
  assert.deepStrictEqual(await t.run("EXEC"), ["OK"]);
});

Deno.test("RESET inside MULTI ends the transaction and the watches", async () => {
  await using t = new InProcess();
  await check(t, [
    ["WATCH k", "OK"],
    ["MULTI", "OK"],
    ["SET k 1", "QUEUED"],
    ["RESET", "RESET"],
    ["EXEC", err("ERR EXEC without MULTI")],
  ]);
  assert.equal(t.server.watches.size, 0);
});

Deno.test("a disconnecting client's watches are dropped", async () => {
  await using t = new InProcess();
  const other = t.client();
  await t.runAs(other, "WATCH", "a", "b");
  await t.runAs(other, "MULTI");
  assert.equal(t.server.watches.size, 2);
  t.server.removeClient(other);
  assert.equal(t.server.watches.size, 0);
  assert.equal(other.multi, null);
});

Deno.test({
  name: "(lists) BLPOP inside MULTI replies nil at once",
  ignore: !HAS_LISTS,
  async fn() {
    await using t = new InProcess();
    await check(t, [["MULTI", "OK"], ["BLPOP l 0", "QUEUED"], ["EXEC", [null]]]);
  },
});

Deno.test({
  name: "(lists) a BLPOP client is served after the EXEC that pushed, not during it",
  ignore: !HAS_LISTS,
  async fn() {
    await using t = new InProcess();
    const waiter = t.client();
    const popped = t.runAs(waiter, "BLPOP", "l", "0");
    await check(t, [
      ["MULTI", "OK"],
      ["LPUSH l a", "QUEUED"],
      ["LLEN l", "QUEUED"],
      ["LPUSH l b", "QUEUED"],
      ["LLEN l", "QUEUED"],
      // Nobody popped in between.
      ["EXEC", [1, 1, 2, 2]],
    ]);
    assert.deepStrictEqual(await popped, ["l", "b"]);
    assert.deepStrictEqual(await t.run("LRANGE", "l", "0", "-1"), ["a"]);
  },
});

Deno.test("errorText helper agrees with EXECABORT text", async () => {
  await using t = new InProcess();
  await t.run("MULTI");
  await t.run("NOSUCH");
  assert.equal(errorText(await t.run("EXEC")), EXECABORT.message);
});

Deno.test("DEBUG refused by enable-debug-command aborts the transaction at queue time", async () => {
  await using t = new InProcess();
  await check(t, [
    ["MULTI", "OK"],
    [
      "DEBUG SLEEP 0",
      err(
        'ERR DEBUG command not allowed. If the enable-debug-command option is set to "local", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.',
      ),
    ],
    ["SET a 1", "QUEUED"],
    ["EXEC", EXECABORT],
  ]);
});

Deno.test("a queued command that waits (DEBUG SLEEP) keeps EXEC's replies in order", async () => {
  await using t = new InProcess({ "enable-debug-command": "yes" });
  await check(t, [
    ["MULTI", "OK"],
    ["SET a 1", "QUEUED"],
    ["DEBUG SLEEP 0.02", "QUEUED"],
    ["INCR a", "QUEUED"],
    ["EXEC", ["OK", "OK", 2]],
  ]);
  assert.equal(t.c.inExec, false);
  assert.equal(t.c.multi, null);
});
