// `hakv up`: the topology's keys, values and defaults (in process), start-up refusals, and a
// whole group as real processes: healthy, the status it shows, a kill -9 of the master (failover
// reported, the old master back as a replica), and a clean stop on SIGINT that leaves nothing.
import assert from "node:assert/strict";
import { checkTopology, TopologyError } from "../src/up/mod.ts";
import { freePort, RespClient, type RespValue, tempDir, waitFor } from "./_harness.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;
const BASE = { base: "/srv/topo", cwd: "/home/u" };

function topoError(doc: unknown): string {
  try {
    checkTopology(doc, BASE);
  } catch (err) {
    assert.ok(err instanceof TopologyError, String(err));
    return err.message;
  }
  assert.fail(`accepted ${JSON.stringify(doc)}`);
}

Deno.test("up topology: the defaults put the proxy on 6379 and nothing else collides", () => {
  const t = checkTopology(null, BASE);
  assert.equal(t.name, "mymaster");
  assert.equal(t.dir, "/home/u/hakv-data");
  assert.equal(t.host, "127.0.0.1");
  assert.equal(t.masterPort, 6380);
  assert.deepEqual(t.replicaPorts, [6381, 6382]);
  assert.deepEqual(t.sentinelPorts, [26379, 26380, 26381]);
  assert.equal(t.proxyPort, 6379);
  assert.equal(t.downAfter, 5000);
  assert.equal(t.failoverTimeout, 10_000);
  assert.equal(t.quorum, 2);
  // A master needs one of its two replicas (a majority of three data nodes) to take a write,
  // and gives up on them after 2 s, well inside the sentinels' 5 s down-after.
  assert.equal(t.minReplicasToWrite, 1);
  assert.equal(t.minReplicasMaxLag, 2);
  assert.equal(t.restart, true);
});

Deno.test("up topology: counts, port lists, proxy off, quorum and a dir relative to the file", () => {
  const t = checkTopology({
    name: "cache-1",
    dir: "../data",
    master: { port: 7000 },
    replicas: 3,
    sentinels: [27000, 27010, 27020, 27030, 27040],
    proxy: false,
    "down-after-milliseconds": 1000,
    "failover-timeout": 3000,
    restart: false,
  }, BASE);
  assert.equal(t.dir, "/srv/data");
  assert.deepEqual(t.replicaPorts, [7001, 7002, 7003]);
  assert.deepEqual(t.sentinelPorts, [27000, 27010, 27020, 27030, 27040]);
  assert.equal(t.proxyPort, null);
  assert.equal(t.quorum, 3); // majority of 5
  assert.equal(t.downAfter, 1000);
  assert.equal(t.failoverTimeout, 3000);
  assert.equal(t.restart, false);
  assert.equal(t.minReplicasToWrite, 2); // a majority of 4 data nodes is 3: the master and 2
  assert.equal(t.minReplicasMaxLag, 2); // half of 1000 ms is under the 2 s floor
  const alone = checkTopology({ replicas: [], proxy: { port: 16379 } }, BASE);
  assert.deepEqual(alone.replicaPorts, []);
  assert.equal(alone.minReplicasToWrite, 0);
  const given = checkTopology({ "min-replicas-to-write": 0, "min-replicas-max-lag": 10 }, BASE);
  assert.equal(given.minReplicasToWrite, 0);
  assert.equal(given.minReplicasMaxLag, 10);
  assert.equal(
    checkTopology({ "down-after-milliseconds": 60_000 }, BASE).minReplicasMaxLag,
    10,
  );
  assert.equal(checkTopology({ proxy: { port: 16379 } }, BASE).proxyPort, 16379);
  assert.equal(checkTopology({ sentinels: 1 }, BASE).quorum, 1);
});

Deno.test("up topology: unknown keys and bad values are refused, naming the key", () => {
  assert.match(topoError({ replica: 2 }), /unknown key "replica"/);
  assert.match(topoError({ master: { prot: 1 } }), /unknown key "master\.prot"/);
  assert.match(topoError({ proxy: { port: 1, tls: true } }), /unknown key "proxy\.tls"/);
  assert.match(topoError({ master: { port: 70000 } }), /"master\.port" must be a port number/);
  assert.match(topoError({ replicas: "two" }), /"replicas" must be a count or a list of ports/);
  assert.match(topoError({ sentinels: 0 }), /"sentinels" must be/);
  assert.match(topoError({ sentinels: [26379, "x"] }), /"sentinels\[1\]" must be a port number/);
  assert.match(topoError({ quorum: 4 }), /"quorum" must be at most the number of sentinels/);
  assert.match(topoError({ "down-after-milliseconds": -1 }), /"down-after-milliseconds"/);
  assert.match(topoError({ "failover-timeout": 1.5 }), /"failover-timeout"/);
  assert.match(topoError({ name: "my master" }), /"name"/);
  assert.match(topoError({ proxy: 6379 }), /"proxy" must be false or a mapping/);
  assert.match(topoError({ restart: "yes" }), /"restart" must be true or false/);
  assert.match(
    topoError({ "min-replicas-to-write": 3 }),
    /"min-replicas-to-write" must be at most the number of replicas \(0-2\), got 3/,
  );
  assert.match(topoError({ "min-replicas-max-lag": 0 }), /"min-replicas-max-lag" must be seconds/);
  assert.match(
    topoError({ replicas: [6380] }),
    /port 6380 is given to both master\.port and replicas\[0\]/,
  );
  assert.match(topoError([1, 2]), /must be a mapping/);
});

