import assert from "node:assert/strict";
import fc from "fast-check";
import { add, formatHuman, isFinite, parseLongDouble } from "./long_double.ts";

function sum(a: string, b: string): string {
  const x = parseLongDouble(a);
  const y = parseLongDouble(b);
  assert.ok(x !== null && y !== null, `${a} + ${b}`);
  const s = add(x, y);
  return isFinite(s) ? formatHuman(s) : "overflow";
}

Deno.test("long double sums print like Redis's INCRBYFLOAT", () => {
  // Each expected value was read from redis-server 7.0 (x87 long double arithmetic).
  assert.equal(sum("10.5", "0.1"), "10.6");
  assert.equal(sum("10.6", "5.0e3"), "5010.60000000000000009");
  assert.equal(sum("0", "0.000003814697265625"), "0.00000381469726562"); // tie to even
  assert.equal(sum("0", "0.000003814697265675"), "0.00000381469726568");
  assert.equal(sum("0", "123456789012345678901234567890"), "123456789012345678899921813504");
  assert.equal(sum("0", "-5e-18"), "0");
  assert.equal(sum("0", "-5.1e-18"), "-0.00000000000000001");
  assert.equal(sum("0", "0x1.8p1"), "3");
  assert.equal(sum("-0", "-0"), "0");
  assert.equal(sum("1.18973149535723176502e+4932", "1.18973149535723176502e+4932"), "overflow");
  assert.ok(sum("0", "1e400").startsWith("10000000000000000000281880683947586514586453"));
});

Deno.test("parseLongDouble accepts what strtold reads in full and nothing else", () => {
  for (const ok of [".5", "5.", "+.5e+2", "0x1.", "0X.8P-1", "00012", "-0", "1e0000005", "inf"]) {
    assert.notEqual(parseLongDouble(ok), null, ok);
  }
  for (
    const bad of [
      "",
      ".",
      "0x",
      "0x1p",
      "1e",
      "1e+",
      " 1",
      "1 ",
      "nan",
      "infin",
      "--1",
      "1_0",
      "1\x00",
      "1e5000",
      "1e-5000",
      "1.8e-4951", // rounds to zero
      "1".repeat(5120),
    ]
  ) {
    assert.equal(parseLongDouble(bad), null, JSON.stringify(bad));
  }
  // The smallest subnormal's half rounds to zero (refused); just above it rounds up.
  assert.equal(parseLongDouble("1.8225997659412373012e-4951"), null);
  assert.notEqual(parseLongDouble("1.8225997659412373013e-4951"), null);
});

Deno.test("integers below 2^64 survive a parse and print exactly", () => {
  fc.assert(
    fc.property(fc.bigInt(-(2n ** 64n) + 1n, 2n ** 64n - 1n), (n) => {
      assert.equal(sum("0", n.toString()), n.toString());
    }),
  );
});

Deno.test("adding zero leaves a value's printed form unchanged", () => {
  fc.assert(
    fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (d) => {
      const once = sum("0", String(d));
      assert.equal(sum(once, "0"), once);
    }),
  );
});
