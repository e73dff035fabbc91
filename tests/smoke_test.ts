import assert from "node:assert/strict";
import { InProcess, RespError, spawnHakv } from "./_harness.ts";

Deno.test("in-process: SET then GET returns the value", async () => {
  await using s = new InProcess();
  assert.equal(await s.run("SET", "k", "v"), "OK");
  assert.equal(await s.run("GET", "k"), "v");
  assert.equal(await s.run("GET", "missing"), null);
});

Deno.test("in-process: unknown command quotes its arguments", async () => {
  await using s = new InProcess();
  const r = await s.run("FOO", "a", "b");
  assert.ok(r instanceof RespError);
  assert.equal(r.message, "ERR unknown command 'FOO', with args beginning with: 'a' 'b' ");
});

Deno.test("process: hakv server answers PING over TCP", async () => {
  await using p = await spawnHakv();
  await using c = await p.client();
  assert.equal(await c.call("PING"), "PONG");
  assert.equal(await c.call("SET", "x", "1"), "OK");
  assert.equal(await c.call("INCR", "x"), 2);
});
