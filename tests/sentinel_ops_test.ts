// hakv sentinels under operations and failures of their own: SENTINEL FAILOVER and RESET,
// sentinels added and removed at run time, a majority of sentinels down, a sentinel that
// crashes in the middle of a failover and resumes from its config file, TILT, and the config
// file itself (its state lines, and refusing to start without a writable one).
import assert from "node:assert/strict";
import { run, spawnSentinel } from "./_harness.ts";
import { fields, Group, info, role, settle } from "./_sentinel.ts";

const ROOT = new URL("..", import.meta.url).pathname;

async function sentinelMaster(g: Group, i: number): Promise<Map<string, string>> {
  await using c = await g.sentinels[i]!.client();
  return fields(await c.command("SENTINEL", "MASTER", "mymaster"));
}

Deno.test("SENTINEL FAILOVER promotes a replica of a healthy master and demotes the old one", async () => {
  await using g = await Group.start({});
  const w = await g.watch();
  const old = g.nodes[0]!;
  {
    await using c = await g.sentinels[1]!.client();
    assert.equal(await c.command("SENTINEL", "FAILOVER", "mymaster"), "OK");
    // A second request while the first runs is refused with Redis's text.
    const again = await c.call("SENTINEL", "FAILOVER", "mymaster");
    assert.equal(String((again as Error).message), "INPROG Failover already in progress");
  }
  const port = await g.waitForNewMaster(old.port, 20_000);
  assert.equal(await role(port), "master");
  // The old master was alive all along: it is turned into a replica of the new one.
  await settle(async () => (await role(old.port)) === "slave", 10_000);
  await settle(async () => {
    await using c = await old.client();
    const i = await info(c);
    return i.get("master_port") === String(port) && i.get("master_link_status") === "up";
  }, 20_000);
  await settle(() => w.events.some(([ch]) => ch === "+failover-end"), 10_000);
  const kinds = new Set(w.events.map(([ch]) => ch));
  for (
    const e of [
      "+new-epoch",
      "+try-failover",
      "+elected-leader",
      "+failover-state-select-slave",
      "+selected-slave",
      "+failover-state-send-slaveof-noone",
      "+failover-state-wait-promotion",
      "+promoted-slave",
      "+failover-state-reconf-slaves",
      "+slave-reconf-sent",
      "+failover-end",
      "+switch-master",
      "+convert-to-slave",
    ]
  ) assert.ok(kinds.has(e), `${e} missing`);
  // After the switch the old master is listed again, as a replica of the new one.
  const sw = w.events.findIndex(([ch]) => ch === "+switch-master");
  assert.ok(
    w.events.slice(sw).some(([ch, msg]) =>
      ch === "+slave" && msg.startsWith(`slave 127.0.0.1:${old.port} `)
    ),
  );
  // The config epoch moved with the failover and every sentinel agrees on it.
  const epochs = new Set<string>();
  for (let i = 0; i < 3; i++) epochs.add((await sentinelMaster(g, i)).get("config-epoch")!);
  assert.deepEqual([...epochs], ["1"]);
  w.close();
});

Deno.test("with two of three sentinels down there is no failover: no quorum, or no majority", async () => {
  // quorum 2: the one sentinel left sees the master down but never objectively down.
  {
    await using g = await Group.start({});
    const w = await g.watch();
    await g.sentinels[1]!.kill("SIGKILL");
    await g.sentinels[2]!.kill("SIGKILL");
    g.sentinels[1] = g.sentinels[2] = null;
    const old = g.nodes[0]!;
    await old.kill("SIGKILL");
    await settle(() => w.events.some(([ch]) => ch === "+sdown"), 10_000);
    await new Promise((r) => setTimeout(r, 3000));
    const kinds = w.events.map(([ch]) => ch);
    assert.ok(!kinds.includes("+odown"), kinds.join(" "));
    assert.deepEqual(await g.masterAddr(0), ["127.0.0.1", old.port]);
    w.close();
  }
  // quorum 1: it reaches ODOWN alone, but one vote of three is not a majority.
  {
    await using g = await Group.start({ quorum: 1, failoverTimeout: 3000 });
    const w = await g.watch();
    await g.sentinels[1]!.kill("SIGKILL");
    await g.sentinels[2]!.kill("SIGKILL");
    g.sentinels[1] = g.sentinels[2] = null;
    const old = g.nodes[0]!;
    await old.kill("SIGKILL");
    await settle(() => w.events.some(([ch]) => ch === "-failover-abort-not-elected"), 15_000);
    const kinds = w.events.map(([ch]) => ch);
    assert.ok(kinds.includes("+odown") && kinds.includes("+try-failover"), kinds.join(" "));
    assert.ok(!kinds.includes("+elected-leader"), kinds.join(" "));
    assert.deepEqual(await g.masterAddr(0), ["127.0.0.1", old.port]);
    for (const n of g.nodes.slice(1)) assert.equal(await role(n.port), "slave");
    w.close();
  }
});

