// Sentinel-aware clients through hakv sentinels: npm:ioredis, npm:redis (node-redis) and
// redis-py find the master through three `hakv sentinel` processes, keep writing while the
// master is SIGKILLed, resume on the promoted replica, lose nothing they saw acknowledged and
// WAIT'd (or acknowledged after the kill), and never get a write accepted by the old master
// once it comes back and is turned into a replica.
import assert from "node:assert/strict";
import { Redis } from "ioredis";
import { createSentinel } from "redis";
import { type Proc, requireTool, RespClient, waitFor } from "./_harness.ts";
import { Group, type GroupOptions } from "./_sentinel.ts";

const NAME = "mymaster";
const PYTHON = "/usr/bin/python3";
const CLIENT_PY = new URL("./_sentinel_client.py", import.meta.url).pathname;

/** How long a client may take, from the SIGKILL, to get a write acknowledged again. */
const RESUME_MS = 15_000;

/** One acknowledged write: `key` was set to `value`; `waited` is WAIT 1 1000's reply. */
interface Ack {
  key: string;
  value: string;
  waited: number | null;
  /** When the attempt began and when its reply arrived (ms since the epoch). */
  sent: number;
  done: number;
}

/** A client writing `<prefix>:<n> = n` in a loop until stopped. */
interface Writer {
  readonly acks: Ack[];
  readonly errors: string[];
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function sentinelAddrs(g: Group): { host: string; port: number }[] {
  return g.sentinels.map((s) => ({ host: "127.0.0.1", port: s!.port }));
}

/** Runs `step` (one attempt, returning its ack or throwing) until stopped. */
function loop(step: (n: number, sent: number) => Promise<Ack>): Writer {
  const acks: Ack[] = [];
  const errors: string[] = [];
  let stopped = false;
  const done = (async () => {
    for (let n = 0; !stopped; n++) {
      const sent = Date.now();
      try {
        acks.push(await step(n, sent));
      } catch (err) {
        errors.push(String(err));
        await sleep(50);
      }
    }
  })();
  return {
    acks,
    errors,
    async stop() {
      stopped = true;
      await done;
    },
  };
}

function ack(prefix: string, n: number, waited: unknown, sent: number): Ack {
  return {
    key: `${prefix}:${n}`,
    value: String(n),
    waited: typeof waited === "number" ? waited : null,
    sent,
    done: Date.now(),
  };
}

/**
 * ioredis in Sentinel mode. It asks the sentinels again after each failed try; without a limit
 * it would retry for ever when none knows the master, and a broken test would hang.
 */
function ioredis(g: Group, role: "master" | "slave" = "master"): Redis {
  const r = new Redis({
    sentinels: sentinelAddrs(g),
    name: NAME,
    role,
    maxRetriesPerRequest: 5,
    sentinelRetryStrategy: (times) => times > 40 ? null : Math.min(times * 10, 500),
  });
  r.on("error", () => {}); // reconnects during the failover are expected
  return r;
}

/** SET and WAIT go in one pipeline, so on one connection. */
function ioredisWriter(r: Redis, prefix: string): Writer {
  return loop(async (n, sent) => {
    const res = await r.pipeline().set(`${prefix}:${n}`, String(n)).call("WAIT", "1", "1000")
      .exec();
    const [set, wait] = res ?? [];
    if (set?.[0]) throw set[0];
    if (set?.[1] !== "OK") throw new Error(`SET replied ${set?.[1]}`);
    return ack(prefix, n, wait?.[0] ? null : wait?.[1], sent);
  });
}

/** What the failover scenario saw, for the assertions and the log. */
interface Outcome {
  oldPort: number;
  newPort: number;
  killedAt: number;
  resumedAfterMs: number;
  /** Writer keys found on the old master after its restart while it still said it was master. */
  strays: string[];
  /** Acknowledged writes that must be on the new master but are missing or different there. */
  lost: string[];
  mustSurvive: number;
}

/**
 * The scenario every client goes through: write, SIGKILL the master, wait for the writer to
 * get acknowledgements again, restart the old master on its port (empty: no persistence) and
 * watch it until a sentinel turns it into a replica, write some more, then check the new master.
 */
async function failover(g: Group, prefix: string, writer: Writer): Promise<Outcome> {
  const master = g.nodes[0]!;
  const oldPort = master.port;
  await waitFor(() => writer.acks.length >= 20, 10_000).catch(() => {
    throw new Error(`no writes before the failover: ${writer.errors.slice(-3).join("; ")}`);
  });
  await master.kill("SIGKILL");
  const killedAt = Date.now();
  // Only an attempt begun after the master died can have been acknowledged by its successor.
  await waitFor(() => writer.acks.some((a) => a.sent > killedAt), RESUME_MS + 5_000).catch(() => {
    throw new Error(
      `no write acknowledged ${RESUME_MS + 5_000} ms after the kill; last errors: ${
        writer.errors.slice(-3).join("; ")
      }\n${sentinelLogs(g)}`,
    );
  });
  const resumedAt = writer.acks.find((a) => a.sent > killedAt)!.done;
  const newPort = await g.waitForNewMaster(oldPort);

  const old = await g.spawnNode([], oldPort);
  g.nodes.push(old); // the group disposes of it
  const strays = await watchUntilReplica(old, prefix, newPort);
  const afterConversion = writer.acks.length;
  await waitFor(() => writer.acks.length >= afterConversion + 20, 10_000);
  await writer.stop();

  const mustSurvive = writer.acks.filter((a) => (a.waited ?? 0) >= 1 || a.sent > killedAt);
  const lost = await missingOn(newPort, mustSurvive);
  return {
    oldPort,
    newPort,
    killedAt,
    resumedAfterMs: resumedAt - killedAt,
    strays,
    lost,
    mustSurvive: mustSurvive.length,
  };
}

/**
 * Polls the restarted old master until ROLE says slave (30 s at most). ROLE and KEYS run in one
 * MULTI, so the keys seen with "master" are keys written to it as a master, not synced data.
 * Meanwhile the clients' connections to the new master are cut every 250 ms (the sentinels' are
 * left alone), so they ask the sentinels again while the old master is back and still says
 * master: the moment a sentinel that pointed at it would send them there.
 */
async function watchUntilReplica(p: Proc, prefix: string, newPort: number): Promise<string[]> {
  const strays = new Set<string>();
  let c: RespClient | null = null;
  await using killer = await RespClient.connect({ port: newPort });
  let lastKill = 0;
  try {
    await waitFor(async () => {
      try {
        c ??= await p.client();
        await c.command("MULTI");
        await c.command("ROLE");
        await c.command("KEYS", `${prefix}:*`);
        const r = await c.command("EXEC");
        if (!Array.isArray(r) || !Array.isArray(r[0])) return false;
        if (String(r[0][0]) !== "master") return true;
        if (Array.isArray(r[1])) { for (const k of r[1]) strays.add(String(k)); }
        if (Date.now() - lastKill >= 250) {
          lastKill = Date.now();
          await killClients(killer);
        }
      } catch {
        c?.close();
        c = null;
      }
      await sleep(50);
      return false;
    }, 30_000).catch(() => {
      throw new Error(`old master ${p.port} was not turned into a replica within 30 s`);
    });
  } finally {
    (c as RespClient | null)?.close();
  }
  return [...strays];
}

/**
 * Closes the clients' connections to the node `c` is connected to, but not the sentinels' links:
 * killing those every 250 ms would make the new master look down and start a second failover.
 */
async function killClients(c: RespClient): Promise<void> {
  const list = String(await c.command("CLIENT", "LIST"));
  for (const line of list.split("\n")) {
    const f = new Map(line.split(" ").map((kv) => kv.split("=", 2) as [string, string]));
    if (f.get("name")?.startsWith("sentinel-") || f.get("cmd") === "client|list") continue;
    if (/[SM]/.test(f.get("flags") ?? "")) continue; // a replica's link
    const id = f.get("id");
    if (id !== undefined) await c.command("CLIENT", "KILL", "ID", id);
  }
}

/** The acks whose key is missing from, or holds another value on, the node at `port`. */
async function missingOn(port: number, acks: Ack[]): Promise<string[]> {
  await using c = await RespClient.connect({ port });
  const lost: string[] = [];
  for (let i = 0; i < acks.length; i += 500) {
    const batch = acks.slice(i, i + 500);
    const vals = await c.command("MGET", ...batch.map((a) => a.key));
    assert.ok(Array.isArray(vals), `MGET replied ${vals}`);
    batch.forEach((a, j) => {
      if (vals[j] !== a.value) lost.push(`${a.key} (acked, WAIT=${a.waited}) is ${vals[j]}`);
    });
  }
  return lost;
}

function sentinelLogs(g: Group): string {
  return g.sentinels.map((s, i) => `--- sentinel ${i}\n${s?.output() ?? "(stopped)"}`).join("\n");
}

function check(g: Group, o: Outcome, client: string): void {
  const ctx = `${client}: master ${o.oldPort} -> ${o.newPort}`;
  console.log(
    `${ctx}: resumed after ${o.resumedAfterMs} ms, ${o.mustSurvive} writes checked`,
  );
  assert.ok(
    o.resumedAfterMs <= RESUME_MS,
    `${ctx}: writes resumed ${o.resumedAfterMs} ms after the kill`,
  );
  assert.deepEqual(o.lost, [], `${ctx}: acknowledged writes lost\n${sentinelLogs(g)}`);
  assert.deepEqual(o.strays, [], `${ctx}: writes accepted by the demoted master`);
  assert.ok(o.mustSurvive > 0, `${ctx}: nothing was checked`);
}

async function withGroup(opts: GroupOptions, fn: (g: Group) => Promise<void>): Promise<void> {
  await using g = await Group.start(opts);
  await fn(g);
}

Deno.test("ioredis through hakv sentinels: writes survive a master kill; role slave reads a replica", async () => {
  await withGroup({}, async (g) => {
    const oldPort = g.nodes[0]!.port;
    // An unknown name fails with the sentinels' own error, as redis-sentinel's does.
    const unknown = new Redis({
      sentinels: sentinelAddrs(g),
      name: "nosuch",
      lazyConnect: true,
      sentinelRetryStrategy: () => null,
    });
    unknown.on("error", () => {});
    await assert.rejects(unknown.connect(), /ERR No such master with that name/);
    unknown.disconnect();

    // Reads with role: "slave" land on a replica of the current master.
    await using direct = await g.nodes[0]!.client();
    await direct.command("SET", "marker", "before");
    assert.equal(await direct.command("WAIT", "2", "2000"), 2);
    const ro = ioredis(g, "slave");
    try {
      const r = await ro.call("ROLE") as unknown[];
      assert.equal(r[0], "slave");
      assert.equal(Number(r[2]), oldPort, `replica follows ${r[2]}`);
      assert.equal(await ro.get("marker"), "before");
      await assert.rejects(ro.set("marker", "x"), /READONLY/);
    } finally {
      ro.disconnect();
    }

    const r = ioredis(g);
    try {
      const o = await failover(g, "io", ioredisWriter(r, "io"));
      check(g, o, "ioredis");

      // A fresh slave-role client finds a replica of the new master (the old one included).
      const ro2 = ioredis(g, "slave");
      try {
        const role = await ro2.call("ROLE") as unknown[];
        assert.equal(role[0], "slave");
        assert.equal(Number(role[2]), o.newPort, `replica follows ${role[2]}`);
        await waitFor(async () => (await ro2.get("marker")) === "before", 5_000);
      } finally {
        ro2.disconnect();
      }
    } finally {
      r.disconnect();
    }
  });
});

Deno.test("node-redis createSentinel through hakv sentinels: writes survive a master kill", async () => {
  await withGroup({}, async (g) => {
    const s = createSentinel({ name: NAME, sentinelRootNodes: sentinelAddrs(g) });
    s.on("error", () => {}); // the dead master's connection errors are expected
    await s.connect();
    try {
      assert.deepEqual(s.getMasterNode(), { host: "127.0.0.1", port: g.nodes[0]!.port });
      const w = loop(async (n, sent) => {
        // execAsPipeline leases one client, so WAIT runs on the SET's connection.
        const [set, waited] = await s.multi().set(`nr:${n}`, String(n)).wait(1, 1000)
          .execAsPipeline();
        if (String(set) !== "OK") throw new Error(`SET replied ${String(set)}`);
        return ack("nr", n, waited, sent);
      });
      const o = await failover(g, "nr", w);
      check(g, o, "node-redis");
      // node-redis re-discovers on every sentinel event, so its view may pass through an
      // intermediate answer; it must settle on the master the sentinels agree on.
      try {
        await waitFor(() => s.getMasterNode()?.port === o.newPort, 5000);
      } catch {
        assert.fail(
          `node-redis settled on ${JSON.stringify(s.getMasterNode())}, not ${o.newPort}\n` +
            sentinelLogs(g),
        );
      }
    } finally {
      await s.close();
    }
  });
});

/** /usr/bin/python3 with redis-py importable (a missing one fails under CI=true). */
function requireRedisPy(): boolean {
  if (!requireTool(PYTHON)) return false;
  const ok = new Deno.Command(PYTHON, { args: ["-c", "import redis.sentinel"], stderr: "null" })
    .outputSync().success;
  if (ok) return true;
  if (Deno.env.get("CI") === "true") throw new Error(`redis-py is required under CI but missing`);
  console.log(`SKIP: ${PYTHON} cannot import redis`);
  return false;
}

/** Runs tests/_sentinel_client.py and turns its JSON lines into a Writer. */
function pythonWriter(g: Group, prefix: string): Writer & { master(): number | null } {
  const child = new Deno.Command(PYTHON, {
    args: [CLIENT_PY, NAME, prefix, ...g.sentinels.map((s) => String(s!.port))],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const acks: Ack[] = [];
  const errors: string[] = [];
  let master: number | null = null;
  let ended = false;
  const stderr = new Response(child.stderr).text();
  const reading = (async () => {
    const dec = new TextDecoder();
    let buf = "";
    for await (const chunk of child.stdout) {
      buf += dec.decode(chunk, { stream: true });
      let nl;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const line = JSON.parse(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
        if ("ack" in line) {
          acks.push({
            key: `${prefix}:${line.ack}`,
            value: String(line.ack),
            waited: line.wait,
            sent: line.sent,
            done: line.done,
          });
        } else if ("err" in line) errors.push(line.err);
        else if ("master" in line) master = Number(line.master[1]);
        else if ("end" in line) ended = true;
      }
    }
  })();
  const writer = child.stdin.getWriter();
  return {
    acks,
    errors,
    master: () => master,
    async stop() {
      await writer.write(new TextEncoder().encode("stop\n"));
      await writer.close();
      const status = await child.status;
      await reading;
      const err = await stderr;
      assert.ok(status.success && ended, `redis-py client exited ${status.code}: ${err}`);
    },
  };
}

Deno.test("redis-py Sentinel.master_for through hakv sentinels: writes survive a master kill", async () => {
  if (!requireRedisPy()) return;
  await withGroup({}, async (g) => {
    const w = pythonWriter(g, "py");
    try {
      const o = await failover(g, "py", w);
      assert.equal(w.master(), o.oldPort, "discover_master before the kill");
      check(g, o, "redis-py");
    } finally {
      await w.stop().catch(() => {});
    }
  });
});

Deno.test("ioredis through hakv sentinels monitoring redis-server nodes: writes survive a master kill", async () => {
  if (!requireTool("redis-server")) return;
  await withGroup({ nodes: "redis" }, async (g) => {
    const r = ioredis(g);
    try {
      check(g, await failover(g, "io", ioredisWriter(r, "io")), "ioredis/redis-server nodes");
    } finally {
      r.disconnect();
    }
  });
});
