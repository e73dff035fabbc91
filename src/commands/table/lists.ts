// lists commands. (Scaffold: filled in by the lists owner.)
import type { CommandSpec } from "../spec.ts";

export const LIST_COMMANDS = [] as const satisfies readonly CommandSpec[];
