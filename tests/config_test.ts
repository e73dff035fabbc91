// CONFIG GET / SET / RESETSTAT / REWRITE / HELP and configuration files: validation texts
// compared with a real redis-server, changes that take effect, redis.conf loading (Debian's own
// file, include, overrides, fatal errors) and CONFIG REWRITE round trips.
import assert from "node:assert/strict";
import { DiffPair } from "./_diff.ts";
import {
  errorText,
  InProcess,
  type Proc,
  requireTool,
  RespClient,
  RespError,
  spawnHakv,
  spawnRedis,
  waitFor,
} from "./_harness.ts";
import { Config, ConfigError } from "../src/server/config.ts";
import { DIRECTIVES } from "../src/server/config_table.ts";

async function tempDir(): Promise<string> {
  return await Deno.makeTempDir({ prefix: "hakv_config_test_" });
}

// --- CONFIG GET -----------------------------------------------------------------------------

Deno.test("CONFIG GET answers several names and patterns as one flat list", async () => {
  await using s = new InProcess();
  assert.deepEqual(await s.run("CONFIG", "GET", "maxclients", "timeout"), [
    "maxclients",
    "10000",
    "timeout",
    "0",
  ]);
  assert.deepEqual(await s.run("CONFIG", "GET", "nosuch"), []);
  // An exact name is answered with the caller's spelling, once.
  assert.deepEqual(await s.run("CONFIG", "GET", "MaxClients", "maxclients"), [
    "MaxClients",
    "10000",
  ]);
  const hz = await s.run("CONFIG", "GET", "max*clients", "hz") as string[];
  assert.deepEqual(hz, ["maxclients", "10000", "maxmemory-clients", "0", "hz", "10"]);
});

Deno.test("CONFIG GET patterns match aliases but skip hidden directives", async () => {
  await using s = new InProcess();
  const ziplist = await s.run("CONFIG", "GET", "*ziplist*") as string[];
  const names = ziplist.filter((_, i) => i % 2 === 0).sort();
  assert.deepEqual(names, [
    "hash-max-ziplist-entries",
    "hash-max-ziplist-value",
    "list-max-ziplist-size",
    "zset-max-ziplist-entries",
    "zset-max-ziplist-value",
  ]);
  const all = await s.run("CONFIG", "GET", "*") as string[];
  const allNames = all.filter((_, i) => i % 2 === 0);
  assert.ok(allNames.includes("slaveof") && allNames.includes("replicaof"));
  assert.ok(allNames.includes("requirepass"));
  assert.ok(!allNames.includes("shards") && !allNames.includes("watchdog-period"));
  // Hidden directives answer an exact name.
  const shards = DIRECTIVES.find((d) => d.name === "shards")!.default;
  assert.deepEqual(await s.run("CONFIG", "GET", "shards"), ["shards", shards]);
  assert.deepEqual(await s.run("CONFIG", "GET", "include"), []);
});

Deno.test("CONFIG GET replies with a map under RESP3", async () => {
  await using s = new InProcess();
  await s.run("HELLO", "3");
  const r = await s.run("CONFIG", "GET", "hz");
  assert.ok(r instanceof Map);
  assert.equal(r.get("hz"), "10");
});

// --- CONFIG SET -----------------------------------------------------------------------------

Deno.test("CONFIG SET sets several directives at once; aliases write the same value", async () => {
  await using s = new InProcess();
  assert.equal(await s.run("CONFIG", "SET", "hz", "20", "maxmemory", "10mb"), "OK");
  assert.deepEqual(await s.run("CONFIG", "GET", "hz", "maxmemory"), [
    "hz",
    "20",
    "maxmemory",
    "10485760",
  ]);
  assert.equal(await s.run("CONFIG", "SET", "hash-max-ziplist-entries", "100"), "OK");
  assert.deepEqual(await s.run("CONFIG", "GET", "hash-max-listpack-entries"), [
    "hash-max-listpack-entries",
    "100",
  ]);
  assert.equal(await s.run("CONFIG", "SET", "maxmemory-clients", "10%"), "OK");
  assert.deepEqual(await s.run("CONFIG", "GET", "maxmemory-clients"), [
    "maxmemory-clients",
    "10%",
  ]);
  assert.equal(await s.run("CONFIG", "SET", "notify-keyspace-events", "KEA"), "OK");
  assert.deepEqual(await s.run("CONFIG", "GET", "notify-keyspace-events"), [
    "notify-keyspace-events",
    "AKE",
  ]);
});

