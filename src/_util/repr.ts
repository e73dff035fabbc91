// Redis's quoting of a string for MONITOR lines and config files (sdscatrepr): double quotes,
// C escapes for quotes, backslashes and control characters, \xHH for other unprintable bytes.

export interface ReprOptions {
  /**
   * `s` is text bound for a UTF-8 file (config rewriting): characters past ASCII are kept as
   * they are. By default `s` is a binary string and every byte above 126 is written as \xHH.
   */
  text?: boolean;
}

/** `s` in double quotes with Redis's escapes. */
export function repr(s: string, options: ReprOptions = {}): string {
  const text = options.text === true;
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 92) out += "\\\\";
    else if (c === 34) out += '\\"';
    else if (c === 10) out += "\\n";
    else if (c === 13) out += "\\r";
    else if (c === 9) out += "\\t";
    else if (c === 7) out += "\\a";
    else if (c === 8) out += "\\b";
    else if (c < 32 || c === 127 || (c > 126 && !text)) {
      out += "\\x" + c.toString(16).padStart(2, "0");
    } else out += s[i];
  }
  return out + '"';
}
