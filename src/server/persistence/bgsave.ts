// BGSAVE without fork: a SnapshotWalker produces the point-in-time image a slice at a time and
// the slices go to `temp-bgsave-<pid>.rdb` with asynchronous writes, so the event loop serves
// clients between slices and while the disk works. At the end: fsync, then rename over the
// dump, as SAVE does. A failed save leaves the previous dump in place.
import type { SnapshotWalker } from "./walker.ts";

/**
 * Walk time per slice while clients are served: each slice delays every waiting client by its
 * length, so it stays well under a fast reply's p99; after one, the walk waits a timer tick
 * (the save then takes about a fifth of the time). With no clients it runs in longer slices,
 * back to back.
 */
const BUSY_SLICE_MS = 0.25;
const IDLE_SLICE_MS = 10;

export interface BackgroundSaveOptions {
  dir: string;
  dbfilename: string;
  /** `rdb-key-save-delay`: microseconds to wait after each key (tests slow saves down with it). */
  keyDelayMicros: number;
  /** Called as soon as the image is complete, before the file is synced and renamed. */
  onWalked: () => void;
  /** A count that moves when clients are served (commands processed): the walk yields to them. */
  activity: () => number;
}

/** Thrown out of `done` when the save was aborted (FLUSHALL, SHUTDOWN). */
export class SaveAborted extends Error {
  constructor() {
    super("background save aborted");
    this.name = "SaveAborted";
  }
}

export class BackgroundSave {
  /** Resolves when the dump is in place; rejects with the I/O error or SaveAborted. */
  readonly done: Promise<void>;
  readonly startedAt = Date.now();
  readonly #walker: SnapshotWalker;
  readonly #temp: string;
  #aborted = false;
  /** The temp file exists because this save created it (only then is it ours to remove). */
  #created = false;

  constructor(walker: SnapshotWalker, options: BackgroundSaveOptions) {
    this.#walker = walker;
    this.#temp = `${options.dir}/temp-bgsave-${Deno.pid}.rdb`;
    this.done = this.#run(options);
  }

  get walker(): SnapshotWalker {
    return this.#walker;
  }

  /** Stops the save and removes its temp file now (the process may be about to exit). */
  abort(): void {
    this.#aborted = true;
    this.#walker.abandon();
    if (!this.#created) return;
    try {
      Deno.removeSync(this.#temp);
    } catch {
      // not created yet, or already gone
    }
  }

  async #run(options: BackgroundSaveOptions): Promise<void> {
    const temp = this.#temp;
    const walker = this.#walker;
    let file: Deno.FsFile | null = null;
    try {
      file = await Deno.open(temp, { write: true, create: true, truncate: true });
      this.#created = true;
      const delay = options.keyDelayMicros;
      let seen = options.activity();
      let busy = true;
      for (let walked = false; !walked;) {
        if (this.#aborted) throw new SaveAborted();
        walked = delay > 0
          ? walker.step(Infinity, 1)
          : walker.step(performance.now() + (busy ? BUSY_SLICE_MS : IDLE_SLICE_MS));
        if (walked) options.onWalked();
        const chunks = walker.take();
        for (const chunk of chunks) {
          await writeAll(file, chunk);
          walker.recycle(chunk);
        }
        // Clients served meanwhile: leave them most of the time. Awaiting a write let them in;
        // with nothing written, give them a turn explicitly.
        const now = options.activity();
        busy = now !== seen;
        seen = now;
        if (delay > 0) await sleep(Math.max(1, Math.round(delay / 1000)));
        else if (busy) await sleep(1);
        else if (chunks.length === 0 && !walked) await sleep(0);
      }
      if (this.#aborted) throw new SaveAborted();
      await file.sync();
      file.close();
      file = null;
      if (this.#aborted) throw new SaveAborted();
      await Deno.rename(temp, `${options.dir}/${options.dbfilename}`);
    } catch (err) {
      walker.abandon();
      if (file !== null) {
        try {
          file.close();
        } catch {
          // already closed
        }
      }
      if (this.#created) {
        try {
          await Deno.remove(temp);
        } catch {
          // already gone
        }
      }
      throw this.#aborted ? new SaveAborted() : err;
    }
  }
}

async function writeAll(file: Deno.FsFile, chunk: Uint8Array): Promise<void> {
  let off = 0;
  while (off < chunk.length) off += await file.write(chunk.subarray(off));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
