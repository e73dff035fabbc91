// The command line as a user meets it: `deno run -A main.ts <role> ...` — usage and exit codes,
// --version, a server that starts on the port it is given, and a clean SIGTERM shutdown that
// logs the way redis-server does.
import assert from "node:assert/strict";
import { freePort, spawnHakv } from "./_harness.ts";

const ROOT = new URL("..", import.meta.url).pathname;

async function hakv(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "main.ts", ...args],
    cwd: ROOT,
    stdin: "null",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

// `pid:R dd Mon yyyy hh:mm:ss.mmm L message`, as redis-server writes its log.
const LOG_LINE =
  /^(\d+):([CMSX]) (\d{2}) ([A-Z][a-z]{2}) (\d{4}) \d{2}:\d{2}:\d{2}\.\d{3} ([.*#-]) (.*)$/;

Deno.test("no role prints usage on stderr and exits 2", async () => {
  const r = await hakv();
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^Usage: hakv <role>/);
  assert.match(r.stderr, /server/);
  assert.equal(r.stdout, "");
});

Deno.test("an unknown role prints usage and exits 2", async () => {
  for (const role of ["nosuchrole", "--port"]) {
    const r = await hakv(role);
    assert.equal(r.code, 2, role);
    assert.match(r.stderr, /^Usage: hakv <role>/, role);
  }
});

Deno.test("--help prints usage on stdout and exits 0", async () => {
  const r = await hakv("--help");
  assert.equal(r.code, 0);
  assert.match(r.stdout, /^Usage: hakv <role>/);
});

Deno.test("--version prints the version from deno.json", async () => {
  const { version } = JSON.parse(await Deno.readTextFile(`${ROOT}deno.json`));
  for (const args of [["--version"], ["-v"], ["server", "--version"]]) {
    const r = await hakv(...args);
    assert.equal(r.code, 0, args.join(" "));
    assert.match(r.stdout, new RegExp(`v=${version.replaceAll(".", "\\.")} `), args.join(" "));
    assert.match(r.stdout, /redis-compatible=7\.0\.\d+/);
  }
});

Deno.test("server with a bad directive reports it as Redis does and exits 1", async () => {
  const r = await hakv("server", "--nosuchdirective", "1");
  assert.equal(r.code, 1);
  assert.match(r.stderr, /\*\*\* FATAL CONFIG FILE ERROR \(Redis 7\.0\.\d+\) \*\*\*/);
  assert.match(r.stderr, />>> 'nosuchdirective 1'/);
  assert.match(r.stderr, /Bad directive or wrong number of arguments/);
});

Deno.test("server --port N listens on N and answers", async () => {
  const port = freePort();
  await using p = await spawnHakv([], port);
  await using c = await p.client();
  assert.equal(p.port, port);
  assert.equal(await c.call("PING"), "PONG");
  assert.equal(await c.call("ECHO", "cli"), "cli");
  assert.match(p.output(), new RegExp(`Running mode=standalone, port=${port}\\.`));
});

Deno.test("SIGTERM shuts the server down with exit 0 and Redis-style log lines", async () => {
  await using p = await spawnHakv();
  {
    await using c = await p.client();
    assert.equal(await c.call("SET", "k", "v"), "OK");
  }
  const status = await p.kill("SIGTERM");
  assert.equal(status.code, 0);
  assert.equal(status.success, true);

  const lines = p.output().trimEnd().split("\n");
  const pid = String(p.child.pid);
  const now = new Date();
  for (const line of lines) {
    const m = LOG_LINE.exec(line);
    assert.ok(m, `not a Redis-style log line: ${JSON.stringify(line)}`);
    assert.equal(m[1], pid);
    assert.equal(Number(m[5]), now.getFullYear());
  }
  const messages = lines.map((l) => LOG_LINE.exec(l)![7]);
  const order = [
    "Ready to accept connections tcp",
    "Received SIGTERM scheduling shutdown...",
    "User requested shutdown...",
  ];
  let at = -1;
  for (const msg of order) {
    const i = messages.indexOf(msg);
    assert.ok(i > at, `"${msg}" missing or out of order in:\n${lines.join("\n")}`);
    at = i;
  }
  assert.match(messages.at(-1)!, /ready to exit, bye bye\.\.\.$/);
  // The server role (M) is used once it is up; warnings carry '#'.
  assert.match(lines.find((l) => l.includes("Received SIGTERM"))!, /^\d+:M .* # Received SIGTERM/);
});

Deno.test("SIGINT also shuts the server down with exit 0", async () => {
  await using p = await spawnHakv();
  const status = await p.kill("SIGINT");
  assert.equal(status.code, 0);
  assert.match(p.output(), /Received SIGINT scheduling shutdown\.\.\./);
});

Deno.test("deno task start and compile pass the V8 flags the tests and bench use", async () => {
  const { V8_FLAGS } = await import("../src/_util/runtime.ts");
  const tasks = JSON.parse(await Deno.readTextFile(new URL("../deno.json", import.meta.url)))
    .tasks as Record<string, string>;
  assert.ok(tasks.start!.includes(V8_FLAGS), tasks.start);
  assert.ok(tasks.compile!.includes(V8_FLAGS), tasks.compile);
});
