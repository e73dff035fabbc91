// The zset value type. (Scaffold: the zset owner fills this in.)
import type { Collection } from "./values.ts";

export class ZSetValue implements Collection {
  get type(): "zset" {
    return "zset";
  }

  get size(): number {
    return 0;
  }

  encoding(): string {
    return "listpack";
  }

  copy(): ZSetValue {
    return new ZSetValue();
  }

  memoryUsage(_samples: number): number {
    return 0;
  }
}
