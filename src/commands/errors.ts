// Error replies every role gives the same way: the ones the command table decides (unknown
// command or subcommand, wrong argument count) and authentication's, in Redis 7.0's exact text.

export const NOAUTH = "NOAUTH Authentication required.";
export const WRONGPASS = "WRONGPASS invalid username-password pair or user is disabled.";

export function arityError(fullName: string): string {
  return `ERR wrong number of arguments for '${fullName}' command`;
}

export function unknownSubcommand(sub: string, container: string): string {
  return `ERR unknown subcommand '${
    cString(sub).slice(0, 128)
  }'. Try ${container.toUpperCase()} HELP.`;
}

/** Redis formats these with `%s`, so each argument ends at its first NUL byte. */
function cString(s: string): string {
  const nul = s.indexOf("\0");
  return nul < 0 ? s : s.slice(0, nul);
}

/** Redis's reply to a command it does not know, quoting up to 128 bytes of its arguments. */
export function unknownCommand(name: string, args: readonly string[]): string {
  let list = "";
  for (const a of args) {
    if (list.length >= 128) break;
    list += `'${cString(a).slice(0, 128 - list.length)}' `;
  }
  return `ERR unknown command '${cString(name).slice(0, 128)}', with args beginning with: ${list}`;
}
