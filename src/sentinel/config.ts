// sentinel.conf: reading it as redis-sentinel does (general directives plus `sentinel ...`
// lines, with command-line `--directive value` pairs applied after the file), and writing it
// back atomically with the state a sentinel must not forget (its id, epochs, the replicas and
// sentinels it has seen).
import { splitArgs } from "../resp/mod.ts";
import { latin1 } from "../_util/binary.ts";
import type { LogLevel } from "../_util/log.ts";
import type { Addr } from "./instance.ts";

export const DEFAULT_PORT = 26379;

export interface MasterConf {
  name: string;
  addr: Addr;
  quorum: number;
  downAfter: number;
  failoverTimeout: number;
  parallelSyncs: number;
  rebootDownAfterPeriod: number;
  authPass: string | null;
  authUser: string | null;
  notificationScript: string | null;
  clientReconfigScript: string | null;
  renames: Map<string, string>;
  configEpoch: number;
  leaderEpoch: number;
  knownReplicas: Addr[];
  knownSentinels: { addr: Addr; runid: string }[];
}

export interface SentinelConf {
  /** The config file; sentinel state is written back to it. */
  file: string;
  port: number;
  bind: string[];
  logfile: string;
  loglevel: LogLevel;
  dir: string;
  pidfile: string;
  requirepass: string | null;
  myid: string | null;
  currentEpoch: number;
  announceIp: string;
  announcePort: number;
  resolveHostnames: boolean;
  announceHostnames: boolean;
  sentinelUser: string | null;
  sentinelPass: string | null;
  denyScriptsReconfig: boolean;
  masters: Map<string, MasterConf>;
}

export const MASTER_DEFAULTS = {
  downAfter: 30_000,
  failoverTimeout: 180_000,
  parallelSyncs: 1,
  rebootDownAfterPeriod: 0,
} as const;

/** A bad line; main prints the message and exits 1, as redis-sentinel does. */
export class SentinelConfigError extends Error {
  constructor(source: string, line: number, text: string, reason: string) {
    super(
      `\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\n` +
        `Reading the configuration file ${source}, at line ${line}\n>>> '${text}'\n${reason}`,
    );
    this.name = "SentinelConfigError";
  }
}

/** A rejected value, with the reason Redis gives. */
export class BadValue extends Error {}

function words(line: string): string[] | null {
  const bytes = new TextEncoder().encode(line);
  const parts = splitArgs(bytes, 0, bytes.length);
  return parts === null ? null : parts.map((p) => latin1(p, 0, p.length));
}

function int(text: string, min = 0): number {
  if (!/^-?\d+$/.test(text)) throw new BadValue("Invalid argument");
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < min) throw new BadValue("Invalid argument");
  return n;
}

function yesno(text: string): boolean {
  const t = text.toLowerCase();
  if (t === "yes") return true;
  if (t === "no") return false;
  throw new BadValue("argument must be 'yes' or 'no'");
}

/** One part of an inet_aton address: decimal, octal (leading 0) or hex (0x). */
function atonPart(part: string): number | null {
  if (/^0[xX][0-9a-fA-F]+$/.test(part)) return parseInt(part.slice(2), 16);
  if (/^0[0-7]*$/.test(part)) return part.length === 1 ? 0 : parseInt(part.slice(1), 8);
  if (/^[1-9]\d*$/.test(part)) return Number(part);
  return null;
}

/**
 * The address MONITOR stores for `host` when hostnames are not resolved: an IPv4 address in
 * any form inet_aton takes ("1.2.3" is 1.2.0.3, "0x7f.1" is 127.0.0.1), printed dotted, or an
 * IPv6 address without its zone; null when it is neither (the numeric-host lookup fails).
 */
