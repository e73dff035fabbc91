// INFO: the sections, field names and field order of Redis 7.0's INFO, filled with what hakv
// measures. Memory figures come from V8 (heap + external = used_memory, rss = used_memory_rss);
// features hakv does not have (Lua, modules, forks, AOF, TLS) report their idle values.
import { pendingOutput } from "./connection.ts";
import type { Server } from "./server.ts";
import { HAKV_VERSION, REDIS_VERSION } from "./version.ts";
import type { Client } from "./client.ts";

/** Sections in the order INFO prints them, with the names INFO accepts for them. */
const SECTIONS = [
  "server",
  "clients",
  "memory",
  "persistence",
  "stats",
  "replication",
  "cpu",
  "modules",
  "commandstats",
  "errorstats",
  "latencystats",
  "cluster",
  "keyspace",
] as const;
type Section = (typeof SECTIONS)[number];

/** INFO's default sections: all but the per-command ones. */
const DEFAULT: ReadonlySet<Section> = new Set(
  SECTIONS.filter((s) => s !== "commandstats" && s !== "latencystats"),
);

const TITLES: Record<Section, string> = {
  server: "Server",
  clients: "Clients",
  memory: "Memory",
  persistence: "Persistence",
  stats: "Stats",
  replication: "Replication",
  cpu: "CPU",
  modules: "Modules",
  commandstats: "Commandstats",
  errorstats: "Errorstats",
  latencystats: "Latencystats",
  cluster: "Cluster",
  keyspace: "Keyspace",
};

/** The sections INFO's arguments select: none means `default`; unknown names select nothing. */
export function selectSections(args: readonly string[]): Set<Section> {
  if (args.length === 0) return new Set(DEFAULT);
  const out = new Set<Section>();
  for (const raw of args) {
    const name = raw.toLowerCase();
    if (name === "all" || name === "everything") { for (const s of SECTIONS) out.add(s); }
    else if (name === "default") { for (const s of DEFAULT) out.add(s); }
    else if ((SECTIONS as readonly string[]).includes(name)) out.add(name as Section);
  }
  return out;
}

/** The INFO text for the selected sections: `# Title` headers, CRLF lines, blank separators. */
export function infoText(server: Server, sections: ReadonlySet<Section>): string {
  let out = "";
  for (const s of SECTIONS) {
    if (!sections.has(s)) continue;
    if (out !== "") out += "\r\n";
    out += `# ${TITLES[s]}\r\n`;
    for (const [k, v] of fields(server, s)) out += `${k}:${v}\r\n`;
  }
  return out;
}

type Fields = [string, string | number][];

function fields(server: Server, s: Section): Fields {
  switch (s) {
    case "server":
      return serverSection(server);
    case "clients":
      return clientsSection(server);
    case "memory":
      return memorySection(server);
    case "persistence":
      return persistenceSection(server);
    case "stats":
      return statsSection(server);
    case "replication":
      return replicationSection(server);
    case "cpu":
      return cpuSection();
    case "modules":
      return [];
    case "commandstats":
      return commandStats(server);
    case "errorstats":
      return errorStats(server);
    case "latencystats":
      return [];
    case "cluster":
      return [["cluster_enabled", server.config.bool("cluster-enabled") ? 1 : 0]];
    case "keyspace":
      return keyspaceSection(server);
  }
}

