// CLIENT subcommands: ID, SETNAME/GETNAME, SETINFO, LIST/INFO (Redis 7.0's fields), KILL,
// PAUSE/UNPAUSE, REPLY, NO-EVICT, TRACKING, GETREDIR, UNBLOCK and HELP — in process, across
// real connections, and compared with a real redis-server.
import assert from "node:assert/strict";
import { DiffPair } from "./_diff.ts";
import { errorText, InProcess, requireTool, RespClient, spawnHakv, waitFor } from "./_harness.ts";
import { RespVerbatim } from "../src/resp/mod.ts";

/** CLIENT LIST text as one map of field → value per line. */
function parseList(text: string): Map<string, string>[] {
  return text.split("\n").filter(Boolean).map((line) =>
    new Map(
      line.split(" ").map((kv) => {
        const i = kv.indexOf("=");
        return [kv.slice(0, i), kv.slice(i + 1)] as [string, string];
      }),
    )
  );
}

Deno.test("CLIENT ID, SETNAME and GETNAME", async () => {
  await using s = new InProcess();
  assert.equal(await s.run("CLIENT", "ID"), s.c.id);
  assert.equal(await s.run("CLIENT", "GETNAME"), null);
  assert.equal(await s.run("CLIENT", "SETNAME", "worker-1"), "OK");
  assert.equal(await s.run("CLIENT", "GETNAME"), "worker-1");
  assert.equal(
    errorText(await s.run("CLIENT", "SETNAME", "a b")),
    "ERR Client names cannot contain spaces, newlines or special characters.",
  );
  assert.equal(await s.run("CLIENT", "SETNAME", ""), "OK");
  assert.equal(await s.run("CLIENT", "GETNAME"), null);
});

Deno.test("CLIENT SETINFO validates as Redis 7.2 does", async () => {
  await using s = new InProcess();
  assert.equal(await s.run("CLIENT", "SETINFO", "LIB-NAME", "redis-py"), "OK");
  assert.equal(await s.run("CLIENT", "SETINFO", "lib-ver", "5.0.1"), "OK");
  assert.equal(s.c.libName, "redis-py");
  assert.equal(s.c.libVer, "5.0.1");
  assert.equal(
    errorText(await s.run("CLIENT", "SETINFO", "Lib-Name", "bad name")),
    "ERR Lib-Name cannot contain spaces, newlines or special characters.",
  );
  assert.equal(
    errorText(await s.run("CLIENT", "SETINFO", "color", "red")),
    "ERR Unrecognized option 'color'",
  );
  assert.equal(
    errorText(await s.run("CLIENT", "SETINFO", "lib-name")),
    "ERR wrong number of arguments for 'client|setinfo' command",
  );
});

Deno.test("CLIENT LIST and CLIENT INFO print Redis 7.0's fields in its order", async () => {
  await using s = new InProcess();
  await s.run("CLIENT", "SETNAME", "me");
  await s.run("SELECT", "3");
  const text = await s.run("CLIENT", "INFO") as string;
  assert.ok(text.endsWith("\n"));
  const [fields] = parseList(text);
  assert.deepEqual([...fields!.keys()], [
    "id",
    "addr",
    "laddr",
    "fd",
    "name",
    "age",
    "idle",
    "flags",
    "db",
    "sub",
    "psub",
    "ssub",
    "multi",
    "qbuf",
    "qbuf-free",
    "argv-mem",
    "multi-mem",
    "rbs",
    "rbp",
    "obl",
    "oll",
    "omem",
    "tot-mem",
    "events",
    "cmd",
    "user",
    "redir",
    "resp",
  ]);
  assert.equal(fields!.get("id"), String(s.c.id));
  assert.equal(fields!.get("addr"), "127.0.0.1:50000");
  assert.equal(fields!.get("laddr"), "127.0.0.1:6379");
  assert.equal(fields!.get("name"), "me");
  assert.equal(fields!.get("flags"), "N");
  assert.equal(fields!.get("db"), "3");
  assert.equal(fields!.get("cmd"), "client|info");
  assert.equal(fields!.get("argv-mem"), String("CLIENT".length + "INFO".length));
  assert.equal(fields!.get("user"), "default");
  assert.equal(fields!.get("resp"), "2");
  const other = s.client();
  const all = parseList(await s.run("CLIENT", "LIST") as string);
  assert.deepEqual(all.map((f) => f.get("id")), [String(s.c.id), String(other.id)]);
  assert.equal(all[1]!.get("cmd"), "NULL", "a client that ran nothing yet");
  const byId = parseList(await s.run("CLIENT", "LIST", "ID", String(other.id), "999") as string);
  assert.deepEqual(byId.map((f) => f.get("id")), [String(other.id)]);
  assert.equal(await s.run("CLIENT", "LIST", "TYPE", "pubsub"), "");
  assert.equal(parseList(await s.run("CLIENT", "LIST", "TYPE", "NORMAL") as string).length, 2);
});

