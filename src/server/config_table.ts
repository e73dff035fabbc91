// Every configuration directive the data node accepts: Redis 7.0's full set (so redis.conf files
// load as they are), plus hakv's own. Data only; parsing, CONFIG and the file reader use it.

export type DirectiveKind = "bool" | "int" | "memory" | "enum" | "string" | "special";

export interface Directive {
  readonly name: string;
  readonly aliases?: readonly string[];
  readonly kind: DirectiveKind;
  /** The default in CONFIG GET form. */
  readonly default: string;
  /** Inclusive bounds of int and memory directives (64-bit, so bigint). */
  readonly min?: bigint;
  readonly max?: bigint;
  /** Bounds print as unsigned (Redis's uint/size_t/ull directives). */
  readonly unsigned?: boolean;
  /** A memory directive that also takes a percentage (`5%`). */
  readonly percent?: boolean;
  readonly values?: readonly string[];
  /** CONFIG SET refuses it. */
  readonly immutable?: boolean;
  /** CONFIG SET refuses it unless enable-protected-configs allows it. */
  readonly protected?: boolean;
  /** Only an exact CONFIG GET name shows it; glob patterns skip it. */
  readonly hidden?: boolean;
  /** Redis-only feature that hakv accepts and reports but does not act on yet. */
  readonly inert?: boolean;
}

const INT_MAX = 2147483647n;
const INT_MIN = -2147483648n;
const UINT_MAX = 4294967295n;
const LLONG_MAX = 9223372036854775807n;
const ULLONG_MAX = 18446744073709551615n;

type Extra = Partial<Directive>;

function b(name: string, def: boolean, extra: Extra = {}): Directive {
  return { name, kind: "bool", default: def ? "yes" : "no", ...extra };
}
function i(name: string, def: number, min: bigint, max: bigint, extra: Extra = {}): Directive {
  return { name, kind: "int", default: String(def), min, max, ...extra };
}
/** An unsigned int directive: bounds print unsigned and -1 wraps past the maximum. */
function u(name: string, def: number, min: bigint, max: bigint, extra: Extra = {}): Directive {
  return { name, kind: "int", default: String(def), min, max, unsigned: true, ...extra };
}
function m(name: string, def: number, min: bigint, max: bigint, extra: Extra = {}): Directive {
  return { name, kind: "memory", default: String(def), min, max, ...extra };
}
function e(name: string, def: string, values: readonly string[], extra: Extra = {}): Directive {
  return { name, kind: "enum", default: def, values, ...extra };
}
function s(name: string, def: string, extra: Extra = {}): Directive {
  return { name, kind: "string", default: def, ...extra };
}
function x(name: string, def: string, extra: Extra = {}): Directive {
  return { name, kind: "special", default: def, ...extra };
}

const MB = 1024 * 1024;
const INERT = { inert: true } as const;
const SIZE = { unsigned: true } as const;

