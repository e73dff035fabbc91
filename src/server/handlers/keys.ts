// Generic keyspace commands.
import type { Handlers } from "../handler.ts";
import { notYet } from "./_pending.ts";

type Names =
  | "del"
  | "unlink"
  | "exists"
  | "type"
  | "keys"
  | "scan"
  | "randomkey"
  | "rename"
  | "renamenx"
  | "copy"
  | "move"
  | "expire"
  | "pexpire"
  | "expireat"
  | "pexpireat"
  | "ttl"
  | "pttl"
  | "expiretime"
  | "pexpiretime"
  | "persist"
  | "touch"
  | "object|encoding"
  | "object|freq"
  | "object|idletime"
  | "object|refcount"
  | "object|help";

export const KEY_HANDLERS: Handlers<Names> = {
  del(c, argv) {
    let n = 0;
    for (let i = 1; i < argv.length; i++) if (c.db.delete(argv.str(i))) n++;
    c.w.int(n);
  },
  unlink(c, argv) {
    let n = 0;
    for (let i = 1; i < argv.length; i++) if (c.db.delete(argv.str(i))) n++;
    c.w.int(n);
  },
  exists(c, argv) {
    let n = 0;
    for (let i = 1; i < argv.length; i++) if (c.db.has(argv.str(i))) n++;
    c.w.int(n);
  },
  type: notYet,
  keys: notYet,
  scan: notYet,
  randomkey: notYet,
  rename: notYet,
  renamenx: notYet,
  copy: notYet,
  move: notYet,
  expire: notYet,
  pexpire: notYet,
  expireat: notYet,
  pexpireat: notYet,
  ttl: notYet,
  pttl: notYet,
  expiretime: notYet,
  pexpiretime: notYet,
  persist: notYet,
  touch: notYet,
  "object|encoding": notYet,
  "object|freq": notYet,
  "object|idletime": notYet,
  "object|refcount": notYet,
  "object|help": notYet,
};
