// BGSAVE without fork: a SnapshotWalker produces the point-in-time image a slice at a time and
// the slices go to `temp-bgsave-<pid>.rdb` with asynchronous writes, so the event loop serves
// clients between slices and while the disk works. At the end: fsync, then rename over the
// dump, as SAVE does. A failed save leaves the previous dump in place.
import type { SnapshotWalker } from "./walker.ts";

/** Walk time per slice: long enough to stream fast, short enough to keep latency low. */
const SLICE_MS = 1;

export interface BackgroundSaveOptions {
  dir: string;
  dbfilename: string;
  /** `rdb-key-save-delay`: microseconds to wait after each key (tests slow saves down with it). */
  keyDelayMicros: number;
  /** Called as soon as the image is complete, before the file is synced and renamed. */
  onWalked: () => void;
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
      const delay = options.keyDelayMicros;
      for (let walked = false; !walked;) {
        if (this.#aborted) throw new SaveAborted();
        walked = delay > 0 ? walker.step(Infinity, 1) : walker.step(performance.now() + SLICE_MS);
        if (walked) options.onWalked();
        const chunks = walker.take();
        for (const chunk of chunks) await writeAll(file, chunk);
        // Awaiting a write lets clients in; without one, give them a turn explicitly.
        if (delay > 0) await sleep(Math.max(1, Math.round(delay / 1000)));
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
      try {
        await Deno.remove(temp);
      } catch {
        // never created, or already gone
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
