// hll command handlers. (Scaffold: filled in by the hll owner.)
import type { Handlers } from "../handler.ts";

type Names = never;

export const HLL_HANDLERS: Handlers<Names> = {};
