// notification-script and client-reconfig-script: a queue of script runs with Redis Sentinel's
// limits (16 running, 256 queued, a run time limit) and retries (exit code 1 retries later,
// up to 10 times; any other non-zero code is final). SENTINEL PENDING-SCRIPTS lists it.
import type { Logger } from "../_util/log.ts";
import type { Addr, Instance } from "./instance.ts";
import type { TimingName } from "./monitor.ts";

const MAX_RUNNING = 16;
const MAX_QUEUE = 256;
const MAX_RETRY = 10;

export interface ScriptJob {
  argv: string[];
  running: boolean;
  pid: number;
  startTime: number;
  retryNum: number;
  /** When a queued job may start (for retries), epoch ms. */
  notBefore: number;
  child: Deno.ChildProcess | null;
}

export class Scripts {
  readonly jobs: ScriptJob[] = [];
  readonly #log: Logger;
  /** Published events that concern scripts (-script-error...), set by the sentinel. */
  onEvent: (type: string, msg: string) => void = () => {};

  constructor(log: Logger) {
    this.#log = log;
  }

  get running(): number {
    return this.jobs.filter((j) => j.running).length;
  }

  /** Queues `argv`, dropping the oldest queued (not running) job when the queue is full. */
  schedule(argv: string[]): void {
    if (this.jobs.length >= MAX_QUEUE) {
      const i = this.jobs.findIndex((j) => !j.running);
      if (i < 0) return;
      this.jobs.splice(i, 1);
    }
    this.jobs.push({
      argv,
      running: false,
      pid: 0,
      startTime: 0,
      retryNum: 0,
      notBefore: 0,
      child: null,
    });
  }

  /** notification-script <event-type> <event-description>, for warning-level events. */
  notify(master: Instance, type: string, msg: string): void {
    if (master.notificationScript !== null) this.schedule([master.notificationScript, type, msg]);
  }

  /** client-reconfig-script <master> <role> <state> <from-ip> <from-port> <to-ip> <to-port>. */
  clientReconfig(
    master: Instance,
    role: "leader" | "observer",
    state: string,
    from: Addr,
    to: Addr,
  ): void {
    if (master.clientReconfigScript === null) return;
    this.schedule([
      master.clientReconfigScript,
      master.name,
      role,
      state,
      from.host,
      String(from.port),
      to.host,
      String(to.port),
    ]);
  }

  /** Starts due jobs and kills those past the run time limit. */
  tick(now: number, timing: Record<TimingName, number>): void {
    for (const j of this.jobs) {
      if (j.running && j.child !== null && now - j.startTime > timing["script-max-runtime"]) {
        this.onEvent("-script-timeout", `${j.argv[0]} ${j.pid}`);
        try {
          j.child.kill("SIGKILL");
        } catch {
          // already gone
        }
      }
    }
    for (const j of this.jobs) {
      if (this.running >= MAX_RUNNING) break;
      if (j.running || j.notBefore > now) continue;
      this.#start(j, now, timing);
    }
  }

  #start(j: ScriptJob, now: number, timing: Record<TimingName, number>): void {
    let child: Deno.ChildProcess;
    try {
      child = new Deno.Command(j.argv[0]!, {
        args: j.argv.slice(1),
        stdin: "null",
        stdout: "null",
        stderr: "null",
      }).spawn();
    } catch (err) {
      this.#log.warning(
        `Failed to run script ${j.argv[0]}: ${err instanceof Error ? err.message : err}`,
      );
      this.onEvent("-script-error", `${j.argv[0]} 99 0`);
      this.jobs.splice(this.jobs.indexOf(j), 1);
      return;
    }
    j.running = true;
    j.child = child;
    j.pid = child.pid;
    j.startTime = now;
    j.retryNum++;
    this.onEvent("+script-child", String(child.pid));
    child.status.then((st) => {
      this.onEvent("-script-child", `${child.pid} ${st.code} ${st.signal === null ? 0 : 1}`);
      j.running = false;
      j.child = null;
      j.pid = 0;
      const retry = st.signal !== null || st.code === 1;
      if (retry && j.retryNum < MAX_RETRY) {
        j.notBefore = Date.now() + timing["script-retry-delay"] * 2 ** (j.retryNum - 1);
        return;
      }
      if (st.code !== 0) {
        this.onEvent("-script-error", `${j.argv[0]} ${st.code} ${st.signal === null ? 0 : 1}`);
      }
      this.jobs.splice(this.jobs.indexOf(j), 1);
    });
  }

  killAll(): void {
    for (const j of this.jobs) {
      try {
        j.child?.kill("SIGKILL");
      } catch {
        // already gone
      }
    }
  }
}
