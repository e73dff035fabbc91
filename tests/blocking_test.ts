// Blocking list commands across real connections. Every scenario runs against a spawned hakv
// and a spawned redis-server 7.0 with several clients each, and what each client saw (replies,
// "still blocked", final state) must be the same on both: FIFO service, multi-key waits, float
// timeouts, timeout 0, CLIENT UNBLOCK in both modes, BLMOVE chains, keys deleted, overwritten
// with another type or renamed onto while clients wait, MULTI/EXEC pushes, disconnects while
// blocked, and INFO's blocked_clients. In-process cases at the end need no redis-server.
import assert from "node:assert/strict";
import {
  type Proc,
  requireTool,
  RespClient,
  type RespValue,
  spawnHakv,
  spawnRedis,
} from "./_harness.ts";
import { InProcess } from "./_harness.ts";
import { norm } from "./_diff.ts";

const PENDING = "(still blocked)";

/** The reply if it arrives within `ms`, else PENDING (the call stays outstanding). */
async function within(p: Promise<RespValue>, ms = 150): Promise<unknown> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<string>((r) => (timer = setTimeout(() => r(PENDING), ms)));
  try {
    const v = await Promise.race([p, late]);
    return v === PENDING ? PENDING : norm(v as RespValue);
  } finally {
    clearTimeout(timer);
  }
}

async function blockedClients(ctl: RespClient): Promise<number> {
  const info = String(await ctl.call("INFO", "clients"));
  const m = /blocked_clients:(\d+)/.exec(info);
  return m === null ? -1 : Number(m[1]);
}

