// INFO: sections, field names and order (compared with a real redis-server), the text format,
// and fields that follow the server's state.
import assert from "node:assert/strict";
import { DiffPair } from "./_diff.ts";
import {
  InProcess,
  requireTool,
  RespClient,
  RespError,
  type RespValue,
  spawnHakv,
} from "./_harness.ts";
import { RespVerbatim } from "../src/resp/mod.ts";
import { bytesToHuman } from "../src/server/info.ts";

async function info(s: InProcess, ...sections: string[]): Promise<string> {
  const r = await s.run("INFO", ...sections);
  assert.equal(typeof r, "string", `INFO replied ${String(r)}`);
  return r as string;
}

/** Parses INFO text into sections of [field, value] pairs. */
function parse(text: string): Map<string, [string, string][]> {
  const out = new Map<string, [string, string][]>();
  let current: [string, string][] = [];
  for (const line of text.split("\r\n")) {
    if (line.startsWith("# ")) {
      current = [];
      out.set(line.slice(2), current);
    } else if (line !== "") {
      const i = line.indexOf(":");
      current.push([line.slice(0, i), line.slice(i + 1)]);
    }
  }
  return out;
}

function field(text: string, name: string): string {
  const m = new RegExp(`^${name.replace(/[|]/g, "\\|")}:(.*)$`, "m").exec(text.replace(/\r/g, ""));
  assert.ok(m !== null, `no ${name} in INFO`);
  return m[1]!;
}

Deno.test("INFO without arguments prints the default sections in Redis's order", async () => {
  await using s = new InProcess();
  const text = await info(s);
  const headers = text.split("\r\n").filter((l) => l.startsWith("#"));
  assert.deepEqual(headers, [
    "# Server",
    "# Clients",
    "# Memory",
    "# Persistence",
    "# Stats",
    "# Replication",
    "# CPU",
    "# Modules",
    "# Errorstats",
    "# Cluster",
    "# Keyspace",
  ]);
});

Deno.test("INFO text: CRLF lines, one blank line between sections, none at the end", async () => {
  await using s = new InProcess();
  const text = await info(s, "server", "cluster");
  assert.ok(!/[^\r]\n/.test(text), "every line ends with CRLF");
  assert.ok(text.startsWith("# Server\r\n"));
  assert.ok(text.endsWith("\r\n\r\n# Cluster\r\ncluster_enabled:0\r\n"));
  assert.ok(!text.includes("\r\n\r\n\r\n"));
});

Deno.test("INFO with sections: any case, several at once, printed in fixed order", async () => {
  await using s = new InProcess();
  const text = await info(s, "KEYSPACE", "server");
  assert.deepEqual(text.split("\r\n").filter((l) => l.startsWith("#")), [
    "# Server",
    "# Keyspace",
  ]);
  assert.equal(await info(s, "nosuchsection"), "");
  const all = await info(s, "all");
  const everything = await info(s, "everything");
  for (const t of [all, everything]) {
    for (const h of ["# Commandstats", "# Latencystats", "# Modules", "# Keyspace"]) {
      assert.ok(t.includes(h), `${h} missing`);
    }
  }
  const def = await info(s, "default");
  assert.ok(!def.includes("# Commandstats"));
  assert.ok(def.includes("# Errorstats"));
});

Deno.test("INFO server: versions, run_id, pid, port and uptime", async () => {
  await using s = new InProcess();
  const text = await info(s, "server");
  assert.equal(field(text, "redis_version"), "7.0.15");
  assert.match(field(text, "hakv_version"), /^\d+\.\d+\.\d+/);
  assert.equal(field(text, "redis_mode"), "standalone");
  assert.equal(field(text, "run_id"), s.server.runId);
  assert.match(field(text, "run_id"), /^[0-9a-f]{40}$/);
  assert.equal(field(text, "process_id"), String(Deno.pid));
  assert.equal(field(text, "arch_bits"), "64");
  assert.equal(field(text, "hz"), "10");
  assert.equal(field(text, "uptime_in_days"), "0");
  const usec = Number(field(text, "server_time_usec"));
  assert.ok(Math.abs(usec / 1000 - Date.now()) < 5000, "server_time_usec is now");
  assert.equal(field(text, "lru_clock"), String(Math.floor(Date.now() / 1000) % (1 << 24)));
});

