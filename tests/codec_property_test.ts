// Property tests of the RESP codec: requests round-trip through RequestParser whatever the
// chunking, writer output decodes back to the values written, and no input makes the parser
// throw. The double formatting is checked against a real redis-server where one is installed.
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  Argv,
  concatBytes,
  decodeFrame,
  encodeCommand,
  formatDouble,
  NEED_MORE,
  RequestParser,
  RespError,
  RespPush,
  type RespValue,
  RespVerbatim,
  RespWriter,
} from "../src/resp/mod.ts";
import type { RequestLimits } from "../src/resp/mod.ts";
import { requireTool, spawnRedis } from "./_harness.ts";

const OPEN: RequestLimits = { maxBulkLen: 512 * 1024 * 1024, unauthenticated: false };
const NOAUTH: RequestLimits = { maxBulkLen: 512 * 1024 * 1024, unauthenticated: true };

function bin(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return s;
}

function ascii(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

/** Cuts `buf` at the given points (taken modulo its length, sorted). */
function chunk(buf: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = cuts.map((c) => c % (buf.length + 1)).sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let from = 0;
  for (const p of points) {
    out.push(buf.subarray(from, p));
    from = p;
  }
  out.push(buf.subarray(from));
  return out;
}

interface Outcome {
  commands: string[][];
  error: string | null;
  pending: number;
}

/**
 * Feeds chunks the way a socket loop does: each read lands in a fresh buffer with the unparsed
 * tail at a varying offset. Checks the parser's contract on every call.
 */
function feed(chunks: Uint8Array[], limits: RequestLimits = OPEN): Outcome {
  const parser = new RequestParser();
  const argv = new Argv();
  const commands: string[][] = [];
  let tail = new Uint8Array(0);
  let pad = 1;
  for (const piece of chunks) {
    const buf = new Uint8Array(pad + tail.length + piece.length + 3).fill(36);
    buf.set(tail, pad);
    buf.set(piece, pad + tail.length);
    const end = pad + tail.length + piece.length;
    let start = pad;
    while (start < end) {
      const n = parser.parse(buf, start, end, argv, limits);
      assert.ok(Number.isInteger(n) && n >= -1 && n <= end - start, `parse returned ${n}`);
      if (n === 0) break;
      if (n < 0) {
        assert.match(parser.error, /^ERR Protocol error: /);
        // What is left after an error depends on the chunking and is discarded anyway.
        return { commands, error: parser.error, pending: 0 };
      }
      if (argv.length > 0) commands.push(argv.strings());
      start += n;
    }
    tail = buf.slice(start, end);
    pad = (pad * 5 + 2) % 11;
  }
  return { commands, error: null, pending: tail.length };
}

// --- requests ---

const argBytes = fc.oneof(
  { weight: 8, arbitrary: fc.uint8Array({ maxLength: 40 }) },
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 1000, maxLength: 70_000 }) },
);
const command = fc.array(argBytes, { minLength: 1, maxLength: 10 });

/** An inline word that decodes to `bytes`: bare, "double quoted" with escapes, or 'single'. */
function inlineWord(bytes: Uint8Array, style: number): string {
  const plain = bytes.every((b) => b > 32 && b < 127 && b !== 34 && b !== 39 && b !== 92);
  if (style === 0 && plain && bytes.length > 0) return bin(bytes);
  const singleOk = bytes.every((b) => b >= 32 && b < 127 && b !== 39 && b !== 92);
  if (style === 1 && singleOk) return `'${bin(bytes)}'`;
  let s = '"';
  for (const b of bytes) {
    if (b === 10) s += "\\n";
    else if (b === 13) s += "\\r";
    else if (b === 9) s += "\\t";
    else if (b === 8) s += "\\b";
    else if (b === 7) s += "\\a";
    else if (b === 34 || b === 92) s += "\\" + String.fromCharCode(b);
    else if (b >= 32 && b < 127) s += String.fromCharCode(b);
    else {
      // Both hex cases are accepted.
      const hex = b.toString(16).padStart(2, "0");
      s += "\\x" + (b & 1 ? hex.toUpperCase() : hex);
    }
  }
  return s + '"';
}

type Request =
  | { kind: "multibulk"; args: Uint8Array[] }
  | { kind: "inline"; args: Uint8Array[]; styles: number[]; lf: boolean }
  | { kind: "empty"; text: string };

