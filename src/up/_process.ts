// One child process of `hakv up`: how to start hakv again in a role (`deno run main.ts` or the
// compiled binary), its output appended to a log file, and stopping it (SIGTERM, then SIGKILL).

import { V8_FLAGS } from "../_util/runtime.ts";
import { withTimeout } from "../_util/timeout.ts";

const MAIN_TS = new URL("../../main.ts", import.meta.url);

/**
 * True when running as a `deno compile` binary: then its modules live under a virtual
 * `deno-compile-<name>` directory and the executable is not deno itself.
 */
export function isCompiled(): boolean {
  if (MAIN_TS.protocol !== "file:" || MAIN_TS.pathname.includes("/deno-compile-")) return true;
  const exe = Deno.execPath().split(/[\\/]/).pop() ?? "";
  return !/^deno(\.exe)?$/i.test(exe);
}

/** The command line that runs `hakv <role> ...args` the way this process was run. */
export function hakvCommand(role: string, args: readonly string[]): [string, string[]] {
  if (isCompiled()) return [Deno.execPath(), [role, ...args]];
  const flags = role === "server" ? [V8_FLAGS] : [];
  return [Deno.execPath(), [
    "run",
    "-A",
    ...flags,
    decodeURIComponent(MAIN_TS.pathname),
    role,
    ...args,
  ]];
}

export interface ChildExit {
  code: number;
  signal: string | null;
}

/** A running `hakv <role>`; `exited` settles when it ends, however it ends. */
export class ChildProcess {
  readonly pid: number;
  readonly exited: Promise<ChildExit>;
  readonly startedAt = Date.now();
  #child: Deno.ChildProcess;
  #done = false;

  constructor(role: string, args: readonly string[], opts: { cwd: string; log: string }) {
    const [cmd, cmdArgs] = hakvCommand(role, args);
    // A session of its own: Ctrl-C in the terminal reaches `hakv up` alone, which then stops
    // the group in order (proxy, sentinels, data nodes) instead of all at once.
    this.#child = new Deno.Command(cmd, {
      args: cmdArgs,
      cwd: opts.cwd,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      detached: true,
    }).spawn();
    this.pid = this.#child.pid;
    // What the process prints (a crash's stack trace above all) goes to its log file too.
    const file = Deno.openSync(opts.log, { append: true, create: true, write: true });
    const sink = () =>
      new WritableStream<Uint8Array>({
        async write(chunk) {
          let off = 0;
          while (off < chunk.length) off += await file.write(chunk.subarray(off));
        },
      });
    const pipes = Promise.all([
      this.#child.stdout.pipeTo(sink()).catch(() => {}),
      this.#child.stderr.pipeTo(sink()).catch(() => {}),
    ]);
    this.exited = this.#child.status.then(async (s) => {
      this.#done = true;
      await pipes;
      file.close();
      return { code: s.code, signal: s.signal };
    });
  }

  get running(): boolean {
    return !this.#done;
  }

  kill(signal: Deno.Signal): void {
    if (this.#done) return;
    try {
      this.#child.kill(signal);
    } catch {
      // it has just exited
    }
  }

  /** SIGTERM, then SIGKILL if it is still running after `graceMs`. */
  async stop(graceMs: number): Promise<ChildExit> {
    this.kill("SIGTERM");
    await withTimeout(this.exited, graceMs).catch(() => this.kill("SIGKILL"));
    return await this.exited;
  }
}

/** The last `lines` lines of a log file ("" if it can't be read). */
export function logTail(path: string, lines = 10): string {
  try {
    const text = Deno.readTextFileSync(path).trimEnd();
    return text.split("\n").slice(-lines).join("\n");
  } catch {
    return "";
  }
}