async function runUp(args: string[], cwd: string): Promise<{ code: number; text: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, "up", ...args],
    cwd,
    stdin: "null",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, text: dec.decode(out.stdout) + dec.decode(out.stderr) };
}

Deno.test("hakv up: a bad topology file stops start-up with exit code 1", async () => {
  await using dir = await tempDir("hakv-up-");
  Deno.writeTextFileSync(`${dir.path}/bad.yaml`, "replicas: 1\nsentinel: 3\n");
  let r = await runUp(["bad.yaml"], dir.path);
  assert.equal(r.code, 1, r.text);
  assert.match(r.text, /bad\.yaml: unknown key "sentinel"/);
  Deno.writeTextFileSync(`${dir.path}/bad.yaml`, "master: { port: [1 }\n");
  r = await runUp(["bad.yaml"], dir.path);
  assert.equal(r.code, 1, r.text);
  assert.match(r.text, /bad\.yaml is not valid YAML/);
  r = await runUp(["missing.yaml"], dir.path);
  assert.equal(r.code, 1, r.text);
  assert.match(r.text, /cannot read missing\.yaml/);
  // Nothing was started, so nothing was written.
  assert.deepEqual([...Deno.readDirSync(dir.path)].map((e) => e.name), ["bad.yaml"]);
});

Deno.test("hakv up: a port already in use is refused before anything starts", async () => {
  await using dir = await tempDir("hakv-up-");
  const port = freePort();
  using _busy = Deno.listen({ hostname: "127.0.0.1", port });
  Deno.writeTextFileSync(
    `${dir.path}/t.yaml`,
    `master: { port: ${freePort()} }\nreplicas: 0\nsentinels: [${port}]\nproxy: false\n`,
  );
  const r = await runUp(["t.yaml"], dir.path);
  assert.equal(r.code, 1, r.text);
  assert.match(r.text, new RegExp(`port ${port} \\(sentinel\\) on 127\\.0\\.0\\.1 is in use`));
});

function infoField(text: RespValue, name: string): string {
  const m = new RegExp(`^${name}:(.*)$`, "m").exec(String(text));
  return m === null ? "" : m[1]!.trim();
}

async function ask(port: number, ...args: string[]): Promise<RespValue> {
  await using c = await RespClient.connect({ port });
  return await c.command(...args);
}

function portClosed(port: number): Promise<boolean> {
  return Deno.connect({ hostname: "127.0.0.1", port }).then((c) => {
    c.close();
    return false;
  }, () => true);
}

function alive(pid: number): boolean {
  try {
    Deno.statSync(`/proc/${pid}`);
    return true;
  } catch {
    return false;
  }
}

