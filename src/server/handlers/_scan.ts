// What SCAN, HSCAN, SSCAN and ZSCAN share: the cursor argument, the COUNT / MATCH (/ TYPE)
// options with Redis's errors, and the `[cursor, items]` reply.
import { globMatch } from "../../engine/glob.ts";
import { parseScanCursor, type ScanStep } from "../../engine/scan.ts";
import type { Argv } from "../../resp/mod.ts";
import type { Client } from "../client.ts";
import type { Server } from "../server.ts";
import { INVALID_CURSOR, NOT_INTEGER, SYNTAX } from "../errors.ts";
import { intArg } from "./_args.ts";

export interface ScanOptions {
  count: number;
  /** null: every element. */
  pattern: string | null;
  /** SCAN's TYPE, as given (lower case); null when absent. */
  type: string | null;
}

/**
 * The options from argument `from` on, or null after replying the error. TYPE is accepted only
 * with `withType` (SCAN). The collection commands parse them once the key is known to exist
 * with the right type, as Redis does.
 */
export function scanOptions(
  c: Client,
  argv: Argv,
  from: number,
  withType = false,
): ScanOptions | null {
  let count = 10;
  let pattern: string | null = null;
  let type: string | null = null;
  for (let i = from; i < argv.length; i += 2) {
    const hasValue = i + 1 < argv.length;
    if (argv.is(i, "count") && hasValue) {
      const n = intArg(argv, i + 1);
      if (n === null) {
        c.w.error(NOT_INTEGER);
        return null;
      }
      if (n < 1) {
        c.w.error(SYNTAX);
        return null;
      }
      count = n;
    } else if (argv.is(i, "match") && hasValue) {
      const p = argv.str(i + 1);
      pattern = p === "*" ? null : p;
    } else if (withType && argv.is(i, "type") && hasValue) {
      type = argv.lower(i + 1);
    } else {
      c.w.error(SYNTAX);
      return null;
    }
  }
  return { count, pattern, type };
}

/** One step of a scan over a big collection's Map (one segment), MATCH applied. */
export function scanMap(
  server: Server,
  cursor: bigint,
  map: Map<string, unknown>,
  options: ScanOptions,
): ScanStep<string> {
  const pattern = options.pattern;
  return server.scans.scan(
    cursor,
    1,
    (i) => (i === 0 ? map : undefined),
    options.count,
    (key) => pattern === null || globMatch(pattern, key),
  );
}

/** The cursor argument, or null after replying Redis's error. */
export function scanCursor(c: Client, argv: Argv, i: number): bigint | null {
  const cursor = parseScanCursor(argv.str(i));
  if (cursor === null) c.w.error(INVALID_CURSOR);
  return cursor;
}

/** The reply to a SCAN-family command on a missing key: cursor 0, nothing. */
export function replyEmptyScan(c: Client): void {
  c.w.array(2);
  c.w.bulk("0");
  c.w.array(0);
}

/** Writes `[cursor, items]`, keeping `items[i]` (and, with `pairs`, the value after it) that match. */
export function replyScan(
  c: Client,
  cursor: bigint,
  items: readonly string[],
  pattern: string | null,
  pairs: boolean,
): void {
  const step = pairs ? 2 : 1;
  let n = items.length;
  if (pattern !== null) {
    n = 0;
    for (let i = 0; i < items.length; i += step) if (globMatch(pattern, items[i]!)) n += step;
  }
  c.w.array(2);
  c.w.bulk(cursor === 0n ? "0" : String(cursor));
  c.w.array(n);
  for (let i = 0; i < items.length; i += step) {
    if (pattern !== null && !globMatch(pattern, items[i]!)) continue;
    c.w.bulk(items[i]!);
    if (pairs) c.w.bulk(items[i + 1]!);
  }
}