Deno.test("CONFIG SET is atomic: one bad value leaves every directive unchanged", async () => {
  await using s = new InProcess();
  const e = errorText(await s.run("CONFIG", "SET", "hz", "30", "maxclients", "0"));
  assert.equal(
    e,
    "ERR CONFIG SET failed (possibly related to argument 'maxclients') - argument must be between 1 and 4294967295 inclusive",
  );
  assert.deepEqual(await s.run("CONFIG", "GET", "hz"), ["hz", "10"]);
});

Deno.test("CONFIG SET restores every value when applying one fails", () => {
  const config = new Config();
  config.watch("timeout", (v) => {
    if (v === "7") throw new Error("cannot apply");
  });
  assert.throws(
    () => config.setMany([["hz", "33"], ["timeout", "7"]]),
    (e: unknown) =>
      e instanceof ConfigError &&
      e.message === "CONFIG SET failed (possibly related to argument 'timeout') - cannot apply",
  );
  assert.equal(config.get("hz"), "10");
  assert.equal(config.get("timeout"), "0");
});

Deno.test("CONFIG SET errors: syntax, unknown, immutable, protected, duplicate", async () => {
  await using s = new InProcess();
  const cases: [string[], string][] = [
    [["hz", "20", "timeout"], "ERR syntax error"],
    [["nosuch", "1"], "ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'"],
    [["include", "x"], "ERR Unknown option or number of arguments for CONFIG SET - 'include'"],
    [
      ["daemonize", "yes"],
      "ERR CONFIG SET failed (possibly related to argument 'daemonize') - can't set immutable config",
    ],
    [
      ["hz", "x", "daemonize", "yes"],
      "ERR CONFIG SET failed (possibly related to argument 'daemonize') - can't set immutable config",
    ],
    [
      ["dir", "/tmp"],
      "ERR CONFIG SET failed (possibly related to argument 'dir') - can't set protected config",
    ],
    [
      ["hz", "11", "HZ", "12"],
      "ERR CONFIG SET failed (possibly related to argument 'HZ') - duplicate parameter",
    ],
    [
      ["HZ", "abc"],
      "ERR CONFIG SET failed (possibly related to argument 'hz') - argument couldn't be parsed into an integer",
    ],
    [
      ["maxmemory", "1.5gb"],
      "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value",
    ],
    [
      ["loglevel", "loud"],
      "ERR CONFIG SET failed (possibly related to argument 'loglevel') - argument(s) must be one of the following: debug, verbose, notice, warning",
    ],
    [
      ["save", "100"],
      "ERR CONFIG SET failed (possibly related to argument 'save') - Invalid save parameters",
    ],
  ];
  for (const [args, expected] of cases) {
    assert.equal(errorText(await s.run("CONFIG", "SET", ...args)), expected, args.join(" "));
  }
  assert.equal(
    errorText(await s.run("CONFIG", "SET", "hz")),
    "ERR wrong number of arguments for 'config|set' command",
  );
});

Deno.test("CONFIG SET accepts Redis 7.0's encoding knobs and their ziplist names", async () => {
  await using s = new InProcess();
  for (
    const name of [
      "hash-max-listpack-entries",
      "hash-max-listpack-value",
      "hash-max-ziplist-entries",
      "hash-max-ziplist-value",
      "zset-max-listpack-entries",
      "zset-max-ziplist-value",
      "list-max-listpack-size",
      "list-max-ziplist-size",
      "list-compress-depth",
      "set-max-intset-entries",
      "stream-node-max-entries",
      "stream-node-max-bytes",
    ]
  ) {
    assert.equal(await s.run("CONFIG", "SET", name, "16"), "OK", name);
    assert.deepEqual(await s.run("CONFIG", "GET", name), [name, "16"]);
  }
});

