import assert from "node:assert/strict";
import {
  decodeFrame,
  encodeCommand,
  NEED_MORE,
  RespError,
  RespProtocolError,
  RespPush,
  type RespValue,
  RespVerbatim,
} from "./decoder.ts";

function bytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

function decode(s: string): { value: RespValue; length: number } {
  return decodeFrame(bytes(s));
}

/** Every RESP2 and RESP3 type, with the value each decodes to. */
const FRAMES: [string, RespValue][] = [
  ["+OK\r\n", "OK"],
  ["+\r\n", ""],
  ["-ERR unknown command\r\n", new RespError("ERR unknown command")],
  [":0\r\n", 0],
  [":-42\r\n", -42],
  [":9007199254740991\r\n", 9007199254740991],
  [":9223372036854775807\r\n", 9223372036854775807n],
  [":-9223372036854775808\r\n", -9223372036854775808n],
  ["$5\r\nhello\r\n", "hello"],
  ["$0\r\n\r\n", ""],
  ["$4\r\na\r\nb\r\n", "a\r\nb"],
  ["$3\r\n\x00\xff\x80\r\n", "\x00\xff\x80"],
  ["$-1\r\n", null],
  ["*-1\r\n", null],
  ["*0\r\n", []],
  ["*3\r\n:1\r\n$1\r\na\r\n+b\r\n", [1, "a", "b"]],
  ["*2\r\n*1\r\n:1\r\n*0\r\n", [[1], []]],
  ["*2\r\n$-1\r\n-E x\r\n", [null, new RespError("E x")]],
  ["_\r\n", null],
  ["#t\r\n", true],
  ["#f\r\n", false],
  [",1.5\r\n", 1.5],
  [",-0.1\r\n", -0.1],
  [",10\r\n", 10],
  [",1e+17\r\n", 1e17],
  [",1.2345678901234568e-05\r\n", 1.2345678901234568e-05],
  [",inf\r\n", Infinity],
  [",-inf\r\n", -Infinity],
  [",nan\r\n", NaN],
  [
    "(3492890328409238509324850943850943825024385\r\n",
    3492890328409238509324850943850943825024385n,
  ],
  ["(-12\r\n", -12n],
  ["!21\r\nSYNTAX invalid syntax\r\n", new RespError("SYNTAX invalid syntax")],
  ["=15\r\ntxt:Some string\r\n", new RespVerbatim("txt", "Some string")],
  ["=4\r\nmkd:\r\n", new RespVerbatim("mkd", "")],
  [
    "%2\r\n+first\r\n:1\r\n$6\r\nsecond\r\n:2\r\n",
    new Map<RespValue, RespValue>([["first", 1], [
      "second",
      2,
    ]]),
  ],
  ["%0\r\n", new Map()],
  ["~3\r\n:1\r\n:2\r\n+x\r\n", new Set<RespValue>([1, 2, "x"])],
  [">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n", new RespPush(["message", "ch", "hi"])],
  ["|1\r\n+key-popularity\r\n%1\r\n$1\r\na\r\n,0.5\r\n:7\r\n", 7],
  ["*2\r\n|1\r\n+ttl\r\n:3\r\n$1\r\nv\r\n:1\r\n", ["v", 1]],
  [
    "*3\r\n%1\r\n+k\r\n~1\r\n#t\r\n_\r\n>1\r\n,2.5\r\n",
    [new Map<RespValue, RespValue>([["k", new Set<RespValue>([true])]]), null, new RespPush([2.5])],
  ],
];

Deno.test("decoder: every RESP2 and RESP3 type decodes to its value", () => {
  for (const [wire, expected] of FRAMES) {
    const d = decode(wire);
    assert.equal(d.length, wire.length, JSON.stringify(wire));
    assert.deepEqual(d.value, expected, JSON.stringify(wire));
  }
});

