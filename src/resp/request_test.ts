import assert from "node:assert/strict";
import {
  Argv,
  BIG_ARG,
  INLINE_MAX,
  parseLongLong,
  type RequestLimits,
  RequestParser,
  splitArgs,
} from "./request.ts";
import { concatBytes } from "../_util/binary.ts";
import { encodeCommand } from "./decoder.ts";

const OPEN: RequestLimits = { maxBulkLen: 512 * 1024 * 1024, unauthenticated: false };
const NOAUTH: RequestLimits = { maxBulkLen: 512 * 1024 * 1024, unauthenticated: true };

function bytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

interface Outcome {
  commands: string[][];
  /** The protocol error text, or null if none. */
  error: string | null;
  /** Bytes left unparsed (a partial command). */
  pending: number;
}

/**
 * Feeds `chunks` as a socket loop would: each read lands in a new buffer holding the unparsed
 * tail at a varying offset, so offsets kept across calls must survive the bytes moving.
 */
function feed(chunks: Uint8Array[], limits: RequestLimits = OPEN): Outcome {
  const parser = new RequestParser();
  const argv = new Argv();
  const commands: string[][] = [];
  let tail = new Uint8Array(0);
  let pad = 0;
  for (const chunk of chunks) {
    const buf = new Uint8Array(pad + tail.length + chunk.length + 5);
    buf.fill(0x2a); // '*' junk around the live bytes: the parser must respect [start, end)
    buf.set(tail, pad);
    buf.set(chunk, pad + tail.length);
    const end = pad + tail.length + chunk.length;
    let start = pad;
    while (start < end) {
      const n = parser.parse(buf, start, end, argv, limits);
      if (n === 0) break;
      if (n < 0) return { commands, error: parser.error, pending: end - start };
      assert.ok(n <= end - start, "consumed more than it was given");
      if (argv.length > 0) commands.push(argv.strings());
      start += n;
    }
    tail = buf.slice(start, end);
    pad = (pad + 3) % 7;
  }
  return { commands, error: null, pending: tail.length };
}

function parseAll(text: string | Uint8Array, limits: RequestLimits = OPEN): Outcome {
  return feed([typeof text === "string" ? bytes(text) : text], limits);
}

function split(buf: Uint8Array, at: number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let from = 0;
  for (const p of at) {
    out.push(buf.subarray(from, p));
    from = p;
  }
  out.push(buf.subarray(from));
  return out;
}

function protocolError(text: string): string {
  return "ERR Protocol error: " + text;
}

// --- multibulk ---

Deno.test("multibulk: one command parses into its arguments and consumes exactly its bytes", () => {
  const parser = new RequestParser();
  const argv = new Argv();
  const buf = bytes("*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n*1\r\n");
  const n = parser.parse(buf, 0, buf.length, argv, OPEN);
  assert.equal(n, buf.length - 4);
  assert.deepEqual(argv.strings(), ["SET", "key", "value"]);
  assert.equal(argv.length, 3);
});

Deno.test("multibulk: arguments are views into the read buffer, not copies", () => {
  const parser = new RequestParser();
  const argv = new Argv();
  const buf = bytes("*2\r\n$4\r\nECHO\r\n$5\r\nhello\r\n");
  assert.equal(parser.parse(buf, 0, buf.length, argv, OPEN), buf.length);
  const view = argv.bytes(1);
  assert.equal(view.buffer, buf.buffer);
  assert.equal(view.byteOffset, buf.indexOf(104)); // 'h'
  buf[view.byteOffset] = 72; // 'H'
  assert.equal(argv.str(1), "Hello");
});

Deno.test("multibulk: pipelined commands parse one after another", () => {
  const stream = concatBytes([
    encodeCommand(["SET", "a", "1"]),
    encodeCommand(["GET", "a"]),
    encodeCommand(["PING"]),
  ]);
  const out = parseAll(stream);
  assert.deepEqual(out.commands, [["SET", "a", "1"], ["GET", "a"], ["PING"]]);
  assert.equal(out.error, null);
  assert.equal(out.pending, 0);
});

