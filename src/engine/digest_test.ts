// The dataset and value digests: the JS SHA1 against node:crypto, vectors taken from
// redis-server 7.0.15, independence from insertion order and encoding, and sensitivity to
// every change (tests/digest_diff_test.ts compares whole datasets against redis-server).
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { datasetDigest, type DigestOptions, EMPTY_DIGEST, sha1Hex, valueDigest } from "./digest.ts";
import { HashValue } from "./hash.ts";
import { Keyspace } from "./keyspace.ts";
import { ListValue } from "./list.ts";
import { SetValue } from "./set.ts";
import { MutableString, type Value } from "./values.ts";
import { ZSetValue } from "./zset.ts";

// %.17g for the scores used here (the server passes Redis's formatter).
const OPTIONS: DigestOptions = {
  scoreText: (d) => (Number.isInteger(d) ? String(d) : d.toPrecision(17).replace(/0+$/, "")),
};
const HASH_LIMITS = { maxEntries: 128, maxValue: 64 };
const Z_LIMITS = { entries: 128, value: 64 };

function keyspace(shards = 4): Keyspace {
  return new Keyspace({ shards, databases: 16 });
}

function digestOf(v: Value, ttl = false): string {
  return valueDigest(v, { ttl, ...OPTIONS });
}

function hashOf(pairs: string[], limits = HASH_LIMITS): HashValue {
  const h = new HashValue();
  for (let i = 0; i < pairs.length; i += 2) h.set(pairs[i]!, pairs[i + 1]!, limits);
  return h;
}

function zsetOf(pairs: [string, number][]): ZSetValue {
  const z = new ZSetValue();
  for (const [m, s] of pairs) z.insertNew(m, s, Z_LIMITS);
  return z;
}

function binary(n: number, seed: number): string {
  let out = "";
  for (let i = 0; i < n; i++) out += String.fromCharCode((i * 131 + seed * 7) & 255);
  return out;
}

Deno.test("digest: SHA1 agrees with node:crypto at every block boundary", () => {
  const lengths = [0, 1, 3, 4, 19, 20, 55, 56, 57, 63, 64, 65, 119, 120, 128, 1000];
  for (const n of [...lengths, 16383, 16384, 70000]) {
    const s = binary(n, n);
    const want = createHash("sha1").update(s, "latin1").digest("hex");
    assert.equal(sha1Hex(s), want, `string of ${n}`);
    assert.equal(sha1Hex(Uint8Array.from(s, (c) => c.charCodeAt(0))), want, `bytes of ${n}`);
  }
});

Deno.test("digest: vectors from redis-server 7.0.15", () => {
  const ks = keyspace();
  assert.equal(datasetDigest(ks, OPTIONS), EMPTY_DIGEST);
  ks.db(0).set("a", "hello");
  // redis-cli SET a hello; DEBUG DIGEST; DEBUG DIGEST-VALUE a
  assert.equal(datasetDigest(ks, OPTIONS), "7bba0c6c0ba7cf343554878a513cce31a28c4abb");
  assert.equal(digestOf("hello"), "36b23a1456b2dce2c3ed252c456761301dba8060");
  // ZADD z 1.1 m: the score is digested as %.17g's "1.1000000000000001"
  assert.equal(digestOf(zsetOf([["m", 1.1]])), "649ee5c3a4599e0c89f52fb0a43d19459e57f9a4");
});

Deno.test("digest: an empty database adds nothing; emptied databases digest as empty", () => {
  const ks = keyspace();
  ks.db(3).set("k", "v");
  ks.db(3).delete("k");
  assert.equal(datasetDigest(ks, OPTIONS), EMPTY_DIGEST);
});

Deno.test("digest: insertion order of keys, shards and unordered members does not matter", () => {
  const keys = Array.from({ length: 200 }, (_, i) => `key:${i}`);
  const a = keyspace(1);
  const b = keyspace(8);
  for (const k of keys) a.db(2).set(k, k.toUpperCase());
  for (const k of keys.slice().reverse()) b.db(2).set(k, k.toUpperCase());
  assert.equal(datasetDigest(a, OPTIONS), datasetDigest(b, OPTIONS));

  assert.equal(digestOf(SetValue.from(["a", "b", "c"])), digestOf(SetValue.from(["c", "a", "b"])));
  assert.equal(digestOf(SetValue.from(["3", "1", "2"])), digestOf(SetValue.from(["1", "2", "3"])));
  assert.equal(
    digestOf(hashOf(["f1", "v1", "f2", "v2"])),
    digestOf(hashOf(["f2", "v2", "f1", "v1"])),
  );
  assert.equal(
    digestOf(zsetOf([["a", 1], ["b", 2.5]])),
    digestOf(zsetOf([["b", 2.5], ["a", 1]])),
  );
});