const request: fc.Arbitrary<Request> = fc.oneof(
  { weight: 5, arbitrary: command.map((args) => ({ kind: "multibulk" as const, args })) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("inline" as const),
      args: fc.array(fc.uint8Array({ maxLength: 12 }), { minLength: 1, maxLength: 6 }),
      styles: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 6, maxLength: 6 }),
      lf: fc.boolean(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom("\r\n", "\n", "  \r\n", "*0\r\n", "*-1\r\n", "*-10\r\n").map((
      text,
    ) => ({ kind: "empty" as const, text })),
  },
);

function encodeRequest(r: Request): Uint8Array {
  if (r.kind === "multibulk") return encodeCommand(r.args);
  if (r.kind === "empty") return ascii(r.text);
  // A line starting with '*' is a multibulk header, never inline: quote such a first word.
  const words = r.args.map((a, i) => inlineWord(a, i === 0 && a[0] === 42 ? 2 : r.styles[i]!));
  return ascii(words.join(" ") + (r.lf ? "\n" : "\r\n"));
}

function expectedCommands(requests: Request[]): string[][] {
  return requests.filter((r) => r.kind !== "empty").map((r) =>
    (r as { args: Uint8Array[] }).args.map(bin)
  );
}

Deno.test("property: a command encoded with encodeCommand parses back to its arguments", () => {
  fc.assert(
    fc.property(command, (args) => {
      const wire = encodeCommand(args);
      const parser = new RequestParser();
      const argv = new Argv();
      assert.equal(parser.parse(wire, 0, wire.length, argv, OPEN), wire.length);
      assert.equal(argv.length, args.length);
      for (let i = 0; i < args.length; i++) assert.deepEqual(argv.bytes(i), args[i]);
    }),
    { numRuns: 300 },
  );
});

Deno.test("property: a stream cut into random chunks parses to the same commands", () => {
  fc.assert(
    fc.property(
      fc.array(request, { minLength: 1, maxLength: 12 }),
      fc.array(fc.nat(), { maxLength: 20 }),
      (requests, cuts) => {
        const stream = concatBytes(requests.map(encodeRequest));
        const expected = expectedCommands(requests);
        const whole = feed([stream]);
        assert.deepEqual(whole, { commands: expected, error: null, pending: 0 });
        assert.deepEqual(feed(chunk(stream, cuts)), whole);
      },
    ),
    { numRuns: 300 },
  );
});

Deno.test("property: byte by byte parses to the same commands as all at once", () => {
  fc.assert(
    fc.property(fc.array(request, { minLength: 1, maxLength: 4 }), (requests) => {
      const stream = concatBytes(requests.map(encodeRequest));
      if (stream.length > 5000) return;
      const bytes = Array.from(stream, (b) => Uint8Array.of(b));
      assert.deepEqual(feed(bytes).commands, expectedCommands(requests));
    }),
    { numRuns: 100 },
  );
});

// --- garbage ---

const TOKENS = [
  "*",
  "$",
  "\r\n",
  "\r",
  "\n",
  "\x00",
  "-",
  "0",
  "1",
  "9",
  "-1",
  " ",
  '"',
  "'",
  "\\",
];

/** Garbage shaped like RESP: tokens, digits, bytes, and valid commands mutated at random. */
const garbage = fc.oneof(
  fc.uint8Array({ maxLength: 2000 }),
  fc.array(
    fc.oneof(
      fc.constantFrom(...TOKENS).map(ascii),
      fc.integer({ min: -5, max: 1 << 20 }).map((n) => ascii(String(n))),
      fc.uint8Array({ maxLength: 8 }),
    ),
    { maxLength: 200 },
  ).map(concatBytes),
  fc.tuple(
    fc.array(request, { minLength: 1, maxLength: 5 }),
    fc.array(fc.tuple(fc.nat(), fc.nat({ max: 255 })), { minLength: 1, maxLength: 6 }),
  ).map(([requests, edits]) => {
    const stream = concatBytes(requests.map(encodeRequest)).slice(0, 4000);
    for (const [at, b] of edits) if (stream.length > 0) stream[at % stream.length] = b;
    return stream;
  }),
);

