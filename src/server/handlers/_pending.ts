// TEMPORARY during the first build-out: commands whose handler is still being written reply
// with an error. Nothing may reference this file when the issue closes.
import type { Handler } from "../handler.ts";

export const notYet: Handler = (c, argv) => {
  c.w.error(`ERR '${argv.str(0)}' is not implemented yet`);
};