Deno.test("digest: the encoding does not matter, only the contents", () => {
  const intset = SetValue.from(["1", "2", "3"]);
  const table = SetValue.from(["1", "2", "3", "x"]);
  table.remove("x");
  assert.equal(intset.encoding(), "intset");
  assert.equal(table.encoding(), "hashtable");
  assert.equal(digestOf(intset), digestOf(table));

  const packed = hashOf(["a", "1", "b", "2"]);
  const big = hashOf(["a", "1", "b", "2"], { maxEntries: 0, maxValue: 0 });
  assert.equal(packed.encoding(), "listpack");
  assert.equal(big.encoding(), "hashtable");
  assert.equal(digestOf(packed), digestOf(big));

  const small = zsetOf([["a", 1], ["b", 0.1], ["c", -Infinity]]);
  const skip = zsetOf([["a", 1], ["b", 0.1], ["c", -Infinity]]);
  skip.toBig();
  assert.equal(skip.encoding(), "skiplist");
  assert.equal(digestOf(small), digestOf(skip));

  const edited = new MutableString("hello world");
  assert.equal(digestOf(edited), digestOf("hello world"));
});

Deno.test("digest: any change gives a different digest", () => {
  const base = (): Keyspace => {
    const ks = keyspace();
    const db = ks.db(0);
    db.set("s", "value");
    db.set("l", ListValue.from(["a", "b", "c"]));
    db.set("set", SetValue.from(["x", "y"]));
    db.set("h", hashOf(["f", "v", "g", "w"]));
    db.set("z", zsetOf([["m", 1], ["n", 2]]));
    ks.db(1).set("other", "1");
    return ks;
  };
  const seen = new Map<string, string>();
  const record = (label: string, ks: Keyspace) => {
    const d = datasetDigest(ks, OPTIONS);
    assert.ok(!seen.has(d), `${label} digests as ${seen.get(d)}`);
    seen.set(d, label);
  };
  record("base", base());
  const changes: Record<string, (ks: Keyspace) => void> = {
    "string value": (ks) => ks.db(0).set("s", "valuf"),
    "key name": (ks) => {
      ks.db(0).delete("s");
      ks.db(0).set("t", "value");
    },
    "list order": (ks) => ks.db(0).set("l", ListValue.from(["b", "a", "c"])),
    "list item": (ks) => ks.db(0).set("l", ListValue.from(["a", "b", "c", ""])),
    "set member": (ks) => ks.db(0).set("set", SetValue.from(["x", "y", "z"])),
    "hash value": (ks) => ks.db(0).set("h", hashOf(["f", "v", "g", "x"])),
    "hash pairs swapped": (ks) => ks.db(0).set("h", hashOf(["f", "w", "g", "v"])),
    "zset score": (ks) => ks.db(0).set("z", zsetOf([["m", 1], ["n", 2.5]])),
    "zset member": (ks) => ks.db(0).set("z", zsetOf([["m", 1], ["o", 2]])),
    "a TTL": (ks) => ks.db(0).setExpire("s", Date.now() + 100_000),
    "another database": (ks) => {
      ks.db(1).delete("other");
      ks.db(2).set("other", "1");
    },
    "a type with the same contents": (ks) => ks.db(0).set("s", ListValue.from(["value"])),
    "a key removed": (ks) => ks.db(0).delete("set"),
  };
  for (const [label, change] of Object.entries(changes)) {
    const ks = base();
    change(ks);
    record(label, ks);
  }
});

Deno.test("digest: a value's digest ignores the key name but not its TTL", () => {
  assert.equal(digestOf("v"), digestOf("v"));
  assert.notEqual(digestOf("v"), digestOf("v", true));
  assert.notEqual(digestOf("1"), digestOf(ListValue.from(["1"])));
  assert.notEqual(digestOf(SetValue.from(["a"])), digestOf(zsetOf([["a", 0]])));
  // A pair digest is ordered: field and value do not commute.
  assert.notEqual(digestOf(hashOf(["a", "b"])), digestOf(hashOf(["b", "a"])));
});
