// Differential test for the string and bitmap commands: the same command sequences go to a
// spawned hakv and a spawned redis-server 7.0, and every reply must be identical. Sequences
// cover each command's options and errors by hand, then a seeded fuzzer mixes them at random.
import { rng } from "../src/_util/rng.ts";
import { type Arg, type Cmd, DiffPair } from "./_diff.ts";
import { requireTool, RespError } from "./_harness.ts";

/** TTL replies may differ by a second: the servers read their clocks a moment apart. */
const TTL_SLACK = { ttlSlack: 1 };

const BIN = "\x00\x01\x7f\x80\xfe\xff";

/** Hand-written sequences: every command, option and error path. */
const SCENARIOS: Record<string, Cmd[]> = {
  "SET options": [
    "SET k v",
    "GET k",
    "SET k v2 NX",
    "SET k v2 XX",
    "GET k",
    "SET n v NX",
    "SET m v XX",
    "GET m",
    "SET k v3 GET",
    "SET new v GET",
    "SET k v4 NX GET",
    "SET k2 v4 XX GET",
    "SET k v5 XX GET",
    "SET k v EX 100",
    "TTL k",
    "SET k v KEEPTTL",
    "TTL k",
    "SET k v",
    "TTL k",
    "SET k v PX 100000",
    "TTL k",
    "SET k v EX 10 EX 100",
    "TTL k",
    "SET k v EX abc EX 100",
    "TTL k",
    "SET k v EXAT 4102444800",
    "TTL k",
    "SET k v PXAT 4102444800000",
    "TTL k",
    "SET k v EXAT 1",
    "EXISTS k",
    "SET k v PXAT 1",
    "GET k",
    "SET k v ex 100 nx",
    "SET k v Ex 100 xX gEt",
    "SET k v KEEPTTL KEEPTTL",
    "SET k v NX NX",
    "SET k v GET GET",
    "SET k v NX XX",
    "SET k v XX NX",
    "SET k v PX 100 EX 10",
    "SET k v EX 10 PX 100",
    "SET k v EXAT 10 PXAT 100",
    "SET k v KEEPTTL EX 10",
    "SET k v EX 10 KEEPTTL",
    "SET k v EX",
    "SET k v EX abc foo",
    "SET k v EX abc",
    "SET k v EX 1.5",
    "SET k v EX 0",
    "SET k v EX -1",
    "SET k v PX 0",
    "SET k v EXAT 0",
    "SET k v PXAT -5",
    "SET k v EX 9223372036854775",
    "SET k v EX 9223372036854774",
    "SET k v EX 9223372036854",
    "SET k v EXAT 9223372036854775",
    "SET k v EXAT 9223372036854776",
    "SET k v PX 9223372036854775807",
    "SET k v PXAT 9223372036854775807",
    "SET k v PXAT 9223372036854775808",
    "SET k v PERSIST",
    "SET k v FOO",
    "SET k v GET EX -1",
    "SET k v GET EX abc",
    "SET",
    "SET k",
    ["SET", BIN, BIN],
    ["GET", BIN],
    ["SET", "", ""],
    ["GET", ""],
  ],
  "SETNX SETEX PSETEX": [
    "SETNX k v",
    "SETNX k w",
    "GET k",
    "SETEX k 100 v",
    "TTL k",
    "SETEX k 0 v",
    "SETEX k -1 v",
    "SETEX k abc v",
    "SETEX k 9223372036854775 v",
    "PSETEX k 100000 v",
    "TTL k",
    "PSETEX k 0 v",
    "PSETEX k -5 v",
    "PSETEX k 9223372036854775807 v",
    "SETEX k 100",
    "SETNX k",
    "PSETEX k",
  ],
  "MSET MGET MSETNX": [
    "MSET a 1 b 2 c 3",
    "MGET a b c d",
    "MSET a",
    "MSET a 1 b",
    "MSET a 1 a 2",
    "GET a",
    "MSETNX a 1 x 2",
    "GET x",
    "MSETNX x 1 y 2",
    "MGET x y",
    "MSETNX x 1 y",
    "MSETNX z",
    "MSETNX dup 1 dup 2",
    "GET dup",
    "MGET",
    "MGET nothing",
  ],
  "GETSET GETDEL GETEX": [
    "GETSET k v",
    "GETSET k w",
    "SET t v EX 100",
    "GETSET t w",
    "TTL t",
    "GETDEL t",
    "GETDEL t",
    "EXISTS t",
    "SET k v",
    "GETEX k",
    "GETEX k EX 100",
    "TTL k",
    "GETEX k PX 200000",
    "TTL k",
    "GETEX k EXAT 4102444800",
    "TTL k",
    "GETEX k PXAT 4102444800000",
    "TTL k",
    "GETEX k PERSIST",
    "TTL k",
    "GETEX k PERSIST PERSIST",
    "GETEX k EX 10 EX 100",
    "TTL k",
    "GETEX k PERSIST EX 10",
    "GETEX k EX 10 PERSIST",
    "GETEX k NX",
    "GETEX k XX",
    "GETEX k GET",
    "GETEX k KEEPTTL",
    "GETEX k EX",
    "GETEX k EX abc",
    "GETEX k EX 0",
    "GETEX k PX -1",
    "GETEX nokey EX abc",
    "GETEX nokey EX 0",
    "GETEX nokey FOO",
    "GETEX k EXAT 1",
    "EXISTS k",
    "SET k v",
    "GETEX k PXAT 1",
    "EXISTS k",
    "GETEX k EX 9223372036854775",
  ],
  "APPEND STRLEN": [
    "APPEND k abc",
    "APPEND k def",
    "GET k",
    "STRLEN k",
    "STRLEN nokey",
    "APPEND k ''",
    "GET k",
    ["APPEND", "k", ""],
    ["APPEND", "b", BIN],
    ["APPEND", "b", BIN],
    "GET b",
    "STRLEN b",
    "SET n 10",
    "APPEND n 5",
    "INCR n",
    "APPEND n x",
    "INCR n",
    "SET t v EX 100",
    "APPEND t w",
    "TTL t",
    "GET t",
  ],
  "INCR family": [
    "INCR k",
    "INCR k",
    "DECR k",
    "INCRBY k 10",
    "DECRBY k 20",
    "GET k",
    "INCRBY k abc",
    "INCRBY k 1.5",
    "INCRBY k ''",
    "DECRBY k 9223372036854775808",
    "DECRBY k -9223372036854775808",
    "INCRBY k -9223372036854775808",
    "SET m 9223372036854775806",
    "INCR m",
    "INCR m",
    "GET m",
    "SET m -9223372036854775807",
    "DECR m",
    "DECR m",
    "DECRBY m 1",
    "INCRBY m 9223372036854775807",
    "SET s foo",
    "INCR s",
    "SET s ' 1'",
    "INCR s",
    "SET s 01",
    "INCR s",
    "SET s -0",
    "INCR s",
    "SET s +1",
    "INCR s",
    "SET s 1.0",
    "INCR s",
    "SET s 99999999999999999999",
    "INCR s",
    "SET s 4611686018427387904",
    "INCRBY s 4611686018427387903",
    "INCRBY s 1",
    "SET t 5 EX 100",
    "INCR t",
    "TTL t",
    "INCR",
  ],
  INCRBYFLOAT: [
    "SET a 10.5",
    "INCRBYFLOAT a 0.1",
    "INCRBYFLOAT a 5.0e3",
    "INCRBYFLOAT a -5010.6",
    "INCRBYFLOAT a 1e400",
    "INCRBYFLOAT a -1e400",
    "INCRBYFLOAT b 3",
    "INCRBYFLOAT b 3.0",
    "INCRBYFLOAT b -6",
    "GET b",
    "INCRBYFLOAT c 0.1",
    "INCRBYFLOAT c 0.2",
    "INCRBYFLOAT c 0.3",
    "INCRBYFLOAT c 1.1e-17",
    "INCRBYFLOAT d 1.18973149535723176502e+4932",
    "INCRBYFLOAT d 1.18973149535723176502e+4932",
    "INCRBYFLOAT d -1.18973149535723176502e+4932",
    "INCRBYFLOAT e 0x1.8p1",
    "INCRBYFLOAT e 0X.8P-1",
    "INCRBYFLOAT e 0x",
    "INCRBYFLOAT e 0x1p",
    "INCRBYFLOAT e .5",
    "INCRBYFLOAT e 5.",
    "INCRBYFLOAT e .",
    "INCRBYFLOAT e +.5e+2",
    "INCRBYFLOAT e 1e",
    "INCRBYFLOAT e 1e+",
    "INCRBYFLOAT e inf",
    "INCRBYFLOAT e -Infinity",
    "INCRBYFLOAT e infin",
    "INCRBYFLOAT e nan",
    "INCRBYFLOAT e NaN(123)",
    "INCRBYFLOAT e 1e-5000",
    "INCRBYFLOAT e 1e5000",
    "INCRBYFLOAT e 0e-5000",
    "INCRBYFLOAT e 3e-4951",
    "INCRBYFLOAT e 1.8e-4951",
    "INCRBYFLOAT e -0",
    "INCRBYFLOAT e 00012",
    "INCRBYFLOAT e 1_0",
    "INCRBYFLOAT e 1,5",
    "INCRBYFLOAT e --1",
    ["INCRBYFLOAT", "e", " 1"],
    ["INCRBYFLOAT", "e", "1 "],
    ["INCRBYFLOAT", "e", ""],
    ["INCRBYFLOAT", "e", "2\x00junk"],
    ["INCRBYFLOAT", "e", "1".repeat(5119)],
    ["INCRBYFLOAT", "e", "1".repeat(5120)],
    "GET e",
    "INCRBYFLOAT f -5e-18",
    "INCRBYFLOAT f -5.1e-18",
    "INCRBYFLOAT g 0.000003814697265625",
    "INCRBYFLOAT g 123456789012345678901234567890",
    "INCRBYFLOAT h 9223372036854775807",
    "INCRBYFLOAT h 1",
    "SET i abc",
    "INCRBYFLOAT i 1",
    "SET i 1e5",
    "INCRBYFLOAT i 1",
    "SET i inf",
    "INCRBYFLOAT i 1",
    "SET t 1.5 EX 100",
    "INCRBYFLOAT t 1",
    "TTL t",
  ],
  "GETRANGE SUBSTR": [
    "SET k HelloWorld",
    "GETRANGE k 0 4",
    "GETRANGE k -3 -1",
    "GETRANGE k 0 -1",
    "GETRANGE k -1 -3",
    "GETRANGE k 5 2",
    "GETRANGE k 100 200",
    "GETRANGE k -100 100",
    "GETRANGE k -100 -50",
    "GETRANGE k 3 3",
    "GETRANGE k 9223372036854775807 -9223372036854775808",
    "GETRANGE k -9223372036854775807 -9223372036854775808",
    "GETRANGE k -9223372036854775808 -9223372036854775807",
    "GETRANGE k -9223372036854775808 9223372036854775807",
    "GETRANGE nokey 0 1",
    "GETRANGE nokey a 1",
    "GETRANGE k a 1",
    "GETRANGE k 0 b",
    "SUBSTR k 1 3",
    "SUBSTR k -2 -1",
    "SET e ''",
    "GETRANGE e 0 -1",
    "GETRANGE e 0 0",
    "SETRANGE m 2 ab",
    "GETRANGE m 0 -1",
    "GETRANGE m 1 2",
  ],
  SETRANGE: [
    "SETRANGE k 0 Hello",
    "SETRANGE k 6 World",
    "GET k",
    "SETRANGE k 1 a",
    "GET k",
    "SETRANGE k -1 a",
    "SETRANGE k a a",
    "SETRANGE k 1.5 a",
    "SETRANGE k 100 ''",
    ["SETRANGE", "k", "100", ""],
    ["SETRANGE", "new", "100", ""],
    "EXISTS new",
    ["SETRANGE", "k", "3", BIN],
    "GET k",
    "STRLEN k",
    "SETRANGE k 536870911 ''",
    "SETRANGE big 536870912 a",
    "SETRANGE big 9223372036854775807 a",
    "SETRANGE big 9223372036854775808 a",
    "SETRANGE big -9223372036854775808 a",
    "EXISTS big",
    "SET t abc EX 100",
    "SETRANGE t 1 X",
    "TTL t",
    "GET t",
    "SET n 123",
    "SETRANGE n 1 9",
    "INCR n",
  ],
  "LCS": [
    "SET a ohmytext",
    "SET b mynewtext",
    "LCS a b",
    "LCS a b LEN",
    "LCS a b IDX",
    "LCS a b IDX WITHMATCHLEN",
    "LCS a b IDX MINMATCHLEN 4 WITHMATCHLEN",
    "LCS a b IDX MINMATCHLEN 2",
    "LCS a b IDX MINMATCHLEN -5",
    "LCS a b IDX MINMATCHLEN 9223372036854775807",
    "LCS a b IDX LEN",
    "LCS a b LEN IDX",
    "LCS a b FOO",
    "LCS a b MINMATCHLEN",
    "LCS a b MINMATCHLEN x",
    "LCS a b LEN WITHMATCHLEN",
    "LCS a b WITHMATCHLEN",
    "LCS a b MINMATCHLEN 3",
    "LCS a nokey",
    "LCS a nokey IDX",
    "LCS nokey nokey2 LEN",
    "LCS b a IDX WITHMATCHLEN",
    "LCS a a IDX WITHMATCHLEN",
    "SET c aaaaa",
    "SET d aa",
    "LCS c d IDX WITHMATCHLEN",
    "LCS d c IDX WITHMATCHLEN",
    "SET e abcabcabc",
    "SET f cbacbacba",
    "LCS e f",
    "LCS e f IDX WITHMATCHLEN",
    "LCS f e IDX WITHMATCHLEN",
    ["SET", "g", BIN + "xyz" + BIN],
    ["SET", "h", "xy" + BIN + "zz"],
    "LCS g h",
    "LCS g h IDX WITHMATCHLEN",
    "LCS a",
  ],
  "SETBIT GETBIT": [
    "SETBIT k 7 1",
    "GET k",
    "SETBIT k 7 0",
    "SETBIT k 7 1",
    "GETBIT k 7",
    "GETBIT k 6",
    "GETBIT k 100",
    "GETBIT nokey 0",
    "SETBIT k 100 1",
    "STRLEN k",
    "GET k",
    "SETBIT k 1 2",
    "SETBIT k 1 -1",
    "SETBIT k 1 a",
    "SETBIT k a 1",
    "SETBIT k -1 1",
    "SETBIT k #1 1",
    "GETBIT k #1",
    "GETBIT k -1",
    "GETBIT k 4294967295",
    "GETBIT k 4294967296",
    "SETBIT k 4294967296 1",
    "SETBIT k 9223372036854775807 1",
    "GETBIT k 9223372036854775808",
    "SET s foobar",
    "GETBIT s 1",
    "GETBIT s 2",
    "SETBIT s 0 1",
    "GET s",
    "SET t a EX 100",
    "SETBIT t 0 1",
    "TTL t",
    "SET n 10",
    "SETBIT n 15 0",
    "GET n",
    "INCR n",
  ],
  BITCOUNT: [
    "SET k foobar",
    "BITCOUNT k",
    "BITCOUNT k 0 0",
    "BITCOUNT k 1 1",
    "BITCOUNT k 1 1 BYTE",
    "BITCOUNT k 5 30 BIT",
    "BITCOUNT k 1 1 bit",
    "BITCOUNT k -1 -1",
    "BITCOUNT k -2 -1 BIT",
    "BITCOUNT k -100 100",
    "BITCOUNT k -100 100 BIT",
    "BITCOUNT k 3 1",
    "BITCOUNT k -1 -2",
    "BITCOUNT k -1 -2 FOO",
    "BITCOUNT k 0 -1 FOO",
    "BITCOUNT k 0 -1 BIT x",
    "BITCOUNT k 1",
    "BITCOUNT k a b",
    "BITCOUNT k 0 b",
    "BITCOUNT k 9223372036854775807 -9223372036854775808",
    "BITCOUNT k -9223372036854775807 -9223372036854775808 BIT",
    "BITCOUNT k -9223372036854775808 9223372036854775807 BIT",
    "BITCOUNT nokey",
    "BITCOUNT nokey a b",
    "BITCOUNT nokey 1",
    "SET e ''",
    "BITCOUNT e",
    "BITCOUNT e 0 -1 BIT",
    ["SET", "b", BIN.repeat(40)],
    "BITCOUNT b",
    "BITCOUNT b 3 200",
    "BITCOUNT b 13 1501 BIT",
    "BITCOUNT b 3 4 BIT",
  ],
  BITPOS: [
    "SET k foobar",
    "BITPOS k 1",
    "BITPOS k 0",
    "BITPOS k 1 2",
    "BITPOS k 1 2 -1",
    "BITPOS k 1 7 15 BIT",
    "BITPOS k 0 7 15 BIT",
    "BITPOS k 1 2 BIT",
    "BITPOS k 2",
    "BITPOS k a",
    "BITPOS k -1",
    "BITPOS nokey 1",
    "BITPOS nokey 0",
    "BITPOS nokey 1 a b c d",
    "BITPOS nokey 2",
    "BITPOS k 1 a b c",
    "BITPOS k 1 0 a foo",
    "BITPOS k 1 0 -1 foo",
    "BITPOS k 1 0 1 2 3",
    "BITPOS k 1 0 -1 bit",
    "BITPOS k 1 0 -1 byte",
    "BITPOS k 1 -3",
    "BITPOS k 1 100",
    "BITPOS k 0 100",
    "BITPOS k 1 -9223372036854775808 9223372036854775807",
    ["SET", "ff", "\xff\xff\xff"],
    "BITPOS ff 0",
    "BITPOS ff 0 0",
    "BITPOS ff 0 1",
    "BITPOS ff 0 0 -1",
    "BITPOS ff 0 3 -1 BIT",
    "BITPOS ff 0 3 BIT",
    "BITPOS ff 1 3 5 BIT",
    "BITPOS ff 1 9 9 BIT",
    ["SET", "z", "\x00\x00\x00"],
    "BITPOS z 1",
    "BITPOS z 0",
    "BITPOS z 1 0 -1",
    "BITPOS z 0 5 20 BIT",
    "BITPOS z 1 5 20 BIT",
    ["SET", "m", "\x00\x00\x01\x80"],
    "BITPOS m 1",
    "BITPOS m 1 3",
    "BITPOS m 1 24",
    "BITPOS m 1 24 BIT",
    "BITPOS m 1 24 30 BIT",
    "BITPOS m 1 24 31 BIT",
    "BITPOS m 0 23 24 BIT",
    "BITPOS m 0 31 31 BIT",
    "BITPOS m 0 24 24 BIT",
    "SET e ''",
    "BITPOS e 0",
    "BITPOS e 1",
    "BITPOS e 0 0 -1",
  ],
  BITOP: [
    "SET a abc",
    "SET b bcde",
    "BITOP AND d a b",
    "GET d",
    "BITOP OR d a b",
    "GET d",
    "BITOP XOR d a b",
    "GET d",
    "BITOP NOT d a",
    "GET d",
    "BITOP and d a nokey",
    "GET d",
    "BITOP or d nokey nokey2",
    "EXISTS d",
    "SET d x EX 100",
    "BITOP OR d a",
    "TTL d",
    "BITOP FOO d a",
    "BITOP NOT d a b",
    "BITOP NOT d",
    "BITOP AND d",
    "BITOP XOR d a a",
    "GET d",
    "SET e ''",
    "BITOP OR d e",
    "EXISTS d",
    ["SET", "bin", BIN],
    "BITOP NOT d bin",
    "GET d",
    "BITOP AND d bin a b",
    "GET d",
  ],
  BITFIELD: [
    "BITFIELD k",
    "BITFIELD k GET u8 0",
    "EXISTS k",
    "BITFIELD k SET u8 0 255 GET u8 0 GET i8 0",
    "BITFIELD k GET u8",
    "BITFIELD k GET U8 0",
    "BITFIELD k GET u64 0",
    "BITFIELD k GET i65 0",
    "BITFIELD k GET i0 0",
    "BITFIELD k GET u0 0",
    "BITFIELD k GET x8 0",
    "BITFIELD k GET u08 0",
    "BITFIELD k GET u8 -1",
    "BITFIELD k GET u8 #-1",
    "BITFIELD k GET u8 #",
    "BITFIELD k GET u8 #2",
    "BITFIELD k GET u8 a",
    "BITFIELD k OVERFLOW foo GET u8 0",
    "BITFIELD k OVERFLOW",
    "BITFIELD k OVERFLOW SAT",
    "BITFIELD k SET u8 0 a",
    "BITFIELD k SET u8 0",
    "BITFIELD k INCRBY u8 0",
    "BITFIELD k FOO",
    "BITFIELD k GET u8 0 FOO",
    "BITFIELD k OVERFLOW FAIL SET u8 0 300",
    "BITFIELD k SET u8 0 -1 OVERFLOW SAT SET u8 8 -1 OVERFLOW WRAP SET u8 16 -1 GET u8 0 " +
    "GET u8 8 GET u8 16",
    "BITFIELD k OVERFLOW SAT SET i8 0 -200 SET i8 0 200 GET i8 0",
    "BITFIELD k SET i64 0 -9223372036854775808 INCRBY i64 0 -1 OVERFLOW SAT INCRBY i64 0 -1 " +
    "OVERFLOW FAIL INCRBY i64 0 -1",
    "BITFIELD k SET i64 0 9223372036854775807 INCRBY i64 0 1 OVERFLOW SAT INCRBY i64 0 1",
    "BITFIELD k OVERFLOW FAIL SET i64 0 9223372036854775807 INCRBY i64 0 1",
    "BITFIELD k SET u63 0 9223372036854775807 INCRBY u63 0 1 OVERFLOW SAT INCRBY u63 0 1",
    "BITFIELD k OVERFLOW SAT INCRBY u63 0 -5 INCRBY u63 0 9223372036854775807",
    "BITFIELD k OVERFLOW WRAP INCRBY u5 3 40 INCRBY i5 3 40 INCRBY i5 3 -40 GET u8 0",
    "BITFIELD k OVERFLOW SAT INCRBY u5 3 40 INCRBY i5 3 40 INCRBY i5 3 -40 GET u8 0",
    "BITFIELD k OVERFLOW FAIL INCRBY u5 3 40 INCRBY i5 3 40 INCRBY i5 3 -40 GET u8 0",
    "BITFIELD k SET i1 0 1 GET i1 0 SET u1 0 2 GET u1 0 SET i1 0 -1 GET i1 0",
    "BITFIELD k SET u3 #3 7 GET u3 #3 GET u8 1 GET i13 5",
    "BITFIELD k GET i64 #288230376151711744",
    "BITFIELD k GET u8 #288230376151711744",
    "BITFIELD k GET i64 #9223372036854775807",
    "BITFIELD k GET i64 #144115188075855872",
    "BITFIELD k GET u8 4294967295",
    "BITFIELD k GET u8 4294967296",
    "BITFIELD k SET u8 4294967296 1",
    "STRLEN k",
    "GET k",
    "BITFIELD k SET u16 100 65535",
    "STRLEN k",
    "BITFIELD nokey GET i64 5 GET u63 7",
    "SET s foobar",
    "BITFIELD s GET i64 3 GET u63 2 GET i32 40 GET u7 45",
    "SET t v EX 100",
    "BITFIELD t SET u8 0 120",
    "TTL t",
    "GET t",
    "BITFIELD_RO k GET u8 0 GET i16 3",
    "BITFIELD_RO k SET u8 0 1",
    "BITFIELD_RO k INCRBY u8 0 1",
    "BITFIELD_RO k GET u8 0 SET u8 0 1",
    "BITFIELD_RO k SET u8 0 1 GET U9 0",
    "BITFIELD_RO k SET u8 0 a",
    "BITFIELD_RO k SET u8 0 1 OVERFLOW foo",
    "BITFIELD_RO k GET u8 0 FOO",
    "BITFIELD_RO k",
    "BITFIELD_RO k OVERFLOW SAT",
    "BITFIELD_RO nokey GET u8 0",
  ],
  "arity": [
    "GET",
    "GET a b",
    "SETNX a",
    "SETEX a 1",
    "GETSET a",
    "GETDEL",
    "GETEX",
    "APPEND a",
    "STRLEN",
    "INCRBYFLOAT a",
    "GETRANGE a 1",
    "SUBSTR a 1",
    "SETRANGE a 1",
    "LCS a",
    "SETBIT a 1",
    "GETBIT a",
    "BITCOUNT",
    "BITPOS a",
    "BITOP AND a",
    "BITFIELD",
    "BITFIELD_RO",
    "MSETNX a",
    "MGET",
  ],
};