Deno.test("multibulk: arguments are binary safe (every byte value, CRLF inside, empty)", () => {
  let all = "";
  for (let b = 0; b < 256; b++) all += String.fromCharCode(b);
  const out = parseAll(encodeCommand(["SET", all, "\r\n*1\r\n$", ""]));
  assert.deepEqual(out.commands, [["SET", all, "\r\n*1\r\n$", ""]]);
});

Deno.test("multibulk: *0, *-1 and *-10 are consumed and yield no command", () => {
  for (const head of ["*0\r\n", "*-1\r\n", "*-10\r\n", "*-9223372036854775808\r\n"]) {
    const parser = new RequestParser();
    const argv = new Argv();
    const buf = bytes(head + "*1\r\n$4\r\nPING\r\n");
    const n = parser.parse(buf, 0, buf.length, argv, OPEN);
    assert.equal(n, head.length, head);
    assert.equal(argv.length, 0);
    assert.deepEqual(parseAll(buf).commands, [["PING"]], head);
  }
});

Deno.test("multibulk: the byte after a count line's CR is skipped whatever it is", () => {
  // Redis finds the CR and steps over two bytes without looking at the second.
  assert.deepEqual(parseAll("*1\rx$4\r\nPING\r\n").commands, [["PING"]]);
  assert.deepEqual(parseAll("*1\r\n$4\rxPING\r\n").commands, [["PING"]]);
});

Deno.test("multibulk: the two bytes after a bulk body are skipped unread", () => {
  assert.deepEqual(parseAll("*1\r\n$4\r\nPINGxx*1\r\n$4\r\nPING\r\n").commands, [
    ["PING"],
    ["PING"],
  ]);
});

Deno.test("multibulk: a count line waits for the byte after its CR", () => {
  const parser = new RequestParser();
  const argv = new Argv();
  const buf = bytes("*1\r");
  assert.equal(parser.parse(buf, 0, buf.length, argv, OPEN), 0);
  const b2 = bytes("$4\r");
  assert.equal(feed([bytes("*1\r\n"), b2]).pending, 7);
});

Deno.test("multibulk: an LF without CR does not end a count line", () => {
  assert.equal(parseAll("*1\n$4\r\nPING\r\n").error, protocolError("invalid multibulk length"));
  assert.equal(parseAll("*1\r\n$4\nPING\r\n").error, protocolError("invalid bulk length"));
});

Deno.test("multibulk: a big argument waits for its body and sets the need hint", () => {
  const body = "x".repeat(BIG_ARG * 4);
  const cmd = encodeCommand(["SET", "k", body]);
  const parser = new RequestParser();
  const argv = new Argv();
  const headLen = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n".length + `$${body.length}\r\n`.length;
  // Header plus a little of the body.
  let buf: Uint8Array = cmd.slice(0, headLen + 100);
  assert.equal(parser.parse(buf, 0, buf.length, argv, OPEN), 0);
  assert.equal(parser.need, cmd.length);
  // More arrives, in a buffer where the command starts at a different offset.
  buf = concatBytes([bytes("junk"), cmd.subarray(0, cmd.length - 1)]);
  assert.equal(parser.parse(buf, 4, buf.length, argv, OPEN), 0);
  assert.equal(parser.need, cmd.length);
  buf = concatBytes([bytes("ju"), cmd]);
  assert.equal(parser.parse(buf, 2, buf.length, argv, OPEN), cmd.length);
  assert.equal(parser.need, 0);
  assert.equal(argv.len(2), body.length);
  assert.equal(argv.str(2), body);
  assert.equal(argv.bytes(2).byteOffset, 2 + headLen);
});

Deno.test("multibulk: the need hint is 0 while a count line is pending", () => {
  const parser = new RequestParser();
  const argv = new Argv();
  const buf = bytes("*2\r\n$3\r\nGET\r\n$1");
  assert.equal(parser.parse(buf, 0, buf.length, argv, OPEN), 0);
  assert.equal(parser.need, 0);
});

