// The shape of a command handler: it reads its arguments, works on the engine and writes the
// reply to the client's writer. Handlers join the table through typed records (handlers/mod.ts)
// so a command without one fails type checking.
import type { HandlerName } from "../commands/mod.ts";
import type { Argv } from "../resp/mod.ts";
import type { Client } from "./client.ts";
import type { Server } from "./server.ts";

/** Returns a promise only when the reply has to wait (pauses, blocking commands). */
export type Handler = (c: Client, argv: Argv, server: Server) => void | Promise<void>;

export type Handlers<N extends HandlerName> = { readonly [K in N]: Handler };
