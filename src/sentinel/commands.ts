// The SENTINEL subcommands: the discovery API clients use (GET-MASTER-ADDR-BY-NAME, MASTERS,
// REPLICAS, SENTINELS), the peer protocol (IS-MASTER-DOWN-BY-ADDR) and administration, with
// Redis Sentinel's reply shapes: flat field/value arrays in RESP2, maps in RESP3.
import type { SentinelHandlerName } from "../commands/mod.ts";
import { globMatch } from "../engine/glob.ts";
import type { RespWriter } from "../resp/mod.ts";
import type { Argv } from "../resp/mod.ts";
import { monitorHost } from "./config.ts";
import { F, type Instance } from "./instance.ts";
import { type Sentinel, TIMING_DEFAULTS, type TimingName } from "./monitor.ts";

/** What a handler sees of the client that sent the command. */
export interface Caller {
  readonly w: RespWriter;
}

export type SentinelHandler = (c: Caller, argv: Argv, s: Sentinel) => void;

const NO_SUCH_MASTER = "ERR No such master with that name";
const NOT_INTEGER = "ERR value is not an integer or out of range";

const HELP = [
  "SENTINEL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
  "CKQUORUM <master-name>",
  "    Check if the current Sentinel configuration is able to reach the quorum",
  "    needed to failover a master and the majority needed to authorize the",
  "    failover.",
  "CONFIG SET <param> <value>",
  "    Set a global Sentinel configuration parameter.",
  "CONFIG GET <param>",
  "    Get global Sentinel configuration parameter.",
  "DEBUG [<param> <value> ...]",
  "    Show a list of configurable time parameters and their values (milliseconds).",
  "    Or update current configurable parameters values (one or more).",
  "GET-MASTER-ADDR-BY-NAME <master-name>",
  "    Return the ip and port number of the master with that name.",
  "FAILOVER <master-name>",
  "    Manually failover a master node without asking for agreement from other",
  "    Sentinels",
  "FLUSHCONFIG",
  "    Force Sentinel to rewrite its configuration on disk, including the current",
  "    Sentinel state.",
  "INFO-CACHE <master-name>",
  "    Return last cached INFO output from masters and all its replicas.",
  "IS-MASTER-DOWN-BY-ADDR <ip> <port> <current-epoch> <runid>",
  "    Check if the master specified by ip:port is down from current Sentinel's",
  "    point of view.",
  "MASTER <master-name>",
  "    Show the state and info of the specified master.",
  "MASTERS",
  "    Show a list of monitored masters and their state.",
  "MONITOR <name> <ip> <port> <quorum>",
  "    Start monitoring a new master with the specified name, ip, port and quorum.",
  "MYID",
  "    Return the ID of the Sentinel instance.",
  "PENDING-SCRIPTS",
  "    Get pending scripts information.",
  "REMOVE <master-name>",
  "    Remove master from Sentinel's monitor list.",
  "REPLICAS <master-name>",
  "    Show a list of replicas for this master and their state.",
  "RESET <pattern>",
  "    Reset masters for specific master name matching this pattern.",
  "SENTINELS <master-name>",
  "    Show a list of Sentinel instances for this master and their state.",
  "SET <master-name> <option> <value> [<option> <value> ...]",
  "    Set configuration parameters for certain masters.",
  "SIMULATE-FAILURE [CRASH-AFTER-ELECTION] [CRASH-AFTER-PROMOTION] [HELP]",
  "    Simulate a Sentinel crash.",
  "HELP",
  "    Prints this help.",
];

/** SENTINEL CONFIG parameters, in the order CONFIG GET lists them. */
const GLOBAL_PARAMS = [
  "resolve-hostnames",
  "announce-hostnames",
  "announce-ip",
  "announce-port",
  "sentinel-user",
  "sentinel-pass",
] as const;

function master(c: Caller, s: Sentinel, name: string): Instance | null {
  const m = s.masters.get(name);
  if (m === undefined) c.w.error(NO_SUCH_MASTER);
  return m ?? null;
}