Deno.test("CONFIG SET takes effect: slowlog, bulk length, query buffer, loglevel, password", async () => {
  await using s = new InProcess();
  await s.run("CONFIG", "SET", "slowlog-log-slower-than", "0");
  await s.run("SET", "k", "v");
  const log = await s.run("SLOWLOG", "GET", "1") as unknown[][];
  assert.deepEqual(log[0]![3], ["SET", "k", "v"]);
  await s.run("CONFIG", "SET", "proto-max-bulk-len", "2mb", "client-query-buffer-limit", "3mb");
  assert.equal(s.server.maxBulkLen, 2 * 1024 * 1024);
  assert.equal(s.server.queryBufferLimit, 3 * 1024 * 1024);
  await s.run("CONFIG", "SET", "loglevel", "warning");
  assert.equal(s.server.log.level, "warning");
  await s.run("CONFIG", "SET", "requirepass", "secret");
  const other = s.client();
  assert.equal(errorText(await s.runAs(other, "GET", "k")), "NOAUTH Authentication required.");
  assert.equal(await s.runAs(other, "AUTH", "secret"), "OK");
  assert.equal(await s.runAs(other, "GET", "k"), "v");
});

Deno.test("CONFIG RESETSTAT clears the counters INFO reports", async () => {
  await using s = new InProcess();
  await s.run("SET", "a", "1");
  await s.run("GET", "a");
  await s.run("GET", "b");
  assert.equal(await s.run("CONFIG", "RESETSTAT"), "OK");
  const text = String(await s.run("INFO", "stats"));
  assert.match(text, /keyspace_hits:0\r\n/);
  assert.match(text, /keyspace_misses:0\r\n/);
  // RESETSTAT itself is counted once it has run, as in Redis.
  assert.match(text, /total_commands_processed:1\r\n/);
  assert.equal(
    errorText(await s.run("CONFIG", "RESETSTAT", "x")),
    "ERR wrong number of arguments for 'config|resetstat' command",
  );
});