export function numericHost(host: string): string | null {
  if (host.includes(":")) {
    const bare = host.replace(/%[^%]+$/, "");
    if (!/^[0-9a-fA-F:.]+$/.test(bare)) return null;
    try {
      new URL(`http://[${bare}]/`);
      return bare;
    } catch {
      return null;
    }
  }
  const parts = host.split(".");
  if (parts.length > 4) return null;
  const nums: number[] = [];
  for (const p of parts) {
    const n = atonPart(p);
    if (n === null || Number.isNaN(n)) return null;
    nums.push(n);
  }
  // The last part fills every byte the earlier ones leave.
  const lastBytes = 5 - nums.length;
  const last = nums.pop()!;
  if (nums.some((n) => n > 255) || last >= 2 ** (8 * lastBytes)) return null;
  const bytes = [...nums];
  for (let i = lastBytes - 1; i >= 0; i--) bytes.push(Math.floor(last / 2 ** (8 * i)) % 256);
  return bytes.join(".");
}

/**
 * The address `sentinel monitor` (in the file or as a command) stores for `host`: the host as
 * given when hostnames are resolved, else its numeric form; null when it is not acceptable.
 */
export function monitorHost(host: string, resolve: boolean): string | null {
  if (resolve) return host.length > 0 ? host : null;
  return numericHost(host);
}

export function newMaster(name: string, addr: Addr, quorum: number): MasterConf {
  return {
    name,
    addr,
    quorum,
    ...MASTER_DEFAULTS,
    authPass: null,
    authUser: null,
    notificationScript: null,
    clientReconfigScript: null,
    renames: new Map(),
    configEpoch: 0,
    leaderEpoch: 0,
    knownReplicas: [],
    knownSentinels: [],
  };
}

/** A configuration with every default and no master, for `file`. */
export function defaultConf(file: string): SentinelConf {
  return {
    file,
    port: DEFAULT_PORT,
    bind: [],
    logfile: "",
    loglevel: "notice",
    dir: "",
    pidfile: "",
    requirepass: null,
    myid: null,
    currentEpoch: 0,
    announceIp: "",
    announcePort: 0,
    resolveHostnames: false,
    announceHostnames: false,
    sentinelUser: null,
    sentinelPass: null,
    denyScriptsReconfig: true,
    masters: new Map(),
  };
}

const LOG_LEVELS = new Set(["debug", "verbose", "notice", "warning", "nothing"]);

