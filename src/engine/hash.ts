// The hash value type. (Scaffold: the hash owner fills this in.)
import type { Collection } from "./values.ts";

export class HashValue implements Collection {
  get type(): "hash" {
    return "hash";
  }

  get size(): number {
    return 0;
  }

  encoding(): string {
    return "listpack";
  }

  copy(): HashValue {
    return new HashValue();
  }

  memoryUsage(_samples: number): number {
    return 0;
  }
}