Deno.test("CONFIG REWRITE without a config file is an error; CONFIG HELP lists subcommands", async () => {
  await using s = new InProcess();
  assert.equal(
    errorText(await s.run("CONFIG", "REWRITE")),
    "ERR The server is running without a config file",
  );
  const help = await s.run("CONFIG", "HELP") as string[];
  assert.equal(help[0], "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
  assert.equal(help.at(-1), "    Prints this help.");
  assert.equal(help.length, 11);
});

// --- Differential ---------------------------------------------------------------------------

Deno.test("differential: CONFIG GET * lists the same names and defaults as Redis", async () => {
  if (!requireTool("redis-server")) return;
  await using pair = await DiffPair.start();
  const { hakv: hc, redis: rc } = pair;
  const pairs = async (c: RespClient) => {
    const flat = await c.call("CONFIG", "GET", "*") as string[];
    const m = new Map<string, string>();
    for (let i = 0; i < flat.length; i += 2) m.set(flat[i]!, flat[i + 1]!);
    return m;
  };
  const ours = await pairs(hc);
  const theirs = await pairs(rc);
  assert.deepEqual([...ours.keys()].sort(), [...theirs.keys()].sort());
  // Values that depend on the process (paths, ports) or on how each was started differ.
  const local = new Set(["dir", "port", "logfile", "pidfile", "save", "appendonly", "daemonize"]);
  for (const [k, v] of theirs) {
    if (!local.has(k)) assert.equal(ours.get(k), v, k);
  }
});

Deno.test("differential: CONFIG SET accepts and refuses every value exactly as Redis", async () => {
  if (!requireTool("redis-server")) return;
  await using pair = await DiffPair.start();
  const { hakv: hc, redis: rc } = pair;
  // Directives whose effect is on the process itself, or that Redis refuses for build reasons.
  const skip = new Set([
    "port",
    "bind",
    "dir",
    "logfile",
    "shards",
    "activedefrag",
    "tls-port",
    "tls-replication",
    "tls-cluster",
  ]);
  const values = [
    "foo",
    "-1",
    "99999999999999999999",
    "0",
    "yes",
    "1",
    "100",
    "5%",
    "1kb",
    "1 2",
    "",
    "-99999999999",
    "0777",
    "nosave now",
    "50 99",
  ];
  const mismatches: string[] = [];
  for (const d of DIRECTIVES) {
    if (skip.has(d.name) || d.hidden) continue;
    const before = (await rc.call("CONFIG", "GET", d.name) as string[])[1]!;
    const ourBefore = (await hc.call("CONFIG", "GET", d.name) as string[])[1]!;
    for (const v of values) {
      const a = await hc.call("CONFIG", "SET", d.name, v);
      const b = await rc.call("CONFIG", "SET", d.name, v);
      const show = async (c: RespClient, x: unknown) =>
        x instanceof RespError
          ? x.message
          : `${x} ${(await c.call("CONFIG", "GET", d.name) as string[])[1]}`;
      const ours = await show(hc, a);
      const theirs = await show(rc, b);
      if (ours !== theirs) mismatches.push(`${d.name} ${JSON.stringify(v)}: ${ours} != ${theirs}`);
      if (b === "OK") await rc.call("CONFIG", "SET", d.name, before);
      if (a === "OK") await hc.call("CONFIG", "SET", d.name, ourBefore);
    }
  }
  assert.deepEqual(mismatches, []);
});

Deno.test("differential: CONFIG replies for options, errors and HELP match Redis", async () => {
  if (!requireTool("redis-server")) return;
  await using pair = await DiffPair.start();
  const { hakv: hc, redis: rc } = pair;
  const script: string[][] = [
    ["CONFIG", "HELP"],
    ["CONFIG", "GET", "hash-max-*-entries"],
    ["CONFIG", "GET", "slave*"],
    ["CONFIG", "GET"],
    ["CONFIG", "SET", "hz", "20", "timeout"],
    ["CONFIG", "SET", "daemonize", "yes", "nosuch", "1"],
    ["CONFIG", "SET", "nosuch", "1", "daemonize", "yes"],
    ["CONFIG", "SET", "hash-max-ziplist-entries", "1", "hash-max-listpack-entries", "2"],
    ["CONFIG", "GET", "hash-max-listpack-entries"],
    ["CONFIG", "SET", "client-output-buffer-limit", "normal 1mb 2mb 3"],
    ["CONFIG", "GET", "client-output-buffer-limit"],
    ["CONFIG", "SET", "save", "10 1 20 2"],
    ["CONFIG", "GET", "save"],
    ["CONFIG", "SET", "maxmemory-clients", "101%"],
    ["CONFIG", "SET", "oom-score-adj-values", "1 2 3000"],
    ["CONFIG", "SET", "latency-tracking-info-percentiles", "200"],
    ["CONFIG", "SET", "notify-keyspace-events", "Kx"],
    ["CONFIG", "GET", "notify-keyspace-events"],
    ["CONFIG", "RESETSTAT"],
    ["CONFIG", "REWRITE"],
    ["CONFIG", "FOO"],
  ];
  for (const cmd of script) {
    const sortIfGet = (v: unknown) => {
      if (cmd[1] !== "GET" || !Array.isArray(v)) return v;
      const pairs: string[] = [];
      for (let i = 0; i < v.length; i += 2) pairs.push(`${v[i]}=${v[i + 1]}`);
      return pairs.sort();
    };
    const a = sortIfGet(await hc.call(...cmd));
    const b = sortIfGet(await rc.call(...cmd));
    assert.deepEqual(
      a instanceof RespError ? a.message : a,
      b instanceof RespError ? b.message : b,
      cmd.join(" "),
    );
  }
});

// --- Effects over TCP -------------------------------------------------------------------------

Deno.test("process: maxclients refuses the client past the limit with Redis's error", async () => {
  await using p = await spawnHakv();
  await using a = await p.client();
  assert.equal(await a.call("CONFIG", "SET", "maxclients", "2"), "OK");
  await using b = await p.client();
  assert.equal(await b.call("PING"), "PONG");
  await using c = await p.client();
  const r = await c.call("PING").catch((e) => e);
  assert.equal(errorText(r), "ERR max number of clients reached");
  await c.done;
  assert.ok(c.closed, "the refused connection is closed");
});

Deno.test("process: timeout closes idle clients but not active ones", async () => {
  await using p = await spawnHakv(["--timeout", "1"]);
  await using idle = await p.client();
  await using busy = await p.client();
  assert.equal(await idle.call("PING"), "PONG");
  const until = Date.now() + 2500;
  while (Date.now() < until) {
    assert.equal(await busy.call("PING"), "PONG");
    await new Promise((r) => setTimeout(r, 200));
  }
  await waitFor(() => idle.closed, 3000);
  assert.equal(await busy.call("PING"), "PONG");
});

Deno.test("process: CONFIG SET port moves the listener", async () => {
  await using p = await spawnHakv();
  await using c = await p.client();
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  assert.equal(await c.call("CONFIG", "SET", "port", port), "OK");
  await using moved = await RespClient.connect({ port });
  assert.equal(await moved.call("PING"), "PONG");
  await assert.rejects(() => RespClient.connect({ port: p.port }));
  // Binding an address this host does not have fails and keeps the listener.
  const e = errorText(await c.call("CONFIG", "SET", "bind", "192.0.2.1"));
  assert.equal(
    e,
    "ERR CONFIG SET failed (possibly related to argument 'bind') - Failed to bind to specified addresses.",
  );
  await using again = await RespClient.connect({ port });
  assert.equal(await again.call("PING"), "PONG");
});

// --- Config files -----------------------------------------------------------------------------

/** Runs `hakv server <args>` expecting it to exit; returns the exit code and output. */
async function hakvExit(args: string[]): Promise<{ code: number; output: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "main.ts", "server", ...args],
    cwd: new URL("..", import.meta.url).pathname,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, output: dec.decode(out.stdout) + dec.decode(out.stderr) };
}

