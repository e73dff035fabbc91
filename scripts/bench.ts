// The side-by-side benchmark behind `deno task bench`: hakv and redis-server pinned to CPU0,
// redis-benchmark and redis-cli pinned to CPU1, the two servers taking turns run by run, and the
// median of the runs reported with the targets. A benchmark, never a test: nothing here fails
// because a number is low. The method is reference/performance.md §8.
//
//   deno task bench [--quick] [--only W2,W5] [--runs N] [W4 W6 ...]
//
// W1 `-c 1`, W2 `-c 50`, W3 `-c 50 -P 16` (each `-t set,get -r 1000000 -d 64 --csv`); W4 the
// command mix beyond strings (`-t incr,lpush,...,mset -c 50 -P 8 -r 100000`); W5: 1M keys
// loaded with `redis-cli --pipe`, reporting RSS bytes per key and the load time; W6: 100k small
// hashes, then 100k small sorted sets, reporting used_memory bytes per key (hakv's heap is
// garbage-collected through the inspector first, so only live data counts); W7 (in
// _bench_persist.ts): persistence on W5's dataset, each server on its own temp `--dir`: SAVE
// time and dump size, restart from spawn to the first PONG, and `redis-benchmark -t set` with
// and without BGSAVE running back to back (SET p99, peak RSS of the server and its fork).
// W8 (in _bench_repl.ts): replication on W5's dataset: full sync time from a fresh replica's
// spawn to link up with every key (redis -> redis, hakv -> redis, hakv -> hakv), and
// `redis-benchmark -t set` on the master alone and while replicas full-sync back to back (rps,
// p99, peak RSS of the master and its fork). `--quick` runs W7 and W8 on 100k keys.
// W9 (in _bench_ha.ts): Sentinel failover, unpinned: kill -9 of the master to the first write on
// the new one (1 master, 2 replicas, 3 sentinels), and acknowledged writes lost under WAIT 1.
// W10 (in _bench_proxy.ts): W2 direct to a hakv node, through hakv proxy and through HAProxy.
import { RespClient } from "../src/client/mod.ts";
import { V8_FLAGS } from "../src/_util/runtime.ts";
import { PERSIST_ID, persistWorkload } from "./_bench_persist.ts";
import { REPL_ID, replWorkload } from "./_bench_repl.ts";
import { HA_ID, haWorkload } from "./_bench_ha.ts";
import { PROXY_ID, proxyWorkload } from "./_bench_proxy.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const OUT_DIR = `${ROOT}.bench`;
const LOAD_KEYS = 1_000_000;

export type ServerName = "redis" | "hakv";

interface Workload {
  id: string;
  label: string;
  /** redis-benchmark `-t` list. */
  tests: string;
  args: string[];
  n: number;
  quickN: number;
}

const SET_GET = ["-r", "1000000", "-d", "64"];
const MIX_TESTS = "incr,lpush,rpop,sadd,hset,spop,zadd,lrange_100,mset";

const WORKLOADS: Workload[] = [
  {
    id: "W1",
    label: "-c 1",
    tests: "set,get",
    args: ["-c", "1", ...SET_GET],
    n: 200_000,
    quickN: 20_000,
  },
  {
    id: "W2",
    label: "-c 50",
    tests: "set,get",
    args: ["-c", "50", ...SET_GET],
    n: 1_000_000,
    quickN: 100_000,
  },
  {
    id: "W3",
    label: "-c 50 -P 16",
    tests: "set,get",
    args: ["-c", "50", "-P", "16", ...SET_GET],
    n: 3_000_000,
    quickN: 300_000,
  },
  {
    id: "W4",
    label: "-c 50 -P 8",
    tests: MIX_TESTS,
    args: ["-c", "50", "-P", "8", "-r", "100000"],
    n: 500_000,
    quickN: 50_000,
  },
];
const ALL_IDS = [
  ...WORKLOADS.map((w) => w.id),
  "W5",
  "W6",
  PERSIST_ID,
  REPL_ID,
  HA_ID,
  PROXY_ID,
];

interface Options {
  quick: boolean;
  only: Set<string>;
  runs: number;
}