Deno.test("decoder: error values keep their code and message", () => {
  const d = decode("-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
  assert.ok(d.value instanceof RespError);
  assert.equal(d.value.code, "WRONGTYPE");
  assert.equal(
    d.value.message,
    "WRONGTYPE Operation against a key holding the wrong kind of value",
  );
  const bare = decode("-ERR\r\n").value as RespError;
  assert.equal(bare.code, "ERR");
});

Deno.test("decoder: integers past 2^53 are bigints and within it are numbers", () => {
  assert.equal(decode(":9007199254740992\r\n").value, 9007199254740992n);
  assert.equal(decode(":-9007199254740991\r\n").value, -9007199254740991);
  assert.equal(decode(":1234567890123456\r\n").value, 1234567890123456);
  assert.equal(typeof decode(":123\r\n").value, "number");
});

Deno.test("decoder: NEED_MORE at every split point of every frame", () => {
  for (const [wire] of FRAMES) {
    const full = bytes(wire);
    for (let k = 0; k < full.length; k++) {
      // A prefix on its own...
      assert.equal(
        decodeFrame(full.subarray(0, k)).length,
        NEED_MORE,
        `${JSON.stringify(wire)} @${k}`,
      );
      // ...and the whole frame in the buffer but `end` before its last byte.
      assert.equal(decodeFrame(full, 0, k).length, NEED_MORE, `${JSON.stringify(wire)} end ${k}`);
    }
  }
});

Deno.test("decoder: a frame completed at a split point decodes the same", () => {
  const wire = FRAMES.map(([w]) => w).join("");
  const full = bytes(wire);
  const expected = FRAMES.map(([, v]) => v);
  for (let cut = 0; cut <= full.length; cut += 3) {
    // Decode what fits before the cut, then continue with everything.
    const got: RespValue[] = [];
    let p = 0;
    for (const end of [cut, full.length]) {
      while (p < end) {
        const d = decodeFrame(full, p, end);
        if (d.length === NEED_MORE) break;
        got.push(d.value);
        p += d.length;
      }
    }
    assert.equal(p, full.length);
    assert.deepEqual(got, expected, `cut at ${cut}`);
  }
});

Deno.test("decoder: decodes from an offset and reports the bytes it took", () => {
  const buf = bytes("junk:12\r\n+rest\r\n");
  const d = decodeFrame(buf, 4);
  assert.equal(d.value, 12);
  assert.equal(d.length, 5);
  const d2 = decodeFrame(buf, 9);
  assert.equal(d2.value, "rest");
  assert.equal(d2.length, 7);
});

Deno.test("decoder: malformed frames throw RespProtocolError", () => {
  for (
    const wire of [
      "?1\r\n",
      "x\r\n",
      ":\r\n",
      ":12a\r\n",
      ":1.5\r\n",
      ":-\r\n",
      "$abc\r\n",
      "$-2\r\n",
      "*-5\r\n",
      "*x\r\n",
      "$3\r\nabcde\r\n",
      "$3\r\nabc\n\r",
      "+OK\rX",
      "#x\r\n",
      "#tt\r\n",
      "#\r\n",
      "_x\r\n",
      ",\r\n",
      ",abc\r\n",
      ",1.5x\r\n",
      ",0x10\r\n",
      "(\r\n",
      "(12a\r\n",
      "=3\r\ntxt\r\n",
      "=5\r\ntxt-x\r\n",
      "*1\r\n!\r\n",
    ]
  ) {
    assert.throws(() => decode(wire), RespProtocolError, JSON.stringify(wire));
  }
});

Deno.test("decoder: nesting deeper than 64 levels is refused", () => {
  assert.deepEqual(decode("*1\r\n".repeat(64) + ":1\r\n").value, nest(64, 1));
  assert.throws(() => decode("*1\r\n".repeat(70) + ":1\r\n"), RespProtocolError);
});

function nest(depth: number, leaf: RespValue): RespValue {
  let v = leaf;
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}

Deno.test("decoder: a big bulk string decodes in one piece", () => {
  const body = "z".repeat(3 * 1024 * 1024);
  const d = decode(`$${body.length}\r\n${body}\r\n`);
  assert.equal(d.value, body);
});

Deno.test("encodeCommand writes a RESP multibulk of binary strings, numbers and bytes", () => {
  const out = encodeCommand(["SET", "k\xff", 42, Uint8Array.of(0, 13, 10)]);
  assert.deepEqual(
    out,
    bytes("*4\r\n$3\r\nSET\r\n$2\r\nk\xff\r\n$2\r\n42\r\n$3\r\n\x00\r\n\r\n"),
  );
  assert.deepEqual(encodeCommand([]), bytes("*0\r\n"));
  assert.deepEqual(encodeCommand([""]), bytes("*1\r\n$0\r\n\r\n"));
});
