// The RDB file format's constants (Redis 7.0 writes version 10): the magic, opcodes, value type
// codes and the special string encodings. Shared by rdb_writer.ts and rdb_reader.ts.

/** "REDIS" followed by the version as four ASCII digits. */
export const RDB_MAGIC = "REDIS";
/** The version Redis 7.0 writes. */
export const RDB_VERSION = 10;
/** Oldest version whose string-only layout this reader handles. */
export const RDB_MIN_VERSION = 1;
/** First version that ends with an 8-byte CRC-64 after EOF. */
export const RDB_CHECKSUM_VERSION = 5;

// Opcodes: a byte where a value type is expected, introducing something that is not a key.
/** Function library (Redis 7.0 FUNCTION2). */
export const RDB_OPCODE_FUNCTION2 = 0xf5;
/** Function library, pre-release 7.0 form. */
export const RDB_OPCODE_FUNCTION = 0xf6;
/** Module auxiliary data. */
export const RDB_OPCODE_MODULE_AUX = 0xf7;
/** LRU idle time of the next key (a length, seconds). */
export const RDB_OPCODE_IDLE = 0xf8;
/** LFU frequency of the next key (one byte). */
export const RDB_OPCODE_FREQ = 0xf9;
/** An auxiliary field: two strings, key and value. */
export const RDB_OPCODE_AUX = 0xfa;
/** Hash table size hints for the current db: two lengths, keys and keys with expiry. */
export const RDB_OPCODE_RESIZEDB = 0xfb;
/** Expiry of the next key: 8-byte little-endian unix time in milliseconds. */
export const RDB_OPCODE_EXPIRETIME_MS = 0xfc;
/** Expiry of the next key: 4-byte little-endian unix time in seconds (old files). */
export const RDB_OPCODE_EXPIRETIME = 0xfd;
/** Switch to a db: one length. */
export const RDB_OPCODE_SELECTDB = 0xfe;
/** End of the data; an 8-byte checksum follows from version 5 on. */
export const RDB_OPCODE_EOF = 0xff;

// Value type codes.
export const RDB_TYPE_STRING = 0;
export const RDB_TYPE_LIST = 1;
export const RDB_TYPE_SET = 2;
export const RDB_TYPE_ZSET = 3;
export const RDB_TYPE_HASH = 4;
export const RDB_TYPE_ZSET_2 = 5;
export const RDB_TYPE_MODULE = 6;
export const RDB_TYPE_MODULE_2 = 7;
export const RDB_TYPE_HASH_ZIPMAP = 9;
export const RDB_TYPE_LIST_ZIPLIST = 10;
export const RDB_TYPE_SET_INTSET = 11;
export const RDB_TYPE_ZSET_ZIPLIST = 12;
export const RDB_TYPE_HASH_ZIPLIST = 13;
export const RDB_TYPE_LIST_QUICKLIST = 14;
export const RDB_TYPE_STREAM_LISTPACKS = 15;
export const RDB_TYPE_HASH_LISTPACK = 16;
export const RDB_TYPE_ZSET_LISTPACK = 17;
export const RDB_TYPE_LIST_QUICKLIST_2 = 18;
export const RDB_TYPE_STREAM_LISTPACKS_2 = 19;

// Quicklist 2 node containers (RDB_TYPE_LIST_QUICKLIST_2).
/** The node is one element stored as a plain string (large items). */
export const QUICKLIST_NODE_PLAIN = 1;
/** The node is a listpack of elements. */
export const QUICKLIST_NODE_PACKED = 2;

// Length encoding: the top two bits of the first byte.
/** 00xxxxxx: a 6-bit length. */
export const RDB_6BITLEN = 0;
/** 01xxxxxx xxxxxxxx: a 14-bit big-endian length. */
export const RDB_14BITLEN = 1;
/** 0x80 then a 32-bit big-endian length. */
export const RDB_32BITLEN = 0x80;
/** 0x81 then a 64-bit big-endian length. */
export const RDB_64BITLEN = 0x81;
/** 11xxxxxx: not a length but a special string encoding in the low six bits. */
export const RDB_ENCVAL = 3;

// Special string encodings (the byte is 0xC0 | encoding).
/** A signed 8-bit integer follows. */
export const RDB_ENC_INT8 = 0;
/** A signed 16-bit little-endian integer follows. */
export const RDB_ENC_INT16 = 1;
/** A signed 32-bit little-endian integer follows. */
export const RDB_ENC_INT32 = 2;
/** Compressed length, original length, then LZF data. */
export const RDB_ENC_LZF = 3;

/** Redis only tries LZF on strings longer than this. */
export const RDB_LZF_MIN_LENGTH = 20;
/** Longest string that may be a canonical 32-bit integer ("-2147483648"). */
export const RDB_INT_MAX_LENGTH = 11;
