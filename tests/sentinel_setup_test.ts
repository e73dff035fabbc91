// sentinel.conf directives that change how sentinels reach nodes and each other, or what they
// run: notification-script and client-reconfig-script, rename-command, announce-ip/-port,
// resolve-hostnames, and requirepass with sentinel-pass. Each is checked through a real group.
import assert from "node:assert/strict";
import { freePort, RespClient } from "./_harness.ts";
import { fields, Group, role, settle } from "./_sentinel.ts";

Deno.test("notification-script gets warning events; client-reconfig-script gets the failover", async () => {
  const dir = await Deno.makeTempDir({ prefix: "hakv-sentinel-scripts-" });
  try {
    const notify = `${dir}/notify.sh`;
    const reconf = `${dir}/reconf.sh`;
    Deno.writeTextFileSync(notify, `#!/bin/sh\necho "$@" >> ${dir}/events\n`);
    Deno.writeTextFileSync(reconf, `#!/bin/sh\necho "$@" >> ${dir}/reconf\n`);
    Deno.chmodSync(notify, 0o755);
    Deno.chmodSync(reconf, 0o755);
    await using g = await Group.start({
      extraConf: [
        `sentinel notification-script mymaster ${notify}`,
        `sentinel client-reconfig-script mymaster ${reconf}`,
      ],
    });
    const old = g.nodes[0]!;
    await old.kill("SIGKILL");
    const port = await g.waitForNewMaster(old.port, 20_000);
    const read = (name: string) => {
      try {
        return Deno.readTextFileSync(`${dir}/${name}`);
      } catch {
        return "";
      }
    };
    await settle(() => read("reconf").includes(" end "), 15_000);
    // <master-name> <role> <state> <from-ip> <from-port> <to-ip> <to-port>
    assert.match(
      read("reconf"),
      new RegExp(
        `^mymaster leader start 127\\.0\\.0\\.1 ${old.port} 127\\.0\\.0\\.1 ${port}$`,
        "m",
      ),
    );
    assert.match(
      read("reconf"),
      new RegExp(`^mymaster leader end 127\\.0\\.0\\.1 ${old.port} 127\\.0\\.0\\.1 ${port}$`, "m"),
    );
    // <event-type> <event-description>
    await settle(() => read("events").includes("+switch-master"), 15_000);
    assert.match(
      read("events"),
      new RegExp(`^\\+sdown master mymaster 127\\.0\\.0\\.1 ${old.port}$`, "m"),
    );
    assert.match(
      read("events"),
      new RegExp(
        `^\\+switch-master mymaster 127\\.0\\.0\\.1 ${old.port} 127\\.0\\.0\\.1 ${port}$`,
        "m",
      ),
    );
    // SENTINEL SET may not change script paths while deny-scripts-reconfig is on (the default).
    await using c = await g.sentinelClient(g.sentinels[0]!);
    const denied = await c.call("SENTINEL", "SET", "mymaster", "notification-script", notify);
    assert.match(
      String((denied as Error).message),
      /^ERR Reconfiguration of scripts path is denied/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("rename-command: sentinels use the names the data nodes know", async () => {
  // INFO stays (the group helper reads it), and so does PING (replicas send it to their master).
  const renames = ["slaveof", "config", "client", "publish"];
  await using g = await Group.start({
    nodeArgs: () => renames.flatMap((c) => ["--rename-command", c, `${c}-x`]),
    extraConf: renames.map((c) => `sentinel rename-command mymaster ${c.toUpperCase()} ${c}-x`),
  });
  const old = g.nodes[0]!;
  await old.kill("SIGKILL");
  const port = await g.waitForNewMaster(old.port, 20_000);
  const c = await RespClient.connect({ port });
  try {
    const r = await c.command("ROLE") as unknown[];
    assert.equal(r[0], "master");
  } finally {
    c.close();
  }
  assert.match(
    Deno.readTextFileSync(g.confs[0]!),
    /^sentinel rename-command mymaster slaveof slaveof-x$/m,
  );
});

Deno.test("announce-ip and announce-port are what the other sentinels learn", async () => {
  await using g = await Group.start({ sentinelCount: 2, quorum: 1 });
  // The second sentinel announces a made-up port; the first must list it under that port.
  {
    await using c = await g.sentinelClient(g.sentinels[1]!);
    assert.equal(await c.command("SENTINEL", "CONFIG", "SET", "announce-port", "23999"), "OK");
    assert.equal(await c.command("SENTINEL", "CONFIG", "SET", "announce-ip", "127.0.0.2"), "OK");
  }
  await settle(async () => {
    await using c = await g.sentinelClient(g.sentinels[0]!);
    const list = await c.command("SENTINEL", "SENTINELS", "mymaster") as unknown[];
    return list.some((s) => {
      const f = fields(s as never);
      return f.get("port") === "23999" && f.get("ip") === "127.0.0.2";
    });
  }, 10_000);
  assert.match(Deno.readTextFileSync(g.confs[1]!), /^sentinel announce-port 23999$/m);
});

Deno.test("resolve-hostnames: a master given by name is refused unless it is on", async () => {
  await using g = await Group.start({ sentinelCount: 1, quorum: 1, replicas: 1 });
  await using c = await g.sentinelClient(g.sentinels[0]!);
  const port = g.nodes[0]!.port;
  const refused = await c.call("SENTINEL", "MONITOR", "byname", "localhost", port, 1);
  assert.equal(String((refused as Error).message), "ERR Invalid IP address or hostname specified");
  assert.equal(await c.command("SENTINEL", "CONFIG", "SET", "resolve-hostnames", "yes"), "OK");
  assert.equal(await c.command("SENTINEL", "MONITOR", "byname", "localhost", port, 1), "OK");
  await settle(async () => {
    const m = fields(await c.command("SENTINEL", "MASTER", "byname"));
    return m.get("role-reported") === "master" && m.get("num-slaves") === "1" &&
      m.get("flags") === "master";
  }, 10_000);
  assert.deepEqual(await c.command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", "byname"), [
    "localhost",
    String(port),
  ]);
});

Deno.test("sentinels with requirepass reach each other with sentinel-pass and fail over", async () => {
  await using g = await Group.start({ sentinelPassword: "peer-pw" });
  {
    // Without the password a client gets nothing but NOAUTH.
    await using c = await g.sentinels[0]!.client();
    const r = await c.call("SENTINEL", "MASTERS");
    assert.equal(String((r as Error).message), "NOAUTH Authentication required.");
  }
  const old = g.nodes[0]!;
  await old.kill("SIGKILL");
  const port = await g.waitForNewMaster(old.port, 20_000);
  assert.equal(await role(port), "master");
});

Deno.test("Debian's stock sentinel.conf runs as it is (paths and port aside) and keeps its lines", async () => {
  const stock = "/etc/redis/sentinel.conf";
  let text: string;
  try {
    text = Deno.readTextFileSync(stock);
  } catch {
    if (Deno.env.get("CI") === "true") {
      throw new Error(`${stock} (package redis-sentinel) is missing`);
    }
    console.log(`SKIP: ${stock} is not installed`);
    return;
  }
  await using g = await Group.start({ sentinelCount: 0, replicas: 1 });
  const dir = g.dir;
  const port = freePort();
  const conf = `${dir}/stock.conf`;
  Deno.writeTextFileSync(
    conf,
    text
      .replace(/^pidfile .*$/m, `pidfile ${dir}/sentinel.pid`)
      .replace(/^logfile .*$/m, `logfile ${dir}/sentinel.log`)
      .replace(/^dir .*$/m, `dir ${dir}`)
      .replace(/^port .*$/m, `port ${port}`)
      .replace(
        /^sentinel monitor mymaster 127\.0\.0\.1 6379 2$/m,
        `sentinel monitor mymaster 127.0.0.1 ${g.nodes[0]!.port} 2`,
      ),
  );
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${new URL("..", import.meta.url).pathname}main.ts`, "sentinel", conf],
    stdout: "null",
    stderr: "piped",
  }).spawn();
  try {
    let c: RespClient | null = null;
    await settle(async () => {
      c = await RespClient.connect({ port }).catch(() => null);
      return c !== null;
    }, 20_000);
    await using s = c!;
    await settle(async () => {
      const m = fields(await s.command("SENTINEL", "MASTER", "mymaster"));
      return m.get("num-slaves") === "1" && m.get("role-reported") === "master";
    }, 15_000);
    const m = fields(await s.command("SENTINEL", "MASTER", "mymaster"));
    assert.equal(m.get("down-after-milliseconds"), "30000");
    assert.equal(m.get("failover-timeout"), "180000");
    assert.equal(Deno.readTextFileSync(`${dir}/sentinel.pid`).trim(), String(child.pid));
    assert.match(Deno.readTextFileSync(`${dir}/sentinel.log`), /# \+monitor master mymaster /);
    // The rewrite kept the file's comments and general lines, and added the state.
    const after = Deno.readTextFileSync(conf);
    assert.match(after, /^# Example sentinel\.conf$/m);
    assert.match(after, /^acllog-max-len 128$/m);
    assert.match(after, /^sentinel myid [0-9a-f]{40}$/m);
    assert.match(
      after,
      new RegExp(`^sentinel known-replica mymaster 127\\.0\\.0\\.1 ${g.nodes[1]!.port}$`, "m"),
    );
    assert.equal(after.match(/^sentinel monitor /gm)?.length, 1);
  } finally {
    try {
      child.kill("SIGKILL");
    } catch {
      // it exited: the assertions above say why
    }
    await child.status;
    await child.stderr.cancel();
  }
});

Deno.test("a replica with replica-announced no is monitored but not listed by SENTINEL REPLICAS", async () => {
  await using g = await Group.start({
    sentinelCount: 1,
    quorum: 1,
    nodeArgs: (i) => (i === 2 ? ["--replica-announced", "no"] : []),
  });
  const hidden = g.nodes[2]!.port;
  await using c = await g.sentinelClient(g.sentinels[0]!);
  // Both are known (num-slaves), once INFO has said which one is hidden.
  await settle(async () => {
    const list = await c.command("SENTINEL", "REPLICAS", "mymaster") as unknown[];
    return list.length === 1;
  }, 15_000);
  const list = await c.command("SENTINEL", "REPLICAS", "mymaster") as unknown[];
  assert.equal(fields(list[0] as never).get("port"), String(g.nodes[1]!.port));
  assert.notEqual(fields(list[0] as never).get("port"), String(hidden));
  assert.equal(fields(await c.command("SENTINEL", "MASTER", "mymaster")).get("num-slaves"), "2");
});

Deno.test("a malformed hello is ignored: no phantom voter, nothing unreadable in the config", async () => {
  await using g = await Group.start({ sentinelCount: 1, quorum: 1, replicas: 1 });
  await using c = await g.sentinelClient(g.sentinels[0]!);
  const port = g.nodes[0]!.port;
  const id = "f".repeat(40);
  for (
    const bad of [
      "a,b,c,d,mymaster,f,g,h",
      `127.0.0.1,notaport,${id},0,mymaster,127.0.0.1,${port},0`,
      `127.0.0.1,26999,short-id,0,mymaster,127.0.0.1,${port},0`,
      `127.0.0.1,26999,${id},x,mymaster,127.0.0.1,${port},0`,
      `127.0.0.1,26999,${id},0,mymaster,127.0.0.1,99999,7`,
      `127.0.0.1,26999,${id},0,mymaster,127.0.0.1,${port}`,
    ]
  ) {
    assert.equal(await c.command("PUBLISH", "__sentinel__:hello", bad), 1);
  }
  const m = fields(await c.command("SENTINEL", "MASTER", "mymaster"));
  assert.equal(m.get("num-other-sentinels"), "0");
  assert.equal(m.get("port"), String(port));
  assert.equal(m.get("config-epoch"), "0");
  // A well-formed one is taken: the hello protocol itself works through PUBLISH.
  await c.command(
    "PUBLISH",
    "__sentinel__:hello",
    `127.0.0.1,26999,${id},0,mymaster,127.0.0.1,${port},0`,
  );
  const after = fields(await c.command("SENTINEL", "MASTER", "mymaster"));
  assert.equal(after.get("num-other-sentinels"), "1");
  assert.doesNotMatch(Deno.readTextFileSync(g.confs[0]!), /NaN/);
});