export const DIRECTIVES: readonly Directive[] = [
  // Network and clients.
  x("bind", "* -::*"),
  b("protected-mode", true),
  i("port", 6379, 0n, 65535n),
  i("tcp-backlog", 511, 0n, INT_MAX, { immutable: true }),
  u("timeout", 0, 0n, INT_MAX),
  i("tcp-keepalive", 300, 0n, INT_MAX),
  u("maxclients", 10000, 1n, UINT_MAX),
  s("unixsocket", "", { immutable: true, ...INERT }),
  x("unixsocketperm", "0", { immutable: true, ...INERT }),
  s("bind-source-addr", "", INERT),
  u("socket-mark-id", 0, 0n, UINT_MAX, { immutable: true, ...INERT }),
  m("proto-max-bulk-len", 512 * MB, BigInt(MB), LLONG_MAX),
  m("client-query-buffer-limit", 1024 * MB, BigInt(MB), LLONG_MAX),
  x(
    "client-output-buffer-limit",
    "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60",
  ),
  m("maxmemory-clients", 0, -100n, LLONG_MAX, { percent: true, ...INERT }),
  // Process.
  b("daemonize", false, { immutable: true }),
  e("supervised", "no", ["upstart", "systemd", "auto", "no"], { immutable: true, ...INERT }),
  s("pidfile", "", { immutable: true }),
  e("loglevel", "notice", ["debug", "verbose", "notice", "warning"]),
  s("logfile", "", { immutable: true }),
  b("syslog-enabled", false, { immutable: true, ...INERT }),
  s("syslog-ident", "redis", { immutable: true, ...INERT }),
  e("syslog-facility", "local0", [
    "user",
    "local0",
    "local1",
    "local2",
    "local3",
    "local4",
    "local5",
    "local6",
    "local7",
  ], { immutable: true, ...INERT }),
  i("databases", 16, 1n, INT_MAX, { immutable: true }),
  b("always-show-logo", false, { immutable: true }),
  b("set-proc-title", true, { immutable: true, ...INERT }),
  s("proc-title-template", "{title} {listen-addr} {server-mode}", INERT),
  i("hz", 10, 0n, INT_MAX),
  b("dynamic-hz", true),
  x("dir", "", { protected: true }),
  e("enable-protected-configs", "no", ["no", "yes", "local"], { immutable: true }),
  e("enable-debug-command", "no", ["no", "yes", "local"], { immutable: true }),
  e("enable-module-command", "no", ["no", "yes", "local"], { immutable: true, ...INERT }),
  x("shutdown-on-sigint", "default"),
  x("shutdown-on-sigterm", "default"),
  i("shutdown-timeout", 10, 0n, INT_MAX, INERT),
  b("crash-log-enabled", true, INERT),
  b("crash-memcheck-enabled", true, INERT),
  b("use-exit-on-panic", false, { hidden: true, ...INERT }),
  b("disable-thp", true, { immutable: true, ...INERT }),
  e("oom-score-adj", "no", ["no", "yes", "relative", "absolute"], INERT),
  x("oom-score-adj-values", "0 200 800", INERT),
  i("io-threads", 1, 1n, 128n, { immutable: true, ...INERT }),
  b("io-threads-do-reads", false, { immutable: true, ...INERT }),
  s("server_cpulist", "", { immutable: true, ...INERT }),
  s("bio_cpulist", "", { immutable: true, ...INERT }),
  s("aof_rewrite_cpulist", "", { immutable: true, ...INERT }),
  s("bgsave_cpulist", "", { immutable: true, ...INERT }),
  s("ignore-warnings", "", INERT),
  b("jemalloc-bg-thread", true, INERT),
  x("notify-keyspace-events", ""),
  i("busy-reply-threshold", 5000, 0n, LLONG_MAX, { aliases: ["lua-time-limit"], ...INERT }),
  // Security.
  s("requirepass", ""),
  s("aclfile", "", { immutable: true, ...INERT }),
  i("acllog-max-len", 128, 0n, LLONG_MAX, INERT),
  e("acl-pubsub-default", "resetchannels", ["allchannels", "resetchannels"], INERT),
  e("sanitize-dump-payload", "no", ["no", "yes", "clients"], INERT),
  // Persistence (used by the snapshot issue).
  x("save", "3600 1 300 100 60 10000"),
  b("stop-writes-on-bgsave-error", true),
  b("rdbcompression", true),
  b("rdbchecksum", true, { immutable: true }),
  s("dbfilename", "dump.rdb", { protected: true }),
  b("rdb-del-sync-files", false, INERT),
  b("rdb-save-incremental-fsync", true, INERT),
  i("rdb-key-save-delay", 0, INT_MIN, INT_MAX, { hidden: true, ...INERT }),
  i("key-load-delay", 0, INT_MIN, INT_MAX, { hidden: true, ...INERT }),
  b("appendonly", false, INERT),
  s("appendfilename", "appendonly.aof", { immutable: true, ...INERT }),
  s("appenddirname", "appendonlydir", { immutable: true, ...INERT }),
  e("appendfsync", "everysec", ["everysec", "always", "no"], INERT),
  b("no-appendfsync-on-rewrite", false, INERT),
  i("auto-aof-rewrite-percentage", 100, 0n, INT_MAX, INERT),
  m("auto-aof-rewrite-min-size", 64 * MB, 0n, LLONG_MAX, INERT),
  b("aof-load-truncated", true, INERT),
  b("aof-use-rdb-preamble", true, INERT),
  b("aof-timestamp-enabled", false, INERT),
  b("aof-rewrite-incremental-fsync", true, INERT),
  b("aof-disable-auto-gc", false, INERT),
  // Replication (used by the replication issue).
  x("replicaof", "", { aliases: ["slaveof"], immutable: true }),
  s("masterauth", ""),
  s("masteruser", ""),
  b("replica-serve-stale-data", true, { aliases: ["slave-serve-stale-data"] }),
  b("replica-read-only", true, { aliases: ["slave-read-only"] }),
  b("repl-diskless-sync", true),
  i("repl-diskless-sync-delay", 5, 0n, INT_MAX),
  i("repl-diskless-sync-max-replicas", 0, 0n, INT_MAX),
  e("repl-diskless-load", "disabled", ["disabled", "on-empty-db", "swapdb"]),
  b("repl-disable-tcp-nodelay", false),
  i("repl-ping-replica-period", 10, 1n, INT_MAX, { aliases: ["repl-ping-slave-period"] }),
  i("repl-timeout", 60, 1n, INT_MAX),
  m("repl-backlog-size", MB, 1n, LLONG_MAX),
  i("repl-backlog-ttl", 3600, 0n, LLONG_MAX),
  i("replica-priority", 100, 0n, INT_MAX, { aliases: ["slave-priority"] }),
  s("replica-announce-ip", "", { aliases: ["slave-announce-ip"] }),
  i("replica-announce-port", 0, 0n, 65535n, { aliases: ["slave-announce-port"] }),
  b("replica-announced", true),
  // hakv's own (docs/replication.md): a demoted master closes normal and pub/sub clients.
  b("replica-close-clients-on-demote", true, { hidden: true }),
  b("repl-throttle-writes", true, { hidden: true }),
  b("replica-lazy-flush", false, { aliases: ["slave-lazy-flush"] }),
  b("replica-ignore-maxmemory", true, { aliases: ["slave-ignore-maxmemory"] }),
  i("min-replicas-to-write", 0, 0n, INT_MAX, { aliases: ["min-slaves-to-write"] }),
  i("min-replicas-max-lag", 10, 0n, INT_MAX, { aliases: ["min-slaves-max-lag"] }),
  e("propagation-error-behavior", "ignore", ["ignore", "panic", "panic-on-replicas"], INERT),
  b("replica-ignore-disk-write-errors", false, INERT),
  // Memory.
  m("maxmemory", 0, 0n, ULLONG_MAX, SIZE),
  e("maxmemory-policy", "noeviction", [
    "volatile-lru",
    "volatile-lfu",
    "volatile-random",
    "volatile-ttl",
    "allkeys-lru",
    "allkeys-lfu",
    "allkeys-random",
    "noeviction",
  ]),
  i("maxmemory-samples", 5, 1n, INT_MAX, INERT),
  i("maxmemory-eviction-tenacity", 10, 0n, 100n, INERT),
  b("lazyfree-lazy-eviction", false, INERT),
  b("lazyfree-lazy-expire", false, INERT),
  b("lazyfree-lazy-server-del", false, INERT),
  b("lazyfree-lazy-user-del", false, INERT),
  b("lazyfree-lazy-user-flush", false, INERT),
  i("lfu-log-factor", 10, 0n, INT_MAX, INERT),
  i("lfu-decay-time", 1, 0n, INT_MAX, INERT),
  b("activerehashing", true, INERT),
  b("activedefrag", false, INERT),
  m("active-defrag-ignore-bytes", 100 * MB, 1n, LLONG_MAX, INERT),
  i("active-defrag-threshold-lower", 10, 0n, 1000n, INERT),
  i("active-defrag-threshold-upper", 100, 0n, 1000n, INERT),
  i("active-defrag-cycle-min", 1, 1n, 99n, INERT),
  i("active-defrag-cycle-max", 25, 1n, 99n, INERT),
  i("active-defrag-max-scan-fields", 1000, 1n, LLONG_MAX, INERT),
  i("active-expire-effort", 1, 1n, 10n),
  // Encodings (reported by OBJECT ENCODING with the data-type issue).
  u("hash-max-listpack-entries", 512, 0n, LLONG_MAX, { aliases: ["hash-max-ziplist-entries"] }),
  m("hash-max-listpack-value", 64, 0n, LLONG_MAX, { aliases: ["hash-max-ziplist-value"], ...SIZE }),
  i("list-max-listpack-size", -2, INT_MIN, INT_MAX, { aliases: ["list-max-ziplist-size"] }),
  i("list-compress-depth", 0, 0n, INT_MAX),
  u("set-max-intset-entries", 512, 0n, LLONG_MAX),
  // Redis 7.2's; hidden so CONFIG GET * matches 7.0 while the set encodings can read them.
  u("set-max-listpack-entries", 128, 0n, LLONG_MAX, { hidden: true }),
  m("set-max-listpack-value", 64, 0n, LLONG_MAX, { hidden: true, ...SIZE }),
  u("zset-max-listpack-entries", 128, 0n, LLONG_MAX, { aliases: ["zset-max-ziplist-entries"] }),
  m("zset-max-listpack-value", 64, 0n, LLONG_MAX, { aliases: ["zset-max-ziplist-value"], ...SIZE }),
  m("hll-sparse-max-bytes", 3000, 0n, LLONG_MAX, SIZE),
  m("stream-node-max-bytes", 4096, 0n, LLONG_MAX, SIZE),
  i("stream-node-max-entries", 100, 0n, LLONG_MAX),
  // Diagnostics.
  i("slowlog-log-slower-than", 10000, -1n, LLONG_MAX),
  u("slowlog-max-len", 128, 0n, LLONG_MAX),
  i("latency-monitor-threshold", 0, 0n, LLONG_MAX, INERT),
  b("latency-tracking", true, INERT),
  x("latency-tracking-info-percentiles", "50 99 99.9", INERT),
  i("watchdog-period", 0, 0n, INT_MAX, { hidden: true, ...INERT }),
  i("tracking-table-max-keys", 1000000, 0n, LLONG_MAX, INERT),
  // Cluster (a later issue).
  b("cluster-enabled", false, { immutable: true }),
  s("cluster-config-file", "nodes.conf", { immutable: true, ...INERT }),
  i("cluster-node-timeout", 15000, 0n, LLONG_MAX, INERT),
  i("cluster-port", 0, 0n, 65535n, { immutable: true, ...INERT }),
  i("cluster-replica-validity-factor", 10, 0n, INT_MAX, {
    aliases: ["cluster-slave-validity-factor"],
    ...INERT,
  }),
  i("cluster-migration-barrier", 1, 0n, INT_MAX, INERT),
  b("cluster-require-full-coverage", true, INERT),
  b("cluster-replica-no-failover", false, { aliases: ["cluster-slave-no-failover"], ...INERT }),
  b("cluster-allow-reads-when-down", false, INERT),
  b("cluster-allow-pubsubshard-when-down", true, INERT),
  b("cluster-allow-replica-migration", true, INERT),
  s("cluster-announce-ip", "", INERT),
  s("cluster-announce-hostname", "", INERT),
  i("cluster-announce-port", 0, 0n, 65535n, INERT),
  i("cluster-announce-bus-port", 0, 0n, 65535n, INERT),
  i("cluster-announce-tls-port", 0, 0n, 65535n, INERT),
  e("cluster-preferred-endpoint-type", "ip", ["ip", "hostname", "unknown-endpoint"], INERT),
  m("cluster-link-sendbuf-limit", 0, 0n, ULLONG_MAX, { ...SIZE, ...INERT }),
  // TLS (not supported yet; accepted so configs load, refused when a TLS port is asked for).
  i("tls-port", 0, 0n, 65535n),
  s("tls-cert-file", "", INERT),
  s("tls-key-file", "", INERT),
  s("tls-key-file-pass", "", INERT),
  s("tls-client-cert-file", "", INERT),
  s("tls-client-key-file", "", INERT),
  s("tls-client-key-file-pass", "", INERT),
  s("tls-dh-params-file", "", INERT),
  s("tls-ca-cert-file", "", INERT),
  s("tls-ca-cert-dir", "", INERT),
  s("tls-protocols", "", INERT),
  s("tls-ciphers", "", INERT),
  s("tls-ciphersuites", "", INERT),
  e("tls-auth-clients", "yes", ["no", "yes", "optional"], INERT),
  b("tls-replication", false, INERT),
  b("tls-cluster", false, INERT),
  b("tls-prefer-server-ciphers", false, INERT),
  b("tls-session-caching", true, INERT),
  i("tls-session-cache-size", 20480, 0n, INT_MAX, INERT),
  i("tls-session-cache-timeout", 300, 0n, INT_MAX, INERT),
  // hakv's own; hidden from CONFIG GET * so it matches Redis.
  i("shards", 16, 1n, 1024n, { immutable: true, hidden: true }),
];

/** Directives that only a config file may carry (not CONFIG GET/SET). */
export const FILE_ONLY = new Set(["include", "rename-command", "user", "loadmodule"]);