Deno.test("hakv up: healthy group, master kill -9 fails over and rejoins, SIGINT stops all", async () => {
  await using dir = await tempDir("hakv-up-");
  const [master, r1, r2, s1, s2, s3, proxy] = Array.from({ length: 7 }, () => freePort()) as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const nodes = [master, r1, r2];
  const sentinels = [s1, s2, s3];
  Deno.writeTextFileSync(
    `${dir.path}/topology.yaml`,
    [
      "name: upgroup",
      "dir: data",
      `master: { port: ${master} }`,
      `replicas: [${r1}, ${r2}]`,
      `sentinels: [${sentinels.join(", ")}]`,
      `proxy: { port: ${proxy} }`,
      "down-after-milliseconds: 1000",
      "failover-timeout: 5000",
      "",
    ].join("\n"),
  );
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, "up", "topology.yaml"],
    cwd: dir.path,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let text = "";
  const dec = new TextDecoder();
  const sink = () => new WritableStream<Uint8Array>({ write: (b) => void (text += dec.decode(b)) });
  const pipes = Promise.all([child.stdout.pipeTo(sink()), child.stderr.pipeTo(sink())]);
  const pids: number[] = [];
  let exited = false;
  const status = child.status.then((s) => {
    exited = true;
    return s;
  });
  const seen = (re: RegExp, ms: number) =>
    waitFor(() => {
      if (exited && !re.test(text)) throw new Error(`hakv up exited:\n${text}`);
      return re.test(text);
    }, ms).catch((err) => {
      throw new Error(`${err.message}: ${re} not in:\n${text}`);
    });
  try {
    await seen(/hakv up: healthy/, 25_000);
    assert.match(
      text,
      new RegExp(
        `healthy — proxy 127\\.0\\.0\\.1:${proxy}, master 127\\.0\\.0\\.1:${master}, 2 replicas, 3 sentinels`,
      ),
    );
    // The group is what the topology says.
    for (const p of nodes) {
      pids.push(Number(infoField(await ask(p, "INFO", "server"), "process_id")));
    }
    for (const p of sentinels) {
      pids.push(Number(infoField(await ask(p, "INFO", "server"), "process_id")));
    }
    assert.equal(infoField(await ask(master, "INFO", "replication"), "role"), "master");
    for (const p of [r1, r2]) {
      const info = await ask(p, "INFO", "replication");
      assert.equal(infoField(info, "role"), "slave");
      assert.equal(infoField(info, "master_port"), String(master));
    }
    for (const p of sentinels) {
      const addr = await ask(p, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", "upgroup");
      assert.deepEqual(addr, ["127.0.0.1", String(master)]);
      const m = await ask(p, "SENTINEL", "MASTER", "upgroup") as RespValue[];
      const f = new Map<string, string>();
      for (let i = 0; i + 1 < m.length; i += 2) f.set(String(m[i]), String(m[i + 1]));
      assert.equal(f.get("num-slaves"), "2");
      assert.equal(f.get("num-other-sentinels"), "2");
      assert.equal(f.get("quorum"), "2");
      assert.equal(f.get("down-after-milliseconds"), "1000");
    }
    assert.equal(await ask(proxy, "SET", "k", "v"), "OK");
    assert.match(text, new RegExp(`master 127\\.0\\.0\\.1:${master} up, 2 replica`));
    assert.deepEqual(await ask(master, "CONFIG", "GET", "min-replicas-*"), [
      "min-replicas-to-write",
      "1",
      "min-replicas-max-lag",
      "2",
    ]);
    await waitFor(async () => (await ask(r1, "GET", "k")) === "v");

    // A master that hears from no replica stops taking writes once the max lag (2 s here) has
    // passed: cut off from the majority of the data nodes, it acknowledges nothing that only
    // its side would hold. (Only the replicas are frozen here, so no failover follows.)
    const replicaPids = [];
    for (const p of [r1, r2]) {
      replicaPids.push(Number(infoField(await ask(p, "INFO", "server"), "process_id")));
    }
    for (const pid of replicaPids) Deno.kill(pid, "SIGSTOP");
    try {
      await waitFor(async () => {
        try {
          await ask(proxy, "SET", "frozen", "1");
          return false;
        } catch (err) {
          assert.match(String(err), /NOREPLICAS Not enough good replicas to write\./);
          return true;
        }
      }, 10_000);
    } finally {
      for (const pid of replicaPids) Deno.kill(pid, "SIGCONT");
    }
    // Thawed, the replicas acknowledge again and writes flow; no failover happened.
    await waitFor(async () => {
      try {
        return (await ask(proxy, "SET", "thawed", "1")) === "OK";
      } catch {
        return false;
      }
    }, 10_000);
    assert.equal(infoField(await ask(master, "INFO", "replication"), "role"), "master");
    assert.match(text, /failovers 0/);
    assert.doesNotMatch(text, /SENTINEL SET/); // the timings were applied without complaint
    await waitFor(async () => (await ask(r1, "GET", "k")) === "v");

    // kill -9 of the master: the status reports the new master and one failover, and the old
    // master is restarted as a replica of the new one.
    Deno.kill(pids[0]!, "SIGKILL");
    await seen(/failovers 1/, 15_000);
    const m = /failover: master 127\.0\.0\.1:(\d+) -> 127\.0\.0\.1:(\d+)/.exec(text);
    assert.ok(m !== null, text);
    assert.equal(Number(m[1]), master);
    const promoted = Number(m[2]);
    assert.ok(promoted === r1 || promoted === r2, text);
    await seen(new RegExp(`master 127\\.0\\.0\\.1:${promoted} up, 2 replica`), 15_000);
    await waitFor(async () => {
      try {
        const info = await ask(master, "INFO", "replication");
        return infoField(info, "role") === "slave" && infoField(info, "master_port") ===
            String(promoted) &&
          infoField(info, "master_link_status") === "up";
      } catch {
        return false;
      }
    }, 15_000);
    assert.equal(await ask(proxy, "GET", "k"), "v");
    assert.equal(await ask(master, "GET", "k"), "v");
    pids.push(Number(infoField(await ask(master, "INFO", "server"), "process_id")));

    // SIGINT: everything stops, exit code 0.
    child.kill("SIGINT");
    const s = await status;
    await pipes;
    assert.equal(s.code, 0, text);
    assert.match(text, /hakv up: stopped 7 process\(es\)/);
    for (const p of [...nodes, ...sentinels, proxy]) {
      assert.ok(await portClosed(p), `port ${p} open`);
    }
    for (const pid of pids) assert.ok(!alive(pid), `process ${pid} still running`);
  } finally {
    if (!exited) {
      child.kill("SIGTERM");
      await status;
    }
    await pipes.catch(() => {});
    // Whatever a failed run left behind (its processes run in sessions of their own).
    for (const pid of pids) if (alive(pid)) Deno.kill(pid, "SIGKILL");
  }
});
