// hashes commands. (Scaffold: filled in by the hashes owner.)
import type { CommandSpec } from "../spec.ts";

export const HASH_COMMANDS = [] as const satisfies readonly CommandSpec[];
