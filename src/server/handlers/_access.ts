// Directives that gate a command by where its client connects from: "yes", "no" or "local"
// (enable-debug-command, enable-protected-configs).
import type { Client } from "../client.ts";
import type { Server } from "../server.ts";

/** Whether the client connects from the loopback interface (the "local" config setting). */
export function isLocalClient(c: Client): boolean {
  const host = c.addr.slice(0, c.addr.lastIndexOf(":"));
  return host.startsWith("127.") || host === "[::1]" || host === "[::ffff:127.0.0.1]";
}

/** Whether `directive` lets this client through. */
export function allowedBy(server: Server, c: Client, directive: string): boolean {
  const v = server.config.get(directive);
  return v === "yes" || (v === "local" && isLocalClient(c));
}
