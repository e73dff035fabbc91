// Every command hakv knows, in one list. Groups live in their own files.
import { CONNECTION_COMMANDS } from "./connection.ts";
import { KEY_COMMANDS } from "./keys.ts";
import { SERVER_COMMANDS } from "./server.ts";
import { STRING_COMMANDS } from "./strings.ts";
import { LIST_COMMANDS } from "./lists.ts";
import { HASH_COMMANDS } from "./hashes.ts";
import { SET_COMMANDS } from "./sets.ts";
import { ZSET_COMMANDS } from "./zsets.ts";
import { HLL_COMMANDS } from "./hll.ts";
import { SORT_COMMANDS } from "./sort.ts";
import { PUBSUB_COMMANDS } from "./pubsub.ts";
import { TRANSACTION_COMMANDS } from "./transactions.ts";
import { REPLICATION_COMMANDS } from "./replication.ts";
import { SENTINEL_COMMANDS } from "./sentinel.ts";

export const COMMANDS = [
  ...CONNECTION_COMMANDS,
  ...SERVER_COMMANDS,
  ...KEY_COMMANDS,
  ...STRING_COMMANDS,
  ...LIST_COMMANDS,
  ...HASH_COMMANDS,
  ...SET_COMMANDS,
  ...ZSET_COMMANDS,
  ...HLL_COMMANDS,
  ...SORT_COMMANDS,
  ...PUBSUB_COMMANDS,
  ...TRANSACTION_COMMANDS,
  ...REPLICATION_COMMANDS,
  ...SENTINEL_COMMANDS,
] as const;

type Spec = (typeof COMMANDS)[number];

/** Every name in the table, subcommands included (`client|setname`). */
export type CommandName = Spec["name"];

/** The specs a role serves: those listing it, and for the data node those listing no role. */
type ServedBy<S, R extends string> = S extends { readonly roles: readonly (infer X)[] }
  ? R extends X ? S : never
  : R extends "server" ? S
  : never;

/** Names the data node needs a handler for: everything it serves but containers. */
export type HandlerName = Exclude<ServedBy<Spec, "server">, { readonly container: true }>["name"];

/** Names the sentinel needs a handler for. */
export type SentinelHandlerName = Exclude<
  ServedBy<Spec, "sentinel">,
  { readonly container: true }
>["name"];
