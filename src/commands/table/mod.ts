// Every command hakv knows, in one list. Groups live in their own files.
import { CONNECTION_COMMANDS } from "./connection.ts";
import { KEY_COMMANDS } from "./keys.ts";
import { SERVER_COMMANDS } from "./server.ts";
import { STRING_COMMANDS } from "./strings.ts";

export const COMMANDS = [
  ...CONNECTION_COMMANDS,
  ...SERVER_COMMANDS,
  ...KEY_COMMANDS,
  ...STRING_COMMANDS,
] as const;

type Spec = (typeof COMMANDS)[number];

/** Every name in the table, subcommands included (`client|setname`). */
export type CommandName = Spec["name"];

/** Names that need a handler: everything but containers. */
export type HandlerName = Exclude<Spec, { readonly container: true }>["name"];