Deno.test("multibulk: a 10 MB argument round-trips", () => {
  const big = new Uint8Array(10 * 1024 * 1024);
  for (let i = 0; i < big.length; i++) big[i] = (i * 31) & 0xff;
  const cmd = encodeCommand(["SET", "k", big]);
  const parser = new RequestParser();
  const argv = new Argv();
  assert.equal(parser.parse(cmd, 0, cmd.length, argv, OPEN), cmd.length);
  assert.deepEqual(argv.bytes(2), big);
});

Deno.test("multibulk: many arguments in one command", () => {
  const args = Array.from({ length: 5000 }, (_, i) => `member:${i}`);
  const out = parseAll(encodeCommand(["SADD", "s", ...args]));
  assert.deepEqual(out.commands, [["SADD", "s", ...args]]);
});

// --- inline ---

Deno.test("inline: words split on spaces and tabs, CRLF or LF ends the line", () => {
  assert.deepEqual(parseAll("PING\r\n").commands, [["PING"]]);
  assert.deepEqual(parseAll("SET  a\tb \r\nGET a\n").commands, [["SET", "a", "b"], ["GET", "a"]]);
  // A CR inside the line separates words; a second CR before the LF is just whitespace.
  assert.deepEqual(parseAll("ECHO foo\rbar\n").commands, [["ECHO", "foo", "bar"]]);
  assert.deepEqual(parseAll("ECHO x\r\r\n").commands, [["ECHO", "x"]]);
});

Deno.test("inline: empty and blank lines are consumed without a command", () => {
  const parser = new RequestParser();
  const argv = new Argv();
  for (const line of ["\r\n", "\n", "   \r\n", "\t \n"]) {
    const buf = bytes(line);
    assert.equal(parser.parse(buf, 0, buf.length, argv, OPEN), line.length, JSON.stringify(line));
    assert.equal(argv.length, 0);
  }
  assert.deepEqual(parseAll("\r\n\r\n\nPING\r\n  \n").commands, [["PING"]]);
});

Deno.test("inline: a line without LF waits", () => {
  const out = parseAll("SET a b");
  assert.deepEqual(out.commands, []);
  assert.equal(out.pending, 7);
  assert.equal(out.error, null);
});

Deno.test("inline: a line starting with $ or : is an inline command, not a protocol error", () => {
  assert.deepEqual(parseAll("$-10\r\n").commands, [["$-10"]]);
  assert.deepEqual(parseAll(":1 x\r\n").commands, [[":1", "x"]]);
});

Deno.test('inline: double quotes take \\n \\r \\t \\b \\a \\\\ \\" and \\xHH escapes', () => {
  const line = String.raw`SET "a\nb\rc\td\be\af\\g\"h\x41\x7a\xfF\x00" x` + "\r\n";
  assert.deepEqual(parseAll(line).commands, [
    ["SET", 'a\nb\rc\td\be\x07f\\g"hAz\xff\x00', "x"],
  ]);
});

Deno.test("inline: other escapes in double quotes keep the escaped byte", () => {
  assert.deepEqual(parseAll(String.raw`ECHO "\q\x4g\'\x"` + "\n").commands, [
    ["ECHO", "qx4g'x"],
  ]);
});

Deno.test("inline: single quotes take only \\' as an escape", () => {
  assert.deepEqual(parseAll(String.raw`ECHO 'it\'s \n \x41 "q"'` + "\n").commands, [
    ["ECHO", String.raw`it's \n \x41 "q"`],
  ]);
});

Deno.test("inline: quotes may start mid-word and empty quotes give an empty argument", () => {
  assert.deepEqual(parseAll(`ECHO foo"bar baz"\n`).commands, [["ECHO", "foobar baz"]]);
  assert.deepEqual(parseAll(`SET k ""\n`).commands, [["SET", "k", ""]]);
  assert.deepEqual(parseAll(`SET k ''\n`).commands, [["SET", "k", ""]]);
  assert.deepEqual(parseAll(`SET "k" 'v'\n`).commands, [["SET", "k", "v"]]);
});