Deno.test("a sentinel that crashes right after promoting resumes from its config file", async () => {
  await using g = await Group.start({});
  for (const s of g.sentinels) {
    await using c = await s!.client();
    assert.equal(
      await c.command("SENTINEL", "SIMULATE-FAILURE", "CRASH-AFTER-PROMOTION"),
      "OK",
    );
  }
  const old = g.nodes[0]!;
  await old.kill("SIGKILL");
  // The leader promotes a replica, saves its config and crashes before telling anyone.
  let leader = -1;
  g.sentinels.forEach((s, i) => s!.status.then(() => leader = i));
  await settle(() => leader >= 0, 20_000);
  assert.equal((await g.sentinels[leader]!.status).code, 99);
  const conf = Deno.readTextFileSync(g.confs[leader]!);
  const promoted = /sentinel monitor mymaster 127\.0\.0\.1 (\d+) 2/.exec(conf);
  assert.ok(promoted !== null, conf);
  const newPort = Number(promoted[1]);
  assert.notEqual(newPort, old.port);
  assert.match(conf, /sentinel config-epoch mymaster 1\n/);
  assert.equal(await role(newPort), "master");
  // Restarted from that file, it announces the new configuration and everyone follows.
  await g.restartSentinel(leader);
  try {
    assert.equal(await g.waitForNewMaster(old.port, 20_000), newPort);
  } catch (err) {
    for (const x of g.sentinels) console.log(x!.output());
    throw err;
  }
  // The remaining replica is pointed at the new master.
  const other = g.nodes.slice(1).find((n) => n.port !== newPort)!;
  await settle(async () => {
    await using c = await other.client();
    const i = await info(c);
    return i.get("master_port") === String(newPort) && i.get("master_link_status") === "up";
  }, 30_000);
});

Deno.test("sentinels added and removed at run time; SENTINEL RESET forgets the departed", async () => {
  await using g = await Group.start({});
  // A fourth sentinel joins: it finds the others through hello messages, and they find it.
  const conf = `${g.dir}/sentinel-3.conf`;
  Deno.writeTextFileSync(conf, g.confText(g.nodes[0]!.port));
  g.confs.push(conf);
  g.sentinels.push(await spawnSentinel("hakv", conf));
  await settle(async () => {
    for (let i = 0; i < 4; i++) {
      if ((await sentinelMaster(g, i)).get("num-other-sentinels") !== "3") return false;
    }
    return true;
  }, 15_000);
  assert.match(Deno.readTextFileSync(g.confs[0]!), /(sentinel known-sentinel mymaster .*\n){3}/);
  // Two leave. Sentinels never forget on their own (a vote needs a majority of all known)...
  await g.sentinels[2]!.kill("SIGKILL");
  await g.sentinels[3]!.kill("SIGKILL");
  g.sentinels[2] = g.sentinels[3] = null;
  await new Promise((r) => setTimeout(r, 2500));
  assert.equal((await sentinelMaster(g, 0)).get("num-other-sentinels"), "3");
  {
    await using c = await g.sentinels[0]!.client();
    const ck = await c.call("SENTINEL", "CKQUORUM", "mymaster");
    assert.match(String((ck as Error).message), /^NOQUORUM 2 usable Sentinels\./);
  }
  // ...until SENTINEL RESET: replicas and live sentinels are found again, the dead are gone.
  for (const i of [0, 1]) {
    await using c = await g.sentinels[i]!.client();
    assert.equal(await c.command("SENTINEL", "RESET", "*"), 1);
  }
  await settle(async () => {
    for (const i of [0, 1]) {
      const m = await sentinelMaster(g, i);
      if (m.get("num-other-sentinels") !== "1" || m.get("num-slaves") !== "2") return false;
    }
    return true;
  }, 15_000);
  assert.doesNotMatch(
    Deno.readTextFileSync(g.confs[0]!),
    /(sentinel known-sentinel mymaster .*\n){2}/,
  );
  // Two of two can fail over again.
  const old = g.nodes[0]!;
  await old.kill("SIGKILL");
  const port = await g.waitForNewMaster(old.port, 20_000);
  assert.equal(await role(port), "master");
});