/** Applies one `sentinel <what> ...` line. Throws BadValue with Redis's reason. */
function sentinelLine(conf: SentinelConf, w: string[]): void {
  const what = (w[0] ?? "").toLowerCase();
  const n = w.length;
  const master = (name: string | undefined): MasterConf => {
    const m = conf.masters.get(name ?? "");
    if (m === undefined) throw new BadValue("No such master with specified name.");
    return m;
  };
  const need = (count: number) => {
    if (n !== count) throw new BadValue("Unrecognized sentinel configuration statement.");
  };
  switch (what) {
    case "monitor": {
      need(5);
      const [, name, host, port, quorum] = w as [string, string, string, string, string];
      const q = Number(quorum);
      if (!/^\d+$/.test(quorum) || q <= 0) throw new BadValue("Quorum must be 1 or greater.");
      if (conf.masters.has(name)) throw new BadValue("Duplicated master name.");
      const addr = monitorHost(host, conf.resolveHostnames);
      if (addr === null) throw new BadValue("Can't resolve instance hostname.");
      const p = Number(port);
      if (!/^\d+$/.test(port) || p <= 0 || p > 65535) throw new BadValue("Invalid port number");
      conf.masters.set(name, newMaster(name, { host: addr, port: p }, q));
      return;
    }
    case "down-after-milliseconds":
      need(3);
      master(w[1]).downAfter = int(w[2]!, 1);
      return;
    case "failover-timeout":
      need(3);
      master(w[1]).failoverTimeout = int(w[2]!, 1);
      return;
    case "parallel-syncs":
      need(3);
      master(w[1]).parallelSyncs = int(w[2]!, 1);
      return;
    case "master-reboot-down-after-period":
      need(3);
      master(w[1]).rebootDownAfterPeriod = int(w[2]!, 0);
      return;
    case "notification-script":
      need(3);
      master(w[1]).notificationScript = w[2]!;
      return;
    case "client-reconfig-script":
      need(3);
      master(w[1]).clientReconfigScript = w[2]!;
      return;
    case "auth-pass":
      need(3);
      master(w[1]).authPass = w[2]!;
      return;
    case "auth-user":
      need(3);
      master(w[1]).authUser = w[2]!;
      return;
    case "rename-command": {
      need(4);
      const m = master(w[1]);
      const from = w[2]!.toLowerCase();
      const to = w[3]!;
      if (to === "" || from === to.toLowerCase()) m.renames.delete(from);
      else m.renames.set(from, to);
      return;
    }
    case "config-epoch":
      need(3);
      master(w[1]).configEpoch = int(w[2]!);
      return;
    case "leader-epoch":
      need(3);
      master(w[1]).leaderEpoch = int(w[2]!);
      return;
    case "known-slave":
    case "known-replica": {
      need(4);
      const m = master(w[1]);
      m.knownReplicas.push({ host: w[2]!, port: int(w[3]!, 1) });
      return;
    }
    case "known-sentinel": {
      if (n !== 4 && n !== 5) need(5);
      const m = master(w[1]);
      // Sentinels without a run id (Redis before 2.8.x) are skipped, as Redis skips them.
      if (n === 5) {
        m.knownSentinels.push({ addr: { host: w[2]!, port: int(w[3]!, 1) }, runid: w[4]! });
      }
      return;
    }
    case "myid":
      need(2);
      if (!/^[0-9a-f]{40}$/i.test(w[1]!)) {
        throw new BadValue("Malformed Sentinel id in myid option.");
      }
      conf.myid = w[1]!.toLowerCase();
      return;
    case "current-epoch":
      need(2);
      conf.currentEpoch = Math.max(conf.currentEpoch, int(w[1]!));
      return;
    case "announce-ip":
      need(2);
      conf.announceIp = w[1]!;
      return;
    case "announce-port":
      need(2);
      conf.announcePort = int(w[1]!);
      return;
    case "resolve-hostnames":
      need(2);
      conf.resolveHostnames = yesno(w[1]!);
      return;
    case "announce-hostnames":
      need(2);
      conf.announceHostnames = yesno(w[1]!);
      return;
    case "deny-scripts-reconfig":
      need(2);
      conf.denyScriptsReconfig = yesno(w[1]!);
      return;
    case "sentinel-user":
      need(2);
      conf.sentinelUser = w[1]!;
      return;
    case "sentinel-pass":
      need(2);
      conf.sentinelPass = w[1]!;
      return;
    case "config-update-from": // old state lines Redis itself ignores
    case "known-sentinel-runid":
      return;
  }
  throw new BadValue("Unrecognized sentinel configuration statement.");
}

/** Applies one general directive; those that mean nothing to a sentinel are accepted. */
function generalLine(conf: SentinelConf, name: string, args: string[]): void {
  const one = () => {
    if (args.length !== 1) throw new BadValue("wrong number of arguments");
    return args[0]!;
  };
  switch (name) {
    case "port": {
      const p = int(one());
      if (p > 65535) throw new BadValue("argument must be between 0 and 65535 inclusive");
      conf.port = p;
      return;
    }
    case "bind":
      conf.bind = args;
      return;
    case "logfile":
      conf.logfile = one();
      return;
    case "loglevel": {
      const l = one().toLowerCase();
      if (!LOG_LEVELS.has(l)) {
        throw new BadValue(
          "argument(s) must be one of the following: debug, verbose, notice, warning, nothing",
        );
      }
      conf.loglevel = l as LogLevel;
      return;
    }
    case "dir":
      conf.dir = one();
      return;
    case "pidfile":
      conf.pidfile = one();
      return;
    case "requirepass":
      conf.requirepass = one() === "" ? null : one();
      return;
  }
}

/**
 * Reads `file` (which must exist) and then `argv`'s `--name value...` directives. Throws
 * SentinelConfigError for a bad line.
 */