function serverSection(server: Server): Fields {
  const now = Date.now();
  const uptime = Math.floor((now - server.startTime) / 1000);
  return [
    ["redis_version", REDIS_VERSION],
    ["hakv_version", HAKV_VERSION],
    ["redis_git_sha1", "00000000"],
    ["redis_git_dirty", 0],
    ["redis_build_id", buildId()],
    ["redis_mode", "standalone"],
    ["os", osName()],
    ["arch_bits", 64],
    ["monotonic_clock", "POSIX clock_gettime"],
    ["multiplexing_api", Deno.build.os === "linux" ? "epoll" : "kqueue"],
    ["atomicvar_api", "c11-builtin"],
    ["gcc_version", "0.0.0"],
    ["process_id", Deno.pid],
    ["process_supervised", "no"],
    ["run_id", server.runId],
    ["tcp_port", server.port],
    ["server_time_usec", Math.floor((performance.timeOrigin + performance.now()) * 1000)],
    ["uptime_in_seconds", uptime],
    ["uptime_in_days", Math.floor(uptime / 86400)],
    ["hz", server.config.int("hz")],
    ["configured_hz", server.config.int("hz")],
    ["lru_clock", lruClock(now)],
    ["executable", Deno.execPath()],
    ["config_file", server.config.file],
    ["io_threads_active", 0],
  ];
}

/** A stable id for this build, as redis_build_id is one for a binary. */
function buildId(): string {
  // Computed on use: server.ts (where the version lives) imports this module indirectly.
  let h = 7;
  for (const ch of `hakv-${HAKV_VERSION}`) h = (Math.imul(h, 31) + ch.charCodeAt(0)) >>> 0;
  return h.toString(16).padStart(8, "0") + "00000000";
}

/** `uname -s -r -m`, as Redis prints it. */
function osName(): string {
  const names: Record<string, string> = { linux: "Linux", darwin: "Darwin", windows: "Windows" };
  let release = "";
  try {
    release = Deno.osRelease();
  } catch {
    // not permitted: leave it out
  }
  return `${names[Deno.build.os] ?? Deno.build.os} ${release} ${Deno.build.arch}`;
}

/** Redis's LRU clock: seconds, modulo 2^24. */
export function lruClock(now = Date.now()): number {
  return Math.floor(now / 1000) % (1 << 24);
}

/** Clients that are not replicas or the like: every connection hakv has today. */
function normalClients(server: Server): Iterable<Client> {
  return server.clients.values();
}

function clientsSection(server: Server): Fields {
  let maxIn = 0;
  let maxOut = 0;
  let blocked = 0;
  let connected = 0;
  for (const c of normalClients(server)) {
    connected++;
    if (c.queryBufferPeak > maxIn) maxIn = c.queryBufferPeak;
    const out = pendingOutput(c);
    if (out > maxOut) maxOut = out;
    if (c.unblock !== null) blocked++;
  }
  return [
    ["connected_clients", connected],
    ["cluster_connections", 0],
    ["maxclients", server.config.get("maxclients")],
    ["client_recent_max_input_buffer", maxIn],
    ["client_recent_max_output_buffer", maxOut],
    ["blocked_clients", blocked],
    ["tracking_clients", 0],
    ["clients_in_timeout_table", blocked],
  ];
}

/** What MEMORY STATS and INFO memory report, measured once. */
export interface MemoryFigures {
  used: number;
  rss: number;
  peak: number;
  startup: number;
  /** Bytes held by client buffers (read buffers, pending replies). */
  clients: number;
  overhead: number;
  dataset: number;
  heapTotal: number;
}

/** Samples V8's memory use and updates the server's peak. */
export function measureMemory(server: Server): MemoryFigures {
  const m = Deno.memoryUsage();
  const used = m.heapUsed + m.external;
  if (used > server.memoryPeak) server.memoryPeak = used;
  let clients = 0;
  for (const c of server.clients.values()) clients += clientMemory(c);
  const startup = Math.min(server.startupMemory, used);
  const overhead = Math.min(used, startup + clients);
  return {
    used,
    rss: m.rss,
    peak: server.memoryPeak,
    startup,
    clients,
    overhead,
    dataset: used - overhead,
    heapTotal: m.heapTotal + m.external,
  };
}

/** An estimate of one connection's buffers: its read buffer, reply buffer and state. */
export function clientMemory(c: Client): number {
  return READ_BUFFER + Math.max(REPLY_BUFFER, c.w.length) + c.queryBufferLength + 1024;
}

