// Argument parsing shared by handlers, with Redis's rules and error texts.
import type { Argv } from "../../resp/mod.ts";
import { INT64_MAX, INT64_MIN, parseInt64, parseSafeInt } from "../../engine/values.ts";
import type { Client } from "../client.ts";
import { TIMEOUT_NEGATIVE, TIMEOUT_NOT_INTEGER } from "../errors.ts";

/** Argument i as an integer within the safe range, or null if it is not one. */
export function intArg(argv: Argv, i: number): number | null {
  const s = argv.str(i);
  const n = parseSafeInt(s);
  if (n !== null) return n;
  const big = parseInt64(s);
  if (big === null) return null;
  return Number(big);
}

/** Argument i as a 64-bit integer (bigint), or null. */
export function int64Arg(argv: Argv, i: number): bigint | null {
  return parseInt64(argv.str(i));
}

/**
 * Argument i as a timeout in whole milliseconds (WAIT, CLIENT PAUSE): the value, or null after
 * writing Redis's error for a non-integer or a negative one.
 */
export function msTimeoutArg(c: Client, argv: Argv, i: number): bigint | null {
  const ms = parseInt64(argv.str(i));
  if (ms === null) c.w.error(TIMEOUT_NOT_INTEGER);
  else if (ms < 0n) c.w.error(TIMEOUT_NEGATIVE);
  else return ms;
  return null;
}

/** Redis's string→long double rules for float arguments: no spaces, no "nan". */
export function floatArg(argv: Argv, i: number): number | null {
  return parseFloatStrict(argv.str(i));
}

export function parseFloatStrict(s: string): number | null {
  if (s.length === 0 || s.length > 5000) return null;
  if (/^\s|\s$/.test(s)) return null;
  const lower = s.toLowerCase();
  if (lower === "inf" || lower === "+inf" || lower === "infinity" || lower === "+infinity") {
    return Infinity;
  }
  if (lower === "-inf" || lower === "-infinity") return -Infinity;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(s)) {
    if (/^[+-]?0x[0-9a-f]+$/i.test(s)) return Number(s.replace(/^([+-]?)0x/i, "$10x"));
    return null;
  }
  const n = Number(s);
  return Number.isNaN(n) ? null : n;
}

export { INT64_MAX, INT64_MIN };