Deno.test("a sentinel frozen past the tilt trigger enters TILT, and leaves it after the tilt period", async () => {
  await using g = await Group.start({ sentinelCount: 1, quorum: 1, replicas: 1 });
  const s = g.sentinels[0]!;
  {
    await using c = await s.client();
    assert.equal(await c.command("SENTINEL", "DEBUG", "TILT-PERIOD", "3000"), "OK");
  }
  const w = await g.watch();
  s.child.kill("SIGSTOP");
  await new Promise((r) => setTimeout(r, 2500));
  s.child.kill("SIGCONT");
  await settle(() => w.events.some(([ch]) => ch === "+tilt"), 5000);
  {
    await using c = await s.client();
    const text = String(await c.command("INFO", "sentinel"));
    assert.match(text, /sentinel_tilt:1/);
  }
  await settle(() => w.events.some(([ch]) => ch === "-tilt"), 10_000);
  assert.equal(w.events.find(([ch]) => ch === "+tilt")![1], "#tilt mode entered");
  w.close();
});

Deno.test("the config file holds the sentinel's state and survives restarts", async () => {
  await using g = await Group.start({});
  const text = Deno.readTextFileSync(g.confs[0]!);
  const myid = /^sentinel myid ([0-9a-f]{40})$/m.exec(text)?.[1];
  assert.ok(myid !== undefined, text);
  assert.match(text, /^sentinel monitor mymaster 127\.0\.0\.1 \d+ 2$/m);
  assert.match(text, /^sentinel down-after-milliseconds mymaster 1000$/m);
  assert.equal(text.match(/^sentinel known-replica mymaster /gm)?.length, 2);
  assert.equal(text.match(/^sentinel known-sentinel mymaster /gm)?.length, 2);
  assert.match(text, /^sentinel current-epoch 0$/m);
  // Restarted, it keeps its id, and knows its replicas and peers before any INFO.
  const s = await g.restartSentinel(0);
  await using c = await s.client();
  assert.equal(await c.command("SENTINEL", "MYID"), myid);
  const m = fields(await c.command("SENTINEL", "MASTER", "mymaster"));
  assert.equal(m.get("num-slaves"), "2");
  assert.equal(m.get("num-other-sentinels"), "2");
  // SENTINEL SET is saved too.
  assert.equal(await c.command("SENTINEL", "SET", "mymaster", "parallel-syncs", "2"), "OK");
  assert.match(Deno.readTextFileSync(g.confs[0]!), /^sentinel parallel-syncs mymaster 2$/m);
});

Deno.test("hakv sentinel refuses to start without a writable config file, as redis-sentinel does", async () => {
  const none = await run(Deno.execPath(), ["run", "-A", `${ROOT}main.ts`, "sentinel"], {
    allowFailure: true,
  });
  assert.equal(none.code, 1);
  assert.match(none.stdout + none.stderr, /Sentinel needs config file on disk to save state/);
  const missing = await run(
    Deno.execPath(),
    ["run", "-A", `${ROOT}main.ts`, "sentinel", "/nonexistent/sentinel.conf"],
    { allowFailure: true },
  );
  assert.equal(missing.code, 1);
  assert.match(missing.stdout + missing.stderr, /is either non existing or not writable/);
  const dir = await Deno.makeTempDir({ prefix: "hakv-sentinel-conf-" });
  try {
    const bad = `${dir}/bad.conf`;
    Deno.writeTextFileSync(bad, "sentinel monitor mymaster 127.0.0.1 6379 0\n");
    const r = await run(Deno.execPath(), ["run", "-A", `${ROOT}main.ts`, "sentinel", bad], {
      allowFailure: true,
    });
    assert.equal(r.code, 1);
    assert.match(r.stdout + r.stderr, /Quorum must be 1 or greater\./);
    assert.match(r.stdout + r.stderr, /FATAL CONFIG FILE ERROR/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
