// Two do-nothing Deno programs that W10 measures beside `hakv proxy`, to show how much of the
// proxy's cost is the runtime's own. Neither is hakv code, and neither is a usable proxy.
//
//   deno run -A scripts/_proxy_floor.ts echo PORT
//     Answers each read with `+OK`: one read and one write per request (redis-benchmark
//     without -P sends one command per read), the least any proxy does per client request.
//   deno run -A scripts/_proxy_floor.ts relay PORT UPSTREAM_PORT
//     Copies bytes both ways over a connection per client: the least latency a Deno process
//     can add in the middle of a request.
const [mode, portArg, upArg] = Deno.args;
const OK = new TextEncoder().encode("+OK\r\n");

async function echo(conn: Deno.TcpConn): Promise<void> {
  const buf = new Uint8Array(64 * 1024);
  while (true) {
    const n = await conn.read(buf);
    if (n === null) return;
    await conn.write(OK);
  }
}

async function copy(from: Deno.Conn, to: Deno.Conn): Promise<void> {
  const buf = new Uint8Array(64 * 1024);
  while (true) {
    const n = await from.read(buf);
    if (n === null) return;
    let off = 0;
    while (off < n) off += await to.write(buf.subarray(off, n));
  }
}

async function relay(conn: Deno.TcpConn, upstream: number): Promise<void> {
  const up = await Deno.connect({ hostname: "127.0.0.1", port: upstream });
  up.setNoDelay(true);
  try {
    await Promise.race([copy(conn, up), copy(up, conn)]);
  } finally {
    up.close();
  }
}

if (mode !== "echo" && mode !== "relay") {
  console.error("usage: _proxy_floor.ts echo PORT | relay PORT UPSTREAM_PORT");
  Deno.exit(2);
}
const listener = Deno.listen({ hostname: "127.0.0.1", port: Number(portArg) });
for await (const conn of listener) {
  conn.setNoDelay(true);
  const served = mode === "echo" ? echo(conn) : relay(conn, Number(upArg));
  served.catch(() => {}).finally(() => {
    try {
      conn.close();
    } catch {
      // already closed
    }
  });
}