/** Run with proto-max-bulk-len at its 1 MiB minimum so the limits are cheap to reach. */
const LIMIT_SCENARIO: Cmd[] = [
  "SETBIT b 8388607 1",
  "STRLEN b",
  "SETBIT b 8388608 1",
  "GETBIT b 8388608",
  "GETBIT b 8388607",
  "BITFIELD b GET u8 8388600",
  "BITFIELD b GET u8 8388608",
  "BITFIELD b SET u8 8388600 1",
  "BITFIELD b SET u8 8388608 1",
  "SETRANGE c 1048575 x",
  "SETRANGE c 1048576 x",
  "STRLEN c",
  "APPEND c y",
  "SETRANGE d 1048576 x",
  "EXISTS d",
  "SET e x",
  "SETRANGE e 1048570 abcdef",
  "SETRANGE e 1048570 abcdefg",
];

/** Sequences that need another type of value; run only if hakv can create lists. */
const WRONGTYPE_SCENARIO: Cmd[] = [
  "RPUSH l a",
  "GET l",
  "SET l v GET",
  "SET l v GET EX 10",
  "SET l v GET EX abc",
  "SET l v GET EX -1",
  "MGET l x",
  "SETNX l v",
  "GETSET l v",
  "RPUSH l a",
  "GETDEL l",
  "GETEX l",
  "GETEX l EX abc",
  "APPEND l x",
  "STRLEN l",
  "INCR l",
  "DECRBY l 5",
  "INCRBYFLOAT l 1",
  "GETRANGE l 0 1",
  "SUBSTR l 0 1",
  "SETRANGE l 0 x",
  "SETRANGE l 0 ''",
  ["SETRANGE", "l", "0", ""],
  "LCS l x",
  "LCS x l IDX",
  "LCS l x FOO",
  "SETBIT l 0 1",
  "SETBIT l a 1",
  "GETBIT l 0",
  "BITCOUNT l",
  "BITCOUNT l a b",
  "BITPOS l 1",
  "BITPOS l 2",
  "BITOP AND d l",
  "BITOP OR l x",
  "TYPE l",
  "RPUSH m a",
  "BITFIELD m GET u8 0",
  "BITFIELD m SET u8 0 1",
  "BITFIELD m GET u8 0 FOO",
  "BITFIELD_RO m GET u8 0",
  "SET m v",
  "TYPE m",
];

