import assert from "node:assert/strict";
import { formatDouble, formatG17, RespWriter } from "./writer.ts";
import { decodeFrame, NEED_MORE, RespError, type RespValue } from "./decoder.ts";

function text(w: RespWriter): string {
  return String.fromCharCode(...w.bytes());
}

function writer(protocol: 2 | 3, initial?: number): RespWriter {
  const w = new RespWriter(initial);
  w.protocol = protocol;
  return w;
}

function decodeAll(w: RespWriter): RespValue[] {
  const buf = w.bytes();
  const out: RespValue[] = [];
  let p = 0;
  while (p < buf.length) {
    const d = decodeFrame(buf, p);
    assert.notEqual(d.length, NEED_MORE, "writer left an incomplete frame");
    out.push(d.value);
    p += d.length;
  }
  return out;
}

Deno.test("writer: scalar replies are byte exact in RESP2", () => {
  const w = writer(2);
  w.ok();
  w.simple("PONG");
  w.error("ERR bad");
  w.int(0);
  w.int(7);
  w.int(-123);
  w.int(12345678901234567890n);
  w.bulk("hi\xff");
  w.bulk("");
  w.bulkBytes(Uint8Array.of(0, 13, 10));
  w.bulkNumber(42);
  w.nil();
  w.nilArray();
  w.bool(true);
  w.bool(false);
  w.double(1.5);
  w.verbatim("text");
  assert.equal(
    text(w),
    "+OK\r\n+PONG\r\n-ERR bad\r\n:0\r\n:7\r\n:-123\r\n:12345678901234567890\r\n" +
      "$3\r\nhi\xff\r\n$0\r\n\r\n$3\r\n\x00\r\n\r\n$2\r\n42\r\n$-1\r\n*-1\r\n:1\r\n:0\r\n" +
      "$3\r\n1.5\r\n$4\r\ntext\r\n",
  );
});

Deno.test("writer: RESP3 types are byte exact", () => {
  const w = writer(3);
  w.nil();
  w.nilArray();
  w.bool(true);
  w.bool(false);
  w.double(1.5);
  w.double(Infinity);
  w.double(-Infinity);
  w.map(2);
  w.set(1);
  w.push(3);
  w.verbatim("text");
  w.verbatim("# x", "mkd");
  assert.equal(
    text(w),
    "_\r\n_\r\n#t\r\n#f\r\n,1.5\r\n,inf\r\n,-inf\r\n%2\r\n~1\r\n>3\r\n" +
      "=8\r\ntxt:text\r\n=7\r\nmkd:# x\r\n",
  );
});

Deno.test("writer: aggregates degrade to arrays in RESP2", () => {
  const w = writer(2);
  w.map(2);
  w.set(3);
  w.push(1);
  w.array(0);
  assert.equal(text(w), "*4\r\n*3\r\n*1\r\n*0\r\n");
});

Deno.test("writer: error replies never break the protocol and count codes", () => {
  const w = writer(2);
  w.error("ERR line one\r\nline two\n");
  w.error("WRONGTYPE Operation against a key holding the wrong kind of value");
  assert.equal(
    text(w),
    "-ERR line one  line two \r\n" +
      "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
  );
  assert.equal(w.errors, 2);
  assert.equal(w.lastErrorCode, "WRONGTYPE");
  const [a, b] = decodeAll(w);
  assert.ok(a instanceof RespError && b instanceof RespError);
});

Deno.test("writer: grows past its initial size and keeps earlier bytes", () => {
  const w = writer(2, 16);
  const big = "b".repeat(100_000);
  w.simple("first");
  w.bulk(big);
  w.bulks(["x", "y"]);
  assert.deepEqual(decodeAll(w), ["first", big, ["x", "y"]]);
});

Deno.test("writer: binary strings with high bytes are written one byte per char", () => {
  let all = "";
  for (let b = 0; b < 256; b++) all += String.fromCharCode(b);
  for (
    const s of [all, all.repeat(40), "a".repeat(50) + "\xe9" + "b".repeat(50), "\xe9".repeat(17)]
  ) {
    const w = writer(2);
    w.bulk(s);
    w.simple(s.replace(/[\r\n]/g, ""));
    assert.deepEqual(decodeAll(w), [s, s.replace(/[\r\n]/g, "")]);
  }
});

Deno.test("writer: consume keeps bytes written after the sent part", () => {
  const w = writer(2);
  w.simple("one");
  const sent = w.length;
  w.simple("two");
  w.consume(sent);
  assert.equal(text(w), "+two\r\n");
  w.consume(w.length);
  assert.equal(w.length, 0);
});

Deno.test("writer: truncate drops a partial reply", () => {
  const w = writer(2);
  w.ok();
  const mark = w.length;
  w.array(3);
  w.bulk("a");
  w.truncate(mark);
  w.int(1);
  assert.equal(text(w), "+OK\r\n:1\r\n");
  w.truncate(100);
  assert.equal(text(w), "+OK\r\n:1\r\n");
});

Deno.test("writer: reset forgets everything and the writer stays usable", () => {
  const w = writer(2);
  w.bulk("z".repeat(2 * 1024 * 1024));
  w.reset();
  assert.equal(w.length, 0);
  w.ok();
  assert.equal(text(w), "+OK\r\n");
});

Deno.test("writer: raw bytes are copied as they are", () => {
  const w = writer(2);
  w.raw(Uint8Array.of(43, 79, 75, 13, 10));
  assert.deepEqual(decodeAll(w), ["OK"]);
});

Deno.test("formatDouble: integers, fractions and specials as Redis's %.17g prints them", () => {
  const cases: [number, string][] = [
    [0, "0"],
    [3, "3"],
    [-3, "-3"],
    [1.5, "1.5"],
    [0.1, "0.10000000000000001"],
    [1 / 3, "0.33333333333333331"],
    [1e16, "10000000000000000"],
    [1e17, "1e+17"],
    [123456789012345678, "1.2345678901234568e+17"],
    [1e-5, "1.0000000000000001e-05"],
    [0.0001, "0.0001"],
    [1.7976931348623157e308, "1.7976931348623157e+308"],
    [5e-324, "4.9406564584124654e-324"],
    [Infinity, "inf"],
    [-Infinity, "-inf"],
    [NaN, "nan"],
    [-0, "-0"],
    [0, "0"],
  ];
  for (const [d, s] of cases) assert.equal(formatDouble(d), s, String(d));
  assert.equal(formatG17(2.5), "2.5");
  assert.equal(formatG17(-0), "-0");
});

// The expected texts below are what C's printf("%.17g") (and so Redis) prints for these doubles.

Deno.test("formatDouble: integers between 2^53 and 1e17 print their exact digits", () => {
  // JS's shortest round-trip text pads with zeros; %.17g prints the stored value's digits.
  assert.equal(formatDouble(75194544691742980), "75194544691742976");
  assert.equal(formatDouble(-70788137018002500), "-70788137018002496");
  assert.equal(formatDouble(2 ** 53 + 2), "9007199254740994");
});

Deno.test("formatDouble: an exact tie at the 17th digit rounds half to even", () => {
  // 1631227397317815.25 and -772817291193320.125 are exactly representable: %.17g rounds the
  // tie to even, where toPrecision(17) rounds it up.
  assert.equal(formatDouble(1631227397317815.2), "1631227397317815.2");
  assert.equal(formatDouble(-772817291193320.1), "-772817291193320.12");
});
