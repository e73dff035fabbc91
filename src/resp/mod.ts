// The RESP codec shared by every role: request parsing (server side), frame decoding (client
// side) and reply encoding.
export {
  concatBytes,
  fromLatin1,
  latin1,
  latin1ToUtf8,
  utf8ToLatin1,
  writeLatin1,
} from "../_util/binary.ts";
export { Argv, BIG_ARG, INLINE_MAX, RequestParser, splitArgs } from "./request.ts";
export type { RequestLimits } from "./request.ts";
export {
  decodeFrame,
  encodeCommand,
  NEED_MORE,
  RespError,
  RespProtocolError,
  RespPush,
  RespVerbatim,
} from "./decoder.ts";
export type { Decoded, RespValue } from "./decoder.ts";
export { formatDouble, formatG17, RespWriter } from "./writer.ts";
export type { Protocol } from "./writer.ts";