/** The fields SENTINEL MASTER / REPLICAS / SENTINELS give for one instance, in Redis's order. */
export function instanceFields(ri: Instance, now: number): [string, string][] {
  const link = ri.link;
  const f: [string, string][] = [
    ["name", ri.name],
    ["ip", ri.addr.host],
    ["port", String(ri.addr.port)],
    ["runid", ri.runid ?? ""],
    ["flags", ri.flagList()],
    ["link-pending-commands", String(link.pending)],
    ["link-refcount", "1"],
  ];
  if (ri.failoverState !== "none") f.push(["failover-state", ri.failoverState]);
  f.push(["last-ping-sent", String(link.actPingTime !== 0 ? now - link.actPingTime : 0)]);
  f.push(["last-ok-ping-reply", String(now - link.lastAvailTime)]);
  f.push(["last-ping-reply", String(now - link.lastPongTime)]);
  if (ri.has(F.S_DOWN)) f.push(["s-down-time", String(now - ri.sdownSince)]);
  if (ri.has(F.O_DOWN)) f.push(["o-down-time", String(now - ri.odownSince)]);
  f.push(["down-after-milliseconds", String(ri.downAfter)]);
  if (ri.kind !== "sentinel") {
    f.push(["info-refresh", String(now - ri.infoRefresh)]);
    f.push(["role-reported", ri.roleReported]);
    f.push(["role-reported-time", String(now - ri.roleReportedTime)]);
  }
  if (ri.kind === "master") {
    f.push(["config-epoch", String(ri.configEpoch)]);
    f.push(["num-slaves", String(ri.replicas.size)]);
    f.push(["num-other-sentinels", String(ri.sentinels.size)]);
    f.push(["quorum", String(ri.quorum)]);
    f.push(["failover-timeout", String(ri.failoverTimeout)]);
    f.push(["parallel-syncs", String(ri.parallelSyncs)]);
    if (ri.notificationScript !== null) f.push(["notification-script", ri.notificationScript]);
    if (ri.clientReconfigScript !== null) {
      f.push(["client-reconfig-script", ri.clientReconfigScript]);
    }
  }
  if (ri.kind === "slave") {
    f.push(["master-link-down-time", String(ri.masterLinkDownTime)]);
    f.push(["master-link-status", ri.slaveMasterLinkUp ? "ok" : "err"]);
    f.push(["master-host", ri.slaveMasterHost ?? "?"]);
    f.push(["master-port", String(ri.slaveMasterPort)]);
    f.push(["slave-priority", String(ri.slavePriority)]);
    f.push(["slave-repl-offset", String(ri.replOffset)]);
    f.push(["replica-announced", ri.replicaAnnounced ? "1" : "0"]);
  }
  if (ri.kind === "sentinel") {
    f.push(["last-hello-message", String(now - ri.lastHelloTime)]);
    f.push(["voted-leader", ri.leader ?? "?"]);
    f.push(["voted-leader-epoch", String(ri.leaderEpoch)]);
  }
  return f;
}

function writeInstance(w: RespWriter, ri: Instance, now: number): void {
  const fields = instanceFields(ri, now);
  w.map(fields.length);
  for (const [k, v] of fields) {
    w.bulk(k);
    w.bulk(v);
  }
}

function writeInstances(w: RespWriter, list: Iterable<Instance>): void {
  const all = [...list];
  const now = Date.now();
  w.array(all.length);
  for (const ri of all) writeInstance(w, ri, now);
}

/**
 * A signed 64-bit integer by Redis's string2ll rules (no sign but '-', no leading zeros, no
 * "-0", no spaces), as a number; values past 2^53 (never meaningful here) are refused too.
 */
/** An integer as Redis's string2ll reads it (no '+', no leading zeros), if JS holds it exactly. */
export function parseInt64(text: string): number | null {
  if (!/^(0|-?[1-9]\d{0,18})$/.test(text)) return null;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : null;
}

/** Whether `path` names an executable file (scripts given at run time must). */
function executable(path: string): boolean {
  try {
    const st = Deno.statSync(path);
    return st.isFile && st.mode !== null && (st.mode & 0o111) !== 0;
  } catch {
    return false;
  }
}

