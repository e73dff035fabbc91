// Glob-style matching as Redis's KEYS, SCAN MATCH and CONFIG GET use it: `*`, `?`, `[abc]`,
// `[^a-z]`, and `\` escapes, with Redis's quirks for malformed patterns (an unterminated class
// runs to the end of the pattern, a trailing `\` is literal, ranges compare signed chars).
// Every element but `*` consumes exactly one char, so one backtrack point (the last `*`) is
// enough: hostile patterns (`a*a*a*...b`, `*?*?...`) cost O(pattern × string), not exponential.

/** Whether binary string `s` matches `pattern` (Redis's stringmatchlen). */
export function globMatch(pattern: string, s: string, nocase = false): boolean {
  const plen = pattern.length;
  const slen = s.length;
  // Redis never enters its loop for an empty string: only the empty pattern matches it
  // (even `*` does not; callers short-cut a lone `*` as Redis's callers do).
  if (slen === 0) return plen === 0;
  let p = 0;
  let i = 0;
  let starP = -1;
  let starI = 0;
  while (i < slen) {
    if (p < plen) {
      if (pattern.charCodeAt(p) === 42) { // '*': collapse runs, remember the backtrack point
        while (p < plen && pattern.charCodeAt(p) === 42) p++;
        if (p === plen) return true;
        starP = p;
        starI = i;
        continue;
      }
      const step = matchOne(pattern, p, s.charCodeAt(i), nocase);
      if (step > 0) {
        p += step;
        i++;
        continue;
      }
    }
    if (starP < 0) return false;
    // Let the last `*` swallow one more char and retry the rest from there.
    starI++;
    i = starI;
    p = starP;
  }
  while (p < plen && pattern.charCodeAt(p) === 42) p++;
  return p === plen;
}

/** C's tolower in the C locale. */
function lower(c: number): number {
  return c >= 65 && c <= 90 ? c + 32 : c;
}

/** A byte as C's signed char, as Redis's range comparisons see it. */
function signed(c: number): number {
  return c > 127 ? c - 256 : c;
}

/**
 * Matches the pattern element at `p` against char `c`. Returns the element's length in the
 * pattern if it matches, 0 if not.
 */
function matchOne(pattern: string, p: number, c: number, nocase: boolean): number {
  const pc = pattern.charCodeAt(p);
  if (pc === 63) return 1; // '?'
  if (pc === 91) return matchClass(pattern, p, c, nocase); // '['
  let step = 1;
  let lit = pc;
  if (pc === 92 && p + 1 < pattern.length) { // '\x'; a trailing '\' is literal
    lit = pattern.charCodeAt(p + 1);
    step = 2;
  }
  if (nocase) return lower(lit) === lower(c) ? step : 0;
  return lit === c ? step : 0;
}

/** `[...]` at `p`. Returns the class's length (with its `]`, if any) when it matches, else 0. */
function matchClass(pattern: string, p: number, c: number, nocase: boolean): number {
  const plen = pattern.length;
  let q = p + 1;
  const not = q < plen && pattern.charCodeAt(q) === 94; // '^'
  if (not) q++;
  let match = false;
  while (q < plen) {
    const ch = pattern.charCodeAt(q);
    if (ch === 92 && q + 1 < plen) {
      // An escaped char compares exactly, even when matching without case (as Redis does).
      q++;
      if (pattern.charCodeAt(q) === c) match = true;
    } else if (ch === 93) { // ']'
      break;
    } else if (q + 2 < plen && pattern.charCodeAt(q + 1) === 45) { // 'a-z'
      let start = signed(ch);
      let end = signed(pattern.charCodeAt(q + 2));
      let sc = signed(c);
      if (start > end) [start, end] = [end, start];
      if (nocase) {
        start = lower(start);
        end = lower(end);
        sc = lower(sc);
      }
      if (sc >= start && sc <= end) match = true;
      q += 2;
    } else if (nocase ? lower(ch) === lower(c) : ch === c) {
      match = true;
    }
    q++;
  }
  if (not) match = !match;
  if (!match) return 0;
  // An unterminated class runs to the end of the pattern.
  return (q < plen ? q + 1 : q) - p;
}