/** The socket loop's initial buffer sizes (connection.ts, resp/writer.ts). */
export const READ_BUFFER = 16 * 1024;
export const REPLY_BUFFER = 16 * 1024;

function memorySection(server: Server): Fields {
  const f = measureMemory(server);
  const maxmemory = Number(server.config.get("maxmemory"));
  const total = systemMemory();
  const frag = f.used > 0 ? f.rss / f.used : 0;
  const allocFrag = f.used > 0 ? f.heapTotal / f.used : 0;
  const allocRss = f.heapTotal > 0 ? f.rss / f.heapTotal : 0;
  return [
    ["used_memory", f.used],
    ["used_memory_human", bytesToHuman(f.used)],
    ["used_memory_rss", f.rss],
    ["used_memory_rss_human", bytesToHuman(f.rss)],
    ["used_memory_peak", f.peak],
    ["used_memory_peak_human", bytesToHuman(f.peak)],
    ["used_memory_peak_perc", `${percent(f.used, f.peak)}%`],
    ["used_memory_overhead", f.overhead],
    ["used_memory_startup", f.startup],
    ["used_memory_dataset", f.dataset],
    ["used_memory_dataset_perc", `${percent(f.dataset, f.used - f.startup)}%`],
    ["allocator_allocated", f.used],
    ["allocator_active", f.heapTotal],
    ["allocator_resident", f.rss],
    ["total_system_memory", total],
    ["total_system_memory_human", bytesToHuman(total)],
    ["used_memory_lua", 0],
    ["used_memory_vm_eval", 0],
    ["used_memory_lua_human", "0B"],
    ["used_memory_scripts_eval", 0],
    ["number_of_cached_scripts", 0],
    ["number_of_functions", 0],
    ["number_of_libraries", 0],
    ["used_memory_vm_functions", 0],
    ["used_memory_vm_total", 0],
    ["used_memory_vm_total_human", "0B"],
    ["used_memory_functions", 0],
    ["used_memory_scripts", 0],
    ["used_memory_scripts_human", "0B"],
    ["maxmemory", maxmemory],
    ["maxmemory_human", bytesToHuman(maxmemory)],
    ["maxmemory_policy", server.config.get("maxmemory-policy")],
    ["allocator_frag_ratio", allocFrag.toFixed(2)],
    ["allocator_frag_bytes", f.heapTotal - f.used],
    ["allocator_rss_ratio", allocRss.toFixed(2)],
    ["allocator_rss_bytes", f.rss - f.heapTotal],
    ["rss_overhead_ratio", allocRss.toFixed(2)],
    ["rss_overhead_bytes", f.rss - f.heapTotal],
    ["mem_fragmentation_ratio", frag.toFixed(2)],
    ["mem_fragmentation_bytes", f.rss - f.used],
    ["mem_not_counted_for_evict", 0],
    ["mem_replication_backlog", server.repl.backlog?.length ?? 0],
    ["mem_total_replication_buffers", server.repl.backlog?.retained ?? 0],
    ["mem_clients_slaves", server.repl.replicaOutput()],
    ["mem_clients_normal", f.clients],
    ["mem_cluster_links", 0],
    ["mem_aof_buffer", 0],
    ["mem_allocator", `v8-${Deno.version.v8}`],
    ["active_defrag_running", 0],
    ["lazyfree_pending_objects", 0],
    ["lazyfreed_objects", 0],
  ];
}

function systemMemory(): number {
  try {
    return Deno.systemMemoryInfo().total;
  } catch {
    return 0;
  }
}

function percent(part: number, whole: number): string {
  return (whole > 0 ? (part * 100) / whole : 0).toFixed(2);
}

/** Redis's bytesToHuman: B under 1K, then two decimals of K, M, G, T, P. */
export function bytesToHuman(n: number): string {
  if (n < 1024) return `${n}B`;
  const units = ["K", "M", "G", "T", "P"];
  let size = 1024;
  for (const u of units) {
    if (n < size * 1024 || u === "P") return `${(n / size).toFixed(2)}${u}`;
    size *= 1024;
  }
  return `${n}B`;
}

