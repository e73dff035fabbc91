// The election rules, driven tick by tick with a clock of the test's own: a sentinel never
// stands the moment it sees ODOWN, and a split vote is abandoned and retried at once in a new
// epoch instead of after the election timeout and 2 × failover-timeout. (Real processes can
// rarely be made to split a vote on demand; here the other sentinels' votes are set directly.)
import assert from "node:assert/strict";
import { Logger } from "../_util/log.ts";
import { defaultConf, newMaster } from "./config.ts";
import { F } from "./instance.ts";
import { Sentinel } from "./monitor.ts";
import { Scripts } from "./scripts.ts";

const A = "a".repeat(40);
const B = "b".repeat(40);

function sentinel(file: string): { s: Sentinel; events: [string, string][] } {
  // Nothing listens on these ports: links fail, the node counts as down, as in the test.
  const m = newMaster("mymaster", { host: "127.0.0.1", port: 1 }, 2);
  m.downAfter = 1000;
  m.failoverTimeout = 60_000;
  m.knownSentinels.push({ addr: { host: "127.0.0.1", port: 2 }, runid: A });
  m.knownSentinels.push({ addr: { host: "127.0.0.1", port: 3 }, runid: B });
  const conf = defaultConf(file);
  conf.loglevel = "nothing";
  conf.myid = "c".repeat(40);
  conf.masters.set("mymaster", m);

  const log = new Logger();
  log.level = "nothing";
  const events: [string, string][] = [];
  const s = new Sentinel(
    conf,
    log,
    { publish: (ch, msg) => events.push([ch, msg]) },
    new Scripts(log),
  );
  // The test's clock jumps; that must not look like a stalled timer (TILT).
  s.timing["tilt-trigger"] = 1e12;
  return { s, events };
}

/** The other two sentinels say the master is down, and (optionally) how they voted. */
function peers(s: Sentinel, now: number, votes: Record<string, string | null> = {}): void {
  const m = s.masters.get("mymaster")!;
  for (const p of m.sentinels.values()) {
    p.flags |= F.MASTER_DOWN;
    p.lastMasterDownReplyTime = now;
    const v = votes[p.runid!];
    if (v !== undefined && v !== null) {
      p.leader = v;
      p.leaderEpoch = s.currentEpoch;
    }
  }
}

Deno.test("a split vote is abandoned at once and retried in a new epoch soon after", async () => {
  const dir = await Deno.makeTempDir({ prefix: "hakv-sentinel-unit-" });
  try {
    const file = `${dir}/s.conf`;
    Deno.writeTextFileSync(file, "");
    const { s, events } = sentinel(file);
    const m = s.masters.get("mymaster")!;
    let now = Date.now() + 2000; // past down-after since the links were made
    peers(s, now);
    s.tick(now);
    assert.ok(m.has(F.O_DOWN));
    assert.ok(!events.some(([ch]) => ch === "+try-failover"), "stood the moment it saw ODOWN");
    // It waits a random moment (under 200 ms) before standing.
    const stoodAt = () => events.findIndex(([ch]) => ch === "+try-failover");
    for (let t = 0; t < 250 && stoodAt() < 0; t += 10) {
      now += 10;
      peers(s, now);
      s.tick(now);
    }
    assert.ok(stoodAt() >= 0, "never stood for election");
    assert.equal(s.currentEpoch, 1);
    // Both others voted for themselves in epoch 1, this one for itself: nobody can win.
    peers(s, now, { [A]: A, [B]: B });
    now += 10;
    s.tick(now);
    assert.ok(events.some(([ch]) => ch === "-failover-abort-not-elected"), "split not seen");
    assert.ok(!m.has(F.FAILOVER_IN_PROGRESS));
    // Well before election-timeout + 2 × failover-timeout, it stands again in epoch 2.
    const before = events.filter(([ch]) => ch === "+try-failover").length;
    for (let t = 0; t < 1000; t += 10) {
      now += 10;
      peers(s, now);
      s.tick(now);
    }
    assert.equal(events.filter(([ch]) => ch === "+try-failover").length, before + 1);
    assert.equal(s.currentEpoch, 2);
    s.stop();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("an election that is merely undecided is not abandoned before the timeout", async () => {
  const dir = await Deno.makeTempDir({ prefix: "hakv-sentinel-unit-" });
  try {
    const file = `${dir}/s.conf`;
    Deno.writeTextFileSync(file, "");
    const { s, events } = sentinel(file);
    let now = Date.now() + 2000;
    for (let t = 0; t < 300; t += 10) {
      now += 10;
      peers(s, now);
      s.tick(now);
    }
    assert.ok(events.some(([ch]) => ch === "+try-failover"));
    // One other sentinel voted for someone else, one has not answered: no split yet.
    peers(s, now, { [A]: B });
    for (let t = 0; t < 2000; t += 10) {
      now += 10;
      peers(s, now);
      s.tick(now);
    }
    assert.ok(!events.some(([ch]) => ch === "-failover-abort-not-elected"));
    s.stop();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
