// Error replies shared by many commands, with Redis 7.0's exact text.

export const WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value";
export const NOT_INTEGER = "ERR value is not an integer or out of range";
export const NOT_FLOAT = "ERR value is not a valid float";
export const SYNTAX = "ERR syntax error";
export const OVERFLOW = "ERR increment or decrement would overflow";
export const NOAUTH = "NOAUTH Authentication required.";
export const WRONGPASS = "WRONGPASS invalid username-password pair or user is disabled.";
export const NO_SUCH_KEY = "ERR no such key";
export const DB_OUT_OF_RANGE = "ERR DB index is out of range";
export const INVALID_EXPIRE = (cmd: string) => `ERR invalid expire time in '${cmd}' command`;
export const OFFSET_RANGE = "ERR offset is out of range";
export const BIT_OFFSET = "ERR bit offset is not an integer or out of range";
export const STRING_TOO_BIG = "ERR string exceeds maximum allowed size (proto-max-bulk-len)";
export const MAX_CLIENTS = "ERR max number of clients reached";

export const OUT_OF_RANGE_POSITIVE = "ERR value is out of range, must be positive";
export const NUMKEYS_POSITIVE = "ERR numkeys should be greater than 0";
export const INVALID_CURSOR = "ERR invalid cursor";
export const OUT_OF_RANGE = "ERR value is out of range";
export const TIMEOUT_NOT_FLOAT = "ERR timeout is not a float or out of range";
export const TIMEOUT_NEGATIVE = "ERR timeout is negative";
export const TIMEOUT_NOT_INTEGER = "ERR timeout is not an integer or out of range";
export const NAN_OR_INF = "ERR increment would produce NaN or Infinity";
export const COUNT_POSITIVE = "ERR count should be greater than 0";
export const LIMIT_NEGATIVE = "ERR LIMIT can't be negative";
export function arityError(fullName: string): string {
  return `ERR wrong number of arguments for '${fullName}' command`;
}

export function unknownSubcommand(sub: string, container: string): string {
  return `ERR unknown subcommand '${
    cString(sub).slice(0, 128)
  }'. Try ${container.toUpperCase()} HELP.`;
}

/** Redis formats these with `%s`, so each argument ends at its first NUL byte. */
function cString(s: string): string {
  const nul = s.indexOf("\0");
  return nul < 0 ? s : s.slice(0, nul);
}

/** Redis's reply to a command it does not know, quoting up to 128 bytes of its arguments. */
export function unknownCommand(name: string, args: readonly string[]): string {
  let list = "";
  for (const a of args) {
    if (list.length >= 128) break;
    list += `'${cString(a).slice(0, 128 - list.length)}' `;
  }
  return `ERR unknown command '${cString(name).slice(0, 128)}', with args beginning with: ${list}`;
}
