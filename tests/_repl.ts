// Helpers the replication tests share: INFO as a map, waiting for a replica's link, and waiting
// for master and replica to hold the same data (DEBUG DIGEST, which hakv computes as Redis does).
import assert from "node:assert/strict";
import { type RespClient, waitFor } from "./_harness.ts";
import { infoMap } from "../src/client/mod.ts";

/** One INFO section's fields. */
export async function info(c: RespClient, section = "replication"): Promise<Map<string, string>> {
  return infoMap(String(await c.call("INFO", section)));
}

/** Waits until the replica reports `master_link_status:up`. */
export async function linkUp(c: RespClient, ms = 20_000): Promise<void> {
  await waitFor(async () => (await info(c)).get("master_link_status") === "up", ms);
}

/**
 * Waits until both servers report the same DEBUG DIGEST and returns it; fails with both digests
 * when they never agree. `nonEmpty` also rejects the all-zero digest of two empty datasets.
 */
export async function sameDigest(
  a: RespClient,
  b: RespClient,
  options: { ms?: number; nonEmpty?: boolean } = {},
): Promise<string> {
  let last: unknown[] = [];
  try {
    await waitFor(async () => {
      last = await Promise.all([a.call("DEBUG", "DIGEST"), b.call("DEBUG", "DIGEST")]);
      return last[0] === last[1] && !(options.nonEmpty && last[0] === "0".repeat(40));
    }, options.ms ?? 10_000);
  } catch {
    assert.fail(`digests differ: master ${last[0]}, replica ${last[1]}`);
  }
  return String(last[0]);
}