export function loadSentinelConf(file: string, argv: readonly string[]): SentinelConf {
  const conf = defaultConf(file);
  const text = Deno.readTextFileSync(file);
  const apply = (source: string, lineNo: number, line: string) => {
    if (line === "" || line.startsWith("#")) return;
    const w = words(line);
    if (w === null) {
      throw new SentinelConfigError(
        source,
        lineNo,
        line,
        "Unbalanced quotes in configuration line",
      );
    }
    if (w.length === 0 || w[0]!.startsWith("#")) return;
    const name = w[0]!.toLowerCase();
    try {
      if (name === "sentinel") {
        if (w.length === 1) throw new BadValue("wrong number of arguments");
        sentinelLine(conf, w.slice(1));
      } else generalLine(conf, name, w.slice(1));
    } catch (err) {
      if (!(err instanceof BadValue)) throw err;
      throw new SentinelConfigError(source, lineNo, line, err.message);
    }
  };
  text.split("\n").forEach((raw, i) => apply(file, i + 1, raw.replace(/\r$/, "").trim()));
  // Command-line options become lines, as redis-server turns `--port 1 --x y` into config.
  const lines: string[] = [];
  for (const a of argv) {
    if (a.startsWith("--")) lines.push(a.slice(2));
    else if (lines.length > 0) lines[lines.length - 1] += " " + quote(a);
  }
  lines.forEach((line, i) => apply("(command line)", i + 1, line));
  return conf;
}

/** Quotes a value for a config line when it needs it. */
export function quote(s: string): string {
  if (s !== "" && /^[\x21-\x7e]*$/.test(s) && !/["'\\]/.test(s)) return s;
  let out = '"';
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    if (ch === '"' || ch === "\\") out += "\\" + ch;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (c < 0x20 || c > 0x7e) out += "\\x" + c.toString(16).padStart(2, "0");
    else out += ch;
  }
  return out + '"';
}

/** Refuses a missing or read-only config file, with redis-sentinel's messages. */
export function checkWritable(file: string | undefined): string | null {
  if (file === undefined) return "Sentinel needs config file on disk to save state.  Exiting...";
  try {
    const f = Deno.openSync(file, { read: true, write: true });
    f.close();
    return null;
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return `Sentinel config file ${file} is either non existing or not writable: ${why}. Exiting...`;
  }
}

/**
 * The file rewritten: the user's lines stay as they were, except `sentinel ...` and `port`
 * lines, which are replaced by `state` (the generated block) at the end.
 */
export function renderConf(original: string, state: readonly string[]): string {
  const kept: string[] = [];
  for (const raw of original.split("\n")) {
    const line = raw.replace(/\r$/, "");
    const first = line.trim().split(/\s+/, 1)[0]!.toLowerCase();
    if (first === "sentinel" || first === "port") continue;
    if (line.trim() === "# Generated by CONFIG REWRITE") continue;
    kept.push(line);
  }
  while (kept.length > 0 && kept[kept.length - 1]!.trim() === "") kept.pop();
  const head = kept.length > 0 ? kept.join("\n") + "\n\n" : "";
  return head + "# Generated by CONFIG REWRITE\n" + state.join("\n") + "\n";
}

/** Replaces `file` with `text` so a crash leaves the old file or the new one, never half. */
export function writeAtomically(file: string, text: string): void {
  const tmp = `${file}.tmp-${Deno.pid}`;
  const f = Deno.openSync(tmp, { write: true, create: true, truncate: true });
  try {
    const bytes = new TextEncoder().encode(text);
    let off = 0;
    while (off < bytes.length) off += f.writeSync(bytes.subarray(off));
    f.syncSync();
  } finally {
    f.close();
  }
  Deno.renameSync(tmp, file);
  // The rename itself is durable once the directory is synced.
  try {
    const slash = file.lastIndexOf("/");
    const dir = Deno.openSync(slash > 0 ? file.slice(0, slash) : ".", { read: true });
    try {
      dir.syncSync();
    } finally {
      dir.close();
    }
  } catch {
    // Not every file system lets a directory be synced.
  }
}
