// transactions commands. (Scaffold: filled in by the transactions owner.)
import type { CommandSpec } from "../spec.ts";

export const TRANSACTION_COMMANDS = [] as const satisfies readonly CommandSpec[];
