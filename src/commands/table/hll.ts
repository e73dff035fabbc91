// hll commands. (Scaffold: filled in by the hll owner.)
import type { CommandSpec } from "../spec.ts";

export const HLL_COMMANDS = [] as const satisfies readonly CommandSpec[];
