// pubsub commands. (Scaffold: filled in by the pubsub owner.)
import type { CommandSpec } from "../spec.ts";

export const PUBSUB_COMMANDS = [] as const satisfies readonly CommandSpec[];