Deno.test("CLIENT LIST errors and RESP3 verbatim replies", async () => {
  await using s = new InProcess();
  assert.equal(
    errorText(await s.run("CLIENT", "LIST", "TYPE", "foo")),
    "ERR Unknown client type 'foo'",
  );
  assert.equal(errorText(await s.run("CLIENT", "LIST", "ID", "abc")), "ERR Invalid client ID");
  assert.equal(errorText(await s.run("CLIENT", "LIST", "ID")), "ERR syntax error");
  assert.equal(errorText(await s.run("CLIENT", "LIST", "foo")), "ERR syntax error");
  await s.run("HELLO", "3");
  const info = await s.run("CLIENT", "INFO");
  assert.ok(info instanceof RespVerbatim);
  assert.match(info.text, / resp=3\n$/);
});

Deno.test("CLIENT KILL by address, id, type, user, laddr; SKIPME; the old form's errors", async () => {
  await using s = new InProcess();
  const a = s.server.newClient("127.0.0.1:40001", "127.0.0.1:6379");
  const b = s.server.newClient("127.0.0.1:40002", "127.0.0.1:6380");
  const c = s.server.newClient("127.0.0.1:40003", "127.0.0.1:6379");
  assert.equal(errorText(await s.run("CLIENT", "KILL", "1.2.3.4:5")), "ERR No such client");
  assert.equal(await s.run("CLIENT", "KILL", "127.0.0.1:40001"), "OK");
  assert.ok(a.closed && !s.server.clients.has(a.id));
  assert.equal(await s.run("CLIENT", "KILL", "ID", String(b.id)), 1);
  assert.ok(b.closed);
  assert.equal(await s.run("CLIENT", "KILL", "ID", "999"), 0);
  assert.equal(await s.run("CLIENT", "KILL", "LADDR", "127.0.0.1:6379", "SKIPME", "yes"), 1);
  assert.ok(c.closed);
  assert.equal(await s.run("CLIENT", "KILL", "USER", "default"), 0, "SKIPME defaults to yes");
  assert.equal(await s.run("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "no"), 1);
  assert.ok(s.c.closeAfterReply, "killing itself closes after the reply");
  const cases: [string[], string][] = [
    [["ID", "abc"], "ERR client-id should be greater than 0"],
    [["ID", "0"], "ERR client-id should be greater than 0"],
    [["TYPE", "foo"], "ERR Unknown client type 'foo'"],
    [["USER", "nobody"], "ERR No such user 'nobody'"],
    [["SKIPME", "maybe"], "ERR syntax error"],
    [["ID", "1", "SKIPME"], "ERR syntax error"],
    [["MAXAGE", "10"], "ERR syntax error"],
  ];
  for (const [args, expected] of cases) {
    assert.equal(errorText(await s.run("CLIENT", "KILL", ...args)), expected, args.join(" "));
  }
});

Deno.test("CLIENT PAUSE arguments, UNPAUSE, NO-EVICT, TRACKING, GETREDIR, UNBLOCK", async () => {
  await using s = new InProcess();
  assert.equal(
    errorText(await s.run("CLIENT", "PAUSE", "abc")),
    "ERR timeout is not an integer or out of range",
  );
  assert.equal(errorText(await s.run("CLIENT", "PAUSE", "-1")), "ERR timeout is negative");
  assert.equal(
    errorText(await s.run("CLIENT", "PAUSE", "10", "foo")),
    "ERR CLIENT PAUSE mode must be WRITE or ALL",
  );
  assert.equal(
    errorText(await s.run("CLIENT", "pause", "10", "all", "x")),
    "ERR unknown subcommand or wrong number of arguments for 'pause'. Try CLIENT HELP.",
  );
  assert.equal(await s.run("CLIENT", "PAUSE", "100000", "WRITE"), "OK");
  assert.ok(s.server.paused());
  assert.equal(await s.run("CLIENT", "UNPAUSE"), "OK");
  assert.ok(!s.server.paused());
  assert.equal(await s.run("CLIENT", "NO-EVICT", "on"), "OK");
  assert.match(await s.run("CLIENT", "INFO") as string, / flags=e /);
  assert.equal(await s.run("CLIENT", "NO-EVICT", "OFF"), "OK");
  assert.equal(errorText(await s.run("CLIENT", "NO-EVICT", "maybe")), "ERR syntax error");
  assert.equal(await s.run("CLIENT", "TRACKING", "off"), "OK");
  assert.match(errorText(await s.run("CLIENT", "TRACKING", "on")), /not supported/);
  assert.equal(errorText(await s.run("CLIENT", "TRACKING", "foo")), "ERR syntax error");
  assert.equal(await s.run("CLIENT", "GETREDIR"), -1);
  assert.equal(await s.run("CLIENT", "UNBLOCK", "1"), 0);
  assert.equal(
    errorText(await s.run("CLIENT", "UNBLOCK", "abc")),
    "ERR value is not an integer or out of range",
  );
  assert.equal(
    errorText(await s.run("CLIENT", "UNBLOCK", "1", "foo")),
    "ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR",
  );
});

Deno.test("CLIENT UNBLOCK wakes a blocked client through its hook", async () => {
  await using s = new InProcess();
  const blocked = s.client();
  const woken: boolean[] = [];
  blocked.unblock = (error) => {
    woken.push(error !== null);
    blocked.unblock = null;
  };
  assert.match(String(await s.run("INFO", "clients")), /blocked_clients:1\r\n/);
  assert.match(await s.runAs(blocked, "CLIENT", "INFO") as string, / flags=b /);
  assert.equal(await s.run("CLIENT", "UNBLOCK", String(blocked.id), "ERROR"), 1);
  assert.deepEqual(woken, [true]);
  assert.equal(await s.run("CLIENT", "UNBLOCK", String(blocked.id)), 0);
});

Deno.test("CLIENT HELP and unknown subcommands", async () => {
  await using s = new InProcess();
  const help = await s.run("CLIENT", "HELP") as string[];
  assert.equal(help.length, 48);
  assert.equal(help[0], "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
  assert.equal(
    errorText(await s.run("CLIENT", "FOO")),
    "ERR unknown subcommand 'FOO'. Try CLIENT HELP.",
  );
  assert.equal(
    errorText(await s.run("CLIENT")),
    "ERR wrong number of arguments for 'client' command",
  );
});

// --- Differential -----------------------------------------------------------------------------

Deno.test("differential: CLIENT replies and errors match Redis 7.0", async () => {
  if (!requireTool("redis-server")) return;
  await using pair = await DiffPair.start();
  const { hakv: hc, redis: rc } = pair;
  const script: string[][] = [
    ["CLIENT", "HELP"],
    ["CLIENT", "GETNAME"],
    ["CLIENT", "SETNAME", "foo"],
    ["CLIENT", "GETNAME"],
    ["CLIENT", "SETNAME", "a b"],
    ["CLIENT", "LIST", "TYPE", "master"],
    ["CLIENT", "LIST", "TYPE", "replica"],
    ["CLIENT", "LIST", "TYPE", "slave"],
    ["CLIENT", "LIST", "TYPE", "pubsub"],
    ["CLIENT", "LIST", "TYPE", "foo"],
    ["CLIENT", "LIST", "ID", "999"],
    ["CLIENT", "LIST", "ID", "abc"],
    ["CLIENT", "LIST", "ID"],
    ["CLIENT", "LIST", "foo"],
    ["CLIENT", "LIST", "TYPE", "normal", "ID", "1"],
    ["CLIENT", "KILL", "1.2.3.4:5"],
    ["CLIENT", "KILL", "ID", "999"],
    ["CLIENT", "KILL", "ID", "abc"],
    ["CLIENT", "KILL", "ID", "-5"],
    ["CLIENT", "KILL", "TYPE", "foo"],
    ["CLIENT", "KILL", "TYPE", "normal", "SKIPME", "maybe"],
    ["CLIENT", "KILL", "foo", "bar"],
    ["CLIENT", "KILL", "ADDR", "1.2.3.4:5"],
    ["CLIENT", "KILL", "LADDR", "1.2.3.4:5"],
    ["CLIENT", "KILL", "USER", "nobody"],
    ["CLIENT", "KILL", "USER", "default"],
    ["CLIENT", "KILL", "ID"],
    ["CLIENT", "KILL", "ID", "1", "SKIPME"],
    ["CLIENT", "KILL", "SKIPME", "no", "ID", "999"],
    ["CLIENT", "PAUSE", "abc"],
    ["CLIENT", "PAUSE", "-1"],
    ["CLIENT", "PAUSE", "10", "foo"],
    ["CLIENT", "PAUSE", "10", "ALL", "extra"],
    ["CLIENT", "PAUSE", "10", "write"],
    ["CLIENT", "UNPAUSE"],
    ["CLIENT", "UNPAUSE", "x"],
    ["CLIENT", "REPLY", "foo"],
    ["CLIENT", "REPLY", "ON"],
    ["CLIENT", "NO-EVICT", "foo"],
    ["CLIENT", "NO-EVICT", "on"],
    ["CLIENT", "NO-EVICT", "OFF"],
    ["CLIENT", "TRACKING", "foo"],
    ["CLIENT", "TRACKING", "off"],
    ["CLIENT", "UNBLOCK", "1"],
    ["CLIENT", "UNBLOCK", "abc"],
    ["CLIENT", "UNBLOCK", "1", "foo"],
    ["CLIENT", "UNBLOCK", "1", "error"],
    ["CLIENT", "UNBLOCK", "1", "timeout", "extra"],
    ["CLIENT", "ID", "extra"],
    ["CLIENT", "INFO", "extra"],
    ["CLIENT", "FOO"],
    ["CLIENT"],
  ];
  for (const cmd of script) await pair.same(cmd);
  // CLIENT LIST / INFO carry the same fields in the same order.
  for (const cmd of [["CLIENT", "LIST"], ["CLIENT", "INFO"]]) {
    const a = parseList(String(await hc.call(...cmd)));
    const b = parseList(String(await rc.call(...cmd)));
    assert.deepEqual(a.map((f) => [...f.keys()]), b.map((f) => [...f.keys()]), cmd.join(" "));
    for (const f of ["name", "flags", "db", "multi", "cmd", "user", "redir", "resp", "sub"]) {
      assert.equal(a[0]!.get(f), b[0]!.get(f), `${cmd.join(" ")} ${f}`);
    }
  }
});

// --- Across connections ----------------------------------------------------------------------

Deno.test("process: CLIENT KILL closes another connection; the old form kills by address", async () => {
  await using p = await spawnHakv();
  await using admin = await p.client();
  await using victim = await p.client();
  await using other = await p.client();
  const victimId = await victim.call("CLIENT", "ID") as number;
  const otherInfo = parseList(String(await other.call("CLIENT", "INFO")))[0]!;
  assert.equal(await admin.call("CLIENT", "KILL", "ID", victimId), 1);
  await victim.done;
  assert.ok(victim.closed);
  assert.equal(await admin.call("CLIENT", "KILL", otherInfo.get("addr")!), "OK");
  await other.done;
  assert.ok(other.closed);
  const left = parseList(String(await admin.call("CLIENT", "LIST")));
  assert.equal(left.length, 1);
  // Killing itself: the reply still arrives, then the connection closes.
  assert.equal(
    await admin.call(
      "CLIENT",
      "KILL",
      "ID",
      await admin.call("CLIENT", "ID") as number,
      "SKIPME",
      "no",
    ),
    1,
  );
  await admin.done;
  assert.ok(admin.closed);
});

Deno.test("process: CLIENT PAUSE WRITE holds writes but not reads until it ends", async () => {
  await using p = await spawnHakv();
  await using admin = await p.client();
  await using c = await p.client();
  assert.equal(await c.call("SET", "k", "1"), "OK");
  assert.equal(await admin.call("CLIENT", "PAUSE", "400", "WRITE"), "OK");
  const t = performance.now();
  assert.equal(await c.call("GET", "k"), "1");
  assert.ok(performance.now() - t < 300, "reads are not paused");
  const write = c.call("INCR", "k");
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(await admin.call("GET", "k"), "1", "the write is still held");
  assert.equal(await write, 2);
  assert.ok(performance.now() - t >= 350, "the write waited for the pause");
});

Deno.test("process: CLIENT PAUSE ALL holds every command until CLIENT UNPAUSE", async () => {
  await using p = await spawnHakv();
  await using admin = await p.client();
  await using c = await p.client();
  assert.equal(await admin.call("CLIENT", "PAUSE", "100000", "ALL"), "OK");
  let answered = false;
  const ping = c.call("PING").then((v) => {
    answered = true;
    return v;
  });
  await new Promise((r) => setTimeout(r, 150));
  assert.ok(!answered, "PING is held");
  assert.equal(await admin.call("CLIENT", "UNPAUSE"), "OK");
  assert.equal(await ping, "PONG");
});

Deno.test("process: CLIENT REPLY OFF silences replies, SKIP drops exactly one, ON restores", async () => {
  await using p = await spawnHakv();
  await using c = await p.client();
  // Replies that never come cannot be awaited: write raw commands, then read what arrives.
  const enc = new TextEncoder();
  await c.write(enc.encode("CLIENT REPLY OFF\r\nSET a 1\r\nGET a\r\nCLIENT REPLY ON\r\n"));
  assert.equal(await c.next(), "OK", "only CLIENT REPLY ON answers");
  await c.write(enc.encode("CLIENT REPLY SKIP\r\nSET b 2\r\nGET b\r\n"));
  assert.equal(await c.next(), "2", "the command after SKIP is not answered");
  assert.equal(await c.call("GET", "a"), "1");
});

Deno.test("process: connections get increasing ids and CLIENT LIST shows each one", async () => {
  await using p = await spawnHakv();
  const clients: RespClient[] = [];
  for (let i = 0; i < 3; i++) clients.push(await p.client());
  const ids = await Promise.all(clients.map((c) => c.call("CLIENT", "ID"))) as number[];
  assert.deepEqual([...ids].sort((a, b) => a - b), ids);
  await clients[0]!.call("CLIENT", "SETNAME", "zero");
  const list = parseList(String(await clients[1]!.call("CLIENT", "LIST")));
  assert.deepEqual(list.map((f) => Number(f.get("id"))), ids);
  assert.equal(list[0]!.get("name"), "zero");
  for (const c of clients) c.close();
  await waitFor(async () => {
    await using probe = await p.client();
    return parseList(String(await probe.call("CLIENT", "LIST"))).length === 1;
  });
});

Deno.test("differential: CLIENT CACHING and CLIENT TRACKINGINFO answer as Redis does with tracking off", async () => {
  if (!requireTool("redis-server")) return;
  await using pair = await DiffPair.start();
  for (const protocol of ["2", "3"]) {
    await pair.call("HELLO", protocol);
    await pair.same(["CLIENT", "CACHING", "yes"], "caching yes");
    await pair.same(["CLIENT", "CACHING", "maybe"], "caching maybe");
    await pair.same(["CLIENT", "CACHING"], "caching arity");
    await pair.same(["CLIENT", "TRACKINGINFO"], "trackinginfo");
    await pair.same(["CLIENT", "TRACKINGINFO", "x"], "trackinginfo arity");
  }
});
