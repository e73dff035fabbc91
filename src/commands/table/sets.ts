// sets commands. (Scaffold: filled in by the sets owner.)
import type { CommandSpec } from "../spec.ts";

export const SET_COMMANDS = [] as const satisfies readonly CommandSpec[];
