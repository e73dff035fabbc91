// A userspace TCP proxy for fault tests: it sits between two nodes (a replica and its master)
// and can cut every current connection, blackhole the link (stop forwarding in both directions,
// so bytes pile up in the peers' buffers as behind a dead network), delay each chunk, limit the
// bandwidth (a slow link or a slow peer), and resume.
// New connections made while blackholed are accepted and held too, as a partitioned link would.

export class FaultProxy {
  readonly port: number;
  readonly #listener: Deno.Listener;
  readonly #target: { hostname: string; port: number };
  readonly #conns = new Set<Deno.Conn>();
  #blackholed = false;
  #resumed: Promise<void> = Promise.resolve();
  #resume: () => void = () => {};
  #delayMs = 0;
  /** Bytes per second each direction forwards (0: no limit). */
  #rate = 0;
  #closed = false;
  /** Connections accepted so far. */
  accepted = 0;

  constructor(targetPort: number, options: { port?: number; hostname?: string } = {}) {
    this.#target = { hostname: options.hostname ?? "127.0.0.1", port: targetPort };
    this.#listener = Deno.listen({ hostname: "127.0.0.1", port: options.port ?? 0 });
    this.port = (this.#listener.addr as Deno.NetAddr).port;
    this.#accept();
  }

  /** Closes every current connection (both sides); new ones are still accepted. */
  cut(): void {
    for (const c of this.#conns) closeQuietly(c);
    this.#conns.clear();
  }

  /** Stops forwarding in both directions (connections stay open) until `resume`. */
  blackhole(): void {
    if (this.#blackholed) return;
    this.#blackholed = true;
    this.#resumed = new Promise((r) => (this.#resume = r));
  }

  /** Each chunk waits this long before it is forwarded (0: none). */
  delay(ms: number): void {
    this.#delayMs = ms;
  }

  /** Forwards at most this many bytes per second in each direction (0: no limit). */
  rate(bytesPerSecond: number): void {
    this.#rate = bytesPerSecond;
  }

  /** Forwards again, with no delay and no bandwidth limit. */
  resume(): void {
    this.#delayMs = 0;
    this.#rate = 0;
    if (!this.#blackholed) return;
    this.#blackholed = false;
    this.#resume();
  }

  /** Current connection pairs (each pair counts two sockets). */
  get connections(): number {
    return this.#conns.size / 2;
  }

  close(): void {
    this.#closed = true;
    this.resume();
    try {
      this.#listener.close();
    } catch {
      // already closed
    }
    this.cut();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  async #accept(): Promise<void> {
    for (;;) {
      let down: Deno.Conn;
      try {
        down = await this.#listener.accept();
      } catch {
        return; // listener closed
      }
      this.accepted++;
      this.#pair(down);
    }
  }

  async #pair(down: Deno.Conn): Promise<void> {
    this.#conns.add(down);
    let up: Deno.Conn;
    try {
      up = await Deno.connect(this.#target);
    } catch {
      this.#conns.delete(down);
      closeQuietly(down);
      return;
    }
    if (this.#closed || !this.#conns.has(down)) {
      closeQuietly(up);
      return;
    }
    this.#conns.add(up);
    const end = () => {
      this.#conns.delete(down);
      this.#conns.delete(up);
      closeQuietly(down);
      closeQuietly(up);
    };
    this.#pump(down, up).finally(end);
    this.#pump(up, down).finally(end);
  }

  async #pump(from: Deno.Conn, to: Deno.Conn): Promise<void> {
    const full = new Uint8Array(64 * 1024);
    for (;;) {
      // Not reading while blackholed lets the sender's kernel buffers and queues fill up.
      while (this.#blackholed) await this.#resumed;
      // Under a bandwidth limit, reads are small and each is followed by its share of a second.
      const rate = this.#rate;
      const buf = rate > 0 ? full.subarray(0, Math.max(1, Math.min(full.length, rate / 50))) : full;
      let n: number | null;
      try {
        n = await from.read(buf);
      } catch {
        return;
      }
      if (n === null) return;
      while (this.#blackholed) await this.#resumed;
      if (this.#delayMs > 0) await new Promise((r) => setTimeout(r, this.#delayMs));
      if (rate > 0) await new Promise((r) => setTimeout(r, (n / rate) * 1000));
      try {
        for (let off = 0; off < n;) off += await to.write(buf.subarray(off, n));
      } catch {
        return;
      }
    }
  }
}

function closeQuietly(c: Deno.Conn): void {
  try {
    c.close();
  } catch {
    // already closed
  }
}
