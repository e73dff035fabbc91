// The longest common subsequence of two string values (LCS): its length, the sequence itself
// and the matching ranges, walked back exactly as Redis walks its table so ties resolve to the
// same ranges. Redis keeps (n+1)*(m+1) 32-bit lengths; here two rows of lengths and one bit per
// cell (which way the walk goes on a mismatch) suffice, and inputs past a fixed cell budget are
// refused so one command cannot claim unbounded memory or time.
import type { Bytes } from "./bits.ts";

/**
 * Largest (n+1)*(m+1) accepted: 2^26 cells (two 8 KiB strings), 8 MiB of direction bits and
 * about a third of a second of work; past this one command would stall every client.
 */
export const MAX_LCS_CELLS = 2 ** 26;

export interface LcsMatch {
  readonly aStart: number;
  readonly aEnd: number;
  readonly bStart: number;
  readonly bEnd: number;
  readonly len: number;
}

export interface LcsOptions {
  /** Build the common sequence itself. */
  readonly sequence: boolean;
  /** Collect the matching ranges. */
  readonly ranges: boolean;
  /** Ranges shorter than this are left out (0 keeps all). */
  readonly minMatchLen: number;
}

export interface LcsResult {
  readonly len: number;
  /** The sequence as a binary string, when asked for. */
  readonly sequence: string;
  /** Matching ranges from the end of the strings backwards, when asked for. */
  readonly matches: readonly LcsMatch[];
}

function toBytes(src: Bytes): Uint8Array {
  if (typeof src !== "string") return src;
  const out = new Uint8Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = src.charCodeAt(i);
  return out;
}

/** True if the table for these lengths is within the budget. */
export function lcsFits(aLen: number, bLen: number): boolean {
  return (aLen + 1) * (bLen + 1) <= MAX_LCS_CELLS;
}

/** Computes the LCS; the caller checks `lcsFits` first. */
export function lcs(aSrc: Bytes, bSrc: Bytes, options: LcsOptions): LcsResult {
  const a = toBytes(aSrc);
  const b = toBytes(bSrc);
  const n = a.length;
  const m = b.length;
  const walk = options.sequence || options.ranges;
  // up[(i-1)*m + (j-1)] says LCS(i-1, j) > LCS(i, j-1): on a mismatch the walk moves up.
  const up = walk ? new Uint8Array(Math.ceil((n * m) / 8)) : null;
  let prev = new Uint32Array(m + 1);
  let cur = new Uint32Array(m + 1);
  for (let i = 1; i <= n; i++) {
    const ai = a[i - 1];
    const row = (i - 1) * m;
    for (let j = 1; j <= m; j++) {
      if (ai === b[j - 1]) cur[j] = prev[j - 1]! + 1;
      else {
        const l1 = prev[j]!;
        const l2 = cur[j - 1]!;
        if (l1 > l2) {
          cur[j] = l1;
          if (up !== null) {
            const k = row + j - 1;
            up[k >>> 3]! |= 1 << (k & 7);
          }
        } else cur[j] = l2;
      }
    }
    const t = prev;
    prev = cur;
    cur = t;
  }
  const len = n > 0 ? prev[m]! : 0;
  if (!walk || up === null) return { len, sequence: "", matches: [] };

  const seq = options.sequence ? new Uint8Array(len) : null;
  const matches: LcsMatch[] = [];
  let idx = len;
  let i = n;
  let j = m;
  // A range in progress has aStart < n; aStart === n means none.
  let aStart = n;
  let aEnd = 0;
  let bStart = 0;
  let bEnd = 0;
  while (i > 0 && j > 0) {
    let emit = false;
    if (a[i - 1] === b[j - 1]) {
      if (seq !== null) seq[idx - 1] = a[i - 1]!;
      if (aStart === n) {
        aStart = aEnd = i - 1;
        bStart = bEnd = j - 1;
      } else if (aStart === i && bStart === j) {
        aStart--;
        bStart--;
      } else emit = true;
      // A range touching the start of either string is complete.
      if (aStart === 0 || bStart === 0) emit = true;
      idx--;
      i--;
      j--;
    } else {
      const k = (i - 1) * m + (j - 1);
      if ((up[k >>> 3]! >> (k & 7)) & 1) i--;
      else j--;
      if (aStart !== n) emit = true;
    }
    if (emit) {
      const matchLen = aEnd - aStart + 1;
      if (options.ranges && (options.minMatchLen === 0 || matchLen >= options.minMatchLen)) {
        matches.push({ aStart, aEnd, bStart, bEnd, len: matchLen });
      }
      aStart = n;
    }
  }
  return { len, sequence: seq === null ? "" : binary(seq), matches };
}

function binary(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i += 8192) {
    out += String.fromCharCode(...bytes.subarray(i, Math.min(bytes.length, i + 8192)));
  }
  return out;
}
