// hakv sentinels against failures of the nodes they watch: a killed master (hakv and
// redis-server data nodes), a frozen master that comes back, a master that reboots within
// down-after, a replica that must never be promoted, and a master that needs a password.
// Every node and sentinel is a real process; the checks are what the sentinels report and
// what the data nodes say about themselves (ROLE, INFO).
import assert from "node:assert/strict";
import { requireTool } from "./_harness.ts";
import { fields, Group, info, role, settle } from "./_sentinel.ts";

/** Writes `n` keys on `port` and waits until `replicas` replicas have them. */
async function writeAcked(g: Group, port: number, prefix: string, n: number): Promise<void> {
  await using c = await g.node(port).client();
  for (let i = 0; i < n; i++) {
    assert.equal(await c.command("SET", `${prefix}${i}`, String(i)), "OK");
  }
  assert.ok(Number(await c.command("WAIT", g.opts.replicas, 5000)) >= 1);
}

/** Ports of the data nodes that report role:master. */
async function masters(g: Group): Promise<number[]> {
  const out: number[] = [];
  for (const n of g.nodes) {
    if ((await role(n.port).catch(() => "")) === "master") out.push(n.port);
  }
  return out;
}

async function keyCount(port: number, prefix: string): Promise<number> {
  const { RespClient } = await import("./_harness.ts");
  const c = await RespClient.connect({ port });
  try {
    const keys = await c.command("KEYS", `${prefix}*`);
    return Array.isArray(keys) ? keys.length : 0;
  } finally {
    c.close();
  }
}

for (const nodes of ["hakv", "redis"] as const) {
  Deno.test(`kill -9 of a ${nodes} master: a replica is promoted, and the old master rejoins as a replica`, async () => {
    if (nodes === "redis" && !requireTool("redis-server")) return;
    await using g = await Group.start({ nodes });
    const w = await g.watch();
    const old = g.nodes[0]!;
    await writeAcked(g, old.port, "before:", 100);
    await old.kill("SIGKILL");
    const port = await g.waitForNewMaster(old.port, 20_000);
    assert.equal(await role(port), "master");
    // The event sequence clients and scripts rely on, with Redis's payloads.
    await settle(() => w.events.some(([ch]) => ch === "+switch-master"), 10_000);
    const kinds = w.events.map(([ch]) => ch);
    for (const e of ["+sdown", "+odown", "+new-epoch", "+switch-master"]) {
      assert.ok(kinds.includes(e), `${e} missing from ${kinds.join(" ")}`);
    }
    const sw = w.events.find(([ch]) => ch === "+switch-master")![1];
    assert.equal(sw, `mymaster 127.0.0.1 ${old.port} 127.0.0.1 ${port}`);
    // Nothing written before the kill and acknowledged by a replica is lost.
    assert.equal(await keyCount(port, "before:"), 100);
    // The other replica follows the new master.
    const other = g.nodes.slice(1).find((n) => n.port !== port)!;
    await settle(async () => {
      await using c = await other.client();
      const i = await info(c);
      return i.get("master_port") === String(port) && i.get("master_link_status") === "up";
    }, 20_000);
    // The old master comes back on its port as a master with its old data: the sentinels
    // turn it into a replica of the new one.
    const back = await g.spawnNode([], old.port);
    g.nodes[0] = back;
    await settle(async () => (await role(back.port)) === "slave", 20_000);
    await settle(async () => {
      await using c = await back.client();
      const i = await info(c);
      return i.get("master_port") === String(port) && i.get("master_link_status") === "up";
    }, 20_000);
    assert.deepEqual(await masters(g), [port]);
    w.close();
  });
}

Deno.test("SIGSTOP of the master for twice down-after, then SIGCONT: it ends up a replica, one master", async () => {
  await using g = await Group.start({});
  const old = g.nodes[0]!;
  await writeAcked(g, old.port, "a:", 10);
  old.child.kill("SIGSTOP");
  let port: number;
  try {
    port = await g.waitForNewMaster(old.port, 20_000);
    // Frozen for at least twice down-after in all.
    await new Promise((r) => setTimeout(r, 1000));
  } finally {
    old.child.kill("SIGCONT");
  }
  // Once awake it still believes it is the master; the sentinels demote it quickly.
  const t0 = Date.now();
  await settle(async () => (await role(old.port)) === "slave", 20_000);
  const demotedAfter = Date.now() - t0;
  assert.ok(demotedAfter < 5000, `old master stayed a master ${demotedAfter} ms after SIGCONT`);
  await settle(async () => {
    await using c = await old.client();
    return (await info(c)).get("master_port") === String(port);
  }, 20_000);
  assert.deepEqual(await masters(g), [port]);
  for (let i = 0; i < g.sentinels.length; i++) {
    assert.deepEqual(await g.masterAddr(i), ["127.0.0.1", port]);
  }
});

