// hashes command handlers. (Scaffold: filled in by the hashes owner.)
import type { Handlers } from "../handler.ts";

type Names = never;

export const HASH_HANDLERS: Handlers<Names> = {};
