// The server's persistence state and policy: SAVE and BGSAVE (one background save at a time,
// BGSAVE SCHEDULE), the `save <seconds> <changes>` points checked every cron tick, saving at
// shutdown, the MISCONF refusal after a failed background save, start-up loading with -LOADING
// meanwhile, and the figures INFO persistence reports. The bytes are written by snapshot.ts
// (SAVE), walker.ts and bgsave.ts (BGSAVE).
import type { Server } from "../server.ts";
import { BackgroundSave, SaveAborted } from "./bgsave.ts";
import {
  readSnapshotFile,
  saveSnapshot,
  SnapshotError,
  SnapshotLoader,
  snapshotPath,
  snapshotWalker,
} from "./snapshot.ts";

export const MISCONF =
  "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.";
export const LOADING = "LOADING Redis is loading the dataset in memory";
export const BGSAVE_IN_PROGRESS = "ERR Background save already in progress";

/** After a failed background save, save points wait this long before trying again (Redis's). */
const RETRY_DELAY_S = 5;
/**
 * Loading runs in slices of about this many milliseconds (read 64 KB at a time), then lets the
 * event loop answer clients (-LOADING) with a timer: the only yield that lets sockets in (a
 * message or setImmediate starves them), and one that costs ~2 ms a turn in Deno, so slices
 * are long enough to keep that near 4% of the load.
 */
const LOAD_SLICE_MS = 50;
const LOAD_STEP_BYTES = 64 * 1024;

/** What BGSAVE replied: started, scheduled, or an error text. */
export type BgsaveReply = "started" | "scheduled" | { error: string };

/** Start-up loading in progress (INFO's loading_* fields). */
interface Loading {
  /** Where the load is: bytes read of the image's total. */
  loader: { readonly position: number; readonly total: number };
  startedAt: number;
  usedMem: number;
}

export class Persistence {
  readonly #server: Server;
  #job: BackgroundSave | null = null;
  /** Dirty count when the running background save began. */
  #dirtyAtStart = 0;
  /** Unix seconds of the last background save attempt. */
  #lastTry = 0;
  #loading: Loading | null = null;
  #savePoints: [seconds: number, changes: number][] = [];
  /** rdb_last_bgsave_status. */
  lastBgsaveOk = true;
  /** rdb_last_bgsave_time_sec: how long the last background save took. */
  lastBgsaveSeconds = -1;
  /** rdb_saves: SAVE and BGSAVE runs. */
  saves = 0;
  /** BGSAVE SCHEDULE (or BGSAVE in MULTI) is waiting for the running save to end. */
  scheduled = false;
  /** rdb_last_load_keys_loaded / _expired. */
  lastLoadKeys = 0;
  lastLoadExpired = 0;