Deno.test("a master that reboots within down-after is not failed over", async () => {
  await using g = await Group.start({ downAfter: 4000 });
  const w = await g.watch();
  const old = g.nodes[0]!;
  await old.kill("SIGKILL");
  const back = await g.spawnNode([], old.port);
  g.nodes[0] = back;
  // Its replicas reconnect to it; the sentinels notice the new run id.
  await settle(() => w.events.some(([ch]) => ch === "+reboot"), 15_000);
  await new Promise((r) => setTimeout(r, 5000));
  const kinds = w.events.map(([ch]) => ch);
  assert.ok(!kinds.includes("+odown"), kinds.join(" "));
  assert.ok(!kinds.includes("+switch-master"), kinds.join(" "));
  assert.equal(await role(back.port), "master");
  assert.deepEqual(await g.masterAddr(0), ["127.0.0.1", back.port]);
  w.close();
});

Deno.test("master-reboot-down-after-period: a rebooted master counts as down for that period", async () => {
  await using g = await Group.start({
    downAfter: 4000,
    extraConf: ["sentinel master-reboot-down-after-period mymaster 8000"],
  });
  const old = g.nodes[0]!;
  await old.kill("SIGKILL");
  const back = await g.spawnNode([], old.port);
  g.nodes[0] = back;
  // Restarted within down-after, but with the reboot period set it is failed over anyway.
  const port = await g.waitForNewMaster(old.port, 20_000);
  assert.notEqual(port, old.port);
});

Deno.test("a replica with replica-priority 0 is never promoted", async () => {
  await using g = await Group.start({
    nodeArgs: (i) => (i === 1 ? ["--replica-priority", "0"] : []),
  });
  const w = await g.watch();
  const [master, zero, other] = g.nodes as [
    typeof g.nodes[0],
    typeof g.nodes[0],
    typeof g.nodes[0],
  ];
  await settle(async () => {
    await using c = await g.sentinels[0]!.client();
    const reps = await c.command("SENTINEL", "REPLICAS", "mymaster") as unknown[];
    return reps.some((r) => fields(r as never).get("slave-priority") === "0");
  }, 15_000);
  // Only the priority-0 replica is left: no failover may promote it.
  await other.kill("SIGKILL");
  await master.kill("SIGKILL");
  await settle(
    () => w.events.some(([ch]) => ch === "-failover-abort-no-good-slave"),
    20_000,
  );
  assert.equal(await role(zero.port), "slave");
  assert.ok(!w.events.some(([ch]) => ch === "+selected-slave"));
  w.close();
});

Deno.test("sentinels authenticate to data nodes with auth-pass", async () => {
  await using g = await Group.start({ password: "s3cret" });
  const old = g.nodes[0]!;
  await old.kill("SIGKILL");
  const port = await g.waitForNewMaster(old.port, 20_000);
  const { RespClient } = await import("./_harness.ts");
  const c = await RespClient.connect({ port });
  try {
    await c.command("AUTH", "s3cret");
    const r = await c.command("ROLE") as unknown[];
    assert.equal(r[0], "master");
  } finally {
    c.close();
  }
});

for (const kinds of [["hakv", "redis", "redis"], ["redis", "hakv", "hakv"]] as const) {
  Deno.test(`hakv and Redis sentinels share a group (${kinds.join(", ")}) and agree on a failover`, async () => {
    if (!requireTool("redis-server")) return;
    await using g = await Group.start({ kinds: [...kinds] });
    const old = g.nodes[0]!;
    await writeAcked(g, old.port, "k:", 20);
    await old.kill("SIGKILL");
    const port = await g.waitForNewMaster(old.port, 30_000);
    assert.equal(await role(port), "master");
    assert.equal(await keyCount(port, "k:"), 20);
    // They agree on the epoch as well as the address.
    const epochs = new Set<string>();
    for (const s of g.sentinels) {
      await using c = await g.sentinelClient(s!);
      epochs.add(fields(await c.command("SENTINEL", "MASTER", "mymaster")).get("config-epoch")!);
    }
    assert.equal(epochs.size, 1);
  });
}

Deno.test("repeated failovers: sentinels that see each failure at once still elect one leader quickly", async () => {
  // Sentinels that agree on ODOWN within milliseconds would all stand for election and split
  // the vote (an election timeout, then 2 × failover-timeout, 30 s here, before a retry).
  await using g = await Group.start({ failoverTimeout: 15_000 });
  const epochs: number[] = [];
  for (let round = 0; round < 3; round++) {
    const old = g.nodes[0]!;
    const t0 = Date.now();
    await old.kill("SIGKILL");
    const port = await g.waitForNewMaster(old.port, 20_000);
    const took = Date.now() - t0;
    assert.ok(took < 5000, `round ${round}: failover took ${took} ms`);
    // The killed master comes back as a replica; the new master takes its place at index 0.
    const back = await g.spawnNode([], old.port);
    const i = g.nodes.findIndex((n) => n.port === port);
    g.nodes[0] = g.nodes[i]!;
    g.nodes[i] = back;
    await settle(async () => (await role(back.port)) === "slave", 20_000);
    await using c = await g.sentinelClient(g.sentinels[0]!);
    epochs.push(
      Number(fields(await c.command("SENTINEL", "MASTER", "mymaster")).get("config-epoch")),
    );
  }
  // Each failover won its own epoch.
  assert.ok(epochs[0]! < epochs[1]! && epochs[1]! < epochs[2]!, epochs.join(" "));
});
