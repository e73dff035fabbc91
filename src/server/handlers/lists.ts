// lists command handlers. (Scaffold: filled in by the lists owner.)
import type { Handlers } from "../handler.ts";

type Names = never;

export const LIST_HANDLERS: Handlers<Names> = {};
