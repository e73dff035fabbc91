// The `hakv up` topology: reading topology.yaml, checking every key and value (an unknown key or
// a bad value is a TopologyError naming it), and filling in the defaults.
import { parse } from "yaml";

/** The defaults, documented in docs/up.md. The proxy takes Redis's port, 6379. */
export const DEFAULTS = {
  name: "mymaster",
  dir: "./hakv-data",
  host: "127.0.0.1",
  masterPort: 6380,
  replicas: 2,
  sentinels: 3,
  sentinelPort: 26379,
  proxyPort: 6379,
  /** Sentinel's own default is 30 s; a local group should heal within seconds. */
  downAfter: 5000,
  failoverTimeout: 10_000,
} as const;

export interface Topology {
  /** The master name the sentinels monitor and the proxy asks for. */
  readonly name: string;
  /** Absolute data directory: one subdirectory per process. */
  readonly dir: string;
  readonly host: string;
  readonly masterPort: number;
  readonly replicaPorts: readonly number[];
  readonly sentinelPorts: readonly number[];
  /** null: no proxy. */
  readonly proxyPort: number | null;
  readonly downAfter: number;
  readonly failoverTimeout: number;
  readonly quorum: number;
  /**
   * The data nodes' min-replicas-to-write: by default a majority of the data nodes, master
   * included, so a master cut off from that majority stops taking writes.
   */
  readonly minReplicasToWrite: number;
  /** The data nodes' min-replicas-max-lag, in seconds; below down-after by default. */
  readonly minReplicasMaxLag: number;
  /** Restart processes that exit on their own (default true). */
  readonly restart: boolean;
}

export class TopologyError extends Error {}

const KEYS = [
  "name",
  "dir",
  "host",
  "master",
  "replicas",
  "sentinels",
  "proxy",
  "down-after-milliseconds",
  "failover-timeout",
  "quorum",
  "min-replicas-to-write",
  "min-replicas-max-lag",
  "restart",
];

type Doc = Record<string, unknown>;

function show(v: unknown): string {
  return v === undefined ? "nothing" : JSON.stringify(v);
}

function isMap(v: unknown): v is Doc {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function checkKeys(doc: Doc, known: readonly string[], prefix: string): void {
  for (const key of Object.keys(doc)) {
    if (!known.includes(key)) {
      throw new TopologyError(
        `unknown key "${prefix}${key}" (known keys: ${known.map((k) => prefix + k).join(", ")})`,
      );
    }
  }
}

function int(v: unknown, key: string, min: number, max: number, what: string): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
    throw new TopologyError(`"${key}" must be ${what} (${min}-${max}), got ${show(v)}`);
  }
  return v;
}

function port(v: unknown, key: string): number {
  return int(v, key, 1, 65535, "a port number");
}

/** `N` (consecutive ports from `first`) or a list of ports. */
function ports(v: unknown, key: string, first: number, min: number): number[] {
  if (Array.isArray(v)) {
    if (v.length < min) {
      throw new TopologyError(`"${key}" must list at least ${min} port(s), got ${show(v)}`);
    }
    return v.map((p, i) => port(p, `${key}[${i}]`));
  }
  if (typeof v !== "number") {
    throw new TopologyError(`"${key}" must be a count or a list of ports, got ${show(v)}`);
  }
  const n = int(v, key, min, 64, "a count or a list of ports");
  return Array.from({ length: n }, (_, i) => first + i);
}

function resolvePath(path: string, base: string): string {
  if (path.startsWith("/")) return path;
  const joined = `${base.replace(/\/+$/, "")}/${path}`;
  // Normalise `.` and `..` so the path printed and handed to the processes is plain.
  const out: string[] = [];
  for (const part of joined.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") out.pop();
    else out.push(part);
  }
  return "/" + out.join("/");
}

/**
 * Checks a parsed topology document and fills in the defaults. `base` is the directory a
 * relative `dir` is resolved against (the topology file's); the default dir is relative to `cwd`.
 */
