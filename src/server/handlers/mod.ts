// Every data-node handler, keyed by full command name. The type makes a command in the table
// without a handler (or a handler without a command) a compile error.
import type { HandlerName } from "../../commands/mod.ts";
import type { Handlers } from "../handler.ts";
import { CLIENT_HANDLERS } from "./client.ts";
import { COMMAND_HANDLERS } from "./command.ts";
import { CONFIG_HANDLERS } from "./config.ts";
import { CONNECTION_HANDLERS } from "./connection.ts";
import { DEBUG_HANDLERS } from "./debug.ts";
import { DUMP_HANDLERS } from "./dump.ts";
import { KEY_HANDLERS } from "./keys.ts";
import { MEMORY_HANDLERS } from "./memory.ts";
import { SERVER_HANDLERS } from "./server.ts";
import { REPLICATION_HANDLERS } from "./replication.ts";
import { REPLICA_HANDLERS } from "./replica.ts";
import { SLOWLOG_HANDLERS } from "./slowlog.ts";
import { STRING_HANDLERS } from "./strings.ts";
import { LIST_HANDLERS } from "./lists.ts";
import { HASH_HANDLERS } from "./hashes.ts";
import { SET_HANDLERS } from "./sets.ts";
import { ZSET_HANDLERS } from "./zsets.ts";
import { HLL_HANDLERS } from "./hll.ts";
import { SORT_HANDLERS } from "./sort.ts";
import { PUBSUB_HANDLERS } from "./pubsub.ts";
import { TRANSACTION_HANDLERS } from "./transactions.ts";

export const HANDLERS: Handlers<HandlerName> = {
  ...CONNECTION_HANDLERS,
  ...CLIENT_HANDLERS,
  ...SERVER_HANDLERS,
  ...REPLICATION_HANDLERS,
  ...REPLICA_HANDLERS,
  ...CONFIG_HANDLERS,
  ...COMMAND_HANDLERS,
  ...DEBUG_HANDLERS,
  ...MEMORY_HANDLERS,
  ...SLOWLOG_HANDLERS,
  ...KEY_HANDLERS,
  ...DUMP_HANDLERS,
  ...STRING_HANDLERS,
  ...LIST_HANDLERS,
  ...HASH_HANDLERS,
  ...SET_HANDLERS,
  ...ZSET_HANDLERS,
  ...HLL_HANDLERS,
  ...SORT_HANDLERS,
  ...PUBSUB_HANDLERS,
  ...TRANSACTION_HANDLERS,
};