Deno.test("inline: \\v and \\f separate words only between words, not inside them", () => {
  assert.deepEqual(parseAll("ECHO a\x0bb\n").commands, [["ECHO", "a\x0bb"]]);
  assert.deepEqual(parseAll("ECHO \x0b\x0ca\n").commands, [["ECHO", "a"]]);
  assert.deepEqual(parseAll(`ECHO "a"\x0b\n`).commands, [["ECHO", "a"]]);
});

Deno.test("inline: unbalanced quotes are a protocol error", () => {
  const unbalanced = protocolError("unbalanced quotes in request");
  for (
    const line of [
      `set """test-key""" test-value`,
      `ECHO "abc`,
      `ECHO 'abc`,
      `ECHO "a"b`,
      `ECHO 'a'b`,
      `ECHO "a""b"`,
      `ECHO "abc\\"`,
      `ECHO 'abc\\'`,
    ]
  ) {
    assert.equal(parseAll(line + "\r\n").error, unbalanced, line);
  }
});

Deno.test("inline: a NUL byte hides the line end, so the line waits until it is too big", () => {
  const out = parseAll("\x00abc\r\nPING\r\n");
  assert.deepEqual(out.commands, []);
  assert.equal(out.error, null);
  const junk = new Uint8Array(INLINE_MAX + 1).fill(10);
  junk[0] = 0x00;
  assert.equal(parseAll(junk).error, protocolError("too big inline request"));
});

Deno.test("inline: a line longer than 64 KiB without LF is too big", () => {
  const exact = new Uint8Array(INLINE_MAX).fill(97);
  assert.equal(parseAll(exact).error, null);
  assert.equal(parseAll(exact).pending, INLINE_MAX);
  const over = new Uint8Array(INLINE_MAX + 1).fill(97);
  assert.equal(parseAll(over).error, protocolError("too big inline request"));
  // Arriving in pieces makes no difference.
  const pieces = split(over, [1000, 30000, 65000]);
  assert.equal(feed(pieces).error, protocolError("too big inline request"));
});

Deno.test("inline: a long line that ends in time is one command", () => {
  const word = "v".repeat(INLINE_MAX - 10);
  assert.deepEqual(parseAll(`SET k ${word}\r\n`).commands, [["SET", "k", word]]);
});

// --- protocol errors ---

Deno.test("limits: a multibulk count that is not a number or is above INT_MAX is invalid", () => {
  const invalid = protocolError("invalid multibulk length");
  for (
    const head of [
      "*3000000000",
      "*2147483648",
      "*abc",
      "*",
      "*-",
      "*01",
      "*-0",
      "*+1",
      "*1 ",
      " *1",
      "*1.0",
      "*-9223372036854775809",
      "*9223372036854775808",
      "*123456789012345678901",
    ]
  ) {
    if (head.startsWith(" ")) continue; // inline, covered elsewhere
    assert.equal(parseAll(head + "\r\n").error, invalid, head);
  }
  // INT_MAX itself is accepted: the command then waits for its arguments.
  const out = parseAll("*2147483647\r\n");
  assert.equal(out.error, null);
  assert.equal(out.pending, 13);
});

Deno.test("limits: a bulk length that is negative, too big or not a number is invalid", () => {
  const invalid = protocolError("invalid bulk length");
  for (const len of ["-10", "-1", "-0", "2000000000", "blabla", "", "04", "1 ", "+4", "4x"]) {
    assert.equal(parseAll(`*1\r\n$${len}\r\n`).error, invalid, len);
  }
  const limits = { maxBulkLen: 1024 * 1024, unauthenticated: false };
  assert.equal(parseAll(`*1\r\n$${1024 * 1024 + 1}\r\n`, limits).error, invalid);
  assert.equal(parseAll(`*1\r\n$${1024 * 1024}\r\n`, limits).error, null);
  assert.equal(parseAll(`*1\r\n$${512 * 1024 * 1024}\r\n`).error, null);
  assert.equal(parseAll(`*1\r\n$${512 * 1024 * 1024 + 1}\r\n`).error, invalid);
});