Deno.test("property: garbage never throws out of the parser", () => {
  fc.assert(
    fc.property(garbage, fc.array(fc.nat(), { maxLength: 8 }), fc.boolean(), (g, cuts, auth) => {
      feed(chunk(g, cuts), auth ? NOAUTH : OPEN);
    }),
    { numRuns: 2000 },
  );
});

Deno.test("property: the outcome of garbage does not depend on how it is chunked", () => {
  fc.assert(
    fc.property(garbage, fc.array(fc.nat(), { maxLength: 8 }), (g, cuts) => {
      assert.deepEqual(feed(chunk(g, cuts)), feed([g]));
    }),
    { numRuns: 1000 },
  );
});

// --- replies ---

type Reply =
  | { k: "bulk"; s: string }
  | { k: "simple"; s: string }
  | { k: "error"; s: string }
  | { k: "int"; n: bigint }
  | { k: "nil" }
  | { k: "bool"; b: boolean }
  | { k: "double"; d: number }
  | { k: "verbatim"; s: string }
  | { k: "array"; items: Reply[] }
  | { k: "set"; items: Reply[] }
  | { k: "push"; items: Reply[] }
  | { k: "map"; pairs: [string, Reply][] };

const binaryString = fc.uint8Array({ maxLength: 30 }).map(bin);
const lineText = fc.string({ maxLength: 20 }).map((s) => s.replace(/[^\x20-\x7e]/g, "?"));

const { reply } = fc.letrec<{ reply: Reply }>((tie) => ({
  reply: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    binaryString.map((s) => ({ k: "bulk" as const, s })),
    lineText.map((s) => ({ k: "simple" as const, s })),
    lineText.map((s) => ({ k: "error" as const, s: "ERR " + s })),
    fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((n) => ({ k: "int" as const, n })),
    fc.integer().map((n) => ({ k: "int" as const, n: BigInt(n) })),
    fc.constant({ k: "nil" as const }),
    fc.boolean().map((b) => ({ k: "bool" as const, b })),
    fc.double().map((d) => ({ k: "double" as const, d })),
    binaryString.map((s) => ({ k: "verbatim" as const, s })),
    fc.array(tie("reply"), { maxLength: 4 }).map((items) => ({ k: "array" as const, items })),
    fc.array(tie("reply"), { maxLength: 4 }).map((items) => ({ k: "set" as const, items })),
    fc.array(tie("reply"), { maxLength: 4 }).map((items) => ({ k: "push" as const, items })),
    fc.array(fc.tuple(binaryString, tie("reply")), { maxLength: 4 }).map((pairs) => ({
      k: "map" as const,
      pairs,
    })),
  ),
}));

function write(w: RespWriter, r: Reply): void {
  switch (r.k) {
    case "bulk":
      return w.bulk(r.s);
    case "simple":
      return w.simple(r.s);
    case "error":
      return w.error(r.s);
    case "int":
      return Number.isSafeInteger(Number(r.n)) ? w.int(Number(r.n)) : w.int(r.n);
    case "nil":
      return w.nil();
    case "bool":
      return w.bool(r.b);
    case "double":
      return w.double(r.d);
    case "verbatim":
      return w.verbatim(r.s);
    case "array":
      w.array(r.items.length);
      return r.items.forEach((i) => write(w, i));
    case "set":
      w.set(r.items.length);
      return r.items.forEach((i) => write(w, i));
    case "push":
      w.push(r.items.length);
      return r.items.forEach((i) => write(w, i));
    case "map":
      w.map(r.pairs.length);
      for (const [key, v] of r.pairs) {
        w.bulk(key);
        write(w, v);
      }
  }
}

/** What a client decodes for `r` in each protocol, built from the value itself. */
function expected(r: Reply, protocol: 2 | 3): RespValue {
  switch (r.k) {
    case "bulk":
    case "simple":
      return r.s;
    case "error":
      return new RespError(r.s);
    case "int":
      return Number.isSafeInteger(Number(r.n)) ? Number(r.n) : r.n;
    case "nil":
      return null;
    case "bool":
      return protocol === 3 ? r.b : r.b ? 1 : 0;
    case "double":
      // RESP2 sends the text; checked separately for round-tripping. -0 keeps its sign (%.17g).
      return protocol === 3 ? r.d : formatDouble(r.d);
    case "verbatim":
      return protocol === 3 ? new RespVerbatim("txt", r.s) : r.s;
    case "array":
      return r.items.map((i) => expected(i, protocol));
    case "set": {
      const items = r.items.map((i) => expected(i, protocol));
      return protocol === 3 ? new Set(items) : items;
    }
    case "push": {
      const items = r.items.map((i) => expected(i, protocol));
      return protocol === 3 ? new RespPush(items) : items;
    }
    case "map": {
      if (protocol === 2) return r.pairs.flatMap(([key, v]) => [key, expected(v, 2)]);
      return new Map(r.pairs.map(([key, v]) => [key, expected(v, 3)]));
    }
  }
}

