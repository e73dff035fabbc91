// The set value type. (Scaffold: the set owner fills this in.)
import type { Collection } from "./values.ts";

export class SetValue implements Collection {
  get type(): "set" {
    return "set";
  }

  get size(): number {
    return 0;
  }

  encoding(): string {
    return "intset";
  }

  copy(): SetValue {
    return new SetValue();
  }

  memoryUsage(_samples: number): number {
    return 0;
  }
}