Deno.test("INFO stats and keyspace follow commands, hits, misses and keys", async () => {
  await using s = new InProcess();
  await s.run("SET", "a", "1");
  await s.run("SET", "b", "2", "EX", "100");
  await s.run("GET", "a");
  await s.run("GET", "missing");
  await s.run("SELECT", "3");
  await s.run("SET", "c", "3");
  const text = await info(s);
  assert.equal(field(text, "keyspace_hits"), "1");
  assert.equal(field(text, "keyspace_misses"), "1");
  assert.equal(field(text, "total_commands_processed"), "6");
  assert.equal(field(text, "connected_clients"), "1");
  assert.match(field(text, "db0"), /^keys=2,expires=1,avg_ttl=\d+$/);
  const ttl = Number(/avg_ttl=(\d+)/.exec(field(text, "db0"))![1]);
  assert.ok(ttl > 90_000 && ttl <= 100_000, `avg_ttl ${ttl}`);
  assert.equal(field(text, "db3"), "keys=1,expires=0,avg_ttl=0");
  assert.ok(!text.includes("db1:"), "empty databases are not listed");
});

Deno.test("INFO errorstats and commandstats count calls, failures and rejections", async () => {
  await using s = new InProcess();
  await s.run("SET", "k", "v");
  await s.run("SET", "k", "v", "BADOPT");
  await s.run("GET");
  await s.run("NOSUCH");
  await s.run("INCR", "k");
  const errors = await info(s, "errorstats");
  assert.equal(errors, "# Errorstats\r\nerrorstat_ERR:count=4\r\n");
  const stats = await info(s, "commandstats");
  assert.match(
    field(stats, "cmdstat_set"),
    /^calls=2,usec=\d+,usec_per_call=\d+\.\d\d,rejected_calls=0,failed_calls=1$/,
  );
  assert.match(
    field(stats, "cmdstat_get"),
    /^calls=0,usec=0,usec_per_call=0\.00,rejected_calls=1,/,
  );
  await s.run("CONFIG", "RESETSTAT");
  assert.equal(await info(s, "errorstats"), "# Errorstats\r\n");
  const after = await info(s, "commandstats");
  assert.ok(!after.includes("cmdstat_set:"), "RESETSTAT clears command stats");
});

Deno.test("INFO memory: used_memory is V8's heap plus external memory", async () => {
  await using s = new InProcess();
  const text = await info(s, "memory");
  const used = Number(field(text, "used_memory"));
  const m = Deno.memoryUsage();
  assert.ok(Math.abs(used - (m.heapUsed + m.external)) < 8 * 1024 * 1024, "close to V8's figure");
  assert.equal(field(text, "used_memory_human"), bytesToHuman(used));
  const rss = Number(field(text, "used_memory_rss"));
  assert.ok(rss >= used / 2 && Math.abs(rss - m.rss) < 64 * 1024 * 1024);
  assert.ok(Number(field(text, "used_memory_peak")) >= used);
  assert.equal(field(text, "maxmemory"), "0");
  assert.equal(field(text, "maxmemory_human"), "0B");
  assert.equal(field(text, "maxmemory_policy"), "noeviction");
  await s.run("CONFIG", "SET", "maxmemory", "100mb");
  assert.equal(field(await info(s, "memory"), "maxmemory_human"), "100.00M");
});

Deno.test("bytesToHuman formats as Redis does", () => {
  assert.equal(bytesToHuman(0), "0B");
  assert.equal(bytesToHuman(1023), "1023B");
  assert.equal(bytesToHuman(1024), "1.00K");
  assert.equal(bytesToHuman(941032), "918.98K");
  assert.equal(bytesToHuman(6901760), "6.58M");
  assert.equal(bytesToHuman(25276063744), "23.54G");
});

Deno.test("INFO persistence and replication report a master that never saved", async () => {
  await using s = new InProcess();
  const text = await info(s, "persistence", "replication");
  assert.equal(field(text, "loading"), "0");
  assert.equal(field(text, "rdb_bgsave_in_progress"), "0");
  assert.equal(field(text, "rdb_last_save_time"), String(s.server.lastSave));
  assert.equal(field(text, "rdb_saves"), "0");
  assert.equal(field(text, "aof_enabled"), "0");
  assert.equal(field(text, "role"), "master");
  assert.equal(field(text, "connected_slaves"), "0");
  assert.equal(field(text, "master_failover_state"), "no-failover");
  assert.match(field(text, "master_replid"), /^[0-9a-f]{40}$/);
  assert.equal(field(text, "master_replid2"), "0".repeat(40));
  assert.equal(field(text, "master_repl_offset"), "0");
  assert.equal(field(text, "second_repl_offset"), "-1");
  assert.equal(field(text, "repl_backlog_size"), "1048576");
  // The replication id is stable between calls.
  assert.equal(
    field(await info(s, "replication"), "master_replid"),
    field(text, "master_replid"),
  );
});

