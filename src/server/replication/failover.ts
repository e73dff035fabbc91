// FAILOVER: a master hands its role to one of its replicas without losing acknowledged writes,
// as Redis 7.0 does. It pauses writes, waits until the target (or any replica) has acknowledged
// the whole stream, then becomes a replica of it; its first PSYNC carries FAILOVER, which tells
// the target to promote itself before it answers (handlers/replication.ts). The pause ends when
// that PSYNC is answered, so writes held by it then fail with -READONLY on the new replica.
import type { Argv } from "../../resp/mod.ts";
import { parseInt64 } from "../../engine/values.ts";
import type { Client } from "../client.ts";
import { NOT_INTEGER, SYNTAX } from "../errors.ts";
import type { Server } from "../server.ts";
import { follow, unfollow } from "./replica.ts";

export type FailoverState = "no-failover" | "waiting-for-sync" | "failover-in-progress";

export const FAILOVER_ON_REPLICA = "ERR FAILOVER is not valid when server is a replica.";
export const FAILOVER_NO_REPLICAS = "ERR FAILOVER requires connected replicas.";
export const FAILOVER_RUNNING = "ERR FAILOVER already in progress.";
export const FAILOVER_NONE = "ERR No failover in progress.";
export const FAILOVER_NOT_REPLICA = "ERR FAILOVER target HOST and PORT is not a replica.";
export const FAILOVER_FORCE =
  "ERR FAILOVER with force option requires both a timeout and target HOST and IP.";
export const FAILOVER_TIMEOUT = "ERR FAILOVER timeout must be greater than 0";
export const REPLICAOF_FAILING_OVER = "ERR REPLICAOF not allowed while failing over.";
export const PSYNC_FAILOVER_REPLID = "ERR PSYNC FAILOVER replid must match my replid.";
export const PSYNC_FAILOVER_MASTER = "ERR PSYNC FAILOVER can't be sent to a master.";

/** How often the waiting master looks at its replicas' ACKs and the timeout. */
const CHECK_MS = 10;

/** One master's failover state (Redis's failover_state and its target). */
export class Failover {
  readonly #server: Server;
  state: FailoverState = "no-failover";
  #host: string | null = null;
  #port = 0;
  #force = false;
  /** When waiting-for-sync gives up (ms epoch), 0: never. */
  #endTime = 0;
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(server: Server) {
    this.#server = server;
  }

  get active(): boolean {
    return this.state !== "no-failover";
  }

  /** How the log names the target. */
  get #target(): string {
    return this.#host === null ? "any replica" : `${this.#host}:${this.#port}`;
  }

  /** The FAILOVER command. */
  command(c: Client, argv: Argv): void {
    const server = this.#server;
    let host: string | null = null;
    let port = 0;
    let force = false;
    let abort = false;
    let timeout = 0;
    for (let i = 1; i < argv.length; i++) {
      const left = argv.length - i - 1;
      if (argv.is(i, "to") && left >= 2 && host === null) {
        const p = parseInt64(argv.str(i + 2));
        if (p === null) return c.w.error(NOT_INTEGER);
        host = argv.str(i + 1);
        port = Number(p);
        i += 2;
      } else if (argv.is(i, "force") && !force) {
        force = true;
      } else if (argv.is(i, "abort") && !abort) {
        abort = true;
      } else if (argv.is(i, "timeout") && left >= 1 && timeout === 0) {
        const t = parseInt64(argv.str(i + 1));
        if (t === null) return c.w.error(NOT_INTEGER);
        if (t <= 0n) return c.w.error(FAILOVER_TIMEOUT);
        timeout = Number(t);
        i += 1;
      } else return c.w.error(SYNTAX);
    }
    if (abort) {
      if (host !== null || force || timeout > 0) return c.w.error(SYNTAX);
      if (!this.active) return c.w.error(FAILOVER_NONE);
      this.abort("Failover manually aborted");
      return c.w.ok();
    }
    if (server.replicaOf !== null) return c.w.error(FAILOVER_ON_REPLICA);
    if (server.repl.replicas.size === 0) return c.w.error(FAILOVER_NO_REPLICAS);
    if (this.active) return c.w.error(FAILOVER_RUNNING);
    if (force && (timeout === 0 || host === null)) return c.w.error(FAILOVER_FORCE);
    if (host !== null && this.#find(host, port, false) === null) {
      return c.w.error(FAILOVER_NOT_REPLICA);
    }
    this.#host = host;
    this.#port = port;
    this.#force = force;
    this.#endTime = timeout > 0 ? Date.now() + timeout : 0;
    this.state = "waiting-for-sync";
    server.log.notice(`FAILOVER requested to ${this.#target}.`);
    // Like CLIENT PAUSE WRITE: the stream stops growing, so a replica can catch up with it.
    server.pause("failover", Infinity, false);
    this.#timer = setInterval(() => this.check(), CHECK_MS);
    c.w.ok();
  }

  /** An online replica at host:port (ip as the master sees it), synced up if `synced`. */
  #find(host: string | null, port: number, synced: boolean): { ip: string; port: number } | null {
    const repl = this.#server.repl;
    for (const link of repl.replicas) {
      if (link.state !== "online") continue;
      if (host !== null && (link.ip !== host || link.port !== port)) continue;
      if (synced && link.ackOffset !== repl.offset) continue;
      return link;
    }
    return null;
  }

  /** While waiting: fail over once the target acknowledged everything, or the time is up. */
  check(): void {
    if (this.state !== "waiting-for-sync") return;
    const synced = this.#find(this.#host, this.#port, true);
    if (synced !== null) {
      this.#server.log.notice(
        `Failover target ${synced.ip}:${synced.port} is synced, failing over.`,
      );
      this.#failOver(synced.ip, synced.port);
      return;
    }
    if (this.#endTime === 0 || Date.now() < this.#endTime) return;
    if (this.#force && this.#host !== null) {
      this.#server.log.notice(`FAILOVER to ${this.#target} time out exceeded, failing over.`);
      this.#failOver(this.#host, this.#port);
    } else this.abort("Replica never caught up before timeout");
  }

  /** Becomes a replica of the target; its PSYNC ... FAILOVER promotes it. */
  #failOver(host: string, port: number): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#host = host;
    this.#port = port;
    this.state = "failover-in-progress";
    follow(this.#server, host, port, { failover: true });
  }

  /** The target answered the FAILOVER PSYNC (replica.ts): done, or rolled back. */
  psyncAnswered(accepted: boolean): void {
    if (this.state !== "failover-in-progress") return;
    if (accepted) this.#clear();
    else this.abort("Failover target rejected psync request");
  }

  /** Ends the failover and returns to being the master (if it had already stepped down). */
  abort(reason: string): void {
    if (!this.active) return;
    this.#server.log.notice(`FAILOVER to ${this.#target} aborted: ${reason}`);
    // Master again before the pause ends, so held writes run against a master.
    if (this.state === "failover-in-progress") unfollow(this.#server);
    this.#clear();
  }

  #clear(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.state = "no-failover";
    this.#host = null;
    this.#force = false;
    this.#endTime = 0;
    this.#server.unpause("failover");
  }
}