export function checkTopology(doc: unknown, opts: { base: string; cwd: string }): Topology {
  if (doc === null || doc === undefined) doc = {};
  if (!isMap(doc)) {
    throw new TopologyError(`the topology must be a mapping of keys, got ${show(doc)}`);
  }
  checkKeys(doc, KEYS, "");

  const name = doc.name ?? DEFAULTS.name;
  if (typeof name !== "string" || !/^[A-Za-z0-9._-]{1,64}$/.test(name)) {
    throw new TopologyError(
      `"name" must be 1-64 letters, digits, '.', '_' or '-', got ${show(doc.name)}`,
    );
  }
  const dirValue = doc.dir ?? DEFAULTS.dir;
  if (typeof dirValue !== "string" || dirValue === "") {
    throw new TopologyError(`"dir" must be a path, got ${show(doc.dir)}`);
  }
  const dir = resolvePath(dirValue, doc.dir === undefined ? opts.cwd : opts.base);
  const host = doc.host ?? DEFAULTS.host;
  if (typeof host !== "string" || !/^[0-9A-Za-z.:-]+$/.test(host)) {
    throw new TopologyError(`"host" must be an address, got ${show(doc.host)}`);
  }

  let masterPort: number = DEFAULTS.masterPort;
  if (doc.master !== undefined && doc.master !== null) {
    if (!isMap(doc.master)) {
      throw new TopologyError(
        `"master" must be a mapping like { port: 6380 }, got ${show(doc.master)}`,
      );
    }
    checkKeys(doc.master, ["port"], "master.");
    if (doc.master.port !== undefined) masterPort = port(doc.master.port, "master.port");
  }
  const replicaPorts = ports(doc.replicas ?? DEFAULTS.replicas, "replicas", masterPort + 1, 0);
  const sentinelPorts = ports(
    doc.sentinels ?? DEFAULTS.sentinels,
    "sentinels",
    DEFAULTS.sentinelPort,
    1,
  );

  let proxyPort: number | null = DEFAULTS.proxyPort;
  const proxy = doc.proxy;
  if (proxy === false) proxyPort = null;
  else if (proxy !== undefined && proxy !== null && proxy !== true) {
    if (!isMap(proxy)) {
      throw new TopologyError(
        `"proxy" must be false or a mapping like { port: 6379 }, got ${show(proxy)}`,
      );
    }
    checkKeys(proxy, ["port"], "proxy.");
    if (proxy.port !== undefined) proxyPort = port(proxy.port, "proxy.port");
  }

  const downAfter = doc["down-after-milliseconds"] === undefined ? DEFAULTS.downAfter : int(
    doc["down-after-milliseconds"],
    "down-after-milliseconds",
    1,
    2 ** 31 - 1,
    "milliseconds",
  );
  const failoverTimeout = doc["failover-timeout"] === undefined
    ? DEFAULTS.failoverTimeout
    : int(doc["failover-timeout"], "failover-timeout", 1, 2 ** 31 - 1, "milliseconds");
  const majority = Math.floor(sentinelPorts.length / 2) + 1;
  const quorum = doc.quorum === undefined
    ? majority
    : int(doc.quorum, "quorum", 1, sentinelPorts.length, "at most the number of sentinels");
  // A majority of the data nodes (the master and its replicas) must hold a write for the master
  // to take it; 1 of 2 replicas by default.
  const minReplicasToWrite = doc["min-replicas-to-write"] === undefined
    ? Math.floor((replicaPorts.length + 1) / 2)
    : int(
      doc["min-replicas-to-write"],
      "min-replicas-to-write",
      0,
      replicaPorts.length,
      "at most the number of replicas",
    );
  // The master stops taking writes (NOREPLICAS) once its replicas' last ACK is older than this,
  // by default half of down-after, before the sentinels give up on it. Never under 2 s: replicas
  // ACK once a second, and 1 s would refuse writes whenever an ACK is a little late.
  const minReplicasMaxLag = doc["min-replicas-max-lag"] === undefined
    ? Math.min(10, Math.max(2, Math.floor(downAfter / 2000)))
    : int(doc["min-replicas-max-lag"], "min-replicas-max-lag", 1, 3600, "seconds");
  const restart = doc.restart ?? true;
  if (typeof restart !== "boolean") {
    throw new TopologyError(`"restart" must be true or false, got ${show(doc.restart)}`);
  }

  const owners = new Map<number, string>();
  const claim = (p: number, who: string) => {
    const other = owners.get(p);
    if (other !== undefined) {
      throw new TopologyError(`port ${p} is given to both ${other} and ${who}`);
    }
    owners.set(p, who);
  };
  claim(masterPort, "master.port");
  replicaPorts.forEach((p, i) => claim(p, `replicas[${i}]`));
  sentinelPorts.forEach((p, i) => claim(p, `sentinels[${i}]`));
  if (proxyPort !== null) claim(proxyPort, "proxy.port");

  return {
    name,
    dir,
    host,
    masterPort,
    replicaPorts,
    sentinelPorts,
    proxyPort,
    downAfter,
    failoverTimeout,
    quorum,
    minReplicasToWrite,
    minReplicasMaxLag,
    restart,
  };
}

/** Reads and checks `file`, or the defaults when no file is given. */
export function loadTopology(file: string | undefined): Topology {
  const cwd = Deno.cwd();
  if (file === undefined) return checkTopology({}, { base: cwd, cwd });
  let text: string;
  try {
    text = Deno.readTextFileSync(file);
  } catch (err) {
    throw new TopologyError(`cannot read ${file}: ${err instanceof Error ? err.message : err}`);
  }
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    throw new TopologyError(
      `${file} is not valid YAML: ${err instanceof Error ? err.message : err}`,
    );
  }
  const path = resolvePath(file, cwd);
  const base = path.slice(0, path.lastIndexOf("/")) || "/";
  try {
    return checkTopology(doc, { base, cwd });
  } catch (err) {
    if (err instanceof TopologyError) throw new TopologyError(`${file}: ${err.message}`);
    throw err;
  }
}
