// pubsub command handlers. (Scaffold: filled in by the pubsub owner.)
import type { Handlers } from "../handler.ts";

type Names = never;

export const PUBSUB_HANDLERS: Handlers<Names> = {};
