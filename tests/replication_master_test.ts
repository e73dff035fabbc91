// hakv as a master, seen from a raw replica socket: PSYNC answers +FULLRESYNC with the image and
// then the stream; PSYNC with the right id and an offset the backlog holds answers +CONTINUE and
// exactly the bytes since; a replica that stops reading is dropped at its output limit instead of
// growing the master's memory.
import assert from "node:assert/strict";
import { requireTool, spawnHakv, waitFor } from "./_harness.ts";
import { readRdb } from "../src/server/persistence/rdb_reader.ts";

const enc = new TextEncoder();
const dec = new TextDecoder("latin1");

/** A socket that accumulates everything it receives (or reads nothing when `reading` is off). */
async function rawReplica(port: number, reading = true) {
  const conn = await Deno.connect({ port });
  let text = "";
  const done = (async () => {
    if (!reading) return;
    const buf = new Uint8Array(65536);
    for (;;) {
      const n = await conn.read(buf).catch(() => null);
      if (n === null) return;
      text += dec.decode(buf.subarray(0, n));
    }
  })();
  return {
    send: (s: string) => conn.write(enc.encode(s)),
    get text() {
      return text;
    },
    async close() {
      try {
        conn.close();
      } catch {
        // already closed
      }
      await done;
    },
  };
}

async function info(c: { call: (...a: (string | number)[]) => Promise<unknown> }, s: string) {
  const out = new Map<string, string>();
  for (const line of String(await c.call("INFO", s)).split("\r\n")) {
    const at = line.indexOf(":");
    if (at > 0) out.set(line.slice(0, at), line.slice(at + 1));
  }
  return out;
}

Deno.test("PSYNC: full sync then the stream; a later PSYNC at a held offset continues exactly", async () => {
  await using h = await spawnHakv();
  await using c = await h.client();
  await c.call("SET", "before", "1");
  const r = await rawReplica(h.port);
  await r.send("REPLCONF listening-port 9999\r\nREPLCONF capa eof capa psync2\r\nPSYNC ? -1\r\n");
  await waitFor(() => /\+FULLRESYNC [0-9a-f]{40} \d+\r\n\$EOF:[0-9a-f]{40}\r\n/.test(r.text));
  const [, replid, start] = /\+FULLRESYNC ([0-9a-f]{40}) (\d+)/.exec(r.text)!;
  const mark = /\$EOF:([0-9a-f]{40})\r\n/.exec(r.text)![1]!;
  await waitFor(() => r.text.lastIndexOf(mark) > r.text.indexOf(mark));
  assert.ok(r.text.includes("before"), "the image holds the key");
  // The stream waits for the replica's first ACK after an $EOF: image (the mark must be the last
  // thing a replica reads to know the image ended).
  await c.call("SET", "after", "2");
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.ok(!r.text.includes("after"), "nothing follows the mark before the replica's ACK");
  await r.send(`REPLCONF ACK ${start}\r\n`);
  await waitFor(() => r.text.includes("after"));
  const stream = r.text.slice(r.text.lastIndexOf(mark) + 40);
  assert.equal(
    stream,
    "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$5\r\nafter\r\n$1\r\n2\r\n",
  );
  const offset = Number(start) + stream.length;
  assert.equal((await info(c, "replication")).get("master_repl_offset"), String(offset));
  await r.close();

  // More writes while no replica is connected; the backlog keeps them.
  await c.call("SET", "gap", "3");
  const again = await rawReplica(h.port);
  await again.send(`PSYNC ${replid} ${Number(start) + 1}\r\n`);
  await waitFor(() => again.text.includes("gap"));
  assert.equal(
    again.text,
    `+CONTINUE ${replid}\r\n${stream}*3\r\n$3\r\nSET\r\n$3\r\ngap\r\n$1\r\n3\r\n`,
  );
  await again.close();
  const stats = await info(c, "stats");
  assert.equal(stats.get("sync_full"), "1");
  assert.equal(stats.get("sync_partial_ok"), "1");
  // An id the master never had: a full sync.
  const other = await rawReplica(h.port);
  await other.send(`PSYNC ${"1".repeat(40)} 5\r\n`);
  await waitFor(() => other.text.startsWith("+FULLRESYNC"));
  await other.close();
  assert.equal((await info(c, "stats")).get("sync_partial_err"), "1");
});

Deno.test("a replica that stops reading is dropped at the replica output limit", async () => {
  await using h = await spawnHakv(["--client-output-buffer-limit", "replica 2mb 0 0"]);
  await using c = await h.client();
  const r = await rawReplica(h.port, false);
  await r.send("REPLCONF capa eof\r\nPSYNC ? -1\r\n");
  await waitFor(async () => (await info(c, "replication")).get("connected_slaves") === "1");
  const big = "x".repeat(64 * 1024);
  for (let i = 0; i < 400 && (await info(c, "replication")).get("connected_slaves") === "1"; i++) {
    await c.call("SET", `k${i % 10}`, big);
  }
  await waitFor(async () => (await info(c, "replication")).get("connected_slaves") === "0");
  assert.equal(await c.call("PING"), "PONG");
  await r.close();
});

Deno.test("redis-cli --rdb gets the image and the connection closes (REPLCONF rdb-only)", async () => {
  if (!requireTool("redis-cli")) return;
  await using h = await spawnHakv();
  await using c = await h.client();
  await c.call("RPUSH", "l", "a", "b");
  await c.call("SET", "s", "v");
  const dir = await Deno.makeTempDir({ prefix: "hakv-rdb-only-" });
  try {
    const out = await new Deno.Command("redis-cli", {
      args: ["-p", String(h.port), "--rdb", `${dir}/cli.rdb`],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    const keys: string[] = [];
    readRdb(await Deno.readFile(`${dir}/cli.rdb`), (_db, key) => keys.push(key));
    assert.deepEqual(keys.sort(), ["l", "s"]);
    await waitFor(async () => (await info(c, "replication")).get("connected_slaves") === "0");
    // The server itself closes the link after the image (the socket reaches EOF unasked).
    const conn = await Deno.connect({ port: h.port });
    await conn.write(enc.encode("REPLCONF rdb-only 1\r\nSYNC\r\n"));
    let got = "";
    let timedOut = false;
    const buf = new Uint8Array(65536);
    const timer = setTimeout(() => {
      timedOut = true;
      conn.close();
    }, 5000);
    try {
      for (let n = await conn.read(buf); n !== null; n = await conn.read(buf)) {
        got += dec.decode(buf.subarray(0, n));
      }
    } catch {
      // closed by the timer
    }
    clearTimeout(timer);
    assert.ok(!timedOut, "the master never closed the rdb-only link");
    conn.close();
    assert.match(got, /^\+OK\r\n\$\d+\r\nREDIS0010/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("repl-backlog-ttl: a master alone that long frees its backlog and starts a new history", async () => {
  await using h = await spawnHakv(["--repl-backlog-ttl", "1"]);
  await using c = await h.client();
  const r = await rawReplica(h.port);
  await r.send("PSYNC ? -1\r\n");
  await waitFor(() => r.text.startsWith("+FULLRESYNC"));
  const before = await info(c, "replication");
  assert.equal(before.get("repl_backlog_active"), "1");
  await r.close();
  await waitFor(async () => (await info(c, "replication")).get("connected_slaves") === "0");
  await waitFor(async () => (await info(c, "replication")).get("repl_backlog_active") === "0");
  const after = await info(c, "replication");
  assert.notEqual(after.get("master_replid"), before.get("master_replid"));
  assert.match(h.output(), /Replication backlog freed after 1 seconds/);
});