function setOption(s: Sentinel, m: Instance, option: string, values: string[]): string | null {
  const bad = `ERR Invalid argument '${values[0]}' for SENTINEL SET '${option}'`;
  const positive = () => {
    const n = parseInt64(values[0]!);
    return n !== null && n > 0 ? n : null;
  };
  switch (option) {
    case "down-after-milliseconds": {
      const n = positive();
      if (n === null) return bad;
      m.downAfter = n;
      for (const r of m.replicas.values()) r.downAfter = n;
      for (const x of m.sentinels.values()) x.downAfter = n;
      return null;
    }
    case "failover-timeout": {
      const n = positive();
      if (n === null) return bad;
      m.failoverTimeout = n;
      return null;
    }
    case "parallel-syncs": {
      const n = positive();
      if (n === null) return bad;
      m.parallelSyncs = n;
      return null;
    }
    case "quorum": {
      const n = positive();
      if (n === null) return bad;
      m.quorum = n;
      return null;
    }
    case "master-reboot-down-after-period": {
      const n = parseInt64(values[0]!);
      if (n === null || n < 0) return bad;
      m.rebootDownAfterPeriod = n;
      return null;
    }
    case "notification-script":
    case "client-reconfig-script": {
      if (s.conf.denyScriptsReconfig) {
        return "ERR Reconfiguration of scripts path is denied for security reasons. Check the " +
          "deny-scripts-reconfig configuration directive in your Sentinel configuration";
      }
      const path = values[0]!;
      if (path !== "" && !executable(path)) {
        return option === "notification-script"
          ? "ERR Notification script seems non existing or non executable"
          : "ERR Client reconfiguration script seems non existing or non executable";
      }
      if (option === "notification-script") m.notificationScript = path === "" ? null : path;
      else m.clientReconfigScript = path === "" ? null : path;
      return null;
    }
    case "auth-pass":
      m.authPass = values[0] === "" ? null : values[0]!;
      return null;
    case "auth-user":
      m.authUser = values[0] === "" ? null : values[0]!;
      return null;
    case "rename-command": {
      const from = values[0]!.toLowerCase();
      const to = values[1]!;
      if (from === "" || to === "") return bad;
      if (from === to.toLowerCase()) m.renamed.delete(from);
      else m.renamed.set(from, to);
      return null;
    }
  }
  return `ERR Unknown option or number of arguments for SENTINEL SET '${option}'`;
}

/** The number of values an option of SENTINEL SET takes. */
function optionArity(option: string): number {
  return option === "rename-command" ? 2 : 1;
}

type Names = Extract<SentinelHandlerName, `sentinel|${string}`>;