function persistenceSection(server: Server): Fields {
  const p = server.persistence;
  const job = p.job;
  const walker = job?.walker;
  const processed = walker?.keysDone ?? 0;
  const total = walker?.keysTotal ?? 0;
  return [
    ["loading", p.loading !== null ? 1 : 0],
    ["async_loading", 0],
    ["current_cow_peak", 0],
    ["current_cow_size", 0],
    ["current_cow_size_age", 0],
    ["current_fork_perc", (total > 0 ? (processed * 100) / total : 0).toFixed(2)],
    ["current_save_keys_processed", processed],
    ["current_save_keys_total", total],
    ["rdb_changes_since_last_save", server.dirty],
    ["rdb_bgsave_in_progress", job !== null ? 1 : 0],
    ["rdb_last_save_time", server.lastSave],
    ["rdb_last_bgsave_status", p.lastBgsaveOk ? "ok" : "err"],
    ["rdb_last_bgsave_time_sec", p.lastBgsaveSeconds],
    [
      "rdb_current_bgsave_time_sec",
      job !== null ? Math.floor((Date.now() - job.startedAt) / 1000) : -1,
    ],
    ["rdb_saves", p.saves],
    ["rdb_last_cow_size", 0],
    ["rdb_last_load_keys_expired", p.lastLoadExpired],
    ["rdb_last_load_keys_loaded", p.lastLoadKeys],
    ["aof_enabled", 0],
    ["aof_rewrite_in_progress", 0],
    ["aof_rewrite_scheduled", 0],
    ["aof_last_rewrite_time_sec", -1],
    ["aof_current_rewrite_time_sec", -1],
    ["aof_last_bgrewrite_status", "ok"],
    ["aof_rewrites", 0],
    ["aof_rewrites_consecutive_failures", 0],
    ["aof_last_write_status", "ok"],
    ["aof_last_cow_size", 0],
    ["module_fork_in_progress", 0],
    ["module_fork_last_cow_size", 0],
    ...p.loadingFields(),
  ];
}

function statsSection(server: Server): Fields {
  const st = server.stats;
  const ks = server.keyspace;
  return [
    ["total_connections_received", st.connectionsReceived],
    ["total_commands_processed", st.commandsProcessed],
    ["instantaneous_ops_per_sec", Math.round(st.opsRate.rate)],
    ["total_net_input_bytes", st.netInputBytes],
    ["total_net_output_bytes", st.netOutputBytes],
    ["total_net_repl_input_bytes", 0],
    ["total_net_repl_output_bytes", 0],
    ["instantaneous_input_kbps", (st.inputRate.rate / 1024).toFixed(2)],
    ["instantaneous_output_kbps", (st.outputRate.rate / 1024).toFixed(2)],
    ["instantaneous_input_repl_kbps", "0.00"],
    ["instantaneous_output_repl_kbps", "0.00"],
    ["rejected_connections", st.rejectedConnections],
    ["sync_full", server.repl.syncFull],
    ["sync_partial_ok", server.repl.syncPartialOk],
    ["sync_partial_err", server.repl.syncPartialErr],
    ["expired_keys", ks.expiredKeys],
    ["expired_stale_perc", "0.00"],
    ["expired_time_cap_reached_count", 0],
    ["expire_cycle_cpu_milliseconds", 0],
    ["evicted_keys", 0],
    ["evicted_clients", 0],
    ["total_eviction_exceeded_time", 0],
    ["current_eviction_exceeded_time", 0],
    ["keyspace_hits", ks.hits],
    ["keyspace_misses", ks.misses],
    ["pubsub_channels", server.pubsub.channelCount],
    ["pubsub_patterns", server.pubsub.patternCount],
    ["pubsubshard_channels", server.pubsub.shardChannelCount],
    ["latest_fork_usec", 0],
    ["total_forks", 0],
    ["migrate_cached_sockets", 0],
    ["slave_expires_tracked_keys", 0],
    ["active_defrag_hits", 0],
    ["active_defrag_misses", 0],
    ["active_defrag_key_hits", 0],
    ["active_defrag_key_misses", 0],
    ["total_active_defrag_time", 0],
    ["current_active_defrag_time", 0],
    ["tracking_total_keys", 0],
    ["tracking_total_items", 0],
    ["tracking_total_prefixes", 0],
    ["unexpected_error_replies", 0],
    ["total_error_replies", st.errorReplies],
    ["dump_payload_sanitizations", 0],
    ["total_reads_processed", 0],
    ["total_writes_processed", 0],
    ["io_threaded_reads_processed", 0],
    ["io_threaded_writes_processed", 0],
    ["reply_buffer_shrinks", 0],
    ["reply_buffer_expands", 0],
  ];
}

