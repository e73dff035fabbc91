import assert from "node:assert/strict";
import fc from "fast-check";
import { ReplLog } from "./backlog.ts";

Deno.test("replication log: the backlog window and every retained offset give exactly the bytes since", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 300_000 }),
      fc.integer({ min: 0, max: 1000 }),
      fc.array(
        fc.tuple(fc.integer({ min: 0, max: 150_000 }), fc.integer({ min: 0, max: 400_000 })),
        { maxLength: 12 },
      ),
      (size, start, steps) => {
        const log = new ReplLog(size, start);
        const all: number[] = [];
        let seed = start;
        let keepFrom = start + 1; // replicas' positions only move forward
        for (const [n, keep] of steps) {
          const bytes = new Uint8Array(n);
          for (let i = 0; i < n; i++) bytes[i] = seed = (seed * 31 + 7) & 0xff;
          log.append(bytes);
          for (const b of bytes) all.push(b);
          keepFrom = Math.max(keepFrom, start + 1 + Math.min(keep, all.length));
          log.trim(keepFrom);
          const end = start + all.length;
          assert.equal(log.end, end);
          // The backlog window is whole, and what a replica still needs is never dropped.
          assert.equal(log.length, Math.min(size, all.length));
          assert.equal(log.firstOffset, end - log.length + 1);
          assert.ok(log.retainedFrom <= Math.min(keepFrom, log.firstOffset));
          assert.equal(log.retainedFrom + log.retained - 1, end);
          for (const off of [log.retainedFrom, keepFrom, log.firstOffset, end, end + 1]) {
            if (off < log.retainedFrom || off > end + 1) continue;
            const got: number[] = [];
            log.read(off, Infinity, (v) => got.push(...v));
            assert.deepEqual(got, all.slice(off - start - 1), `offset ${off}`);
          }
          assert.equal(log.holds(log.firstOffset - 1), false);
          assert.equal(log.holds(end + 2), false);
          assert.ok(log.holds(log.firstOffset) && log.holds(end + 1));
        }
      },
    ),
    { numRuns: 25 },
  );
});

Deno.test("replication log: read stops at max bytes and a stream of small appends allocates few blocks", () => {
  const log = new ReplLog(1024, 0);
  const line = new TextEncoder().encode("*1\r\n$4\r\nPING\r\n");
  for (let i = 0; i < 100_000; i++) {
    log.append(line);
    log.trim(log.end + 1);
  }
  assert.equal(log.end, 100_000 * line.length);
  // One partly used block plus at most the full ones the 1 KB backlog straddles.
  assert.ok(log.retained <= 2 * 64 * 1024, `retained ${log.retained}`);
  const views: Uint8Array[] = [];
  assert.equal(log.read(log.end - 99, 50, (v) => views.push(v)), 50);
  assert.equal(views.reduce((n, v) => n + v.length, 0), 50);
});
