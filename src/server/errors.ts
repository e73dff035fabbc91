// Error replies shared by many commands, with Redis 7.0's exact text.

export const WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value";
export const NOT_INTEGER = "ERR value is not an integer or out of range";
export const NOT_FLOAT = "ERR value is not a valid float";
export const SYNTAX = "ERR syntax error";
export { NOAUTH, WRONGPASS } from "../commands/errors.ts";
export const OVERFLOW = "ERR increment or decrement would overflow";
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
export { arityError, unknownCommand, unknownSubcommand } from "../commands/errors.ts";
