// Parsing of config values as Redis writes them: memory sizes (1gb, 64mb, 100k), yes/no.

const UNITS: Record<string, number> = {
  "": 1,
  b: 1,
  k: 1000,
  kb: 1024,
  m: 1000 * 1000,
  mb: 1024 * 1024,
  g: 1000 * 1000 * 1000,
  gb: 1024 * 1024 * 1024,
};

/** Parses `1gb`, `100mb`, `64k`, `512` into bytes; null if malformed. */
export function parseMemory(text: string): number | null {
  const m = /^(-?\d+)([a-z]*)$/i.exec(text.trim());
  if (m === null) return null;
  const unit = UNITS[m[2]!.toLowerCase()];
  if (unit === undefined) return null;
  return Number(m[1]) * unit;
}

/** Parses yes/no; null if neither. */
export function parseBool(text: string): boolean | null {
  const t = text.toLowerCase();
  if (t === "yes") return true;
  if (t === "no") return false;
  return null;
}

/** Parses a decimal integer (no units); null if malformed. */
export function parseInteger(text: string): number | null {
  if (!/^-?\d+$/.test(text.trim())) return null;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : null;
}
