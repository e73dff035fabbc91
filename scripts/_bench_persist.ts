// W7 of `deno task bench`: persistence on W5's dataset (16-byte keys, 64-byte values). Each run
// starts a server on its own temp `--dir` with `--save ""`, loads the keys with `redis-cli
// --pipe`, times SAVE, kills the server (SIGKILL: nothing more is saved) and times the restart
// from spawn to the first PONG, then runs `redis-benchmark -t set` twice: once alone (the
// baseline p99), once while BGSAVE runs back to back, sampling the server's RSS (and its forked
// children's, for Redis) every 10 ms. Issue 4's targets: SAVE and restart no slower than Redis,
// and during BGSAVE peak RSS <= 1.1x and SET p99 <= 2x the baseline.
import { RespClient, RespError } from "../src/client/mod.ts";
import {
  fmt,
  fmtInt,
  fmtRatio,
  loadFile,
  median,
  parseCsv,
  pinned,
  pipeInto,
  ratio,
  type Row,
  type Sample,
  type ServerName,
  ServerProc,
  sleep,
  table,
  verdict,
} from "./bench.ts";

export const PERSIST_ID = "W7";

const KEYS = 1_000_000;
const QUICK_KEYS = 100_000;
/**
 * SETs per redis-benchmark run: long enough for several of Redis's BGSAVEs (about 2.5 s each
 * on 1M keys while the SETs run, its child sharing CPU0), short enough that a server slowed
 * down by its saves still finishes in a minute or two.
 */
const SETS = 500_000;
const QUICK_SETS = 200_000;
/** Polling the restarting server this often bounds the error of restart-to-PONG. */
const RESTART_POLL_MS = 2;
const RSS_EVERY_MS = 10;
const INFO_EVERY_MS = 10;

export interface PersistOptions {
  quick: boolean;
  runs: number;
  names: ServerName[];
  /** The servers in the order they take their turn in the next run. */
  order: () => ServerName[];
}

interface SaveLoop {
  /** BGSAVEs that finished with rdb_last_bgsave_status:ok. */
  ok: number;
  failed: number;
  /** Wall seconds of each finished save, BGSAVE reply to rdb_bgsave_in_progress:0. */
  seconds: number[];
  /** The largest INFO rdb_last_cow_size seen: Redis's own count of the pages its child copied. */
  cowBytes: number;
  /** The error reply that stopped the loop (a server without BGSAVE replies one at once). */
  error?: string;
}

interface RssPeak {
  before: number;
  parent: number;
  /** Parent plus its child processes (Redis's fork); child RSS counts pages still shared. */
  total: number;
}

interface PersistResult {
  keys: number;
  startEmptyMs: number;
  saveSeconds: number;
  dumpBytes: number;
  restartMs: number;
  keysAfterRestart: number;
  base: Sample;
  baseRss: RssPeak;
  withSaves?: Sample;
  saveRss?: RssPeak;
  /** Wall seconds of the run with saves, to the end of the last save. */
  savesSeconds?: number;
  loop: SaveLoop;
}

/** Runs W7 on every server, `runs` times in turns, and returns its report section. */
export async function persistWorkload(opts: PersistOptions): Promise<string> {
  const keys = opts.quick ? QUICK_KEYS : KEYS;
  const sets = opts.quick ? QUICK_SETS : SETS;
  console.log(`W7 writing the ${fmtInt(keys)}-key load file...`);
  const path = await loadFile(keys);
  const results = new Map<ServerName, PersistResult[]>(opts.names.map((s) => [s, []]));
  for (let run = 1; run <= opts.runs; run++) {
    for (const name of opts.order()) {
      const r = await persistRun(name, path, keys, sets);
      results.get(name)!.push(r);
      const tag = `W7 run ${run}/${opts.runs} ${name.padEnd(5)}`;
      console.log(
        `${tag} SAVE ${fmt(r.saveSeconds, 2)} s (${fmtMB(r.dumpBytes)} MB), restart to PONG ` +
          `${fmt(r.restartMs, 0)} ms (empty start ${fmt(r.startEmptyMs, 0)} ms), DBSIZE ` +
          `${fmtInt(r.keysAfterRestart)}`,
      );
      console.log(
        `${tag} SET p99 ${fmt(r.base.p99, 3)} ms alone, ` +
          (r.withSaves === undefined
            ? `BGSAVE n/a: ${r.loop.error}`
            : `${fmt(r.withSaves.p99, 3)} ms with ${r.loop.ok} BGSAVEs ok in ` +
              `${fmt(r.savesSeconds ?? NaN, 1)} s, ${r.loop.failed} ` +
              `failed${r.loop.error === undefined ? "" : ` (${r.loop.error})`}; RSS ` +
              `${fmtMB(r.saveRss!.before)} MB -> peak ${fmtMB(r.saveRss!.parent)} MB parent, ` +
              `${fmtMB(r.saveRss!.total)} MB parent+child`),
      );
    }
  }
  return report(results, keys, sets);
}

