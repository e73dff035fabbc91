// Test harness shared by every test file:
// - `inProcess()`: a Server without sockets, commands run through the real dispatch pipeline
//   and replies decoded from the client's writer (fast; thousands of cases).
// - `spawnHakv()`: a real `deno run -A main.ts server` process on a free port.
// - `spawnRedis()`: Debian's redis-server, for differential tests.
// - `requireTool()`: skips with a printed reason when a tool is missing, fails under CI=true.
// - `errorText()`: the text of an error reply, failing the test on any other reply.
import assert from "node:assert/strict";
import { Config } from "../src/server/config.ts";
import { Server } from "../src/server/server.ts";
import { execute } from "../src/server/dispatch.ts";
import type { Client } from "../src/server/client.ts";
import { Argv, decodeFrame, NEED_MORE, RespError, type RespValue } from "../src/resp/mod.ts";
import { RespClient } from "../src/client/mod.ts";
import { V8_FLAGS } from "../src/_util/runtime.ts";

export { RespClient } from "../src/client/mod.ts";
export { RespError } from "../src/resp/mod.ts";
export type { RespValue } from "../src/resp/mod.ts";

const ROOT = new URL("..", import.meta.url).pathname;

function existsSync(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** A server with no listener; `run` executes one command as client `c`. */
export class InProcess {
  readonly server: Server;
  readonly c: Client;

  constructor(directives: Record<string, string> = {}) {
    const config = new Config();
    // Never save into the repository (FLUSHALL saves when save points are set, as in Redis).
    config.set("save", [""]);
    for (const [k, v] of Object.entries(directives)) config.set(k, [v]);
    this.server = new Server(config);
    this.c = this.server.newClient("127.0.0.1:50000", "127.0.0.1:6379");
  }

  /** Another client of the same server. */
  client(): Client {
    return this.server.newClient("127.0.0.1:50001", "127.0.0.1:6379");
  }

  /** Runs a command and returns its decoded reply (all replies if it wrote several). */
  async run(...args: (string | number)[]): Promise<RespValue> {
    return await this.runAs(this.c, ...args);
  }

  async runAs(c: Client, ...args: (string | number)[]): Promise<RespValue> {
    const replies = await this.replies(c, ...args);
    return replies.length === 1 ? replies[0]! : replies;
  }

  /** Every reply frame a command wrote (usually one). */
  async replies(c: Client, ...args: (string | number)[]): Promise<RespValue[]> {
    const argv = Argv.of(args.map(String));
    const pending = execute(this.server, c, argv);
    if (pending !== undefined) await pending;
    return drain(c);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.server.close();
  }
}

/** Decodes and removes everything written to a client's reply buffer. */
export function drain(c: Client): RespValue[] {
  const bytes = c.w.bytes();
  const out: RespValue[] = [];
  let p = 0;
  while (p < bytes.length) {
    const d = decodeFrame(bytes, p, bytes.length);
    if (d.length === NEED_MORE) throw new Error("incomplete reply in writer");
    out.push(d.value);
    p += d.length;
  }
  c.w.reset();
  return out;
}

/** The text of an error reply; fails the test if `r` is not one. */
export function errorText(r: unknown): string {
  assert.ok(r instanceof RespError, `expected an error, got ${JSON.stringify(r)}`);
  return r.message;
}

/** A free TCP port on 127.0.0.1 (bound and released). */
/**
 * A port nothing listens on now. Picked below Linux's ephemeral range (32768+), so the local
 * ports of outgoing connections, which parallel tests open by the thousand, cannot take it
 * between this check and the server's bind.
 */
export function freePort(): number {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = 20000 + Math.floor(Math.random() * 12000);
    try {
      Deno.listen({ hostname: "127.0.0.1", port }).close();
      return port;
    } catch {
      // taken: try another
    }
  }
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** Spawns on `port`, or on fresh free ports while the chosen one turns out to be taken. */
async function spawnOnFreePort(
  start: (port: number) => Promise<Proc>,
  port: number | undefined,
): Promise<Proc> {
  for (let attempt = 0;; attempt++) {
    try {
      return await start(port ?? freePort());
    } catch (err) {
      const inUse = err instanceof Error && /Address already in use/i.test(err.message);
      if (port !== undefined || !inUse || attempt >= 4) throw err;
    }
  }
}

export interface Proc {
  readonly port: number;
  readonly child: Deno.ChildProcess;
  /** Everything the process printed so far (stdout and stderr). */
  output(): string;
  /** Resolves when the process exits. */
  readonly status: Promise<Deno.CommandStatus>;
  client(): Promise<RespClient>;
  kill(signal?: Deno.Signal): Promise<Deno.CommandStatus>;
  [Symbol.asyncDispose](): Promise<void>;
}

function collect(stream: ReadableStream<Uint8Array>, sink: { text: string }): Promise<void> {
  const dec = new TextDecoder();
  return stream.pipeTo(
    new WritableStream({
      write(chunk) {
        sink.text += dec.decode(chunk, { stream: true });
      },
    }),
  ).catch(() => {});
}

/**
 * The working directories of the servers this test file spawned. They outlive each server (a
 * restarted server may be pointed at its predecessor's files, e.g. by CONFIG REWRITE's `dir`)
 * and go when the test file's process ends. Only directories made here are ever removed.
 */
const procDirs = new Set<string>();
globalThis.addEventListener("unload", () => {
  for (const dir of procDirs) {
    try {
      Deno.removeSync(dir, { recursive: true });
    } catch {
      // already gone
    }
  }
});

async function spawn(cmd: string, args: string[], port: number, ready: RegExp): Promise<Proc> {
  // Each server runs in a directory of its own, so whatever it writes by default (a replica's
  // dump.rdb, an appendonlydir) never lands in the repository; it goes when the server does.
  const cwd = Deno.makeTempDirSync({ prefix: "hakv-test-proc-" });
  procDirs.add(cwd);
  const child = new Deno.Command(cmd, {
    args,
    cwd,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const sink = { text: "" };
  const pipes = Promise.all([collect(child.stdout, sink), collect(child.stderr, sink)]);
  const status = child.status;
  let exited = false;
  status.then(() => (exited = true));
  const deadline = Date.now() + 20_000;
  while (!ready.test(sink.text)) {
    if (exited) {
      await pipes;
      throw new Error(`${cmd} exited before it was ready:\n${sink.text}`);
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`${cmd} not ready after 20 s:\n${sink.text}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  const kill = async (signal: Deno.Signal = "SIGTERM") => {
    if (!exited) {
      try {
        child.kill(signal);
      } catch {
        // already gone
      }
    }
    const s = await status;
    await pipes;
    return s;
  };
  return {
    port,
    child,
    output: () => sink.text,
    status,
    client: () => RespClient.connect({ port }),
    kill,
    async [Symbol.asyncDispose]() {
      await kill("SIGKILL");
    },
  };
}

/** Spawns `hakv server` on a free port with extra redis-server style arguments. */
export function spawnHakv(args: string[] = [], port?: number): Promise<Proc> {
  // Test servers run in the repository with the default dir and dbfilename, so a stray dump.rdb
  // there would be loaded into every one of them: refuse clearly rather than flake.
  if (!args.includes("--dir") && existsSync(`${ROOT}dump.rdb`)) {
    throw new Error(`${ROOT}dump.rdb would be loaded by every test server: remove it`);
  }
  // As spawnRedis: no save points (FLUSHALL saves when there are) unless the test sets its own,
  // on the command line or in a config file.
  const own = args.includes("--save") || (args.length > 0 && !args[0]!.startsWith("--"));
  const save = own ? [] : ["--save", ""];
  return spawnOnFreePort((p) =>
    spawn(
      Deno.execPath(),
      ["run", "-A", V8_FLAGS, `${ROOT}main.ts`, "server", ...withPort(args, p), ...save],
      p,
      /Ready to accept connections/,
    ), port);
}

/**
 * Spawns a sentinel, `hakv sentinel` or Debian's redis-server in sentinel mode, with its config
 * file at `conf` (which it rewrites). Pass the same file again to restart it with its state.
 */
export function spawnSentinel(
  kind: "hakv" | "redis",
  conf: string,
  port?: number,
): Promise<Proc> {
  return spawnOnFreePort((p) =>
    kind === "hakv"
      ? spawn(
        Deno.execPath(),
        ["run", "-A", `${ROOT}main.ts`, "sentinel", conf, "--port", String(p)],
        p,
        /Running mode=sentinel/,
      )
      : spawn(
        "redis-server",
        [conf, "--sentinel", "--port", String(p)],
        p,
        /Running mode=sentinel|Sentinel ID is/,
      ), port);
}

/** Spawns `hakv proxy` on a free port with the given flags (--sentinel or --backend ...). */
export function spawnProxy(args: string[], port?: number): Promise<Proc> {
  return spawnOnFreePort((p) =>
    spawn(
      Deno.execPath(),
      ["run", "-A", `${ROOT}main.ts`, "proxy", "--port", String(p), ...args],
      p,
      /Proxy listening/,
    ), port);
}

/** Spawns Debian's redis-server on a free port (check requireTool first). */
export function spawnRedis(args: string[] = [], port?: number): Promise<Proc> {
  return spawnOnFreePort((p) =>
    spawn(
      "redis-server",
      [...withPort(args, p), "--save", "", "--appendonly", "no"],
      p,
      /Ready to accept connections/,
    ), port);
}

function withPort(args: string[], port: number): string[] {
  // A config file, if any, must stay first.
  if (args.length > 0 && !args[0]!.startsWith("--")) {
    return [args[0]!, "--port", String(port), "--bind", "127.0.0.1", ...args.slice(1)];
  }
  return ["--port", String(port), "--bind", "127.0.0.1", ...args];
}

const toolCache = new Map<string, boolean>();

/**
 * True if `tool` is on PATH. Otherwise prints why the test is skipped and returns false, or
 * throws under CI=true, where every tool must be installed.
 */
export function requireTool(tool: string): boolean {
  let ok = toolCache.get(tool);
  if (ok === undefined) {
    try {
      ok = new Deno.Command("sh", { args: ["-c", `command -v ${tool}`], stdout: "null" })
        .outputSync().success;
    } catch {
      ok = false;
    }
    toolCache.set(tool, ok);
  }
  if (ok) return true;
  if (Deno.env.get("CI") === "true") throw new Error(`${tool} is required under CI but missing`);
  console.log(`SKIP: ${tool} is not installed`);
  return false;
}

/** Runs a command line tool and returns its stdout (throws on failure unless allowed). */
export async function run(
  cmd: string,
  args: string[],
  options: { stdin?: Uint8Array; allowFailure?: boolean } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = new Deno.Command(cmd, {
    args,
    stdin: options.stdin ? "piped" : "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (options.stdin) {
    const w = child.stdin.getWriter();
    await w.write(options.stdin);
    await w.close();
  }
  const out = await child.output();
  const res = {
    code: out.code,
    stdout: new TextDecoder().decode(out.stdout),
    stderr: new TextDecoder().decode(out.stderr),
  };
  if (!options.allowFailure && out.code !== 0) {
    throw new Error(`${cmd} ${args.join(" ")} failed (${out.code}): ${res.stderr}${res.stdout}`);
  }
  return res;
}

/** Polls `fn` until it returns true or `ms` passes. */
export async function waitFor(fn: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * A temporary directory for a test's files, removed with everything in it when disposed. Only
 * ever the directory made here: never a path a server reported.
 */
export async function tempDir(prefix = "hakv-test-"): Promise<{ path: string } & AsyncDisposable> {
  const path = await Deno.makeTempDir({ prefix });
  return {
    path,
    async [Symbol.asyncDispose]() {
      await Deno.remove(path, { recursive: true }).catch(() => {});
    },
  };
}