function parseOptions(args: string[]): Options {
  let quick = false;
  let only = new Set(ALL_IDS);
  const positional: string[] = [];
  let runs: number | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const [flag, inline] = a.includes("=") ? a.split("=", 2) as [string, string] : [a, undefined];
    const value = () => inline ?? args[++i] ?? "";
    if (flag === "--quick") quick = true;
    else if (flag === "--only") {
      only = new Set(value().toUpperCase().split(",").map((s) => s.trim()).filter(Boolean));
      for (const id of only) if (!ALL_IDS.includes(id)) usage(`unknown workload ${id}`);
    } else if (flag === "--runs") {
      runs = Number(value());
      if (!Number.isInteger(runs) || runs < 1) usage("--runs needs a positive integer");
    } else if (flag === "--help" || flag === "-h") usage();
    else if (/^w\d+$/i.test(a)) positional.push(a.toUpperCase());
    else usage(`unknown option ${a}`);
  }
  // `deno task bench W4 W6` is the short form of `--only W4,W6`.
  if (positional.length > 0) {
    for (const id of positional) if (!ALL_IDS.includes(id)) usage(`unknown workload ${id}`);
    only = new Set(positional);
  }
  return { quick, only, runs: runs ?? (quick ? 1 : 3) };
}

function usage(problem?: string): never {
  if (problem) console.error(`bench: ${problem}`);
  console.error(
    `Usage: deno task bench [--quick] [--only ${ALL_IDS.join(",")}] [--runs N] [W4 W6 ...]\n` +
      "  --quick  fewer requests and 1 run\n" +
      "  --only   run only these workloads (or name them as arguments)\n" +
      "  --runs   runs per server (default 3, median reported)",
  );
  Deno.exit(problem ? 2 : 0);
}

// --- Processes ---------------------------------------------------------------------------------

