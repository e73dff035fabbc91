import assert from "node:assert/strict";
import { withTimeout } from "../_util/timeout.ts";
import { Outbox } from "./outbox.ts";

/** A loopback connection pair: `a` is written through an Outbox, `b` reads. */
async function pair(): Promise<{ a: Deno.TcpConn; b: Deno.TcpConn; close: () => void }> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const accepted = listener.accept();
  const a = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
  const b = await accepted;
  listener.close();
  return {
    a,
    b,
    close: () => {
      for (const c of [a, b]) {
        try {
          c.close();
        } catch {
          // already closed
        }
      }
    },
  };
}

async function readAll(conn: Deno.Conn, want: number): Promise<Uint8Array> {
  const got = new Uint8Array(want);
  let n = 0;
  while (n < want) {
    const r = await conn.read(got.subarray(n));
    if (r === null) break;
    n += r;
  }
  return got.subarray(0, n);
}

/** Bytes with no period, so a chunk moved, repeated or lost shows. */
function noise(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed | 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** `conn` with its writes recorded: how much each was asked to write, and how much it did. */
function recorded(conn: Deno.TcpConn): { conn: Deno.TcpConn; writes: [number, number][] } {
  const writes: [number, number][] = [];
  const spy = new Proxy(conn, {
    get(target, key) {
      if (key === "write") {
        return async (b: Uint8Array) => {
          const n = await target.write(b);
          writes.push([b.length, n]);
          return n;
        };
      }
      const v = Reflect.get(target, key);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
  return { conn: spy, writes };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

Deno.test("outbox: writes come back short, pushes land during a write, and drained waits for all of it", async () => {
  const { a, b, close } = await pair();
  try {
    let errors = 0;
    const { conn, writes } = recorded(a);
    const out = new Outbox(conn, () => errors++);
    // 8 MiB per chunk, more than loopback takes at once while nobody reads.
    const chunk = 8 * 1024 * 1024;
    const first = noise(chunk, 1);
    out.push(first);
    await tick(); // the first write is now under way, and stuck on the full socket
    assert.ok(out.pending > 0);
    const rest = [noise(chunk, 2), noise(chunk, 3)];
    for (const c of rest) out.push(c);
    const expected = new Uint8Array(3 * chunk);
    expected.set(first, 0);
    expected.set(rest[0]!, chunk);
    expected.set(rest[1]!, 2 * chunk);
    // The caller may reuse its bytes at once: push copied them.
    first.fill(0);
    rest[0]!.fill(0);
    let drained = false;
    const done = out.drained().then(() => drained = true);
    const head = await withTimeout(readAll(b, chunk), 10_000, "reading the first chunk");
    await tick();
    assert.equal(drained, false, "drained before the last bytes were written");
    const tail = await withTimeout(readAll(b, 2 * chunk), 10_000, "reading the rest");
    await withTimeout(done, 10_000, "drained");
    assert.equal(out.pending, 0);
    assert.equal(errors, 0);
    const got = new Uint8Array(3 * chunk);
    got.set(head, 0);
    got.set(tail, chunk);
    assert.deepEqual(got, expected);
    assert.ok(writes.some(([asked, did]) => did < asked), "no write came back short");
  } finally {
    close();
  }
});

Deno.test("outbox: a write to a closed peer calls onError once, and drained still resolves", async () => {
  const { a, b, close } = await pair();
  try {
    let errors = 0;
    const out = new Outbox(a, () => errors++);
    b.close();
    // The first writes may land in the socket before the reset arrives; keep pushing until
    // the outbox notices.
    const big = new Uint8Array(1024 * 1024);
    for (let i = 0; i < 50 && errors === 0; i++) {
      out.push(big);
      await withTimeout(out.drained(), 10_000, "drained after a write to a closed peer");
    }
    assert.equal(errors, 1);
    out.push(big); // ignored once failed
    await withTimeout(out.drained(), 10_000, "drained once failed");
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(errors, 1);
    assert.equal(out.pending, 0);
  } finally {
    close();
  }
});
