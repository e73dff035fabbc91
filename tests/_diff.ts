// Differential testing: the same commands go to a spawned hakv and a spawned redis-server 7.0
// and the replies must be identical. Shared by every *_diff_test.ts.
import assert from "node:assert/strict";
import {
  type Proc,
  type RespClient,
  RespError,
  type RespValue,
  spawnHakv,
  spawnRedis,
} from "./_harness.ts";

export type Arg = string | number;
/** A command: a string is split on single spaces; arrays carry binary or spaced arguments. */
export type Cmd = string | Arg[];

export function argsOf(cmd: Cmd): Arg[] {
  return typeof cmd === "string" ? cmd.split(" ") : cmd;
}

/** Replies in a comparable shape: errors by message, maps as entry lists, bigints as text. */
export function norm(v: RespValue): unknown {
  if (v instanceof RespError) return { error: v.message };
  if (Array.isArray(v)) return v.map(norm);
  if (v instanceof Map) return [...v.entries()].map(([k, x]) => [norm(k), norm(x)]);
  if (v instanceof Set) return [...v].map(norm);
  if (typeof v === "bigint") return { big: v.toString() };
  return v;
}

export function show(args: readonly Arg[]): string {
  return args.map((a) => JSON.stringify(String(a))).join(" ");
}

function isTtl(args: readonly Arg[]): boolean {
  return String(args[0]).toUpperCase() === "TTL";
}

export interface DiffOptions {
  /**
   * How far TTL replies may differ when both are non-negative (default 0, exact): the two
   * servers read their clocks a moment apart, so one may round to the next second.
   */
  ttlSlack?: number;
}

/** A hakv and a redis-server started with the same extra arguments, one client to each. */
export class DiffPair {
  readonly #ttlSlack: number;

  private constructor(
    readonly redisProc: Proc,
    readonly hakvProc: Proc,
    readonly redis: RespClient,
    readonly hakv: RespClient,
    options: DiffOptions,
  ) {
    this.#ttlSlack = options.ttlSlack ?? 0;
  }

  static async start(args: string[] = [], options: DiffOptions = {}): Promise<DiffPair> {
    const [redisProc, hakvProc] = await Promise.all([spawnRedis(args), spawnHakv(args)]);
    const [redis, hakv] = await Promise.all([redisProc.client(), hakvProc.client()]);
    return new DiffPair(redisProc, hakvProc, redis, hakv, options);
  }

  /** Both replies, redis first. */
  async call(...args: Arg[]): Promise<[RespValue, RespValue]> {
    return await Promise.all([this.redis.call(...args), this.hakv.call(...args)]);
  }

  /** Sends `cmd` to both and asserts the replies are identical; returns Redis's. */
  async same(cmd: Cmd, label = ""): Promise<RespValue> {
    const args = argsOf(cmd);
    const [r, h] = await this.call(...args);
    const ttl = this.#ttlSlack > 0 && isTtl(args) && typeof h === "number" &&
      typeof r === "number" && h >= 0 && r >= 0;
    if (ttl) assert.ok(Math.abs(h - r) <= this.#ttlSlack, `${label} ${show(args)}: ${h} vs ${r}`);
    else assert.deepStrictEqual(norm(h), norm(r), `${label} ${show(args)}`);
    return r;
  }

  /** FLUSHALL, then every command in order, each compared. */
  async run(cmds: readonly Cmd[], label = ""): Promise<void> {
    await this.same("FLUSHALL", label);
    for (const cmd of cmds) await this.same(cmd, label);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.redis.close();
    this.hakv.close();
    await Promise.all([
      this.redisProc[Symbol.asyncDispose](),
      this.hakvProc[Symbol.asyncDispose](),
    ]);
  }
}