  constructor(server: Server) {
    this.#server = server;
    const config = server.config;
    config.watch("save", (v) => {
      const w = v.split(" ").filter((x) => x !== "").map(Number);
      this.#savePoints = [];
      for (let i = 0; i + 1 < w.length; i += 2) this.#savePoints.push([w[i]!, w[i + 1]!]);
      this.#updateGate();
    });
    config.watch("stop-writes-on-bgsave-error", () => this.#updateGate());
  }

  /** True while a background save runs. */
  get inProgress(): boolean {
    return this.#job !== null;
  }

  get job(): BackgroundSave | null {
    return this.#job;
  }

  get loading(): Loading | null {
    return this.#loading;
  }

  /** Whether `save` points are configured. */
  get hasSavePoints(): boolean {
    return this.#savePoints.length > 0;
  }

  /** SAVE and the other synchronous saves. Logs as Redis does; false if it failed. */
  saveNow(): boolean {
    const server = this.#server;
    try {
      saveSnapshot(server);
    } catch (err) {
      server.log.warning(`Failed saving the DB: ${err instanceof Error ? err.message : err}`);
      return false;
    }
    server.log.notice("DB saved on disk");
    this.lastBgsaveOk = true;
    this.#updateGate();
    return true;
  }

  /** The SAVE command: refused while a background save runs. */
  saveCommand(): string | null {
    if (this.#job !== null) return BGSAVE_IN_PROGRESS;
    this.saves++;
    return this.saveNow() ? null : "ERR";
  }

  /** The BGSAVE command. Inside EXEC (or with SCHEDULE while one runs) it is scheduled. */
  bgsaveCommand(schedule: boolean, inExec: boolean): BgsaveReply {
    if (this.#job !== null) return { error: BGSAVE_IN_PROGRESS };
    if (inExec) {
      this.scheduled = true;
      return "scheduled";
    }
    this.startBackground();
    void schedule; // with no other kind of background job, SCHEDULE never has to wait
    return "started";
  }

  /** Starts a background save now (the caller checked none runs). */
  startBackground(): void {
    const server = this.#server;
    this.saves++;
    this.scheduled = false;
    this.#lastTry = Math.floor(Date.now() / 1000);
    this.#dirtyAtStart = server.dirty;
    const walker = snapshotWalker(server, { live: true });
    server.snapshot = walker;
    const job = new BackgroundSave(walker, {
      dir: server.config.get("dir"),
      dbfilename: server.config.get("dbfilename"),
      keyDelayMicros: server.config.int("rdb-key-save-delay"),
      onWalked: () => {
        if (server.snapshot === walker) server.snapshot = null;
      },
      activity: () => server.stats.commandsProcessed,
    });
    this.#job = job;
    server.log.notice(`Background saving started by pid ${Deno.pid}`);
    job.done.then(
      () => this.#finished(job, null),
      (err) => this.#finished(job, err),
    );
  }

  /** Stops a running background save; its temp file goes, the last status stays. */
  abortBackground(): void {
    const job = this.#job;
    if (job === null) return;
    job.abort();
    this.#detach(job);
  }

  #detach(job: BackgroundSave): void {
    if (this.#job !== job) return;
    this.#job = null;
    const server = this.#server;
    if (server.snapshot === job.walker) server.snapshot = null;
  }

  #finished(job: BackgroundSave, err: unknown): void {
    const server = this.#server;
    const log = server.log;
    if (err instanceof SaveAborted) {
      log.warning("Background saving terminated by signal 10");
      return;
    }
    this.#detach(job);
    this.lastBgsaveSeconds = Math.round((Date.now() - job.startedAt) / 1000);
    if (err === null) {
      log.notice("DB saved on disk");
      log.notice("Background saving terminated with success");
      server.dirty -= this.#dirtyAtStart;
      server.lastSave = Math.floor(Date.now() / 1000);
      this.lastBgsaveOk = true;
    } else {
      log.warning(
        `Failed saving the DB in the background: ${err instanceof Error ? err.message : err}`,
      );
      log.warning("Background saving error");
      this.lastBgsaveOk = false;
    }
    this.#updateGate();
  }

  /** Save points and scheduled saves; run every cron tick. */
  cron(): void {
    if (this.#job !== null || this.#loading !== null) return;
    const server = this.#server;
    const now = Math.floor(Date.now() / 1000);
    const mayTry = this.lastBgsaveOk || now - this.#lastTry > RETRY_DELAY_S;
    if (!mayTry) return;
    if (this.scheduled) {
      this.startBackground();
      return;
    }
    for (const [seconds, changes] of this.#savePoints) {
      if (server.dirty >= changes && now - server.lastSave > seconds) {
        server.log.notice(`${changes} changes in ${seconds} seconds. Saving...`);
        this.startBackground();
        return;
      }
    }
  }

  /**
   * The save SHUTDOWN (and SIGTERM) does: a running background save is stopped, then the dump is
   * written if asked to or if save points are configured. False if that save failed.
   */
  shutdownSave(options: { save: boolean; nosave: boolean }): boolean {
    const log = this.#server.log;
    if (this.#job !== null) {
      log.warning("There is a child saving an .rdb. Killing it!");
      this.abortBackground();
    }
    if (options.nosave || (!options.save && !this.hasSavePoints)) return true;
    if (this.#loading !== null) {
      // Half a dataset must never replace the whole one on disk.
      log.warning("Not saving the final RDB snapshot: the dataset is still loading.");
      return true;
    }
    log.notice("Saving the final RDB snapshot before exiting.");
    if (this.saveNow()) return true;
    log.warning("Error trying to save the DB, can't exit.");
    return false;
  }

  /** FLUSHALL: a running save is stopped and, with save points, the empty dataset is saved. */
  afterFlushAll(): void {
    this.abortBackground();
    if (this.hasSavePoints && this.saveNow()) this.#server.dirty = 0;
  }

  // --- Start-up loading --------------------------------------------------------------------

  /**
   * Loads `<dir>/<dbfilename>` a slice at a time; meanwhile commands without the `loading`
   * flag are refused with -LOADING. Resolves with what was loaded (null: no file); rejects with
   * SnapshotError on a file that can't be loaded.
   */
  async loadAtStart(): Promise<{ keys: number; expired: number } | null> {
    const server = this.#server;
    const path = snapshotPath(server);
    const bytes = readSnapshotFile(path);
    if (bytes === null) return null;
    const aux = new Map<string, string>();
    const result = await this.runLoad(
      new SnapshotLoader(server, bytes, path, { onAux: (k, v) => aux.set(k, v) }),
    );
    this.#restoreHistory(aux);
    return result;
  }

  /**
   * A dump that records a replication history (`repl-id`, `repl-offset`, `repl-stream-db`) is
   * continued from: a restarted replica asks its master for a partial resync at that offset,
   * and a restarted master's replicas can continue if they stand where it does (as Redis 7).
   */
  #restoreHistory(aux: Map<string, string>): void {
    const server = this.#server;
    const id = aux.get("repl-id") ?? "";
    const offset = Number(aux.get("repl-offset"));
    const db = Number(aux.get("repl-stream-db") ?? "0");
    if (!/^[0-9a-f]{40}$/.test(id) || !Number.isSafeInteger(offset) || offset < 0) return;
    if (!Number.isInteger(db) || db < 0 || db >= server.keyspace.databases) return;
    server.repl.restoreHistory(id, offset, db);
    server.replicaOf?.resumeHistory();
    server.log.notice(`Restored replication ID ${id} and offset ${offset} from the RDB file`);
  }

  /**
   * Runs a load in slices with -LOADING meanwhile (start-up, a replica's full sync) and records
   * what it loaded. Null if `stopped` turned true between slices. Throws SnapshotError, or what
   * `more` throws. A streamed image (`SnapshotLoader` with `streaming`) waits on `more` for its
   * next bytes whenever it has loaded all it was fed.
   */
  async runLoad(
    loader: SnapshotLoader,
    stopped: () => boolean = () => false,
    more: () => Promise<void> = () => Promise.resolve(),
  ): Promise<{ keys: number; expired: number } | null> {
    this.beginLoad(loader);
    try {
      for (;;) {
        const deadline = performance.now() + LOAD_SLICE_MS;
        let result = loader.step(LOAD_STEP_BYTES);
        while (result === null && !loader.starved && performance.now() < deadline) {
          result = loader.step(LOAD_STEP_BYTES);
        }
        if (result !== null) {
          this.lastLoadKeys = result.keys;
          this.lastLoadExpired = result.expired;
          return result;
        }
        // A streamed image waits for its next bytes; otherwise clients get a turn.
        if (loader.starved) await more();
        else await new Promise((resolve) => setTimeout(resolve, 0));
        if (stopped()) return null;
      }
    } finally {
      this.endLoad();
    }
  }

  /**
   * A load that isn't the start-up one (a replica loading its master's image) shows in INFO
   * (`loading:1`, the loading_* fields) and gates commands the same way until `endLoad`.
   */
  beginLoad(progress: { readonly position: number; readonly total: number }): void {
    const mem = Deno.memoryUsage();
    this.#loading = {
      loader: progress,
      startedAt: Date.now(),
      usedMem: mem.heapUsed + mem.external,
    };
    this.#updateGate();
  }

  endLoad(): void {
    this.#loading = null;
    this.#updateGate();
  }

  // --- The gate dispatch checks --------------------------------------------------------------

  /** Recomputes the server's gate flags (what dispatch checks on every command). */
  #updateGate(): void {
    const server = this.#server;
    server.refuseWrites = !this.lastBgsaveOk && this.hasSavePoints &&
      server.config.bool("stop-writes-on-bgsave-error");
    server.loadingData = this.#loading !== null;
  }

  /** INFO persistence's loading_* fields, while loading. */
  loadingFields(): [string, string | number][] {
    const l = this.#loading;
    if (l === null) return [];
    const loaded = l.loader.position;
    const total = l.loader.total;
    const elapsed = (Date.now() - l.startedAt) / 1000;
    const eta = loaded > 0 && elapsed > 0 ? Math.round((total - loaded) / (loaded / elapsed)) : 1;
    return [
      ["loading_start_time", Math.floor(l.startedAt / 1000)],
      ["loading_total_bytes", total],
      ["loading_rdb_used_mem", l.usedMem],
      ["loading_loaded_bytes", loaded],
      ["loading_loaded_perc", ((loaded * 100) / Math.max(1, total)).toFixed(2)],
      ["loading_eta_seconds", eta],
    ];
  }
}

export { SnapshotError };