function onPath(tool: string): boolean {
  try {
    return new Deno.Command("sh", { args: ["-c", `command -v ${tool}`], stdout: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}

export const HAS_TASKSET = onPath("taskset");

/** The command line, pinned to `cpu` when taskset is available. */
/**
 * Collects what `child` prints on stdout and stderr, keeping the last `max` characters, and
 * hands the text to `update` as it grows; resolves when both streams end.
 */
export function keepTail(
  child: Deno.ChildProcess,
  max: number,
  update: (text: string) => void,
): Promise<unknown> {
  const dec = new TextDecoder();
  let text = "";
  const sink = (s: ReadableStream<Uint8Array>) =>
    s.pipeTo(
      new WritableStream({
        write: (chunk) => {
          text = (text + dec.decode(chunk, { stream: true })).slice(-max);
          update(text);
        },
      }),
    ).catch(() => {});
  return Promise.all([sink(child.stdout), sink(child.stderr)]);
}

export function pinned(cpu: number, cmd: string, args: string[]): [string, string[]] {
  return HAS_TASKSET ? ["taskset", ["-c", String(cpu), cmd, ...args]] : [cmd, args];
}

export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

export interface StartOptions {
  /** Start hakv with a V8 inspector (for a full GC before measuring). */
  inspect?: boolean;
  /** More directives for the command line, e.g. `--dir /tmp/x`. */
  args?: string[];
  /** How often to PING while waiting for the server to answer (default 50 ms). */
  pollMs?: number;
  /** The CPU to pin the server to (default 0; W8's replicas take 1). */
  cpu?: number;
}

export class ServerProc {
  readonly #child: Deno.ChildProcess;
  #log = "";
  #exited = false;
  #startupMs = NaN;
  readonly #drained: Promise<unknown>;

  private constructor(
    readonly name: ServerName,
    readonly port: number,
    child: Deno.ChildProcess,
    /** hakv's V8 inspector port, when started with one (for a full GC before measuring). */
    readonly inspectPort?: number,
  ) {
    this.#child = child;
    child.status.then(() => (this.#exited = true));
    // Keep only the tail: enough to explain a failed start.
    this.#drained = keepTail(child, 8192, (text) => this.#log = text);
  }

  static async start(name: ServerName, opts: StartOptions = {}): Promise<ServerProc> {
    const port = freePort();
    const extra = opts.args ?? [];
    const pollMs = opts.pollMs ?? 50;
    const inspectPort = name === "hakv" && opts.inspect ? freePort() : undefined;
    const cpu = opts.cpu ?? 0;
    const [cmd, args] = name === "redis"
      ? pinned(cpu, "redis-server", [
        ...["--port", String(port), "--bind", "127.0.0.1"],
        ...["--save", "", "--appendonly", "no"],
        ...extra,
      ])
      : pinned(cpu, Deno.execPath(), [
        ...["run", "-A", V8_FLAGS],
        ...(inspectPort === undefined ? [] : [`--inspect=127.0.0.1:${inspectPort}`]),
        ...["main.ts", "server"],
        ...["--save", "", "--port", String(port), "--bind", "127.0.0.1"],
        ...extra,
      ]);
    const t0 = performance.now();
    const child = new Deno.Command(cmd, {
      args,
      cwd: ROOT,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    live.add(child);
    const s = new ServerProc(name, port, child, inspectPort);
    const deadline = Date.now() + 20_000;
    while (true) {
      if (s.#exited) throw new Error(`${name} exited before it answered:\n${s.#log}`);
      try {
        await using c = await RespClient.connect({ port });
        if ((await c.call("PING")) === "PONG") break;
      } catch {
        // not listening yet (a -LOADING reply is not a PONG either)
      }
      if (Date.now() > deadline) {
        await s.stop();
        throw new Error(`${name} did not answer PING within 20 s:\n${s.#log}`);
      }
      await sleep(pollMs);
    }
    s.#startupMs = performance.now() - t0;
    return s;
  }

  /** Milliseconds from spawning the process to its first PONG. */
  get startupMs(): number {
    return this.#startupMs;
  }

  get pid(): number {
    return this.#child.pid;
  }

  get alive(): boolean {
    return !this.#exited;
  }

  get log(): string {
    return this.#log;
  }

  async call(...args: string[]): Promise<unknown> {
    await using c = await RespClient.connect({ port: this.port });
    return await c.call(...args);
  }

  /** INFO memory's used_memory; for hakv after a full GC, so dead objects do not count. */
  async usedMemory(): Promise<number> {
    if (this.inspectPort !== undefined) await collectGarbage(this.inspectPort);
    const info = String(await this.call("INFO", "memory"));
    const m = /^used_memory:(\d+)\r?$/m.exec(info);
    if (!m) throw new Error(`no used_memory in ${this.name}'s INFO memory:\n${info}`);
    return Number(m[1]);
  }

  /** CPU time (user + system) used so far, in microseconds. */
  cpuMicros(): number {
    return processCpuMicros(this.pid);
  }

  /** Resident set size in bytes (VmRSS). */
  rss(): number {
    const status = Deno.readTextFileSync(`/proc/${this.pid}/status`);
    const m = /^VmRSS:\s+(\d+) kB/m.exec(status);
    if (!m) throw new Error(`no VmRSS for ${this.name}`);
    return Number(m[1]) * 1024;
  }

  async stop(): Promise<void> {
    if (!this.#exited) {
      try {
        this.#child.kill("SIGKILL");
      } catch {
        // already gone
      }
    }
    await this.#child.status;
    await this.#drained;
    live.delete(this.#child);
  }
}

const live = new Set<Deno.ChildProcess>();

/**
 * A full, compacting-if-needed major GC of the process behind a V8 inspector port
 * (HeapProfiler.collectGarbage), twice, since objects freed by the first pass (weak
 * references, finalizers) are only reclaimed by the next.
 */
async function collectGarbage(inspectPort: number): Promise<void> {
  const targets = await (await fetch(`http://127.0.0.1:${inspectPort}/json/list`)).json() as {
    webSocketDebuggerUrl: string;
  }[];
  const url = targets[0]?.webSocketDebuggerUrl;
  if (!url) throw new Error(`no inspector target on port ${inspectPort}`);
  const ws = new WebSocket(url);
  try {
    await new Promise((resolve, reject) => {
      ws.onopen = resolve;
      ws.onerror = () => reject(new Error(`inspector ${url} refused the connection`));
    });
    for (let id = 1; id <= 2; id++) {
      const done = new Promise<void>((resolve) => {
        ws.onmessage = (e) => {
          if ((JSON.parse(String(e.data)) as { id?: number }).id === id) resolve();
        };
      });
      ws.send(JSON.stringify({ id, method: "HeapProfiler.collectGarbage" }));
      await done;
    }
  } finally {
    const closed = new Promise((resolve) => (ws.onclose = resolve));
    ws.close();
    await closed;
  }
}

function killAll(): void {
  for (const child of live) {
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
  }
}

const CLK_TCK = (() => {
  try {
    const out = new Deno.Command("getconf", { args: ["CLK_TCK"] }).outputSync();
    const n = Number(new TextDecoder().decode(out.stdout).trim());
    return n > 0 ? n : 100;
  } catch {
    return 100;
  }
})();

/** CPU time (user + system) process `pid` has used so far, in microseconds. */
export function processCpuMicros(pid: number): number {
  const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  // Fields after the command name, which is in parentheses and may hold spaces.
  const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(rest[11]) + Number(rest[12])) * (1e6 / CLK_TCK);
}

/** Idle time (idle + iowait) of CPU0 and CPU1, the two the benchmarks pin to, in microseconds. */
export function idleMicros(): number {
  let ticks = 0;
  for (const line of Deno.readTextFileSync("/proc/stat").split("\n")) {
    const f = line.split(/\s+/);
    if (f[0] === "cpu0" || f[0] === "cpu1") ticks += Number(f[4]) + Number(f[5]);
  }
  return ticks * (1e6 / CLK_TCK);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function output(cmd: string, args: string[]): Promise<string> {
  const out = await new Deno.Command(cmd, { args, stdin: "null" }).output();
  const text = new TextDecoder().decode(out.stdout);
  if (!out.success) {
    throw new Error(
      `${cmd} ${args.join(" ")} failed (${out.code}): ${new TextDecoder().decode(out.stderr)}`,
    );
  }
  return text;
}

// --- W1–W3: redis-benchmark ----------------------------------------------------------------

export interface Sample {
  rps: number;
  p50: number;
  p99: number;
}

interface RunResult {
  tests: Map<string, Sample>;
  cpuPerRequest: number;
  /** What redis-benchmark printed when it stopped on an error reply. */
  error?: string;
}

/** Parses `redis-benchmark --csv` by its header, so column order does not matter. */
export function parseCsv(text: string): Map<string, Sample> {
  const rows = text.split("\n").map((l) => l.trim()).filter((l) => l.startsWith('"'));
  const cells = (line: string) => line.split(",").map((c) => c.replace(/^"|"$/g, ""));
  const header = cells(rows[0] ?? "");
  const col = (name: string) => {
    const i = header.indexOf(name);
    if (i < 0) throw new Error(`redis-benchmark --csv has no ${name} column:\n${text}`);
    return i;
  };
  const [rps, p50, p99] = [col("rps"), col("p50_latency_ms"), col("p99_latency_ms")];
  const out = new Map<string, Sample>();
  for (const row of rows.slice(1)) {
    const c = cells(row);
    out.set(c[0]!, { rps: Number(c[rps]), p50: Number(c[p50]), p99: Number(c[p99]) });
  }
  return out;
}

async function benchRun(server: ServerProc, w: Workload, n: number): Promise<RunResult> {
  await server.call("FLUSHALL");
  const cpu0 = server.cpuMicros();
  const [cmd, args] = pinned(1, "redis-benchmark", [
    ...["-h", "127.0.0.1", "-p", String(server.port)],
    ...["-t", w.tests, "-n", String(n), ...w.args, "--csv"],
  ]);
  // redis-benchmark 7 stops at the first error reply; keep the tests that ran before it.
  const out = await new Deno.Command(cmd, { args, stdin: "null" }).output();
  const text = new TextDecoder().decode(out.stdout);
  const cpu = server.cpuMicros() - cpu0;
  if (!server.alive) throw new Error(`${server.name} died during ${w.id}:\n${server.log}`);
  const tests = parseCsv(text);
  const error = out.success
    ? undefined
    : (new TextDecoder().decode(out.stderr) + text.split("\n").filter((l) => !l.startsWith('"'))
      .join("\n")).trim() || `exit ${out.code}`;
  if (tests.size === 0 && error === undefined) {
    throw new Error(`no results from redis-benchmark:\n${text}`);
  }
  return {
    tests,
    cpuPerRequest: tests.size === 0 ? NaN : cpu / (n * tests.size),
    ...(error === undefined ? {} : { error }),
  };
}

// --- W5: bulk load and bytes per key -----------------------------------------------------------

/** Writes the load file once: SET key:%012d (16 bytes) to a 64-byte zero-padded number. */
export function loadFile(keys: number): Promise<string> {
  return respFile(`load${keys}`, keys, (i) => {
    const n = String(i);
    return `*3\r\n$3\r\nSET\r\n$16\r\nkey:${n.padStart(12, "0")}\r\n$64\r\n${
      n.padStart(64, "0")
    }\r\n`;
  });
}

/** Writes `.bench/<name>.resp` (one command per key) unless it is already there, whole. */
async function respFile(
  name: string,
  keys: number,
  entry: (i: number) => string,
): Promise<string> {
  const path = `${OUT_DIR}/${name}.resp`;
  let expected = 0;
  for (let i = 0; i < keys; i++) expected += entry(i).length;
  try {
    if ((await Deno.stat(path)).size === expected) return path;
  } catch {
    // not there yet
  }
  const file = await Deno.open(path, { write: true, create: true, truncate: true });
  try {
    const enc = new TextEncoder();
    const CHUNK = 20_000;
    for (let i = 0; i < keys; i += CHUNK) {
      let s = "";
      for (let k = i; k < Math.min(keys, i + CHUNK); k++) s += entry(k);
      const bytes = enc.encode(s);
      let off = 0;
      while (off < bytes.length) off += await file.write(bytes.subarray(off));
    }
  } finally {
    file.close();
  }
  return path;
}

/** Streams a RESP file through `redis-cli --pipe`; the seconds it took. Fails on any error. */
export async function pipeInto(server: ServerProc, path: string): Promise<number> {
  const [cmd, args] = pinned(1, "redis-cli", ["-p", String(server.port), "--pipe"]);
  const child = new Deno.Command(cmd, {
    args,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const t0 = performance.now();
  const file = await Deno.open(path);
  await file.readable.pipeTo(child.stdin);
  const out = await child.output();
  const seconds = (performance.now() - t0) / 1000;
  const text = new TextDecoder().decode(out.stdout);
  if (!out.success || !/errors: 0,/.test(text)) {
    throw new Error(
      `redis-cli --pipe into ${server.name} failed:\n${text}${
        new TextDecoder().decode(out.stderr)
      }`,
    );
  }
  return seconds;
}

interface LoadResult {
  bytesPerKey: number;
  seconds: number;
  keys: number;
}

async function loadRun(name: ServerName, path: string): Promise<LoadResult> {
  const server = await ServerProc.start(name);
  try {
    await sleep(300);
    const before = server.rss();
    const seconds = await pipeInto(server, path);
    const keys = Number(await server.call("DBSIZE"));
    // Let both settle the same way before reading RSS.
    await sleep(500);
    const after = server.rss();
    return { bytesPerKey: (after - before) / keys, seconds, keys };
  } finally {
    await server.stop();
  }
}

// --- W6: collection memory ---------------------------------------------------------------------

const COLLECTION_KEYS = 100_000;

/** The multibulk for one command (ASCII arguments). */
function resp(args: string[]): string {
  let s = `*${args.length}\r\n`;
  for (const a of args) s += `$${a.length}\r\n${a}\r\n`;
  return s;
}

interface Shape {
  id: string;
  label: string;
  /** The key written by command `i`, to ask for its encoding. */
  key: (i: number) => string;
  entry: (i: number) => string;
}

const SHAPES: Shape[] = [
  {
    id: "hash",
    label: "hashes, 10 fields of 10 bytes",
    key: (i) => `h:${i}`,
    entry: (i) => {
      const args = ["HSET", `h:${i}`];
      // f0..f9 -> 10-byte values, distinct per key so nothing can be shared.
      for (let f = 0; f < 10; f++) args.push(`f${f}`, `v${f}:${String(i).padStart(7, "0")}`);
      return resp(args);
    },
  },
  {
    id: "zset",
    label: "sorted sets, 10 members",
    key: (i) => `z:${i}`,
    entry: (i) => {
      const args = ["ZADD", `z:${i}`];
      for (let m = 1; m <= 10; m++) args.push(String(m), `m${m}`);
      return resp(args);
    },
  },
];

interface CollectionResult {
  bytesPerKey: number;
  rssPerKey: number;
  seconds: number;
  keys: number;
  encoding: string;
}

/** Loads one shape into a fresh server and measures used_memory growth per key. */
async function collectionRun(
  name: ServerName,
  shape: Shape,
  path: string,
): Promise<CollectionResult> {
  const server = await ServerProc.start(name, { inspect: true });
  try {
    await sleep(300);
    const before = await server.usedMemory();
    const rssBefore = server.rss();
    const seconds = await pipeInto(server, path);
    const keys = Number(await server.call("DBSIZE"));
    const encoding = String(await server.call("OBJECT", "ENCODING", shape.key(0)));
    await sleep(300);
    const after = await server.usedMemory();
    return {
      bytesPerKey: (after - before) / keys,
      rssPerKey: (server.rss() - rssBefore) / keys,
      seconds,
      keys,
      encoding,
    };
  } finally {
    await server.stop();
  }
}

// --- Reporting ---------------------------------------------------------------------------------

export function median(xs: number[]): number {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function fmtInt(x: number): string {
  return Number.isFinite(x) ? Math.round(x).toLocaleString("en-US") : "n/a";
}

export function fmt(x: number, digits: number): string {
  return Number.isFinite(x) ? x.toFixed(digits) : "n/a";
}

export function ratio(h: number, r: number): number {
  return Number.isFinite(h) && Number.isFinite(r) && r > 0 ? h / r : NaN;
}

export function verdict(ok: boolean | undefined): string {
  return ok === undefined ? "n/a" : ok ? "PASS" : "MISS";
}

export interface Row {
  cells: string[];
}

export function table(header: string[], rows: Row[]): string {
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map((r) => line(r.cells))].join(
    "\n",
  );
}

// --- Main --------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const opts = parseOptions(Deno.args);
  if (!onPath("redis-benchmark") || !onPath("redis-cli")) {
    console.error("bench: redis-benchmark and redis-cli are needed (apt-get install redis-tools)");
    Deno.exit(1);
  }
  const withRedis = onPath("redis-server");
  if (!withRedis) console.error("bench: redis-server is not installed; hakv figures only");
  if (!HAS_TASKSET) console.error("bench: taskset is not installed; processes are not pinned");
  await Deno.mkdir(OUT_DIR, { recursive: true });

  const names: ServerName[] = withRedis ? ["redis", "hakv"] : ["hakv"];
  // Alternate which server goes first on every run, across workloads too.
  let turn = 0;
  const order = () => (turn++ % 2 === 0 ? names : [...names].reverse());

  const header = [
    "# hakv vs Redis",
    "",
    `${new Date().toISOString()} · ${await gitRev()} · deno ${Deno.version.deno} · ${
      (await output("redis-benchmark", ["--version"])).trim()
    } · ${opts.runs} run(s), median${opts.quick ? " · --quick" : ""} · ${
      HAS_TASKSET ? "server on CPU0, client on CPU1" : "unpinned"
    }`,
  ];
  const sections: string[] = [];

  const benchRows: Row[] = [];
  const mixRows: Row[] = [];
  const mixCpu = new Map<ServerName, number>();
  const errors = new Set<string>();
  const workloads = WORKLOADS.filter((w) => opts.only.has(w.id));
  if (workloads.length > 0) {
    const servers = new Map<ServerName, ServerProc>();
    try {
      for (const name of names) servers.set(name, await ServerProc.start(name));
      for (const w of workloads) {
        const n = opts.quick ? w.quickN : w.n;
        const runs = new Map<ServerName, RunResult[]>(names.map((s) => [s, []]));
        for (let run = 1; run <= opts.runs; run++) {
          for (const name of order()) {
            const r = await benchRun(servers.get(name)!, w, n);
            runs.get(name)!.push(r);
            const parts = [...r.tests].map(([t, s]) =>
              `${t} ${fmtInt(s.rps)} rps p99 ${fmt(s.p99, 3)} ms`
            );
            console.log(
              `${w.id} run ${run}/${opts.runs} ${name.padEnd(5)} ${parts.join(", ")}, ` +
                `cpu ${fmt(r.cpuPerRequest, 2)} µs/req`,
            );
            if (r.error !== undefined) {
              console.log(`${w.id} run ${run} ${name}: redis-benchmark stopped: ${r.error}`);
              errors.add(`${w.id} ${name}: ${r.error.split("\n")[0]}`);
            }
          }
        }
        if (w.id === "W4") {
          mixRows.push(...workloadRows(w, n, runs));
          for (const name of names) {
            mixCpu.set(name, median(runs.get(name)!.map((r) => r.cpuPerRequest)));
          }
        } else benchRows.push(...workloadRows(w, n, runs));
      }
    } finally {
      for (const s of servers.values()) await s.stop();
    }
    if (benchRows.length > 0) {
      sections.push(
        table(
          [
            "workload",
            "test",
            "redis rps",
            "hakv rps",
            "hakv/redis",
            "redis p99 ms",
            "hakv p99 ms",
            "redis cpu µs/req",
            "hakv cpu µs/req",
            "target",
            "result",
          ],
          benchRows,
        ) +
          "\n\nEach `-t set,get -r 1000000 -d 64`; rps and p99 are medians over the runs; CPU " +
          "is the server's utime+stime over a whole set+get run divided by its requests.",
      );
    }
    if (mixRows.length > 0) {
      sections.push(
        table(
          [
            "workload",
            "test",
            "redis rps",
            "hakv rps",
            "hakv/redis",
            "redis p99 ms",
            "hakv p99 ms",
            "target",
            "result",
          ],
          // The same cells minus the per-run CPU columns, which mean little per test here.
          mixRows.map((r) => ({ cells: [...r.cells.slice(0, 7), ...r.cells.slice(9)] })),
        ) +
          `\n\nW4: \`-t ${MIX_TESTS} -c 50 -P 8 -r 100000\`; rps and p99 are medians over the ` +
          "runs. Server CPU over the whole mix: redis " +
          `${fmt(mixCpu.get("redis") ?? NaN, 2)} µs/req, hakv ` +
          `${fmt(mixCpu.get("hakv") ?? NaN, 2)} µs/req.`,
      );
    }
    if (errors.size > 0) {
      sections.push(
        "redis-benchmark stopped on an error reply (later tests of that run are missing):\n\n" +
          [...errors].map((e) => `- ${e}`).join("\n"),
      );
    }
  }

  if (opts.only.has("W5")) {
    console.log(`W5 writing the ${LOAD_KEYS.toLocaleString("en-US")}-key load file...`);
    const path = await loadFile(LOAD_KEYS);
    const loads = new Map<ServerName, LoadResult[]>(names.map((s) => [s, []]));
    for (let run = 1; run <= opts.runs; run++) {
      for (const name of order()) {
        const r = await loadRun(name, path);
        loads.get(name)!.push(r);
        console.log(
          `W5 run ${run}/${opts.runs} ${name.padEnd(5)} ${fmtInt(r.keys)} keys in ` +
            `${fmt(r.seconds, 2)} s, ${fmt(r.bytesPerKey, 1)} bytes/key`,
        );
      }
    }
    const med = (name: ServerName, f: (r: LoadResult) => number) =>
      median((loads.get(name) ?? []).map(f));
    const bR = med("redis", (r) => r.bytesPerKey);
    const bH = med("hakv", (r) => r.bytesPerKey);
    const tR = med("redis", (r) => r.seconds);
    const tH = med("hakv", (r) => r.seconds);
    const bRatio = ratio(bH, bR);
    sections.push(
      table(["workload", "metric", "redis", "hakv", "hakv/redis", "target", "result"], [
        {
          cells: [
            "W5 1M keys",
            "RSS bytes/key",
            fmt(bR, 1),
            fmt(bH, 1),
            fmtRatio(bRatio),
            "<= 1.6x redis",
            verdict(Number.isFinite(bRatio) ? bRatio <= 1.6 : undefined),
          ],
        },
        {
          cells: ["W5 1M keys", "load time s", fmt(tR, 2), fmt(tH, 2), fmtRatio(ratio(tH, tR))]
            .concat(["—", ""]),
        },
        {
          cells: [
            "W5 1M keys",
            "DBSIZE",
            fmtInt(med("redis", (r) => r.keys)),
            fmtInt(med("hakv", (r) => r.keys)),
            "",
            "—",
            "",
          ],
        },
      ]) +
        "\n\n16-byte keys, 64-byte values, loaded with `redis-cli --pipe`; bytes/key is the " +
        "VmRSS growth divided by DBSIZE.",
    );
  }

  if (opts.only.has("W6")) {
    const rows: Row[] = [];
    for (const shape of SHAPES) {
      const file = await respFile(`${shape.id}${COLLECTION_KEYS}`, COLLECTION_KEYS, shape.entry);
      const results = new Map<ServerName, CollectionResult[]>(names.map((s) => [s, []]));
      for (let run = 1; run <= opts.runs; run++) {
        for (const name of order()) {
          const r = await collectionRun(name, shape, file);
          results.get(name)!.push(r);
          console.log(
            `W6 ${shape.id} run ${run}/${opts.runs} ${name.padEnd(5)} ${fmtInt(r.keys)} keys ` +
              `(${r.encoding}) in ${fmt(r.seconds, 2)} s, ${fmt(r.bytesPerKey, 1)} bytes/key ` +
              `used_memory, ${fmt(r.rssPerKey, 1)} RSS`,
          );
        }
      }
      const med = (name: ServerName, f: (r: CollectionResult) => number) =>
        median((results.get(name) ?? []).map(f));
      const enc = (name: ServerName) => results.get(name)?.[0]?.encoding ?? "n/a";
      const bR = med("redis", (r) => r.bytesPerKey);
      const bH = med("hakv", (r) => r.bytesPerKey);
      const x = ratio(bH, bR);
      const label = `W6 100k ${shape.label}`;
      rows.push(
        {
          cells: [
            label,
            "used_memory bytes/key",
            fmt(bR, 1),
            fmt(bH, 1),
            fmtRatio(x),
            "<= 2x redis",
            verdict(Number.isFinite(x) ? x <= 2 : undefined),
          ],
        },
        {
          cells: [label, "RSS bytes/key"].concat(
            [med("redis", (r) => r.rssPerKey), med("hakv", (r) => r.rssPerKey)].map((v) =>
              fmt(v, 1)
            ),
            [fmtRatio(ratio(med("hakv", (r) => r.rssPerKey), med("redis", (r) => r.rssPerKey)))],
            ["—", ""],
          ),
        },
        {
          cells: [label, "load time s", fmt(med("redis", (r) => r.seconds), 2)].concat(
            [fmt(med("hakv", (r) => r.seconds), 2)],
            [fmtRatio(ratio(med("hakv", (r) => r.seconds), med("redis", (r) => r.seconds)))],
            ["—", ""],
          ),
        },
        { cells: [label, "OBJECT ENCODING", enc("redis"), enc("hakv"), "", "—", ""] },
      );
    }
    sections.push(
      table(["workload", "metric", "redis", "hakv", "hakv/redis", "target", "result"], rows) +
        "\n\nEach shape loaded into a fresh server with `redis-cli --pipe` (`HSET h:N f0 v0 … " +
        "f9 v9`, 10-byte values; `ZADD z:N 1 m1 … 10 m10`); bytes/key is the INFO " +
        "used_memory growth from the empty server divided by DBSIZE, medians over the runs. " +
        "hakv's used_memory (V8 heap used + external) is read after a full GC through the " +
        "inspector, before and after the load.",
    );
  }

  if (opts.only.has(PERSIST_ID)) {
    sections.push(await persistWorkload({ quick: opts.quick, runs: opts.runs, names, order }));
  }

  if (opts.only.has(REPL_ID)) {
    sections.push(await replWorkload({ quick: opts.quick, runs: opts.runs, names, order }));
  }

  if (opts.only.has(HA_ID)) {
    sections.push(await haWorkload({ quick: opts.quick, runs: opts.runs, names, order }));
  }

  if (opts.only.has(PROXY_ID)) {
    sections.push(await proxyWorkload({ quick: opts.quick, runs: opts.runs, names, order }));
  }

  const path = `${OUT_DIR}/last.md`;
  await Deno.writeTextFile(path, [...header, "", ...sections.flatMap((s) => [s, ""])].join("\n"));
  // deno fmt aligns the tables, and keeps `deno task check` (which sees .bench/) clean.
  await new Deno.Command(Deno.execPath(), { args: ["fmt", "--quiet", path], cwd: ROOT }).output();
  console.log("\n" + await Deno.readTextFile(path));
  console.log("(written to .bench/last.md)");
}

export function fmtRatio(x: number): string {
  return Number.isFinite(x) ? `${x.toFixed(2)}x` : "n/a";
}

/** Table rows of one workload: a row per redis-benchmark test, medians over the runs. */
function workloadRows(w: Workload, n: number, runs: Map<ServerName, RunResult[]>): Row[] {
  const rows: Row[] = [];
  const hakvRuns = runs.get("hakv")!;
  const redisRuns = runs.get("redis") ?? [];
  // Every test either server reported, in redis-benchmark's order.
  const tests = [
    ...new Set([...redisRuns, ...hakvRuns].flatMap((r) => [...r.tests.keys()])),
  ];
  const cpuH = median(hakvRuns.map((r) => r.cpuPerRequest));
  const cpuR = median(redisRuns.map((r) => r.cpuPerRequest));
  for (const t of tests) {
    const pick = (rs: RunResult[], f: (s: Sample) => number) =>
      median(rs.map((r) => r.tests.get(t)).filter((s) => s !== undefined).map(f));
    const rpsH = pick(hakvRuns, (s) => s.rps);
    const rpsR = pick(redisRuns, (s) => s.rps);
    const p99H = pick(hakvRuns, (s) => s.p99);
    const p99R = pick(redisRuns, (s) => s.p99);
    const x = ratio(rpsH, rpsR);
    let target = "—";
    let ok: boolean | undefined;
    if (w.id === "W2") {
      target = ">= 0.9x redis rps";
      ok = Number.isFinite(x) ? x >= 0.9 : undefined;
    } else if (w.id === "W3") {
      target = ">= 0.5x redis rps, p99 <= 5 ms";
      ok = Number.isFinite(x) ? x >= 0.5 && p99H <= 5 : undefined;
    } else if (w.id === "W4") {
      target = ">= 0.6x redis rps";
      ok = Number.isFinite(x) ? x >= 0.6 : undefined;
    }
    rows.push({
      cells: [
        `${w.id} ${w.label} -n ${n.toLocaleString("en-US")}`,
        t,
        fmtInt(rpsR),
        fmtInt(rpsH),
        fmtRatio(x),
        fmt(p99R, 3),
        fmt(p99H, 3),
        fmt(cpuR, 2),
        fmt(cpuH, 2),
        target,
        w.id === "W1" ? "" : verdict(ok),
      ],
    });
  }
  return rows;
}

async function gitRev(): Promise<string> {
  try {
    const rev = (await output("git", ["-C", ROOT, "rev-parse", "--short", "HEAD"])).trim();
    const dirty = (await output("git", ["-C", ROOT, "status", "--porcelain"])).trim() !== "";
    return `git ${rev}${dirty ? "+dirty" : ""}`;
  } catch {
    return "git n/a";
  }
}

if (import.meta.main) {
  Deno.addSignalListener("SIGINT", () => {
    killAll();
    Deno.exit(130);
  });
  try {
    await main();
  } catch (err) {
    console.error(`bench: ${err instanceof Error ? err.message : err}`);
    killAll();
    Deno.exit(1);
  }
}
