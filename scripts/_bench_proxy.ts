// W10 of `deno task bench`: the cost of going through a proxy. One hakv data node pinned to
// CPU0 and redis-benchmark pinned to CPU1 (W2's `-t set,get -c 50 -r 1000000 -d 64`), run
// direct, through `hakv proxy` and, for reference, through HAProxy in TCP mode with the
// canonical `role:master` check. The proxies are not pinned: on two cores there is no core of
// their own to give them, which is also how a proxy beside a data node runs.
import { RespClient } from "../src/client/mod.ts";
import {
  fmt,
  fmtInt,
  freePort,
  keepTail,
  median,
  parseCsv,
  pinned,
  type Row,
  type Sample,
  type ServerName,
  ServerProc,
  sleep,
  table,
  verdict,
} from "./bench.ts";

export const PROXY_ID = "W10";

const ROOT = new URL("..", import.meta.url).pathname;

interface Options {
  quick: boolean;
  runs: number;
  names: ServerName[];
  order: () => ServerName[];
}

/** A proxy process, ready once it answers PING through to the data node. */
async function startProxy(
  cmd: string,
  args: string[],
  port: number,
): Promise<{ stop(): Promise<void>; log(): string }> {
  const child = new Deno.Command(cmd, {
    args,
    cwd: ROOT,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let log = "";
  const drained = keepTail(child, 8192, (t) => (log = t));
  const stop = async () => {
    try {
      child.kill("SIGKILL");
    } catch {
      // gone
    }
    await child.status;
    await drained;
  };
  const deadline = Date.now() + 20_000;
  while (true) {
    try {
      await using c = await RespClient.connect({ port });
      if ((await c.call("PING")) === "PONG") break;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${cmd} did not pass PING within 20 s:\n${log}`);
    }
    await sleep(50);
  }
  return { stop, log: () => log };
}

function haproxyConfig(listen: number, backend: number): string {
  return [
    "global",
    "  maxconn 4096",
    "defaults",
    "  mode tcp",
    "  timeout connect 1s",
    "  timeout client 1h",
    "  timeout server 1h",
    "frontend redis",
    `  bind 127.0.0.1:${listen}`,
    "  default_backend master",
    "backend master",
    "  option tcp-check",
    "  tcp-check send PING\\r\\n",
    "  tcp-check expect string +PONG",
    "  tcp-check send info\\ replication\\r\\n",
    "  tcp-check expect string role:master",
    "  tcp-check send QUIT\\r\\n",
    "  tcp-check expect string +OK",
    `  server n1 127.0.0.1:${backend} check inter 1s`,
    "",
  ].join("\n");
}

async function run(port: number, n: number): Promise<Map<string, Sample>> {
  const [cmd, args] = pinned(1, "redis-benchmark", [
    ...["-h", "127.0.0.1", "-p", String(port), "-t", "set,get", "-n", String(n)],
    ...["-c", "50", "-r", "1000000", "-d", "64", "--csv"],
  ]);
  const out = await new Deno.Command(cmd, { args, stdin: "null" }).output();
  return parseCsv(new TextDecoder().decode(out.stdout));
}

type Path = "direct" | "hakv proxy" | "haproxy";

export async function proxyWorkload(opts: Options): Promise<string> {
  const n = opts.quick ? 100_000 : 1_000_000;
  const hasHaproxy = new Deno.Command("sh", { args: ["-c", "command -v haproxy"], stdout: "null" })
    .outputSync().success;
  const paths: Path[] = hasHaproxy ? ["direct", "hakv proxy", "haproxy"] : ["direct", "hakv proxy"];
  const samples = new Map<Path, Map<string, Sample>[]>(paths.map((p) => [p, []]));
  const server = await ServerProc.start("hakv");
  const dir = await Deno.makeTempDir({ prefix: "hakv-bench-proxy-" });
  const proxyPort = freePort();
  const haPort = freePort();
  const stops: (() => Promise<void>)[] = [];
  try {
    const proxy = await startProxy(Deno.execPath(), [
      "run",
      "-A",
      "main.ts",
      "proxy",
      ...["--port", String(proxyPort), "--backend", `127.0.0.1:${server.port}`],
    ], proxyPort);
    stops.push(proxy.stop);
    if (hasHaproxy) {
      Deno.writeTextFileSync(`${dir}/haproxy.cfg`, haproxyConfig(haPort, server.port));
      const ha = await startProxy("haproxy", ["-f", `${dir}/haproxy.cfg`, "-db"], haPort);
      stops.push(ha.stop);
    }
    const portOf: Record<Path, number> = {
      "direct": server.port,
      "hakv proxy": proxyPort,
      "haproxy": haPort,
    };
    for (let r = 1; r <= opts.runs; r++) {
      // Rotate which path goes first, so drift favours none.
      const order = paths.slice(r % paths.length).concat(paths.slice(0, r % paths.length));
      for (const p of order) {
        await server.call("FLUSHALL");
        const s = await run(portOf[p], n);
        samples.get(p)!.push(s);
        const parts = [...s].map(([t, x]) => `${t} ${fmtInt(x.rps)} rps p50 ${fmt(x.p50, 3)} ms`);
        console.log(`${PROXY_ID} run ${r}/${opts.runs} ${p.padEnd(10)} ${parts.join(", ")}`);
      }
    }
  } finally {
    for (const stop of stops) await stop();
    await server.stop();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
  const med = (p: Path, test: string, f: (s: Sample) => number) =>
    median(samples.get(p)!.map((m) => m.get(test)).filter((x) => x !== undefined).map(f));
  const rows: Row[] = [];
  for (const test of ["SET", "GET"]) {
    const direct = med("direct", test, (s) => s.rps);
    const directP50 = med("direct", test, (s) => s.p50);
    for (const p of paths.slice(1)) {
      const rps = med(p, test, (s) => s.rps);
      const p50 = med(p, test, (s) => s.p50);
      const r = rps / direct;
      const added = (p50 - directP50) * 1000;
      const target = p === "hakv proxy";
      rows.push({
        cells: [
          `${PROXY_ID} ${p}`,
          test,
          fmtInt(direct),
          fmtInt(rps),
          `${r.toFixed(2)}x`,
          `${Math.round(added)} µs`,
          target ? "≥ 0.8x, ≤ 50 µs" : "—",
          target ? verdict(r >= 0.8 && added <= 50) : "",
        ],
      });
    }
  }
  return table(
    ["workload", "test", "direct rps", "via rps", "via/direct", "added p50", "target", "result"],
    rows,
  ) +
    `\n\nOne hakv data node on CPU0, \`redis-benchmark -t set,get -c 50 -r 1000000 -d 64 -n ${n}\` ` +
    "on CPU1, direct and through each proxy in turn (the first rotating run by run), medians " +
    `over ${opts.runs} run(s). \`hakv proxy --backend\` (static mode, one backend) and HAProxy ` +
    "in TCP mode with the PING / `role:master` tcp-check are not pinned.";
}
