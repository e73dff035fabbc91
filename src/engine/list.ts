// The list value type. (Scaffold: the list owner fills this in.)
import type { Collection } from "./values.ts";

export class ListValue implements Collection {
  get type(): "list" {
    return "list";
  }

  get size(): number {
    return 0;
  }

  encoding(): string {
    return "quicklist";
  }

  copy(): ListValue {
    return new ListValue();
  }

  memoryUsage(_samples: number): number {
    return 0;
  }
}