// --- Seeded fuzzing ------------------------------------------------------------------------

class Gen {
  readonly #rand: () => number;
  constructor(seed: number) {
    this.#rand = rng(seed);
  }
  int(n: number): number {
    return Math.floor(this.#rand() * n);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  chance(p: number): boolean {
    return this.#rand() < p;
  }
  bytes(max: number): string {
    let s = "";
    const n = this.int(max + 1);
    for (let i = 0; i < n; i++) s += String.fromCharCode(this.int(256));
    return s;
  }
}

const KEYS = ["a", "b", "c", "d"];
const VALUES = [
  "",
  "0",
  "1",
  "-1",
  "10",
  "3.5",
  "-0.25",
  "1e3",
  "foobar",
  "abc",
  " 1",
  "9223372036854775807",
  "-9223372036854775808",
  "9223372036854775806",
  "0.1",
  "1.5e-10",
  "0x10",
  "inf",
  "\xff\xf0\x0f\x00",
];
const INTS = [
  "0",
  "1",
  "-1",
  "2",
  "3",
  "5",
  "7",
  "8",
  "9",
  "15",
  "16",
  "-2",
  "-8",
  "-9",
  "63",
  "64",
  "100",
  "-100",
  "2147483648",
  "4294967296",
  "9223372036854775807",
  "-9223372036854775808",
  "abc",
  "1.5",
  "",
];
const FLOATS = [
  "0.1",
  "-0.1",
  "1",
  "1.5",
  "-2.25",
  "1e10",
  "-1e-10",
  "3.0e2",
  "0",
  "-0",
  "abc",
  "1e400",
  "0x1p-3",
  "5e-18",
  "123456789.123456789",
  "inf",
  "",
];

function smallInt(g: Gen): string {
  return g.chance(0.8) ? String(g.int(60) - 20) : g.pick(INTS);
}

/** A random float in any of the forms strtold reads, now and then an invalid one. */
function randomFloat(g: Gen): string {
  if (g.chance(0.05)) return g.pick(FLOATS);
  const sign = g.pick(["", "", "-", "+"]);
  if (g.chance(0.1)) {
    const hex = (n: number) => Array.from({ length: n }, () => g.int(16).toString(16)).join("");
    return `${sign}0x${hex(1 + g.int(6))}.${hex(g.int(18))}p${g.int(80) - 40}`;
  }
  const digits = (n: number) => Array.from({ length: n }, () => String(g.int(10))).join("");
  let s = sign + digits(g.int(12));
  if (g.chance(0.7)) s += "." + digits(g.int(22));
  if (s.replace(/[+-]/, "") === "" || s.replace(/[+-]/, "") === ".") s += "1";
  if (g.chance(0.3)) {
    const e = g.chance(0.1) ? g.int(9000) - 4500 : g.int(60) - 30;
    s += g.pick(["e", "E"]) + (e >= 0 && g.chance(0.5) ? "+" : "") + e;
  }
  return s;
}

/** One random command over a few keys, mostly valid, sometimes not. */
function randomCommand(g: Gen): Arg[] {
  const k = g.pick(KEYS);
  const v = () =>
    g.chance(0.3)
      ? smallInt(g)
      : g.chance(0.5)
      ? g.pick(VALUES)
      : g.bytes(g.chance(0.1) ? 300 : 12);
  switch (g.int(24)) {
    case 0: {
      const args: Arg[] = ["SET", k, v()];
      const opts = ["NX", "XX", "GET", "KEEPTTL", "EX 1000", "PX 1000000", "EXAT 4102444800"];
      for (let n = g.int(3); n > 0; n--) args.push(...g.pick(opts).split(" "));
      return args;
    }
    case 1:
      return ["GET", k];
    case 2:
      return g.pick([["SETNX", k, v()], ["GETSET", k, v()], ["GETDEL", k]]);
    case 3:
      return ["APPEND", k, v()];
    case 4:
      return ["STRLEN", k];
    case 5:
      return g.pick([["INCR", k], ["DECR", k], ["INCRBY", k, smallInt(g)], [
        "DECRBY",
        k,
        smallInt(g),
      ]]);
    case 6:
      return ["INCRBYFLOAT", k, g.pick(FLOATS)];
    case 7:
      return [g.pick(["GETRANGE", "SUBSTR"]), k, smallInt(g), smallInt(g)];
    case 8:
      return ["SETRANGE", k, String(g.int(30) - 2), v()];
    case 9: {
      const args: Arg[] = ["LCS", k, g.pick(KEYS)];
      if (g.chance(0.5)) args.push(g.pick(["IDX", "LEN"]));
      if (g.chance(0.3)) args.push("WITHMATCHLEN");
      if (g.chance(0.3)) args.push("MINMATCHLEN", String(g.int(4)));
      return args;
    }
    case 10:
      return ["SETBIT", k, String(g.int(200)), g.pick(["0", "1", "1", "2"])];
    case 11:
      return ["GETBIT", k, g.chance(0.9) ? String(g.int(200)) : g.pick(INTS)];
    case 12: {
      const args: Arg[] = ["BITCOUNT", k];
      if (g.chance(0.7)) args.push(smallInt(g), smallInt(g));
      if (g.chance(0.4)) args.push(g.pick(["BIT", "BYTE", "bit"]));
      return args;
    }
    case 13: {
      const args: Arg[] = ["BITPOS", k, g.pick(["0", "1", "1", "0", "2"])];
      if (g.chance(0.7)) args.push(smallInt(g));
      if (g.chance(0.6)) args.push(smallInt(g));
      if (g.chance(0.4)) args.push(g.pick(["BIT", "BYTE"]));
      return args;
    }
    case 14: {
      const op = g.pick(["AND", "OR", "XOR", "NOT"]);
      const n = op === "NOT" ? 1 : 1 + g.int(3);
      return ["BITOP", op, g.pick(KEYS), ...Array.from({ length: n }, () => g.pick(KEYS))];
    }
    case 15:
    case 16: {
      const args: Arg[] = [g.chance(0.85) ? "BITFIELD" : "BITFIELD_RO", k];
      for (let n = 1 + g.int(4); n > 0; n--) {
        const type = g.chance(0.5) ? `i${1 + g.int(64)}` : `u${1 + g.int(63)}`;
        const offset = g.chance(0.2) ? `#${g.int(6)}` : String(g.int(80));
        const num = g.chance(0.7) ? String(g.int(600) - 300) : g.pick(INTS);
        switch (g.int(4)) {
          case 0:
            args.push("GET", type, offset);
            break;
          case 1:
            args.push("SET", type, offset, num);
            break;
          case 2:
            args.push("INCRBY", type, offset, num);
            break;
          default:
            args.push("OVERFLOW", g.pick(["WRAP", "SAT", "FAIL"]));
        }
      }
      return args;
    }
    case 17:
      return ["MSET", k, v(), g.pick(KEYS), v()];
    case 18:
      return ["MGET", ...KEYS];
    case 19:
      return ["MSETNX", k, v(), g.pick(KEYS), v()];
    case 20:
      return g.pick([["GETEX", k], ["GETEX", k, "PERSIST"], ["GETEX", k, "EX", "500"], [
        "GETEX",
        k,
        "EXAT",
        "1",
      ]]);
    case 21:
      return ["TTL", k];
    case 22:
      return ["DEL", k];
    default:
      return ["SETEX", k, g.pick(["100", "0", "-1", "x"]), v()];
  }
}

Deno.test("strings: hakv answers every string and bitmap command like redis-server", async (t) => {
  if (!requireTool("redis-server")) return;
  await using pair = await DiffPair.start([], TTL_SLACK);

  for (const [name, cmds] of Object.entries(SCENARIOS)) {
    await t.step(name, async () => {
      await pair.run(cmds, name);
    });
  }

  await t.step("WRONGTYPE on another type", async () => {
    await pair.same("FLUSHALL");
    const probe = await pair.hakv.call("RPUSH", "probe", "x");
    if (probe instanceof RespError) {
      console.log("SKIP: hakv cannot create lists yet; WRONGTYPE is covered in-process");
      return;
    }
    await pair.run(WRONGTYPE_SCENARIO, "wrongtype");
  });

  for (const seed of [11, 12, 13]) {
    await t.step(`INCRBYFLOAT accumulation, seed ${seed}`, async () => {
      const g = new Gen(seed);
      await pair.same("FLUSHALL");
      for (let i = 0; i < 500; i++) {
        const cmd = g.chance(0.1)
          ? ["SET", "f", randomFloat(g)]
          : ["INCRBYFLOAT", "f", randomFloat(g)];
        await pair.same(cmd, `seed ${seed} #${i}`);
      }
    });
  }

  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]) {
    await t.step(`random sequence, seed ${seed}`, async () => {
      const g = new Gen(seed);
      await pair.same("FLUSHALL");
      for (let i = 0; i < 1000; i++) await pair.same(randomCommand(g), `seed ${seed} #${i}`);
      // The final state must match too, byte for byte.
      for (const k of KEYS) await pair.same(["GET", k], `seed ${seed} final`);
    });
  }
});

Deno.test("strings: size limits follow proto-max-bulk-len like redis-server", async () => {
  if (!requireTool("redis-server")) return;
  const args = ["--proto-max-bulk-len", "1048576"];
  await using pair = await DiffPair.start(args, TTL_SLACK);
  await pair.run(LIMIT_SCENARIO, "limits");
});
