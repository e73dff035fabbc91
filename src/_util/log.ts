// Logging in Redis's format: `pid:R dd Mon yyyy hh:mm:ss.mmm L message`, where R is the role
// (M master, S replica, X sentinel) and L the level mark (. debug, - verbose, * notice,
// # warning). Writes to stdout or to the configured log file.

export type LogLevel = "debug" | "verbose" | "notice" | "warning" | "nothing";

const LEVEL_RANK: Record<LogLevel, number> = {
  debug: 0,
  verbose: 1,
  notice: 2,
  warning: 3,
  nothing: 4,
};
const MARK: Record<Exclude<LogLevel, "nothing">, string> = {
  debug: ".",
  verbose: "-",
  notice: "*",
  warning: "#",
};
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const encoder = new TextEncoder();

export class Logger {
  level: LogLevel = "notice";
  role = "M";
  #file: Deno.FsFile | null = null;
  #path = "";

  /** Sends output to `path` (appending), or to stdout when empty. */
  setFile(path: string): void {
    if (path === this.#path) return;
    this.#file?.close();
    this.#file = path === ""
      ? null
      : Deno.openSync(path, { append: true, create: true, write: true });
    this.#path = path;
  }

  log(level: Exclude<LogLevel, "nothing">, message: string): void {
    if (LEVEL_RANK[level] < LEVEL_RANK[this.level]) return;
    const line = `${Deno.pid}:${this.role} ${stamp(new Date())} ${MARK[level]} ${message}\n`;
    const bytes = encoder.encode(line);
    try {
      if (this.#file !== null) this.#file.writeSync(bytes);
      else Deno.stdout.writeSync(bytes);
    } catch {
      // A closed stdout must not take the server down.
    }
  }

  debug(m: string): void {
    this.log("debug", m);
  }
  verbose(m: string): void {
    this.log("verbose", m);
  }
  notice(m: string): void {
    this.log("notice", m);
  }
  warning(m: string): void {
    this.log("warning", m);
  }

  close(): void {
    this.#file?.close();
    this.#file = null;
    this.#path = "";
  }
}

function pad(n: number, w = 2): string {
  return String(n).padStart(w, "0");
}

function stamp(d: Date): string {
  return `${pad(d.getDate())} ${MONTHS[d.getMonth()]} ${d.getFullYear()} ${pad(d.getHours())}:${
    pad(d.getMinutes())
  }:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}
