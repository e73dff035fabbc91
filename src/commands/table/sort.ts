// sort commands. (Scaffold: filled in by the sort owner.)
import type { CommandSpec } from "../spec.ts";

export const SORT_COMMANDS = [] as const satisfies readonly CommandSpec[];