Deno.test("INFO cpu reports this process's CPU time", async () => {
  await using s = new InProcess();
  // Burn a little CPU so the counters move.
  let x = 0;
  const until = performance.now() + 50;
  while (performance.now() < until) x++;
  const text = await info(s, "cpu");
  for (const f of ["used_cpu_sys", "used_cpu_user", "used_cpu_sys_main_thread"]) {
    assert.match(field(text, f), /^\d+\.\d{6}$/);
  }
  if (Deno.build.os === "linux") assert.ok(Number(field(text, "used_cpu_user")) > 0, String(x));
});

Deno.test("INFO replies with a verbatim string under RESP3", async () => {
  await using s = new InProcess();
  await s.run("HELLO", "3");
  const r = await s.run("INFO", "cluster");
  assert.ok(r instanceof RespVerbatim);
  assert.equal(r.format, "txt");
  assert.equal(r.text, "# Cluster\r\ncluster_enabled:0\r\n");
});

/** Field names of each section, for the sections whose fields do not depend on activity. */
function names(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [section, fields] of parse(text)) {
    if (["Commandstats", "Errorstats", "Latencystats", "Keyspace"].includes(section)) continue;
    out.set(section, fields.map(([k]) => k));
  }
  return out;
}

Deno.test("differential: INFO everything has Redis 7.0's sections, fields and order", async () => {
  if (!requireTool("redis-server")) return;
  await using pair = await DiffPair.start();
  const { hakv: hc, redis: rc } = pair;
  const ours = names(String(await hc.call("INFO", "everything")));
  const theirs = names(String(await rc.call("INFO", "everything")));
  assert.deepEqual([...ours.keys()], [...theirs.keys()]);
  for (const [section, fields] of theirs) {
    // hakv adds exactly one field: its own version, right after redis_version.
    const mine = ours.get(section)!.filter((f) => f !== "hakv_version");
    assert.deepEqual(mine, fields, `fields of # ${section}`);
  }
  // Both print the same section headers for the same selections.
  for (const args of [["server", "memory"], ["default"], ["foo"], ["Keyspace"]]) {
    const a = String(await hc.call("INFO", ...args)).split("\r\n").filter((l) => l[0] === "#");
    const b = String(await rc.call("INFO", ...args)).split("\r\n").filter((l) => l[0] === "#");
    assert.deepEqual(a, b, `INFO ${args.join(" ")}`);
  }
});

Deno.test("differential: INFO keyspace, errorstats and commandstats lines match Redis", async () => {
  if (!requireTool("redis-server")) return;
  await using pair = await DiffPair.start();
  const script: (string | number)[][] = [
    ["SET", "a", "1"],
    ["SET", "b", "2", "EX", "1000"],
    ["SELECT", "5"],
    ["SET", "c", "3"],
    ["INCR", "c"],
    ["GET", "c", "extra"],
    ["NOSUCHCOMMAND"],
    ["SET", "c", "x", "NX", "XX"],
  ];
  const run = async (c: RespClient) => {
    for (const cmd of script) await c.call(...cmd);
    const strip = (t: RespValue) =>
      String(t).replace(/usec=\d+,usec_per_call=[\d.]+/g, "usec").replace(
        /avg_ttl=\d+/g,
        "avg_ttl",
      );
    return {
      keyspace: strip(await c.call("INFO", "keyspace")),
      errors: strip(await c.call("INFO", "errorstats")),
      // Redis lists command stats in hash order: compare as sets.
      commands: strip(await c.call("INFO", "commandstats")).split("\r\n").sort(),
    };
  };
  const { hakv: hc, redis: rc } = pair;
  const ours = await run(hc);
  const theirs = await run(rc);
  assert.deepEqual(ours, theirs);
});

Deno.test("process: INFO counts connections and rejected clients", async () => {
  await using p = await spawnHakv(["--maxclients", "2"]);
  await using a = await p.client();
  await using b = await p.client();
  await using c = await p.client();
  const refused = await c.call("PING").catch((e) => e);
  assert.ok(refused instanceof RespError || refused instanceof Error);
  const text = String(await a.call("INFO", "stats", "clients"));
  assert.equal(field(text, "connected_clients"), "2");
  assert.equal(field(text, "rejected_connections"), "1");
  assert.equal(field(text, "total_connections_received"), "2");
  assert.ok(Number(field(text, "total_net_input_bytes")) > 0);
  void b;
});
