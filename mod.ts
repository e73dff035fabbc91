// hakv's public API for embedding and tests: the RESP codec, the small client and the data
// node. Importing it has no side effects.
export * from "./src/resp/mod.ts";
export { RespClient } from "./src/client/mod.ts";
export type { ConnectOptions } from "./src/client/mod.ts";
export {
  argsToConfig,
  Client,
  Config,
  ConfigError,
  ConfigFileError,
  execute,
  loadConfig,
  Server,
  startServer,
} from "./src/server/mod.ts";
export type { StartOptions } from "./src/server/mod.ts";
export { COMMANDS, Registry, SERVER_REGISTRY } from "./src/commands/mod.ts";
export type { CommandSpec } from "./src/commands/mod.ts";
