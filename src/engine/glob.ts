// Glob-style matching as Redis's KEYS, SCAN MATCH and CONFIG GET use it: `*`, `?`, `[abc]`,
// `[^a-z]`, and `\` escapes. Iterative with one backtrack point per `*`, so hostile patterns
// (`a*a*a*...b`) cost O(pattern × string) instead of exponential time.

/** Whether binary string `s` matches `pattern`. */
export function globMatch(pattern: string, s: string, nocase = false): boolean {
  if (pattern === "*") return true;
  let p = 0;
  let i = 0;
  let starP = -1;
  let starI = 0;
  const plen = pattern.length;
  const slen = s.length;
  while (i < slen) {
    if (p < plen) {
      const pc = pattern.charCodeAt(p);
      if (pc === 42) { // '*': collapse runs, remember the backtrack point
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
    starI++;
    i = starI;
    p = starP;
  }
  while (p < plen && pattern.charCodeAt(p) === 42) p++;
  return p === plen;
}

function fold(c: number, nocase: boolean): number {
  return nocase && c >= 65 && c <= 90 ? c + 32 : c;
}

/**
 * Matches one pattern element at `p` against char `c`. Returns the element's length in the
 * pattern if it matches, 0 if not.
 */
function matchOne(pattern: string, p: number, c: number, nocase: boolean): number {
  const plen = pattern.length;
  const pc = pattern.charCodeAt(p);
  if (pc === 63) return 1; // '?'
  if (pc === 92 && p + 1 < plen) { // '\x'
    return fold(pattern.charCodeAt(p + 1), nocase) === fold(c, nocase) ? 2 : 0;
  }
  if (pc === 91) return matchClass(pattern, p, c, nocase);
  return fold(pc, nocase) === fold(c, nocase) ? 1 : 0;
}

/** `[...]` classes; an unterminated class runs to the end of the pattern, as in Redis. */
function matchClass(pattern: string, p: number, c: number, nocase: boolean): number {
  const plen = pattern.length;
  let q = p + 1;
  const not = q < plen && pattern.charCodeAt(q) === 94;
  if (not) q++;
  let match = false;
  const fc = fold(c, nocase);
  while (q < plen) {
    let ch = pattern.charCodeAt(q);
    if (ch === 92 && q + 1 < plen) {
      q++;
      ch = pattern.charCodeAt(q);
      if (fold(ch, nocase) === fc) match = true;
    } else if (ch === 93) {
      break;
    } else if (q + 2 < plen && pattern.charCodeAt(q + 1) === 45) {
      let start = fold(ch, nocase);
      let end = fold(pattern.charCodeAt(q + 2), nocase);
      if (start > end) [start, end] = [end, start];
      if (fc >= start && fc <= end) match = true;
      q += 2;
    } else if (fold(ch, nocase) === fc) match = true;
    q++;
  }
  if (not) match = !match;
  // Length includes the closing ']' when present.
  const len = (q < plen ? q + 1 : q) - p;
  return match ? len : 0;
}