Deno.test("limits: a bulk header not starting with $ is an error naming the byte", () => {
  assert.equal(
    parseAll("*3\r\n$3\r\nSET\r\n$1\r\nx\r\nfooz\r\n").error,
    protocolError("expected '$', got 'f'"),
  );
  assert.equal(parseAll("*1\r\n\r\n").error, protocolError("expected '$', got '\r'"));
  assert.equal(parseAll("*1\r\n\x80\r\n").error, protocolError("expected '$', got '\x80'"));
});

Deno.test("limits: the $ check waits, as Redis does, until the header line is complete", () => {
  const out = parseAll("*1\r\nfoo");
  assert.equal(out.error, null);
  assert.equal(out.pending, 7);
});

Deno.test("limits: commands before a protocol error in the same buffer are parsed", () => {
  const out = parseAll("PING\r\n*1\r\n$4\r\nECHO\r\n*1\r\n$x\r\n*1\r\n$4\r\nPING\r\n");
  assert.deepEqual(out.commands, [["PING"], ["ECHO"]]);
  assert.equal(out.error, protocolError("invalid bulk length"));
});

Deno.test("limits: a count line longer than 64 KiB without CR is too big", () => {
  const digits = "1".repeat(INLINE_MAX - 1);
  assert.equal(parseAll("*" + digits).error, null);
  assert.equal(parseAll("*" + digits + "1").error, protocolError("too big mbulk count string"));
  assert.equal(
    parseAll("*1\r\n$" + digits + "1").error,
    protocolError("too big bulk count string"),
  );
  assert.equal(parseAll("*1\r\n$" + digits).error, null);
  // Junk without CR where a bulk header should be is also judged by its size first.
  assert.equal(
    parseAll("*1\r\n" + "f".repeat(INLINE_MAX + 1)).error,
    protocolError("too big bulk count string"),
  );
});

Deno.test("limits: a NUL byte hides a count line's CR, as it does in Redis", () => {
  assert.equal(parseAll("*\x001\r\n").error, null);
  assert.equal(parseAll("*1\r\n$\x004\r\n").error, null);
  const junk = new Uint8Array(INLINE_MAX + 1).fill(13);
  junk[0] = 42;
  junk[1] = 0;
  assert.equal(parseAll(junk).error, protocolError("too big mbulk count string"));
  // Arriving in many pieces, the search never restarts past the NUL.
  assert.equal(
    feed(split(junk, [2, 3, 100, 40000])).error,
    protocolError("too big mbulk count string"),
  );
});

Deno.test("limits: unauthenticated clients get at most 10 arguments of 16384 bytes", () => {
  assert.equal(
    parseAll("*11\r\n", NOAUTH).error,
    protocolError("unauthenticated multibulk length"),
  );
  assert.equal(
    parseAll("*100\r\n", NOAUTH).error,
    protocolError("unauthenticated multibulk length"),
  );
  assert.equal(
    parseAll("*1\r\n$100000000\r\n", NOAUTH).error,
    protocolError("unauthenticated bulk length"),
  );
  assert.equal(
    parseAll("*1\r\n$16385\r\n", NOAUTH).error,
    protocolError("unauthenticated bulk length"),
  );
  const ten = Array.from({ length: 10 }, () => "a".repeat(16384));
  assert.deepEqual(parseAll(encodeCommand(ten), NOAUTH).commands, [ten]);
  // Invalid lengths are reported as invalid before the authentication limit.
  assert.equal(
    parseAll("*3000000000\r\n", NOAUTH).error,
    protocolError("invalid multibulk length"),
  );
  assert.equal(
    parseAll("*1\r\n$2000000000\r\n", NOAUTH).error,
    protocolError("invalid bulk length"),
  );
  // Negative counts are still ignored; inline commands have no such limit.
  assert.deepEqual(parseAll("*-100\r\nPING\r\n", NOAUTH).commands, [["PING"]]);
  const words = Array.from({ length: 20 }, (_, i) => `w${i}`);
  assert.deepEqual(parseAll(words.join(" ") + "\r\n", NOAUTH).commands, [words]);
  // The same commands are fine once authenticated.
  assert.equal(parseAll("*100\r\n").error, null);
});

