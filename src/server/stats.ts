// Counters behind INFO stats / commandstats / errorstats, SLOWLOG and instantaneous rates.

export class CommandStats {
  calls = 0;
  usec = 0;
  rejected = 0;
  failed = 0;
}

export interface SlowlogEntry {
  id: number;
  time: number;
  micros: number;
  args: string[];
  addr: string;
  name: string;
}

/** Samples a monotonically growing counter to report a per-second rate over the last 1.6 s. */
export class RateSampler {
  #samples = new Float64Array(16);
  #idx = 0;
  #lastTime = 0;
  #lastValue = 0;

  sample(value: number, now: number): void {
    if (this.#lastTime > 0 && now > this.#lastTime) {
      this.#samples[this.#idx] = ((value - this.#lastValue) * 1000) / (now - this.#lastTime);
      this.#idx = (this.#idx + 1) % this.#samples.length;
    }
    this.#lastTime = now;
    this.#lastValue = value;
  }

  get rate(): number {
    let sum = 0;
    for (const s of this.#samples) sum += s;
    return sum / this.#samples.length;
  }
}

export class Stats {
  connectionsReceived = 0;
  commandsProcessed = 0;
  rejectedConnections = 0;
  netInputBytes = 0;
  netOutputBytes = 0;
  errorReplies = 0;
  readonly errors = new Map<string, number>();
  commands: CommandStats[] = [];
  readonly opsRate = new RateSampler();
  readonly inputRate = new RateSampler();
  readonly outputRate = new RateSampler();
  slowlog: SlowlogEntry[] = [];
  slowlogNextId = 0;

  constructor(readonly commandCount: number) {
    this.reset();
  }

  reset(): void {
    this.connectionsReceived = 0;
    this.commandsProcessed = 0;
    this.rejectedConnections = 0;
    this.netInputBytes = 0;
    this.netOutputBytes = 0;
    this.errorReplies = 0;
    this.errors.clear();
    this.commands = Array.from({ length: this.commandCount }, () => new CommandStats());
  }

  countError(code: string): void {
    this.errorReplies++;
    this.errors.set(code, (this.errors.get(code) ?? 0) + 1);
  }
}
