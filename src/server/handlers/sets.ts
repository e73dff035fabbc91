// sets command handlers. (Scaffold: filled in by the sets owner.)
import type { Handlers } from "../handler.ts";

type Names = never;

export const SET_HANDLERS: Handlers<Names> = {};