function replicationSection(server: Server): Fields {
  const fields = server.repl.infoFields();
  const f = server.replicaOf;
  // A replica's own fields go between role and connected_slaves, as in Redis.
  if (f === null) return fields;
  return [["role", "slave"], ...f.infoFields(), ...fields.slice(1)];
}

/** CPU seconds (user, system) of the process, its children and the main thread. */
function cpuSection(): Fields {
  const self = procTimes("/proc/self/stat");
  const thread = procTimes("/proc/thread-self/stat") ?? self;
  const fmt = (ticks: number | undefined) => secondsText((ticks ?? 0) / CLOCK_TICKS);
  return [
    ["used_cpu_sys", fmt(self?.[1])],
    ["used_cpu_user", fmt(self?.[0])],
    ["used_cpu_sys_children", fmt(self?.[3])],
    ["used_cpu_user_children", fmt(self?.[2])],
    ["used_cpu_sys_main_thread", fmt(thread?.[1])],
    ["used_cpu_user_main_thread", fmt(thread?.[0])],
  ];
}

/** Linux's USER_HZ: /proc times are in 1/100 s. */
const CLOCK_TICKS = 100;

/** utime, stime, cutime, cstime from a /proc stat file, or null where there is none. */
function procTimes(path: string): [number, number, number, number] | null {
  if (Deno.build.os !== "linux") return null;
  try {
    const text = Deno.readTextFileSync(path);
    // The command name may contain spaces and parentheses: fields start after the last ')'.
    const f = text.slice(text.lastIndexOf(")") + 2).split(" ");
    return [Number(f[11]), Number(f[12]), Number(f[13]), Number(f[14])];
  } catch {
    return null;
  }
}

/** `%ld.%06ld` seconds. */
function secondsText(s: number): string {
  const whole = Math.floor(s);
  return `${whole}.${String(Math.round((s - whole) * 1e6)).padStart(6, "0")}`;
}

function commandStats(server: Server): Fields {
  const out: Fields = [];
  for (const cmd of server.registry.all()) {
    const st = server.stats.commands[cmd.id];
    if (st === undefined || (st.calls === 0 && st.rejected === 0 && st.failed === 0)) continue;
    const perCall = st.calls > 0 ? st.usec / st.calls : 0;
    out.push([
      `cmdstat_${cmd.fullName}`,
      `calls=${st.calls},usec=${st.usec},usec_per_call=${perCall.toFixed(2)},` +
      `rejected_calls=${st.rejected},failed_calls=${st.failed}`,
    ]);
  }
  return out;
}

function errorStats(server: Server): Fields {
  return [...server.stats.errors].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map((
    [code, n],
  ) => [`errorstat_${code}`, `count=${n}`]);
}

function keyspaceSection(server: Server): Fields {
  const out: Fields = [];
  for (let i = 0; i < server.keyspace.databases; i++) {
    const db = server.keyspace.db(i);
    const keys = db.size;
    if (keys === 0) continue;
    out.push([`db${i}`, `keys=${keys},expires=${db.expiresCount},avg_ttl=${db.avgTtl()}`]);
  }
  return out;
}