Deno.test("config file: Debian's redis.conf loads unchanged", async () => {
  const path = "/etc/redis/redis.conf";
  try {
    Deno.statSync(path);
  } catch {
    if (!requireTool("redis-server")) return;
    throw new Error(`${path} is missing although redis-server is installed`);
  }
  const dir = await tempDir();
  // The file daemonizes and writes to system paths: point those at a scratch directory.
  await using p = await spawnHakv([
    path,
    "--daemonize",
    "no",
    "--pidfile",
    `${dir}/hakv.pid`,
    "--logfile",
    "",
    "--dir",
    dir,
  ]);
  await using c = await p.client();
  assert.equal(await c.call("PING"), "PONG");
  assert.deepEqual(await c.call("CONFIG", "GET", "databases", "tcp-keepalive", "bind"), [
    "databases",
    "16",
    "tcp-keepalive",
    "300",
    "bind",
    "127.0.0.1",
  ]);
  assert.deepEqual(await c.call("CONFIG", "GET", "client-output-buffer-limit"), [
    "client-output-buffer-limit",
    "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60",
  ]);
  const info = String(await c.call("INFO", "server"));
  assert.match(info, new RegExp(`config_file:${path}\r\n`));
  await Deno.remove(dir, { recursive: true });
});

Deno.test("config file: an unknown directive exits 1 naming the file, line and directive", async () => {
  const dir = await tempDir();
  const file = `${dir}/bad.conf`;
  await Deno.writeTextFile(file, "# comment\nport 0\n\nnosuch-directive 42\n");
  const r = await hakvExit([file]);
  assert.equal(r.code, 1);
  assert.match(r.output, /\*\*\* FATAL CONFIG FILE ERROR \(Redis 7\.0\.15\) \*\*\*/);
  assert.ok(r.output.includes(`Reading the configuration file ${file}, at line 4`), r.output);
  assert.ok(r.output.includes(">>> 'nosuch-directive 42'"), r.output);
  assert.ok(r.output.includes("Bad directive or wrong number of arguments"), r.output);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("config file: bad values and quotes are fatal with Redis's reasons", async () => {
  const dir = await tempDir();
  const cases: [string, string][] = [
    ["maxclients 0", "argument must be between 1 and 4294967295 inclusive"],
    ["appendonly maybe", "argument must be 'yes' or 'no'"],
    ['requirepass "unterminated', "Unbalanced quotes in configuration line"],
    ["timeout 1 2", "wrong number of arguments"],
    ["rename-command NOSUCH foo", "No such command in rename-command"],
  ];
  for (const [line, reason] of cases) {
    const file = `${dir}/bad.conf`;
    await Deno.writeTextFile(file, `port 0\n${line}\n`);
    const r = await hakvExit([file]);
    assert.equal(r.code, 1, line);
    assert.ok(r.output.includes(`at line 2\n>>> '${line}'\n${reason}`), r.output);
  }
  const missing = await hakvExit([`${dir}/nope.conf`]);
  assert.equal(missing.code, 1);
  assert.ok(missing.output.includes(`can't open config file '${dir}/nope.conf'`), missing.output);
  const cli = await hakvExit(["--port", "0", "--hz", "abc"]);
  assert.equal(cli.code, 1);
  assert.ok(cli.output.includes("argument couldn't be parsed into an integer"), cli.output);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("config file: include, later lines override earlier ones, arguments override files", async () => {
  const dir = await tempDir();
  // Redis 7.0 still reads (and ignores) directives it deprecated; so does hakv.
  await Deno.writeTextFile(
    `${dir}/base.conf`,
    "hz 15\ntimeout 7\nmaxclients 500\nlist-max-ziplist-entries 512\n",
  );
  await Deno.writeTextFile(
    `${dir}/main.conf`,
    `include ${dir}/base.conf\ntimeout 9\nsave 100 1\nsave 200 2\nslowlog-max-len 5\n`,
  );
  await using p = await spawnHakv([`${dir}/main.conf`, "--maxclients", "600"]);
  await using c = await p.client();
  assert.deepEqual(await c.call("CONFIG", "GET", "hz", "timeout", "maxclients", "save"), [
    "hz",
    "15",
    "timeout",
    "9",
    "maxclients",
    "600",
    "save",
    "100 1 200 2",
  ]);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("CONFIG REWRITE updates the file in place and a restart reads the same values", async () => {
  const dir = await tempDir();
  const file = `${dir}/hakv.conf`;
  const original = [
    "# my settings",
    "hz 15",
    "save 100 10",
    "save 200 20",
    "slaveof 127.0.0.1 1",
    "maxmemory 10mb",
    'rename-command FLUSHALL ""',
    "",
    "timeout 5",
    "timeout 6",
    "",
  ].join("\n");
  await Deno.writeTextFile(file, original.replace("slaveof 127.0.0.1 1\n", ""));
  let values: unknown;
  {
    await using p = await spawnHakv([file]);
    await using c = await p.client();
    assert.equal(
      await c.call("CONFIG", "SET", "hz", "10", "maxclients", "100", "save", "300 1"),
      "OK",
    );
    assert.equal(
      await c.call("CONFIG", "SET", "maxmemory", "3gb", "notify-keyspace-events", "Ex"),
      "OK",
    );
    assert.equal(await c.call("CONFIG", "REWRITE"), "OK");
    values = await c.call("CONFIG", "GET", "hz", "maxclients", "save", "maxmemory", "timeout");
  }
  const text = await Deno.readTextFile(file);
  const lines = text.split("\n");
  assert.equal(lines[0], "# my settings", "comments are kept");
  assert.equal(lines[1], "hz 10", "a changed directive is rewritten in place");
  assert.equal(lines[2], "save 300 1");
  assert.ok(!text.includes("save 200 20"), "extra occurrences are dropped");
  assert.ok(text.includes("maxmemory 3gb"), "memory values keep units");
  assert.ok(text.includes('rename-command FLUSHALL ""'), "unrelated lines are kept");
  assert.ok(text.includes("timeout 6") && !text.includes("timeout 5"));
  assert.ok(text.includes("# Generated by CONFIG REWRITE\n"));
  assert.ok(text.includes("maxclients 100\n"));
  assert.ok(text.includes('notify-keyspace-events "xE"\n'));
  assert.ok(!text.includes("\n\n\n"), "runs of blank lines collapse");
  await using p = await spawnHakv([file]);
  await using c = await p.client();
  assert.deepEqual(
    await c.call("CONFIG", "GET", "hz", "maxclients", "save", "maxmemory", "timeout"),
    values,
  );
  assert.ok(errorText(await c.call("FLUSHALL")).startsWith("ERR unknown command 'FLUSHALL'"));
  // A second rewrite of an unchanged configuration leaves the file as it is.
  assert.equal(await c.call("CONFIG", "REWRITE"), "OK");
  const again = await Deno.readTextFile(file);
  const stable = (s: string) => s.replace(/\nport \d+\n/, "\n").trimEnd();
  assert.equal(stable(again), stable(text));
  await Deno.remove(dir, { recursive: true });
});

Deno.test("Config.rewrite keeps comments, replaces in place, drops orphans, appends changes", () => {
  const config = new Config();
  config.setMany([["hz", "12"], ["maxclients", "99"], ["replica-read-only", "no"]]);
  const old = "# top\nhz 1\nhz 2\n\nslave-read-only yes\nunknown-line stays\n\n\n# end\n";
  const out = config.rewrite(old);
  assert.equal(
    out,
    "# top\nhz 12\n\nreplica-read-only no\nunknown-line stays\n\n# end\n\n" +
      "# Generated by CONFIG REWRITE\nmaxclients 99\ndir " + JSON.stringify(Deno.cwd()) + "\n",
  );
  // As with Redis, the file's final newline reads as one more (blank) line on the next
  // rewrite; from then on rewriting changes nothing.
  assert.equal(config.rewrite(out), out + "\n");
  assert.equal(config.rewrite(out + "\n"), out + "\n");
});

Deno.test("differential: CONFIG REWRITE writes the same directives as Redis", async () => {
  if (!requireTool("redis-server")) return;
  const dir = await tempDir();
  const base = "# test\nhz 15\nsave 100 10\nsave 200 20\nmaxmemory 10mb\n\ntimeout 5\ntimeout 6\n";
  const rewrite = async (spawn: (a: string[]) => Promise<Proc>, name: string) => {
    const file = `${dir}/${name}.conf`;
    await Deno.writeTextFile(file, base);
    await using p = await spawn([file]);
    await using c = await p.client();
    for (
      const cmd of [
        ["CONFIG", "SET", "hz", "10", "maxclients", "100"],
        ["CONFIG", "SET", "save", "300 1", "timeout", "0"],
        ["CONFIG", "SET", "client-output-buffer-limit", "pubsub 64mb 16mb 90"],
        ["CONFIG", "SET", "maxmemory-policy", "allkeys-lru", "notify-keyspace-events", "KEA"],
        ["CONFIG", "SET", "hash-max-ziplist-entries", "64", "requirepass", "p w"],
        ["AUTH", "p w"],
        ["CONFIG", "REWRITE"],
      ]
    ) {
      const r = await c.call(...cmd);
      assert.equal(r, "OK", `${name}: ${cmd.join(" ")}: ${r}`);
    }
    // Lines either server adds on its own (ACL users, its paths, quirks) are not compared.
    const own =
      /^(user|dir|port|bind|pidfile|logfile|daemonize|latency-tracking-info-percentiles|appendonly|save "")\b/;
    return (await Deno.readTextFile(file)).split("\n").filter((l) => !own.test(l));
  };
  const ours = await rewrite(spawnHakv, "hakv");
  const theirs = await rewrite(spawnRedis, "redis");
  // Redis appends in its hash order: compare the appended part as a set.
  const split = (lines: string[]) => {
    const i = lines.indexOf("# Generated by CONFIG REWRITE");
    return { head: lines.slice(0, i), tail: lines.slice(i + 1).filter(Boolean).sort() };
  };
  assert.deepEqual(split(ours), split(theirs));
  await Deno.remove(dir, { recursive: true });
});

Deno.test("process: hakv server with `-` reads the configuration from stdin", async () => {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "main.ts", "server", "-", "--port", "0"],
    cwd: new URL("..", import.meta.url).pathname,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const w = child.stdin.getWriter();
  await w.write(new TextEncoder().encode("hz 33\nbogus line\n"));
  await w.close();
  const out = await child.output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 1);
  assert.ok(text.includes(">>> 'bogus line'"), text);
});
