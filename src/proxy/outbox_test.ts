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

Deno.test("outbox: pushes larger than the socket buffer arrive whole and in order, then drained resolves", async () => {
  const { a, b, close } = await pair();
  try {
    let errors = 0;
    const out = new Outbox(a, () => errors++);
    // 24 MiB in 3 pushes, more than loopback takes in one write: the writes come back short.
    const chunk = 8 * 1024 * 1024;
    const sent = new Uint8Array(3 * chunk);
    for (let i = 0; i < sent.length; i++) sent[i] = (i * 7 + (i >> 13)) & 0xff;
    for (let k = 0; k < 3; k++) out.push(sent.subarray(k * chunk, (k + 1) * chunk));
    // The caller may reuse its bytes at once: push copied them.
    const reused = sent.slice();
    sent.fill(0);
    let drained = false;
    const done = out.drained().then(() => drained = true);
    assert.ok(out.pending > 0);
    const got = await withTimeout(readAll(b, reused.length), 10_000, "reading what was pushed");
    await withTimeout(done, 10_000, "drained");
    assert.equal(drained, true);
    assert.equal(out.pending, 0);
    assert.equal(errors, 0);
    assert.deepEqual(got, reused);
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
      await out.drained();
    }
    assert.equal(errors, 1);
    out.push(big); // ignored once failed
    await out.drained();
    assert.equal(errors, 1);
    assert.equal(out.pending, 0);
  } finally {
    close();
  }
});
