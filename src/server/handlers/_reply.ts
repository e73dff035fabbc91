// The one limit on how big a single reply may get. Commands whose reply size comes from the
// client's count rather than from stored data (SRANDMEMBER, HRANDFIELD and ZRANDMEMBER with
// repeats) could otherwise be asked for ±2^63 elements: Redis 7.0 accepts such counts and
// streams picks into an unlimited output buffer until the kernel kills it. hakv drops the one
// client instead, as an output-buffer-limit disconnection would, and keeps every key.
import type { Client } from "../client.ts";
import type { Server } from "../server.ts";

/** At most this many elements (about 300 MB of RESP for short members) in one such reply. */
export const MAX_REPLY_ELEMENTS = 2 ** 25;

/** Drops `c`, with a log line, when a reply of `elements` entries passes the limit. */
export function refuseHugeReply(c: Client, server: Server, elements: number): boolean {
  if (elements <= MAX_REPLY_ELEMENTS) return false;
  server.log.warning(
    `Client id=${c.id} closed: a reply of ${elements} elements cannot be held in memory.`,
  );
  c.w.reset();
  c.kill();
  return true;
}
