// Every data-node handler, keyed by full command name. The type makes a command in the table
// without a handler (or a handler without a command) a compile error.
import type { HandlerName } from "../../commands/mod.ts";
import type { Handlers } from "../handler.ts";
import { CONNECTION_HANDLERS } from "./connection.ts";
import { KEY_HANDLERS } from "./keys.ts";
import { SERVER_HANDLERS } from "./server.ts";
import { STRING_HANDLERS } from "./strings.ts";

export const HANDLERS: Handlers<HandlerName> = {
  ...CONNECTION_HANDLERS,
  ...SERVER_HANDLERS,
  ...KEY_HANDLERS,
  ...STRING_HANDLERS,
};
