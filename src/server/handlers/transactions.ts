// transactions command handlers. (Scaffold: filled in by the transactions owner.)
import type { Handlers } from "../handler.ts";

type Names = never;

export const TRANSACTION_HANDLERS: Handlers<Names> = {};