export const SENTINEL_HANDLERS: { readonly [K in Names]: SentinelHandler } = {
  "sentinel|masters"(c, _argv, s) {
    writeInstances(c.w, s.masters.values());
  },
  "sentinel|master"(c, argv, s) {
    const m = master(c, s, argv.str(2));
    if (m !== null) writeInstance(c.w, m, Date.now());
  },
  "sentinel|replicas"(c, argv, s) {
    const m = master(c, s, argv.str(2));
    // A replica started with replica-announced no is kept from clients (a hidden standby).
    if (m !== null) writeInstances(c.w, [...m.replicas.values()].filter((r) => r.replicaAnnounced));
  },
  "sentinel|slaves"(c, argv, s) {
    SENTINEL_HANDLERS["sentinel|replicas"](c, argv, s);
  },
  "sentinel|sentinels"(c, argv, s) {
    const m = master(c, s, argv.str(2));
    if (m !== null) writeInstances(c.w, m.sentinels.values());
  },
  "sentinel|myid"(c, _argv, s) {
    c.w.bulk(s.myid);
  },
  "sentinel|get-master-addr-by-name"(c, argv, s) {
    const m = s.masters.get(argv.str(2));
    if (m === undefined) {
      c.w.nilArray();
      return;
    }
    const a = s.currentMasterAddr(m);
    c.w.array(2);
    c.w.bulk(a.host);
    c.w.bulk(String(a.port));
  },
  "sentinel|is-master-down-by-addr"(c, argv, s) {
    const port = parseInt64(argv.str(3));
    const epoch = parseInt64(argv.str(4));
    if (port === null || epoch === null) {
      c.w.error(NOT_INTEGER);
      return;
    }
    const r = s.isMasterDownByAddr({ host: argv.str(2), port }, epoch, argv.str(5));
    c.w.array(3);
    c.w.int(r.down ? 1 : 0);
    c.w.bulk(r.leader ?? "*");
    c.w.int(r.leaderEpoch);
  },
  "sentinel|ckquorum"(c, argv, s) {
    const m = master(c, s, argv.str(2));
    if (m === null) return;
    let usable = 1;
    for (const x of m.sentinels.values()) if (!x.has(F.S_DOWN | F.O_DOWN)) usable++;
    const voters = m.sentinels.size + 1;
    let why = "";
    if (usable < m.quorum) {
      why += " Not enough available Sentinels to reach the specified quorum for this master";
    }
    if (usable < Math.floor(voters / 2) + 1) {
      why += " Not enough available Sentinels to reach the majority and authorize a failover";
    }
    if (why !== "") c.w.error(`NOQUORUM ${usable} usable Sentinels.${why}`);
    else {
      c.w.simple(
        `OK ${usable} usable Sentinels. Quorum and failover authorization can be reached`,
      );
    }
  },
  "sentinel|failover"(c, argv, s) {
    const m = master(c, s, argv.str(2));
    if (m === null) return;
    if (m.has(F.FAILOVER_IN_PROGRESS)) {
      c.w.error("INPROG Failover already in progress");
      return;
    }
    if (s.selectReplica(m, Date.now()) === null) {
      c.w.error("NOGOODSLAVE No suitable replica to promote");
      return;
    }
    s.log.warning(`Executing user requested FAILOVER of '${m.name}'`);
    s.startFailover(m, Date.now());
    m.flags |= F.FORCE_FAILOVER;
    c.w.ok();
  },
  "sentinel|monitor"(c, argv, s) {
    // Redis's order: quorum and port must parse, then quorum ≥ 1, the address, the port's
    // range and the name.
    const name = argv.str(2);
    const quorum = parseInt64(argv.str(5));
    if (quorum === null) return c.w.error("ERR Invalid quorum");
    const port = parseInt64(argv.str(4));
    if (port === null) return c.w.error("ERR Invalid port");
    if (quorum <= 0) return c.w.error("ERR Quorum must be 1 or greater.");
    const given = argv.str(3);
    const host = monitorHost(given, s.conf.resolveHostnames);
    if (host === null) return c.w.error("ERR Invalid IP address or hostname specified");
    if (port < 0 || port > 65535) return c.w.error("ERR Invalid port number.");
    if (s.masters.has(name)) return c.w.error("ERR Duplicate master name.");
    s.monitor(name, { host, port }, quorum);
    c.w.ok();
  },
  "sentinel|remove"(c, argv, s) {
    const m = master(c, s, argv.str(2));
    if (m === null) return;
    s.remove(m);
    c.w.ok();
  },
  "sentinel|reset"(c, argv, s) {
    const pattern = argv.str(2);
    let n = 0;
    for (const m of s.masters.values()) {
      if (!globMatch(pattern, m.name)) continue;
      s.resetMaster(m, { sentinels: true, event: true });
      n++;
    }
    if (n > 0) s.flushConfig();
    c.w.int(n);
  },
  "sentinel|set"(c, argv, s) {
    const m = master(c, s, argv.str(2));
    if (m === null) return;
    let changed = false;
    let i = 3;
    let err: string | null = null;
    while (i < argv.length) {
      const option = argv.lower(i);
      const n = optionArity(option);
      if (i + n > argv.length - 1) {
        err = `ERR Unknown option or number of arguments for SENTINEL SET '${option}'`;
        break;
      }
      const values: string[] = [];
      for (let k = 1; k <= n; k++) values.push(argv.str(i + k));
      err = setOption(s, m, option, values);
      if (err !== null) break;
      changed = true;
      const shown = option === "auth-pass" ? "******" : values.join(" ");
      s.event("warning", "+set", m, "%@ %s %s", option, shown);
      i += n + 1;
    }
    if (changed) s.flushConfig();
    if (err !== null) c.w.error(err);
    else c.w.ok();
  },
  "sentinel|flushconfig"(c, _argv, s) {
    s.flushConfig();
    c.w.ok();
  },
  "sentinel|info-cache"(c, argv, s) {
    const list: Instance[] = [];
    if (argv.length === 2) list.push(...s.masters.values());
    else {
      for (let i = 2; i < argv.length; i++) {
        const m = s.masters.get(argv.str(i));
        if (m !== undefined && !list.includes(m)) list.push(m);
      }
    }
    const now = Date.now();
    // A flat name/list array even in RESP3, as Redis replies.
    c.w.array(list.length * 2);
    for (const m of list) {
      c.w.bulk(m.name);
      const nodes = [m, ...m.replicas.values()];
      c.w.array(nodes.length);
      for (const ri of nodes) {
        c.w.array(2);
        c.w.int(ri.infoRefresh === 0 ? 0 : now - ri.infoRefresh);
        if (ri.info === "") c.w.nil();
        else c.w.bulk(ri.info);
      }
    }
  },
  "sentinel|pending-scripts"(c, _argv, s) {
    const jobs = s.scripts.jobs;
    const now = Date.now();
    c.w.array(jobs.length);
    for (const j of jobs) {
      c.w.map(6);
      c.w.bulk("argv");
      c.w.bulks(j.argv);
      c.w.bulk("flags");
      c.w.bulk(j.running ? "running" : "scheduled");
      c.w.bulk("pid");
      c.w.bulk(String(j.pid));
      c.w.bulk("run-time");
      c.w.bulk(String(j.running ? now - j.startTime : 0));
      c.w.bulk("run-delay");
      c.w.bulk(String(j.running ? 0 : Math.max(0, j.notBefore - now)));
      c.w.bulk("retry-num");
      c.w.bulk(String(j.retryNum));
    }
  },
  "sentinel|config"(c, argv, s) {
    const only = "ERR Only SENTINEL CONFIG GET <option> / SET <option> <value> are supported.";
    if (argv.is(2, "get") && argv.length === 4) {
      const pattern = argv.str(3);
      const conf = s.conf;
      const values: Record<(typeof GLOBAL_PARAMS)[number], string> = {
        "resolve-hostnames": conf.resolveHostnames ? "yes" : "no",
        "announce-hostnames": conf.announceHostnames ? "yes" : "no",
        "announce-ip": conf.announceIp,
        "announce-port": String(conf.announcePort),
        "sentinel-user": conf.sentinelUser ?? "",
        "sentinel-pass": conf.sentinelPass ?? "",
      };
      const hits = GLOBAL_PARAMS.filter((p) => globMatch(pattern, p, true));
      c.w.map(hits.length);
      for (const p of hits) {
        c.w.bulk(p);
        c.w.bulk(values[p]);
      }
      return;
    }
    if (!argv.is(2, "set") || argv.length !== 5) {
      c.w.error(only);
      return;
    }
    const param = argv.lower(3);
    const value = argv.str(4);
    const badValue = `ERR Invalid value '${value}' to SENTINEL CONFIG SET '${param}'`;
    const conf = s.conf;
    const yesno = (v: string) =>
      v.toLowerCase() === "yes" ? true : v.toLowerCase() === "no" ? false : null;
    switch (param) {
      case "resolve-hostnames":
      case "announce-hostnames": {
        const b = yesno(value);
        if (b === null) return c.w.error(badValue);
        if (param === "resolve-hostnames") conf.resolveHostnames = b;
        else conf.announceHostnames = b;
        break;
      }
      case "announce-ip":
        conf.announceIp = value;
        break;
      case "announce-port": {
        const n = parseInt64(value);
        if (n === null || n < 0 || n > 65535) return c.w.error(badValue);
        conf.announcePort = n;
        break;
      }
      case "sentinel-user":
        conf.sentinelUser = value === "" ? null : value;
        break;
      case "sentinel-pass":
        conf.sentinelPass = value === "" ? null : value;
        break;
      default:
        return c.w.error(`ERR Invalid argument '${argv.str(3)}' to SENTINEL CONFIG SET`);
    }
    s.flushConfig();
    c.w.ok();
  },
  "sentinel|debug"(c, argv, s) {
    if (argv.length === 2) {
      const names = Object.keys(TIMING_DEFAULTS) as TimingName[];
      c.w.map(names.length);
      for (const n of names) {
        c.w.bulk(n.toUpperCase());
        c.w.bulk(String(s.timing[n]));
      }
      return;
    }
    for (let i = 2; i < argv.length; i += 2) {
      const name = argv.lower(i) as TimingName;
      if (!(name in TIMING_DEFAULTS) || i + 1 >= argv.length) {
        c.w.error(`ERR Unknown option or number of arguments for SENTINEL DEBUG '${argv.str(i)}'`);
        return;
      }
      const n = parseInt64(argv.str(i + 1));
      if (n === null || n <= 0) {
        c.w.error(`ERR Invalid argument '${argv.str(i + 1)}' for SENTINEL DEBUG '${argv.str(i)}'`);
        return;
      }
      s.timing[name] = n;
    }
    c.w.ok();
  },
  "sentinel|simulate-failure"(c, argv, s) {
    const flags: ("crash-after-election" | "crash-after-promotion")[] = [];
    for (let i = 2; i < argv.length; i++) {
      if (argv.is(i, "crash-after-election")) flags.push("crash-after-election");
      else if (argv.is(i, "crash-after-promotion")) flags.push("crash-after-promotion");
      else if (argv.is(i, "help")) {
        c.w.array(2);
        c.w.bulk("crash-after-election");
        c.w.bulk("crash-after-promotion");
        return;
      } else {
        c.w.error("ERR Unknown failure simulation specified");
        return;
      }
    }
    s.simulate.clear();
    for (const f of flags) s.simulate.add(f);
    c.w.ok();
  },
  "sentinel|help"(c) {
    c.w.array(HELP.length);
    for (const line of HELP) c.w.simple(line);
  },
};