Deno.test("parser: reset forgets a partial command", () => {
  const parser = new RequestParser();
  const argv = new Argv();
  let buf = bytes("*2\r\n$3\r\nGET\r\n$5\r\nab");
  assert.equal(parser.parse(buf, 0, buf.length, argv, OPEN), 0);
  parser.reset();
  buf = bytes("PING\r\n");
  assert.equal(parser.parse(buf, 0, buf.length, argv, OPEN), 6);
  assert.deepEqual(argv.strings(), ["PING"]);
});

Deno.test("parser: after a protocol error and reset it parses again", () => {
  const parser = new RequestParser();
  const argv = new Argv();
  let buf = bytes("*1\r\n$x\r\n");
  assert.equal(parser.parse(buf, 0, buf.length, argv, OPEN), -1);
  assert.equal(parser.error, protocolError("invalid bulk length"));
  parser.reset();
  assert.equal(parser.error, "");
  buf = encodeCommand(["ECHO", "ok"]);
  assert.equal(parser.parse(buf, 0, buf.length, argv, OPEN), buf.length);
  assert.deepEqual(argv.strings(), ["ECHO", "ok"]);
});

// --- resumability ---

const MIXED = concatBytes([
  encodeCommand(["SET", "key", "a\r\nb"]),
  bytes("\r\n"),
  bytes("ECHO \"x\\x41\" 'y z'\r\n"),
  bytes("*0\r\n*-1\r\n"),
  encodeCommand(["MSET", "k1", "", "k2", "v".repeat(40)]),
  bytes("PING\n"),
  encodeCommand(["GET", "key"]),
]);
const MIXED_COMMANDS = [
  ["SET", "key", "a\r\nb"],
  ["ECHO", "xA", "y z"],
  ["MSET", "k1", "", "k2", "v".repeat(40)],
  ["PING"],
  ["GET", "key"],
];

Deno.test("resumable: every single split point gives the same commands", () => {
  assert.deepEqual(parseAll(MIXED).commands, MIXED_COMMANDS);
  for (let i = 0; i <= MIXED.length; i++) {
    const out = feed(split(MIXED, [i]));
    assert.deepEqual(out.commands, MIXED_COMMANDS, `split at ${i}`);
    assert.equal(out.pending, 0);
  }
});

Deno.test("resumable: every pair of split points gives the same commands", () => {
  for (let i = 0; i <= MIXED.length; i++) {
    for (let j = i; j <= MIXED.length; j++) {
      assert.deepEqual(feed(split(MIXED, [i, j])).commands, MIXED_COMMANDS, `split ${i},${j}`);
    }
  }
});

Deno.test("resumable: byte by byte gives the same commands", () => {
  const chunks = Array.from(MIXED, (b) => Uint8Array.of(b));
  assert.deepEqual(feed(chunks).commands, MIXED_COMMANDS);
});

Deno.test("resumable: errors are the same at every split point", () => {
  const bad = bytes("PING\r\n*2\r\n$4\r\nECHO\r\n$-5\r\n");
  for (let i = 0; i <= bad.length; i++) {
    const out = feed(split(bad, [i]));
    assert.deepEqual(out.commands, [["PING"]]);
    assert.equal(out.error, protocolError("invalid bulk length"), `split at ${i}`);
  }
});

// --- numbers and words ---

