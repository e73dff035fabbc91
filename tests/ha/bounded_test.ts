// The suite's bounded HA run (issue 7): about a minute of writes through `hakv proxy` while a
// seeded nemesis kills -9, SIGSTOPs and partitions the master, then the checker's verdict.
// Also unit tests of the checker itself on made-up histories, so its checks are known to bite.
import assert from "node:assert/strict";
import { check, type Op, report, runChecker } from "./_checker.ts";

function op(value: number, outcome: Op["outcome"], extra: Partial<Op> = {}): Op {
  return { value, client: 0, start: value * 10, end: value * 10 + 5, outcome, why: "", ...extra };
}

Deno.test("checker: an acknowledged value missing on one node is lost", () => {
  const v = check([op(1, "ok"), op(2, "ok")], new Map([[1, new Set([1, 2])], [2, new Set([1])]]));
  assert.deepEqual(v.lost, [{ value: 2, missingOn: [2] }]);
});

Deno.test("checker: a failed value present anywhere, and a value nobody wrote, are reported", () => {
  const v = check(
    [op(1, "failed", { why: "NOREPLICAS" }), op(2, "unknown"), op(3, "failed")],
    new Map([[1, new Set([1, 2, 9])], [2, new Set([2])]]),
  );
  assert.deepEqual(v.failedPresent, [{ value: 1, presentOn: [1] }]);
  assert.deepEqual(v.phantom, [9]);
  assert.equal(v.lost.length, 0);
  assert.deepEqual([v.acknowledged, v.failed, v.unknown], [0, 2, 1]);
});

Deno.test("checker: a term acknowledging writes before and after another term's write is two masters", () => {
  const a = { node: 1, term: "a".repeat(40) };
  const b = { node: 2, term: "b".repeat(40) };
  const all = new Set([1, 2, 3, 4]);
  const members = new Map([[1, all], [2, all]]);
  // A clean handover: 1, 2 on a; then 3, 4 on b.
  const clean = [op(1, "ok", a), op(2, "ok", a), op(3, "ok", b), op(4, "ok", b)];
  assert.deepEqual(check(clean, members).splitBrain, []);
  // Overlapping in time but not bracketed: no proof, no accusation.
  const overlap = [op(1, "ok", a), op(2, "ok", { ...b, start: 12 }), op(3, "ok", b)];
  assert.deepEqual(check(overlap, members).splitBrain, []);
  // a, then b, then a again in the same term: both were accepting writes during b's op.
  const brain = [op(1, "ok", a), op(2, "ok", b), op(3, "ok", a), op(4, "ok", b)];
  // Found from both sides: a around b's op 2, and b around a's op 3.
  assert.equal(check(brain, members).splitBrain.length, 2);
});

Deno.test({
  name: "HA bounded run: kill -9, SIGSTOP and partition of the master lose no acknowledged write",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const seed = Number(Deno.env.get("HA_SEED") ?? 20240607);
    console.log(`HA bounded run, seed ${seed} (HA_SEED=${seed} replays the schedule)`);
    const lines: string[] = [];
    const dumpDir = await Deno.makeTempDir({ prefix: "hakv-ha-dump-" });
    const r = await runChecker({
      seed,
      durationMs: 45_000,
      clients: 4,
      dumpDir,
      log: (line) => {
        lines.push(line);
        console.log(line);
      },
    });
    const text = report(r);
    console.log(text);
    if (r.passed) {
      await Deno.remove(dumpDir, { recursive: true });
    } else {
      // What a failure in CI needs to be understood: every log of the group, and where the
      // history is.
      for (const f of [...Deno.readDirSync(dumpDir)].map((e) => e.name).sort()) {
        if (!f.endsWith(".log")) continue;
        console.log(`--- ${f}\n${Deno.readTextFileSync(`${dumpDir}/${f}`).slice(-20_000)}`);
      }
      console.log(`history and members: ${dumpDir}`);
    }
    assert.ok(r.faults.includes("kill"), `no kill -9 was applied\n${lines.join("\n")}`);
    assert.ok(r.faults.includes("stop"), `no SIGSTOP was applied\n${lines.join("\n")}`);
    assert.ok(r.faults.length >= 3, `only ${r.faults.length} faults`);
    assert.ok(r.acknowledged > 0, "nothing was acknowledged");
    assert.deepEqual(r.lost, [], text);
    assert.deepEqual(r.failedPresent, [], text);
    assert.deepEqual(r.splitBrain, [], text);
    assert.ok(r.passed, text);
  },
});
