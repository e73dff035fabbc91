// sort command handlers. (Scaffold: filled in by the sort owner.)
import type { Handlers } from "../handler.ts";

type Names = never;

export const SORT_HANDLERS: Handlers<Names> = {};