Deno.test("parseLongLong follows string2ll: no sign but '-', no leading zeros, int64 range", () => {
  const p = (s: string) => parseLongLong(bytes(s), 0, s.length);
  assert.equal(p("0"), 0);
  assert.equal(p("7"), 7);
  assert.equal(p("-7"), -7);
  assert.equal(p("2147483647"), 2147483647);
  assert.equal(p("-9223372036854775808"), -9223372036854775808);
  assert.equal(p("9223372036854775807"), 9223372036854775807);
  assert.equal(p("1234567890123456789"), 1234567890123456789);
  assert.equal(p("-900719925474099312"), -900719925474099312);
  for (
    const bad of [
      "",
      "-",
      "+1",
      "01",
      "-0",
      "00",
      " 1",
      "1 ",
      "1e3",
      "9223372036854775808",
      "-9223372036854775809",
      "10000000000000000000",
      "-10000000000000000000",
    ]
  ) {
    assert.ok(Number.isNaN(p(bad)), bad);
  }
});

Deno.test("splitArgs: a NUL byte ends the line, as in a C string", () => {
  const b = bytes("SET a b\x00c d");
  assert.deepEqual(splitArgs(b, 0, b.length)!.map((x) => String.fromCharCode(...x)), [
    "SET",
    "a",
    "b",
  ]);
  const q = bytes('ECHO "a\x00b"');
  assert.equal(splitArgs(q, 0, q.length), null);
});

Deno.test("splitArgs: respects the given range", () => {
  const b = bytes(`xx"a b" c"yy`);
  assert.deepEqual(splitArgs(b, 2, 9)!.map((x) => String.fromCharCode(...x)), ["a b", "c"]);
  assert.deepEqual(splitArgs(b, 0, 0), []);
});

// --- Argv ---

Deno.test("Argv: str, len, lower and is read the parsed arguments", () => {
  const parser = new RequestParser();
  const argv = new Argv();
  const buf = encodeCommand(["SeT", "Key\xff", "VALUE"]);
  parser.parse(buf, 0, buf.length, argv, OPEN);
  assert.equal(argv.str(1), "Key\xff");
  assert.equal(argv.len(1), 4);
  assert.equal(argv.lower(0), "set");
  assert.equal(argv.lower(2), "value");
  assert.ok(argv.is(0, "set"));
  assert.ok(!argv.is(0, "se"));
  assert.ok(!argv.is(3, "set"));
  assert.deepEqual(argv.strings(1), ["Key\xff", "VALUE"]);
});

Deno.test("Argv: a clone survives the read buffer being reused", () => {
  const parser = new RequestParser();
  const argv = new Argv();
  const buf = encodeCommand(["LPUSH", "list", "item"]);
  parser.parse(buf, 0, buf.length, argv, OPEN);
  const copy = argv.clone();
  buf.fill(0);
  assert.deepEqual(copy.strings(), ["LPUSH", "list", "item"]);
  assert.ok(copy.is(0, "lpush"));
  assert.equal(copy.lower(1), "list");
  assert.equal(copy.len(2), 4);
});

Deno.test("Argv: inline arguments read the same as multibulk ones", () => {
  const parser = new RequestParser();
  const argv = new Argv();
  const buf = bytes(`SeT "K\\xff" v\r\n`);
  parser.parse(buf, 0, buf.length, argv, OPEN);
  assert.deepEqual(argv.strings(), ["SeT", "K\xff", "v"]);
  assert.ok(argv.is(0, "set"));
  assert.equal(argv.lower(0), "set");
  assert.equal(argv.len(1), 2);
  assert.deepEqual(argv.bytes(1), Uint8Array.of(75, 255));
  // The next multibulk command replaces the inline arguments.
  const mb = encodeCommand(["GET", "x"]);
  parser.parse(mb, 0, mb.length, argv, OPEN);
  assert.deepEqual(argv.strings(), ["GET", "x"]);
});

Deno.test("Argv.of builds arguments from binary strings and bytes", () => {
  const argv = Argv.of(["SET", "k\u00e9", Uint8Array.of(0, 255)]);
  assert.equal(argv.length, 3);
  assert.equal(argv.str(1), "k\u00e9");
  assert.deepEqual(argv.bytes(1), Uint8Array.of(107, 0xe9));
  assert.equal(argv.str(2), "\x00\xff");
});