function collectDoubles(r: Reply, out: number[]): number[] {
  if (r.k === "double") out.push(r.d);
  if (r.k === "array" || r.k === "set" || r.k === "push") {
    r.items.forEach((i) => collectDoubles(i, out));
  }
  if (r.k === "map") r.pairs.forEach(([, v]) => collectDoubles(v, out));
  return out;
}

Deno.test("property: writer output decodes back to the values written (RESP2 and RESP3)", () => {
  fc.assert(
    fc.property(fc.array(reply, { minLength: 1, maxLength: 5 }), fc.nat(), (replies, cut) => {
      for (const protocol of [2, 3] as const) {
        const w = new RespWriter(64);
        w.protocol = protocol;
        for (const r of replies) write(w, r);
        const buf = w.bytes().slice();
        let p = 0;
        for (const r of replies) {
          const d = decodeFrame(buf, p);
          assert.notEqual(d.length, NEED_MORE);
          assert.deepEqual(d.value, expected(r, protocol));
          // Any cut inside the frame leaves it incomplete.
          const inside = p + (cut % d.length);
          assert.equal(decodeFrame(buf, p, inside).length, NEED_MORE);
          p += d.length;
        }
        assert.equal(p, buf.length);
      }
    }),
    { numRuns: 500 },
  );
});

Deno.test("property: doubles written as text read back as the same double", () => {
  fc.assert(
    fc.property(fc.double(), (d) => {
      const text = formatDouble(d);
      assert.match(text, /^(-?inf|nan|-?\d+(\.\d+)?(e[+-]\d{2,3})?)$/);
      const back = text === "inf" ? Infinity : text === "-inf" ? -Infinity : Number(text);
      if (Number.isNaN(d)) assert.ok(Number.isNaN(back));
      else assert.equal(back, d); // -0 included: %.17g keeps the sign
      // And in a RESP3 frame.
      const w = new RespWriter(32);
      w.protocol = 3;
      w.double(d);
      const v = decodeFrame(w.bytes()).value;
      assert.deepEqual(v, Number.isNaN(d) ? NaN : back);
    }),
    { numRuns: 2000 },
  );
  // The generator reaches doubles inside trees too.
  assert.ok(collectDoubles({ k: "array", items: [{ k: "double", d: 1 }] }, []).length === 1);
});

Deno.test("differential: doubles are formatted as redis-server formats ZSCORE", async () => {
  if (!requireTool("redis-server")) return;
  await using redis = await spawnRedis();
  await using c = await redis.client();
  // -0 is left out: String(-0) is "0", and a listpack zset stores -0 as 0 anyway (the sorted-set
  // differential covers it).
  const doubles = fc.sample(fc.double({ noNaN: true }), { numRuns: 3000, seed: 42 })
    .filter((d) => !Object.is(d, -0));
  doubles.push(0, 0.1, 1 / 3, 1e17, 1e16, 123456789012345678, 1e-5, 5e-324, -1e-300, 2 ** 53);
  // Exact ties at the 17th significant digit.
  doubles.push(1631227397317815.2, -772817291193320.1);
  const pending: Promise<RespValue>[] = [];
  doubles.forEach((d, i) => {
    // String(d) is the shortest text that reads back as d, so Redis stores exactly d.
    pending.push(c.call("ZADD", "z", String(d), `m${i}`));
    pending.push(c.call("ZSCORE", "z", `m${i}`));
  });
  const replies = await Promise.all(pending);
  const wrong: string[] = [];
  doubles.forEach((d, i) => {
    const theirs = replies[i * 2 + 1];
    if (theirs !== formatDouble(d)) wrong.push(`${d}: redis ${theirs}, hakv ${formatDouble(d)}`);
  });
  assert.deepEqual(wrong.slice(0, 10), [], `${wrong.length} of ${doubles.length} differ`);
});