async function persistRun(
  name: ServerName,
  path: string,
  keys: number,
  sets: number,
): Promise<PersistResult> {
  const dir = await Deno.makeTempDir({ prefix: `hakv-bench-w7-${name}-` });
  const args = ["--dir", dir, "--dbfilename", "dump.rdb"];
  let server = await ServerProc.start(name, { args, pollMs: RESTART_POLL_MS });
  try {
    const startEmptyMs = server.startupMs;
    await sleep(300);
    await pipeInto(server, path);
    const loaded = Number(await server.call("DBSIZE"));
    if (loaded !== keys) throw new Error(`${name}: DBSIZE ${loaded} after loading ${keys} keys`);

    const saveSeconds = await timedSave(server);
    const dumpBytes = (await Deno.stat(`${dir}/dump.rdb`)).size;

    // SIGKILL: the same "shut down without saving" for both servers.
    await server.stop();
    server = await ServerProc.start(name, { args, pollMs: RESTART_POLL_MS });
    const restartMs = server.startupMs;
    const keysAfterRestart = Number(await server.call("DBSIZE"));
    if (keysAfterRestart !== keys) {
      throw new Error(`${name}: DBSIZE ${keysAfterRestart} after restart, expected ${keys}`);
    }

    // A short warm-up so the baseline is not the run that pays for JIT compilation.
    await setBench(server, Math.round(sets / 10), keys);
    const baseSampler = new RssSampler(server.pid);
    const base = await setBench(server, sets, keys);
    const baseRss = baseSampler.stop();
    if (!server.alive) throw new Error(`${name} died during W7:\n${server.log}`);

    // Ask once before starting the load: a server without BGSAVE is reported as n/a.
    const probe = await bgsaveOnce(server.port);
    if (probe.error !== undefined) {
      return {
        keys,
        startEmptyMs,
        saveSeconds,
        dumpBytes,
        restartMs,
        keysAfterRestart,
        base,
        baseRss,
        loop: { ok: 0, failed: 0, seconds: [], cowBytes: NaN, error: probe.error },
      };
    }
    await sleep(300);
    const saveSampler = new RssSampler(server.pid);
    const t0 = performance.now();
    let benchDone = false;
    const bench = setBench(server, sets, keys).finally(() => (benchDone = true));
    const loop = await saveLoop(server.port, () => benchDone);
    const withSaves = await bench;
    const saveRss = saveSampler.stop();
    const savesSeconds = (performance.now() - t0) / 1000;
    if (!server.alive) throw new Error(`${name} died during W7's BGSAVE run:\n${server.log}`);
    return {
      keys,
      startEmptyMs,
      saveSeconds,
      dumpBytes,
      restartMs,
      keysAfterRestart,
      base,
      baseRss,
      withSaves,
      saveRss,
      savesSeconds,
      loop,
    };
  } finally {
    await server.stop();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

/** Seconds from sending SAVE to its +OK. */
async function timedSave(server: ServerProc): Promise<number> {
  await using c = await RespClient.connect({ port: server.port });
  const t0 = performance.now();
  const reply = await c.call("SAVE");
  const seconds = (performance.now() - t0) / 1000;
  if (reply !== "OK") throw new Error(`${server.name}: SAVE replied ${errorText(reply)}`);
  return seconds;
}

/** `redis-benchmark -t set -c 50 -d 64` over the loaded key range, pinned to CPU1. */
export async function setBench(server: ServerProc, n: number, keys: number): Promise<Sample> {
  const [cmd, args] = pinned(1, "redis-benchmark", [
    ...["-h", "127.0.0.1", "-p", String(server.port)],
    ...["-t", "set", "-c", "50", "-r", String(keys), "-d", "64", "-n", String(n), "--csv"],
  ]);
  const out = await new Deno.Command(cmd, { args, stdin: "null" }).output();
  const text = new TextDecoder().decode(out.stdout);
  const sample = parseCsv(text).get("SET");
  if (!out.success || sample === undefined) {
    throw new Error(
      `redis-benchmark -t set against ${server.name} failed:\n${text}${
        new TextDecoder().decode(out.stderr)
      }`,
    );
  }
  return sample;
}

/** One BGSAVE, waited for to the end; `error` if the server refused it or the save failed. */
async function bgsaveOnce(port: number): Promise<SaveOutcome> {
  await using c = await RespClient.connect({ port });
  return await bgsave(c);
}

interface SaveOutcome {
  seconds?: number;
  cowBytes?: number;
  error?: string;
}

async function bgsave(c: RespClient): Promise<SaveOutcome> {
  const t0 = performance.now();
  const reply = await c.call("BGSAVE");
  if (reply instanceof RespError || typeof reply !== "string") {
    return { error: `BGSAVE replied ${errorText(reply)}` };
  }
  while (true) {
    const info = String(await c.call("INFO", "persistence"));
    if (/^rdb_bgsave_in_progress:0\r?$/m.test(info)) {
      const status = /^rdb_last_bgsave_status:(\w+)/m.exec(info)?.[1] ?? "missing";
      const seconds = (performance.now() - t0) / 1000;
      const cowBytes = Number(/^rdb_last_cow_size:(\d+)/m.exec(info)?.[1] ?? NaN);
      return status === "ok"
        ? { seconds, cowBytes }
        : { error: `rdb_last_bgsave_status:${status}` };
    }
    await sleep(INFO_EVERY_MS);
  }
}

/** BGSAVE back to back until `done()`; the save in flight when it turns true is waited for. */
async function saveLoop(port: number, done: () => boolean): Promise<SaveLoop> {
  await using c = await RespClient.connect({ port });
  const loop: SaveLoop = { ok: 0, failed: 0, seconds: [], cowBytes: 0 };
  while (!done()) {
    const r = await bgsave(c);
    if (r.seconds !== undefined) {
      loop.ok++;
      loop.seconds.push(r.seconds);
      loop.cowBytes = Math.max(loop.cowBytes, r.cowBytes ?? NaN);
    } else {
      loop.failed++;
      loop.error = r.error ?? "BGSAVE failed";
      break;
    }
  }
  return loop;
}

/**
 * VmRSS of a process and of its children (Redis forks one per BGSAVE), sampled on a timer. The
 * children are read from every thread's `children` list, as a fork may come from any thread.
 */
export class RssSampler {
  readonly #pid: number;
  readonly #timer: ReturnType<typeof setInterval>;
  readonly #before: number;
  #parent = 0;
  #total = 0;

  constructor(pid: number) {
    this.#pid = pid;
    this.#before = vmRss(pid);
    this.#sample();
    this.#timer = setInterval(() => this.#sample(), RSS_EVERY_MS);
  }

  #sample(): void {
    const parent = vmRss(this.#pid);
    let total = parent;
    for (const child of childPids(this.#pid)) total += vmRss(child);
    if (parent > this.#parent) this.#parent = parent;
    if (total > this.#total) this.#total = total;
  }

  stop(): RssPeak {
    clearInterval(this.#timer);
    this.#sample();
    return { before: this.#before, parent: this.#parent, total: this.#total };
  }
}

/** VmRSS in bytes; 0 for a process that is gone (a child that just exited). */
export function vmRss(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(Deno.readTextFileSync(`/proc/${pid}/status`));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

export function childPids(pid: number): number[] {
  const out: number[] = [];
  try {
    for (const task of Deno.readDirSync(`/proc/${pid}/task`)) {
      try {
        const text = Deno.readTextFileSync(`/proc/${pid}/task/${task.name}/children`).trim();
        if (text !== "") { for (const p of text.split(/\s+/)) out.push(Number(p)); }
      } catch {
        // the thread ended
      }
    }
  } catch {
    // the process ended
  }
  return out;
}

function errorText(reply: unknown): string {
  return reply instanceof RespError ? `-${reply.message}` : JSON.stringify(reply);
}

function fmtMB(bytes: number): string {
  return fmt(bytes / (1024 * 1024), 1);
}

// --- Report ------------------------------------------------------------------------------------

/** Decimal places, or "int" for a whole number with thousands separators. */
type Digits = number | "int";

function num(x: number, digits: Digits): string {
  return digits === "int" ? fmtInt(x) : fmt(x, digits);
}

function report(results: Map<ServerName, PersistResult[]>, keys: number, sets: number): string {
  const med = (name: ServerName, f: (r: PersistResult) => number) =>
    median((results.get(name) ?? []).map(f));
  const label = `W7 ${keys >= 1e6 ? `${keys / 1e6}M` : `${keys / 1e3}k`} keys`;
  const rows: Row[] = [];
  /** A row comparing the two servers; `max` is the target for hakv/redis. */
  const vs = (metric: string, f: (r: PersistResult) => number, digits: Digits, max?: number) => {
    const r = med("redis", f);
    const h = med("hakv", f);
    const x = ratio(h, r);
    rows.push({
      cells: [
        label,
        metric,
        num(r, digits),
        num(h, digits),
        fmtRatio(x),
        max === undefined ? "—" : `<= ${max.toFixed(2)}x redis`,
        max === undefined ? "" : verdict(Number.isFinite(x) ? x <= max : undefined),
      ],
    });
  };
  /** A row of each server's own figure; the target applies to hakv's. */
  const own = (metric: string, f: (r: PersistResult) => number, digits: Digits, max?: number) => {
    const r = med("redis", f);
    const h = med("hakv", f);
    rows.push({
      cells: [
        label,
        metric,
        num(r, digits),
        num(h, digits),
        "",
        max === undefined ? "—" : `hakv <= ${max}`,
        max === undefined ? "" : verdict(Number.isFinite(h) ? h <= max : undefined),
      ],
    });
  };
  const mb = 1024 * 1024;
  vs("SAVE s", (r) => r.saveSeconds, 2, 1);
  vs("dump size MB", (r) => r.dumpBytes / mb, 1);
  vs("restart to first PONG ms", (r) => r.restartMs, 0, 1);
  vs("start, empty dir ms", (r) => r.startEmptyMs, 0);
  own("DBSIZE after restart", (r) => r.keysAfterRestart, "int");
  const saved = (f: (r: PersistResult) => number) => (r: PersistResult) =>
    r.withSaves === undefined ? NaN : f(r);
  own("BGSAVEs completed ok", saved((r) => r.loop.ok), 0);
  own("BGSAVE mean s", saved((r) => r.loop.seconds.reduce((a, b) => a + b, 0) / r.loop.ok), 2);
  own("RSS before the saves MB", saved((r) => r.saveRss!.before / mb), 1);
  own("peak RSS MB, parent", saved((r) => r.saveRss!.parent / mb), 1);
  own("peak RSS MB, parent+child", saved((r) => r.saveRss!.total / mb), 1);
  own("largest rdb_last_cow_size MB", saved((r) => r.loop.cowBytes / mb), 1);
  own("peak/before, parent", saved((r) => r.saveRss!.parent / r.saveRss!.before), 2);
  own("peak/before, parent+child", saved((r) => r.saveRss!.total / r.saveRss!.before), 2, 1.1);
  own("peak/before without saves", (r) => r.baseRss.total / r.baseRss.before, 2);
  own("SET p99 ms without saves", (r) => r.base.p99, 3);
  own("SET p99 ms with saves", saved((r) => r.withSaves!.p99), 3);
  own("p99 with/without saves", saved((r) => r.withSaves!.p99 / r.base.p99), 2, 2);
  own("SET rps without saves", (r) => r.base.rps, "int");
  own("SET rps with saves", saved((r) => r.withSaves!.rps), "int");
  const errors = [...results].flatMap(([name, rs]) =>
    [...new Set(rs.map((r) => r.loop.error).filter((e) => e !== undefined))].map((e) =>
      `- ${name}: ${e}`
    )
  );
  return table(["workload", "metric", "redis", "hakv", "hakv/redis", "target", "result"], rows) +
    `\n\n16-byte keys, 64-byte values loaded with \`redis-cli --pipe\` into a server started ` +
    'with its own `--dir` and `--save ""`; medians over the runs. SAVE is the wall time of ' +
    "its reply. Restart: SIGKILL, then spawn to the first PONG on the same dir, polling every " +
    `${RESTART_POLL_MS} ms (hakv's includes starting Deno; the empty-dir start shows that ` +
    "part). BGSAVE: `redis-benchmark -t set -c 50 -d 64 -r <keys> -n " +
    `${sets.toLocaleString("en-US")}\` alone, then again while BGSAVE runs back to back ` +
    "(each waited for through INFO persistence); RSS is VmRSS sampled every " +
    `${RSS_EVERY_MS} ms, with the forked child's added for parent+child (a child's RSS counts ` +
    "the pages it still shares with the parent, so that sum is an upper bound; Redis's own " +
    "count of the pages its child copied is rdb_last_cow_size). The child " +
    "inherits CPU0, so it competes with its parent for that core." +
    (errors.length === 0 ? "" : `\n\nBGSAVE not measured:\n\n${errors.join("\n")}`);
}