/** Waits until the server reports `n` blocked clients (so arrival order is settled). */
async function blocked(ctl: RespClient, n: number): Promise<void> {
  const deadline = Date.now() + 5000;
  while ((await blockedClients(ctl)) !== n) {
    if (Date.now() > deadline) throw new Error(`blocked_clients never reached ${n}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

interface Ctx {
  /** A control connection (never blocks). */
  ctl: RespClient;
  /** Opens another connection. */
  open(): Promise<RespClient>;
}

type Scenario = (x: Ctx) => Promise<unknown[]>;

const SCENARIOS: Record<string, Scenario> = {
  async "three clients are served first come first served"({ ctl, open }) {
    const [a, b, c] = [await open(), await open(), await open()];
    const pa = a.call("BLPOP", "k", 0);
    await blocked(ctl, 1);
    const pb = b.call("BLPOP", "k", 0);
    await blocked(ctl, 2);
    const pc = c.call("BRPOP", "k", 0);
    await blocked(ctl, 3);
    const push1 = norm(await ctl.call("RPUSH", "k", "x"));
    const first = [await within(pa), await within(pb, 50), await within(pc, 50)];
    const push2 = norm(await ctl.call("RPUSH", "k", "y", "z"));
    return [
      push1,
      first,
      push2,
      await within(pb),
      await within(pc),
      norm(await ctl.call("LLEN", "k")),
    ];
  },
  async "one push of several items serves several clients in order"({ ctl, open }) {
    const [a, b] = [await open(), await open()];
    const pa = a.call("BLPOP", "k", 0);
    await blocked(ctl, 1);
    const pb = b.call("BLPOP", "k", 0);
    await blocked(ctl, 2);
    const push = norm(await ctl.call("LPUSH", "k", "1", "2", "3"));
    return [push, await within(pa), await within(pb), norm(await ctl.call("LRANGE", "k", 0, -1))];
  },
  async "a client waiting on several keys is served by the first ready"({ ctl, open }) {
    const a = await open();
    const pa = a.call("BLPOP", "k1", "k2", "k3", 0);
    await blocked(ctl, 1);
    await ctl.call("RPUSH", "k3", "c");
    const got = await within(pa);
    await ctl.call("RPUSH", "k2", "b");
    return [got, norm(await ctl.call("LLEN", "k2")), norm(await ctl.call("EXISTS", "k3"))];
  },
  async "keys ready in one transaction serve in signal order"({ ctl, open }) {
    const [a, b] = [await open(), await open()];
    const pa = a.call("BLPOP", "a", "b", 0);
    await blocked(ctl, 1);
    const pb = b.call("BLPOP", "b", 0);
    await blocked(ctl, 2);
    await ctl.call("MULTI");
    await ctl.call("RPUSH", "b", "x");
    await ctl.call("RPUSH", "a", "y");
    await ctl.call("LLEN", "b");
    const exec = norm(await ctl.call("EXEC"));
    return [exec, await within(pa), await within(pb), norm(await ctl.call("LRANGE", "a", 0, -1))];
  },
  async "a push inside MULTI wakes clients only after EXEC"({ ctl, open }) {
    const a = await open();
    const pa = a.call("BRPOP", "k", 0);
    await blocked(ctl, 1);
    await ctl.call("MULTI");
    await ctl.call("RPUSH", "k", "1", "2");
    const during = await within(pa, 50);
    await ctl.call("LRANGE", "k", 0, -1);
    const exec = norm(await ctl.call("EXEC"));
    return [during, exec, await within(pa), norm(await ctl.call("LRANGE", "k", 0, -1))];
  },
  async "float timeouts time out, 0 waits forever"({ ctl, open }) {
    const [a, b] = [await open(), await open()];
    const start = Date.now();
    const timedOut = norm(await a.call("BLPOP", "k", "0.15"));
    const elapsed = Date.now() - start;
    const pb = b.call("BLPOP", "k", "0");
    await blocked(ctl, 1);
    const still = await within(pb, 400);
    await ctl.call("RPUSH", "k", "v");
    return [timedOut, elapsed >= 140 && elapsed < 1500, still, await within(pb)];
  },
  async "BLMOVE, BRPOPLPUSH and BLMPOP time out with a null"({ open }) {
    const a = await open();
    return [
      norm(await a.call("BLMOVE", "s", "d", "LEFT", "RIGHT", "0.05")),
      norm(await a.call("BRPOPLPUSH", "s", "d", "0.05")),
      norm(await a.call("BLMPOP", "0.05", "2", "s", "t", "LEFT")),
      norm(await a.call("EXISTS", "d")),
    ];
  },
  async "CLIENT UNBLOCK ends the wait as a timeout or as an error"({ ctl, open }) {
    const [a, b] = [await open(), await open()];
    const [ida, idb] = [await a.call("CLIENT", "ID"), await b.call("CLIENT", "ID")];
    const pa = a.call("BLPOP", "k", 0);
    const pb = b.call("BLMOVE", "k", "d", "LEFT", "LEFT", 0);
    await blocked(ctl, 2);
    const r1 = norm(await ctl.call("CLIENT", "UNBLOCK", ida as number));
    const r2 = norm(await ctl.call("CLIENT", "UNBLOCK", idb as number, "ERROR"));
    const r3 = norm(await ctl.call("CLIENT", "UNBLOCK", ida as number));
    const after = await blockedClients(ctl);
    return [r1, r2, r3, await within(pa), await within(pb), after, norm(await a.call("PING"))];
  },
  async "BLMOVE chains: the destination serves clients blocked on it"({ ctl, open }) {
    const [a, b, c] = [await open(), await open(), await open()];
    const pa = a.call("BLMOVE", "s1", "s2", "RIGHT", "LEFT", 0);
    await blocked(ctl, 1);
    const pb = b.call("BRPOPLPUSH", "s2", "s3", 0);
    await blocked(ctl, 2);
    const pc = c.call("BLPOP", "s3", 0);
    await blocked(ctl, 3);
    await ctl.call("RPUSH", "s1", "x", "y");
    return [
      await within(pa),
      await within(pb),
      await within(pc),
      norm(await ctl.call("LRANGE", "s1", 0, -1)),
      norm(await ctl.call("EXISTS", "s2", "s3")),
    ];
  },
  async "BLMOVE onto a key of another type gets WRONGTYPE when served"({ ctl, open }) {
    const a = await open();
    const pa = a.call("BLMOVE", "src", "dst", "LEFT", "LEFT", 0);
    await blocked(ctl, 1);
    await ctl.call("SET", "dst", "string");
    await ctl.call("RPUSH", "src", "v");
    return [
      await within(pa),
      norm(await ctl.call("LRANGE", "src", 0, -1)),
      await blockedClients(ctl),
    ];
  },
  async "a key pushed then deleted in one transaction serves nobody"({ ctl, open }) {
    const a = await open();
    const pa = a.call("BLPOP", "k", 0);
    await blocked(ctl, 1);
    await ctl.call("MULTI");
    await ctl.call("RPUSH", "k", "x");
    await ctl.call("DEL", "k");
    const exec = norm(await ctl.call("EXEC"));
    const still = await within(pa);
    await ctl.call("RPUSH", "k", "y");
    return [exec, still, await within(pa)];
  },
  async "a key overwritten with another type keeps clients waiting"({ ctl, open }) {
    const a = await open();
    const pa = a.call("BLPOP", "k", 0);
    await blocked(ctl, 1);
    await ctl.call("MULTI");
    await ctl.call("RPUSH", "k", "x");
    await ctl.call("SET", "k", "str");
    await ctl.call("EXEC");
    const still = await within(pa);
    const pushed = norm(await ctl.call("LPUSH", "k", "z"));
    const still2 = await within(pa, 50);
    await ctl.call("DEL", "k");
    await ctl.call("LPUSH", "k", "w");
    return [still, pushed, still2, await within(pa)];
  },
  async "a set created at the waited key does not serve a list client"({ ctl, open }) {
    const a = await open();
    const pa = a.call("BLPOP", "k", 0);
    await blocked(ctl, 1);
    await ctl.call("SADD", "k", "m");
    const still = await within(pa);
    await ctl.call("DEL", "k");
    await ctl.call("RPUSH", "k", "v");
    return [still, await within(pa)];
  },
  async "RENAME of a list onto the waited key serves"({ ctl, open }) {
    const a = await open();
    const pa = a.call("BRPOP", "k", 0);
    await blocked(ctl, 1);
    await ctl.call("RPUSH", "src", "1", "2");
    const renamed = norm(await ctl.call("RENAME", "src", "k"));
    return [renamed, await within(pa), norm(await ctl.call("LRANGE", "k", 0, -1))];
  },
  async "a client that disconnects while blocked is forgotten"({ ctl, open }) {
    const a = await open();
    a.call("BLPOP", "k", 0).catch(() => {});
    await blocked(ctl, 1);
    a.close();
    const deadline = Date.now() + 3000;
    while ((await blockedClients(ctl)) !== 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
    }
    const after = await blockedClients(ctl);
    await ctl.call("RPUSH", "k", "kept");
    return [after, norm(await ctl.call("LRANGE", "k", 0, -1))];
  },
  async "INFO blocked_clients and CLIENT LIST flags count waiting clients"({ ctl, open }) {
    const [a, b] = [await open(), await open()];
    const pa = a.call("BLPOP", "x", 0);
    const pb = b.call("BLMPOP", 0, 1, "y", "RIGHT");
    await blocked(ctl, 2);
    const two = await blockedClients(ctl);
    const list = String(await ctl.call("CLIENT", "LIST"));
    const flagged = list.split("\n").filter((l) => / flags=b /.test(l)).length;
    await ctl.call("RPUSH", "x", "1");
    const one = await blockedClients(ctl);
    await ctl.call("RPUSH", "y", "1", "2");
    return [two, flagged, one, await blockedClients(ctl), await within(pa), await within(pb)];
  },
  async "BLMPOP serves up to COUNT items from the first ready key"({ ctl, open }) {
    const a = await open();
    const pa = a.call("BLMPOP", 0, 2, "m1", "m2", "LEFT", "COUNT", 2);
    await blocked(ctl, 1);
    await ctl.call("RPUSH", "m2", "a", "b", "c");
    return [await within(pa), norm(await ctl.call("LRANGE", "m2", 0, -1))];
  },
  async "the same key twice is waited on once"({ ctl, open }) {
    const [a, b] = [await open(), await open()];
    const pa = a.call("BLPOP", "k", "k", 0);
    await blocked(ctl, 1);
    const pb = b.call("BLPOP", "k", 0);
    await blocked(ctl, 2);
    await ctl.call("RPUSH", "k", "1", "2", "3");
    return [await within(pa), await within(pb), norm(await ctl.call("LRANGE", "k", 0, -1))];
  },
  async "clients wait on keys of their own database"({ ctl, open }) {
    const a = await open();
    await a.call("SELECT", 1);
    const pa = a.call("BLPOP", "k", 0);
    await blocked(ctl, 1);
    await ctl.call("RPUSH", "k", "db0");
    const still = await within(pa);
    await ctl.call("SELECT", 1);
    await ctl.call("RPUSH", "k", "db1");
    const got = await within(pa);
    await ctl.call("SELECT", 0);
    return [still, got, norm(await ctl.call("LLEN", "k"))];
  },
  async "commands pipelined after a blocking one wait for it"({ ctl, open }) {
    const a = await open();
    const pa = a.call("BLPOP", "k", 0);
    const ping = a.call("PING");
    await blocked(ctl, 1);
    const early = await within(ping, 50);
    await ctl.call("RPUSH", "k", "v");
    return [early, await within(pa), await within(ping)];
  },
  async "SWAPDB serves clients whose key now holds a list"({ ctl, open }) {
    const a = await open();
    const pa = a.call("BLPOP", "k", 0);
    await blocked(ctl, 1);
    await ctl.call("SELECT", 1);
    await ctl.call("RPUSH", "k", "from-db1");
    await ctl.call("SELECT", 0);
    await ctl.call("SWAPDB", 0, 1);
    return [await within(pa), norm(await ctl.call("EXISTS", "k"))];
  },
};

async function runOn(proc: Proc, scenario: Scenario): Promise<unknown[]> {
  const clients: RespClient[] = [];
  const ids: number[] = [];
  const open = async () => {
    const c = await proc.client();
    ids.push(Number(await c.call("CLIENT", "ID")));
    // Calls still waiting when the scenario closes its connections reject: that is expected.
    const call = c.call.bind(c);
    c.call = (...args) => {
      const p = call(...args);
      p.catch(() => {});
      return p;
    };
    clients.push(c);
    return c;
  };
  const ctl = await open();
  await ctl.call("FLUSHALL");
  try {
    return await scenario({ ctl, open });
  } finally {
    // Killed from the server side too, so a client left blocked cannot leak into the next
    // scenario's counts (disconnect detection has its own scenario).
    const probe = await proc.client();
    for (const id of ids) await probe.call("CLIENT", "KILL", "ID", id);
    for (const c of clients) c.close();
    const deadline = Date.now() + 3000;
    while ((await blockedClients(probe)) !== 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
    }
    probe.close();
  }
}

Deno.test("blocking: hakv serves blocked clients like redis-server", async (t) => {
  if (!requireTool("redis-server")) return;
  await using redis = await spawnRedis();
  await using hakv = await spawnHakv();
  for (const [name, scenario] of Object.entries(SCENARIOS)) {
    await t.step(name, async () => {
      const expected = await runOn(redis, scenario);
      const actual = await runOn(hakv, scenario);
      assert.deepStrictEqual(actual, expected);
    });
  }
});

Deno.test("blocking: FIFO order and the replies of three served clients", async () => {
  if (!requireTool("redis-server")) return;
  await using hakv = await spawnHakv();
  const out = await runOn(hakv, SCENARIOS["three clients are served first come first served"]!);
  assert.deepStrictEqual(out, [
    1,
    [["k", "x"], PENDING, PENDING],
    2,
    ["k", "y"],
    ["k", "z"],
    0,
  ]);
});

// --- In-process ---------------------------------------------------------------------------------

Deno.test("blocking: in-process clients are served after the pushing command", async () => {
  await using t = new InProcess();
  const c2 = t.client();
  const c3 = t.client();
  const p2 = t.runAs(c2, "BLPOP", "q", 0);
  const p3 = t.runAs(c3, "BLPOP", "q", 0);
  assert.equal(
    await t.run("INFO", "clients").then((s) => /blocked_clients:2/.test(String(s))),
    true,
  );
  assert.equal(await t.run("RPUSH", "q", "a", "b", "c"), 3);
  assert.deepStrictEqual(await p2, ["q", "a"]);
  assert.deepStrictEqual(await p3, ["q", "b"]);
  assert.deepStrictEqual(await t.run("LRANGE", "q", 0, -1), ["c"]);
});

Deno.test("blocking: removeClient forgets a blocked client and keeps the data", async () => {
  await using t = new InProcess();
  const c2 = t.client();
  const p2 = t.runAs(c2, "BLPOP", "q", 0);
  t.server.removeClient(c2);
  await p2;
  assert.equal(t.server.blocking.count, 0);
  assert.equal(await t.run("RPUSH", "q", "a"), 1);
  assert.equal(await t.run("LLEN", "q"), 1);
});

Deno.test("blocking: a timeout longer than a timer can hold still waits", async () => {
  await using t = new InProcess();
  const c2 = t.client();
  const p2 = t.runAs(c2, "BLPOP", "q", "3000000");
  assert.equal(c2.unblock !== null, true);
  await t.run("CLIENT", "UNBLOCK", c2.id);
  assert.equal(await p2, null);
});

Deno.test("blocking: a closing server releases its blocked clients", async () => {
  const t = new InProcess();
  const c2 = t.client();
  const p2 = t.runAs(c2, "BLPOP", "q", 10);
  await t.server.close();
  await p2;
  assert.equal(t.server.blocking.count, 0);
});
