// zsets commands. (Scaffold: filled in by the zsets owner.)
import type { CommandSpec } from "../spec.ts";

export const ZSET_COMMANDS = [] as const satisfies readonly CommandSpec[];
