import assert from "node:assert/strict";
import fc from "fast-check";
import { Backlog } from "./backlog.ts";

Deno.test("backlog: every offset it still holds gives exactly the bytes since, across wraps", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 64 }),
      fc.integer({ min: 0, max: 1000 }),
      fc.array(fc.uint8Array({ maxLength: 100 }), { maxLength: 30 }),
      (size, start, writes) => {
        const b = new Backlog(size, start);
        const all: number[] = [];
        for (const w of writes) {
          b.append(w);
          all.push(...w);
        }
        const end = start + all.length;
        assert.equal(b.length, Math.min(size, all.length));
        assert.equal(b.firstOffset, end - b.length + 1);
        for (let off = start - 2; off <= end + 2; off++) {
          const got = b.from(off);
          if (off < b.firstOffset || off > end + 1) assert.equal(got, null, `offset ${off}`);
          else assert.deepEqual([...got!], all.slice(off - start - 1), `offset ${off}`);
        }
      },
    ),
  );
});
