// Replies shared by container commands (CONFIG, COMMAND, CLIENT, MEMORY, ...): the HELP text
// in Redis's layout and the error for an unknown subcommand or wrong argument count.
import type { Argv } from "../../resp/mod.ts";
import type { Client } from "../client.ts";

export { help } from "../../commands/help.ts";

/** Writes a help reply: an array of status lines. */
export function replyHelp(c: Client, lines: readonly string[]): void {
  c.w.array(lines.length);
  for (const line of lines) c.w.simple(line);
}

/** Redis's reply to a known container's subcommand used with the wrong arguments. */
export function subcommandSyntaxError(argv: Argv): string {
  return `ERR unknown subcommand or wrong number of arguments for '${
    argv.str(1).slice(0, 128)
  }'. Try ${argv.str(0).toUpperCase()} HELP.`;
}
