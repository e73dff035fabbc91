// zsets command handlers. (Scaffold: filled in by the zsets owner.)
import type { Handlers } from "../handler.ts";

type Names = never;

export const ZSET_HANDLERS: Handlers<Names> = {};
