// Connection commands: PING, ECHO, QUIT, HELLO, AUTH, SELECT, RESET, checked in process, over
// TCP, and differentially against redis-server (with and without requirepass).
import assert from "node:assert/strict";
import { DiffPair } from "./_diff.ts";
import { InProcess, requireTool, RespClient, RespError, spawnHakv } from "./_harness.ts";

Deno.test("PING answers PONG, or echoes its one argument; more is an arity error", async () => {
  await using s = new InProcess();
  assert.equal(await s.run("PING"), "PONG");
  assert.equal(await s.run("PING", "hello world"), "hello world");
  const err = await s.run("PING", "x", "y", "z");
  assert.ok(err instanceof RespError);
  assert.equal(err.message, "ERR wrong number of arguments for 'ping' command");
});

Deno.test("ECHO returns its argument byte for byte", async () => {
  await using s = new InProcess();
  assert.equal(await s.run("ECHO", "\x00\xff\r\n"), "\x00\xff\r\n");
});

Deno.test("SELECT switches database; bad indexes get Redis's errors", async () => {
  await using s = new InProcess();
  await s.run("SET", "k", "zero");
  assert.equal(await s.run("SELECT", "3"), "OK");
  assert.equal(await s.run("GET", "k"), null);
  await s.run("SET", "k", "three");
  await s.run("SELECT", "0");
  assert.equal(await s.run("GET", "k"), "zero");
  const big = await s.run("SELECT", "16");
  assert.ok(big instanceof RespError);
  assert.equal(big.message, "ERR DB index is out of range");
  const nan = await s.run("SELECT", "x");
  assert.ok(nan instanceof RespError);
  assert.equal(nan.message, "ERR value is not an integer or out of range");
});

Deno.test("HELLO 3 switches to RESP3 and answers a map; HELLO 4 is NOPROTO", async () => {
  await using p = await spawnHakv();
  await using c = await p.client();
  const hello = await c.call("HELLO", "3");
  assert.ok(hello instanceof Map, "RESP3 reply is a map");
  assert.equal(hello.get("server"), "redis");
  assert.equal(hello.get("version"), "7.0.15");
  assert.equal(hello.get("proto"), 3);
  assert.equal(hello.get("mode"), "standalone");
  assert.equal(hello.get("role"), "master");
  assert.deepEqual(hello.get("modules"), []);
  assert.equal(typeof hello.get("id"), "number");
  // RESP3 nulls are `_`, decoded as null; a RESP2 client would see $-1.
  assert.equal(await c.call("GET", "missing"), null);
  const bad = await c.call("HELLO", "4");
  assert.ok(bad instanceof RespError);
  assert.equal(bad.message, "NOPROTO unsupported protocol version");
  const back = await c.call("HELLO", "2");
  assert.ok(Array.isArray(back), "RESP2 reply is a flat array");
  assert.deepEqual(back.slice(0, 2), ["server", "redis"]);
});

Deno.test("HELLO SETNAME names the connection", async () => {
  await using s = new InProcess();
  await s.run("HELLO", "2", "SETNAME", "worker-1");
  assert.equal(await s.run("CLIENT", "GETNAME"), "worker-1");
});

Deno.test("requirepass: NOAUTH before AUTH, WRONGPASS on a bad password, OK after", async () => {
  await using s = new InProcess({ requirepass: "s3cret" });
  const c = s.client();
  const noauth = await s.runAs(c, "GET", "k");
  assert.ok(noauth instanceof RespError);
  assert.equal(noauth.message, "NOAUTH Authentication required.");
  const wrong = await s.runAs(c, "AUTH", "nope");
  assert.ok(wrong instanceof RespError);
  assert.equal(
    wrong.message,
    "WRONGPASS invalid username-password pair or user is disabled.",
  );
  assert.equal(await s.runAs(c, "AUTH", "s3cret"), "OK");
  assert.equal(await s.runAs(c, "SET", "k", "v"), "OK");
  // RESET logs the connection out again.
  assert.equal(await s.runAs(c, "RESET"), "RESET");
  assert.ok((await s.runAs(c, "GET", "k")) instanceof RespError);
  assert.equal(await s.runAs(c, "AUTH", "default", "s3cret"), "OK");
  assert.equal(await s.runAs(c, "GET", "k"), "v");
});

Deno.test("HELLO AUTH authenticates and switches protocol in one step", async () => {
  await using s = new InProcess({ requirepass: "pw" });
  const c = s.client();
  const refused = await s.runAs(c, "HELLO", "3");
  assert.ok(refused instanceof RespError);
  assert.match(
    refused.message,
    /^NOAUTH HELLO must be called with the client already authenticated/,
  );
  const ok = await s.runAs(c, "HELLO", "3", "AUTH", "default", "pw");
  assert.ok(ok instanceof Map);
  assert.equal(c.protocol, 3);
  assert.equal(c.authenticated, true);
});

Deno.test("AUTH without a configured password is an error, as in Redis", async () => {
  await using s = new InProcess();
  const r = await s.run("AUTH", "x");
  assert.ok(r instanceof RespError);
  assert.match(r.message, /^ERR AUTH <password> called without any password configured/);
});

Deno.test("QUIT replies OK and the server closes the connection", async () => {
  await using p = await spawnHakv();
  const c = await p.client();
  assert.equal(await c.call("QUIT"), "OK");
  await c.done;
  assert.equal(c.closed, true);
  // The server keeps serving others.
  await using d = await p.client();
  assert.equal(await d.call("PING"), "PONG");
});

Deno.test("inline commands work over TCP, as redis-cli and HAProxy checks send them", async () => {
  await using p = await spawnHakv();
  await using c = await RespClient.connect({ port: p.port });
  assert.equal(await c.sendRaw(new TextEncoder().encode("PING\r\n")), "PONG");
  assert.equal(
    await c.sendRaw(new TextEncoder().encode("SET \"a key\" 'it\\'s'\r\n")),
    "OK",
  );
  assert.equal(await c.call("GET", "a key"), "it's");
});

Deno.test("connection commands match redis-server, with and without requirepass", async () => {
  if (!requireTool("redis-server")) return;
  {
    await using d = await DiffPair.start();
    await d.run([
      "PING",
      "PING x",
      "PING x y",
      "ECHO",
      "ECHO hi",
      "SELECT 15",
      "SELECT 16",
      "SELECT -1",
      "SELECT 1.5",
      "AUTH x",
      "AUTH a b c",
      "HELLO 1",
      "HELLO 2 FOO",
      "HELLO x",
      "HELLO 2 SETNAME a\x01b",
      "CLIENT SETNAME",
      "RESET x",
      "RESET",
    ], "no password");
  }
  {
    await using d = await DiffPair.start(["--requirepass", "pw"]);
    for (
      const cmd of [
        "GET k",
        "PING",
        "AUTH wrong",
        "AUTH default wrong",
        "AUTH nobody pw",
        "HELLO 3",
        "HELLO 2 AUTH default wrong",
        "AUTH pw",
        "SET k v",
        "GET k",
        "RESET",
        "GET k",
      ]
    ) await d.same(cmd, "requirepass");
  }
});
