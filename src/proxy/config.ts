// `hakv proxy` settings: command-line flags, or the same keys in a YAML file (--config), the
// flags winning. Unknown keys and bad values stop start-up with a message naming them.
import { parseArgs } from "node:util";
import { parse as parseYaml } from "yaml";
import type { Addr } from "./discovery.ts";

export interface ProxyConf {
  port: number;
  bind: string;
  /** Sentinels to ask for the master (sentinel mode). */
  sentinels: Addr[];
  masterName: string;
  /** Data nodes to check with ROLE when there are no sentinels (static mode). */
  backends: Addr[];
  /** Static mode: how often each backend's role is checked, ms. */
  checkInterval: number;
  /** How long commands wait for a new master during a switch before failing, ms. */
  switchTimeout: number;
  /** The proxy's own password, when clients must authenticate to it. */
  requirepass: string | null;
  /** The password the proxy gives the sentinels, when they have one. */
  sentinelPassword: string | null;
  /** Connections to the master shared by clients without connection state (0: none). */
  sharedLinks: number;
  /** Read-only commands from clients on shared links go to a replica of the master. */
  readFromReplicas: boolean;
}

export class ProxyConfigError extends Error {
  constructor(message: string) {
    super(`hakv proxy: ${message}`);
    this.name = "ProxyConfigError";
  }
}

const KEYS = [
  "port",
  "bind",
  "sentinel",
  "master-name",
  "backend",
  "check-interval",
  "switch-timeout",
  "requirepass",
  "sentinel-password",
  "shared-links",
  "read-from-replicas",
] as const;
type Key = (typeof KEYS)[number];

function addrList(key: string, v: unknown): Addr[] {
  const items = Array.isArray(v) ? v.map(String) : String(v).split(",");
  return items.map((s) => s.trim()).filter((s) => s !== "").map((s) => {
    const at = s.lastIndexOf(":");
    const port = Number(s.slice(at + 1));
    if (at <= 0 || !Number.isInteger(port) || port < 1 || port > 65535) {
      throw new ProxyConfigError(`${key}: '${s}' is not host:port`);
    }
    return { host: s.slice(0, at).replace(/^\[(.*)\]$/, "$1"), port };
  });
}

function integer(key: string, v: unknown, min: number, max: number): number {
  const n = typeof v === "number" ? v : Number(String(v));
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ProxyConfigError(`${key}: '${v}' must be an integer from ${min} to ${max}`);
  }
  return n;
}

function yesNo(key: string, v: unknown): boolean {
  if (typeof v === "boolean") return v;
  const s = String(v).toLowerCase();
  if (s === "yes" || s === "true") return true;
  if (s === "no" || s === "false") return false;
  throw new ProxyConfigError(`${key}: '${v}' must be yes or no`);
}

/** Reads `--config file.yaml` (if given) and the flags in `argv`. */
export function loadProxyConf(argv: readonly string[]): ProxyConf {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        config: { type: "string" },
        ...Object.fromEntries(KEYS.map((k) => [k, { type: "string" as const }])),
      },
    });
  } catch (err) {
    throw new ProxyConfigError(err instanceof Error ? err.message : String(err));
  }
  const values = new Map<Key, unknown>();
  const file = parsed.values.config;
  if (typeof file === "string") {
    let doc: unknown;
    try {
      doc = parseYaml(Deno.readTextFileSync(file));
    } catch (err) {
      throw new ProxyConfigError(`${file}: ${err instanceof Error ? err.message : err}`);
    }
    if (doc !== null && doc !== undefined) {
      if (typeof doc !== "object" || Array.isArray(doc)) {
        throw new ProxyConfigError(`${file}: expected a mapping of settings`);
      }
      for (const [k, v] of Object.entries(doc)) {
        if (!(KEYS as readonly string[]).includes(k)) {
          throw new ProxyConfigError(`${file}: unknown key '${k}'`);
        }
        values.set(k as Key, v);
      }
    }
  }
  for (const k of KEYS) {
    const v = (parsed.values as Record<string, unknown>)[k];
    if (v !== undefined) values.set(k, v);
  }
  const str = (k: Key, d: string) => (values.has(k) ? String(values.get(k)) : d);
  const conf: ProxyConf = {
    port: integer("port", values.get("port") ?? 6380, 0, 65535),
    bind: str("bind", "127.0.0.1"),
    sentinels: values.has("sentinel") ? addrList("sentinel", values.get("sentinel")) : [],
    masterName: str("master-name", "mymaster"),
    backends: values.has("backend") ? addrList("backend", values.get("backend")) : [],
    checkInterval: integer("check-interval", values.get("check-interval") ?? 1000, 10, 3_600_000),
    switchTimeout: integer("switch-timeout", values.get("switch-timeout") ?? 5000, 0, 3_600_000),
    requirepass: values.has("requirepass") ? str("requirepass", "") : null,
    sentinelPassword: values.has("sentinel-password") ? str("sentinel-password", "") : null,
    sharedLinks: integer("shared-links", values.get("shared-links") ?? 1, 0, 64),
    readFromReplicas: yesNo("read-from-replicas", values.get("read-from-replicas") ?? false),
  };
  if (conf.readFromReplicas && conf.sharedLinks === 0) {
    throw new ProxyConfigError("read-from-replicas needs shared-links of at least 1");
  }
  if (conf.sentinels.length === 0 && conf.backends.length === 0) {
    throw new ProxyConfigError("give --sentinel host:port,... or --backend host:port,...");
  }
  return conf;
}
