import assert from "node:assert/strict";
import { globMatch } from "./glob.ts";

Deno.test("glob: * and ? match any run and any single char", () => {
  assert.ok(globMatch("h*llo", "hllo"));
  assert.ok(globMatch("h*llo", "heeeello"));
  assert.ok(globMatch("h?llo", "hello"));
  assert.ok(!globMatch("h?llo", "hllo"));
  assert.ok(globMatch("*", "anything"));
  assert.ok(globMatch("a*", "a"));
  assert.ok(globMatch("a**", "a"));
  assert.ok(globMatch("*a*", "bab"));
  assert.ok(!globMatch("*a", "ab"));
  assert.ok(!globMatch("abc", "abcd"));
  assert.ok(!globMatch("abcd", "abc"));
});

Deno.test("glob: an empty string matches only the empty pattern, not even *", () => {
  assert.ok(globMatch("", ""));
  assert.ok(!globMatch("*", ""));
  assert.ok(!globMatch("**", ""));
  assert.ok(!globMatch("?", ""));
  assert.ok(!globMatch("", "a"));
});

Deno.test("glob: classes, negation and ranges", () => {
  assert.ok(globMatch("h[ae]llo", "hello"));
  assert.ok(globMatch("h[ae]llo", "hallo"));
  assert.ok(!globMatch("h[ae]llo", "hillo"));
  assert.ok(globMatch("h[^e]llo", "hallo"));
  assert.ok(!globMatch("h[^e]llo", "hello"));
  assert.ok(globMatch("h[a-b]llo", "hbllo"));
  assert.ok(!globMatch("h[a-b]llo", "hcllo"));
  // Reversed ranges are swapped.
  assert.ok(globMatch("[z-a]", "m"));
  // `[]` is an empty class that matches nothing; `[^]` matches anything.
  assert.ok(!globMatch("[]", "a"));
  assert.ok(globMatch("[^]", "a"));
});

Deno.test("glob: backslash escapes outside and inside classes", () => {
  assert.ok(globMatch("a\\*b", "a*b"));
  assert.ok(!globMatch("a\\*b", "axb"));
  assert.ok(globMatch("\\?", "?"));
  assert.ok(!globMatch("\\?", "x"));
  assert.ok(globMatch("[\\]]", "]"));
  assert.ok(globMatch("[\\-]", "-"));
  // A trailing backslash is a literal backslash.
  assert.ok(globMatch("a\\", "a\\"));
});

Deno.test("glob: malformed classes behave as in Redis", () => {
  // An unterminated class runs to the end of the pattern.
  assert.ok(globMatch("[abc", "b"));
  assert.ok(!globMatch("[abc", "bc"));
  assert.ok(!globMatch("[", "["));
  assert.ok(globMatch("[^", "x"));
  // `-]` at the end of a class makes `]` a range end, and the class stays open.
  assert.ok(globMatch("[a-]", "^"));
  assert.ok(!globMatch("[a-]x", "ax"));
});

Deno.test("glob: ranges compare chars as signed bytes, as Redis's C code does", () => {
  // [a-\xff] is [\xff-a] after the signed swap: it holds 0x00..0x61 and 0xff, not 0x80..0xfe.
  assert.ok(globMatch("[a-\xff]", "\x00"));
  assert.ok(globMatch("[a-\xff]", "\xff"));
  assert.ok(!globMatch("[a-\xff]", "\x90"));
  assert.ok(!globMatch("[a-\xff]", "b"));
});

Deno.test("glob: nocase folds ASCII letters but not escaped class members", () => {
  assert.ok(globMatch("HELLO*", "hello world", true));
  assert.ok(globMatch("[A-C]x", "bX", true));
  assert.ok(globMatch("\\A", "a", true));
  assert.ok(!globMatch("[\\A]", "a", true));
  assert.ok(globMatch("[\\A]", "A", true));
  // Redis swaps a range before lower-casing it: [Z-a] becomes the empty range z..a.
  assert.ok(!globMatch("[Z-a]", "z", true));
  assert.ok(globMatch("[Z-a]", "_"));
});

Deno.test("glob: pathological patterns finish in linear-ish time", () => {
  const long = "a".repeat(20_000);
  const nested = "a*".repeat(60) + "b";
  const start = performance.now();
  assert.ok(!globMatch(nested, long));
  assert.ok(!globMatch("*?".repeat(50_000) + "b", "a".repeat(200)));
  assert.ok(globMatch("*?".repeat(100), long));
  // A backtracking matcher takes years here; this one a few milliseconds. The bound only
  // turns a hang into a failure.
  assert.ok(performance.now() - start < 5000);
});
