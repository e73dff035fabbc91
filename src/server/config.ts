// The live configuration: values for every directive in config_table.ts, set from redis.conf
// files, `--name value` arguments and CONFIG SET, validated the way Redis validates them and
// reported in CONFIG GET's format. Components subscribe to the directives they act on.
import { globMatch } from "../engine/glob.ts";
import { splitArgs } from "../resp/request.ts";
import { parseBool, parseInteger, parseMemory } from "../_util/units.ts";
import { type Directive, DIRECTIVES, FILE_ONLY } from "./config_table.ts";

/** A configuration error, with the text Redis gives for it. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

const KEYSPACE_EVENT_CLASSES = "KEg$lshzxetmdnA";

export class Config {
  readonly #byName = new Map<string, Directive>();
  readonly #values = new Map<string, string>();
  readonly #listeners = new Map<string, ((value: string) => void)[]>();
  /** The file the server was started with (CONFIG REWRITE target), "" if none. */
  file = "";
  /** `rename-command` lines seen in the file: original → new name ("" disables). */
  readonly renames = new Map<string, string>();

  constructor() {
    for (const d of DIRECTIVES) {
      this.#byName.set(d.name, d);
      for (const alias of d.aliases ?? []) this.#byName.set(alias, d);
      this.#values.set(d.name, d.default);
    }
  }

  /** The directive for a name or alias. */
  directive(name: string): Directive | undefined {
    return this.#byName.get(name.toLowerCase());
  }

  /** The current value in CONFIG GET form. */
  get(name: string): string {
    const d = this.directive(name);
    if (d === undefined) throw new Error(`unknown directive ${name}`);
    return this.#values.get(d.name)!;
  }

  int(name: string): number {
    return Number(this.get(name));
  }

  bool(name: string): boolean {
    return this.get(name) === "yes";
  }

  /** Calls `fn` now and whenever the directive changes. */
  watch(name: string, fn: (value: string) => void): void {
    const d = this.directive(name)!;
    const list = this.#listeners.get(d.name) ?? [];
    list.push(fn);
    this.#listeners.set(d.name, list);
    fn(this.#values.get(d.name)!);
  }

  /**
   * Validates and applies one directive. `args` are the words after the name. Throws
   * ConfigError with Redis's reason text.
   */
  set(name: string, args: readonly string[], runtime = false): void {
    const d = this.directive(name);
    if (d === undefined) throw new ConfigError("Bad directive or wrong number of arguments");
    if (runtime && d.immutable) throw new ConfigError("can't set immutable config");
    const value = this.normalize(d, args, runtime);
    this.#apply(d, value);
  }

  #apply(d: Directive, value: string): void {
    this.#values.set(d.name, value);
    for (const fn of this.#listeners.get(d.name) ?? []) fn(value);
  }

  /** Applies several directives atomically (CONFIG SET a 1 b 2): all or none. */
  setMany(pairs: readonly [string, string][]): void {
    const staged: [Directive, string][] = [];
    const seen = new Set<string>();
    for (const [name, raw] of pairs) {
      const d = this.directive(name);
      if (d === undefined || FILE_ONLY.has(name.toLowerCase())) {
        throw new ConfigError(`Unknown option or number of arguments for CONFIG SET - '${name}'`);
      }
      if (seen.has(d.name)) {
        throw new ConfigError(
          `CONFIG SET failed (possibly related to argument '${name}') - duplicate parameter`,
        );
      }
      seen.add(d.name);
      if (d.immutable) {
        throw new ConfigError(
          `CONFIG SET failed (possibly related to argument '${name}') - can't set immutable config`,
        );
      }
      try {
        staged.push([d, this.normalize(d, splitValue(d, raw), true)]);
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        throw new ConfigError(
          `CONFIG SET failed (possibly related to argument '${name}') - ${err.message}`,
        );
      }
    }
    const previous = staged.map(([d]) => [d, this.#values.get(d.name)!] as const);
    try {
      for (const [d, v] of staged) this.#apply(d, v);
    } catch (err) {
      for (const [d, v] of previous) this.#apply(d, v);
      const [d] = staged[0]!;
      throw new ConfigError(
        `CONFIG SET failed (possibly related to argument '${d.name}') - ${
          err instanceof Error ? err.message : String(err)
        }`,
      );
    }
  }

  /** Checks a value and returns its canonical CONFIG GET form. */
  normalize(d: Directive, args: readonly string[], runtime: boolean): string {
    switch (d.kind) {
      case "bool": {
        const v = args.length === 1 ? parseBool(args[0]!) : null;
        if (v === null) throw new ConfigError("argument must be 'yes' or 'no'");
        return v ? "yes" : "no";
      }
      case "int":
      case "memory": {
        if (args.length !== 1) throw new ConfigError("wrong number of arguments");
        const n = d.kind === "int"
          ? parseInteger(args[0]!) ?? parseMemory(args[0]!)
          : parseMemory(args[0]!);
        if (n === null) {
          throw new ConfigError(
            d.kind === "int"
              ? "argument couldn't be parsed into an integer"
              : "argument must be a memory value",
          );
        }
        if (n < d.min! || n > d.max!) {
          throw new ConfigError(`argument must be between ${d.min} and ${d.max} inclusive`);
        }
        return String(n);
      }
      case "enum": {
        const v = args.length === 1 ? args[0]!.toLowerCase() : "";
        if (!d.values!.includes(v)) {
          throw new ConfigError(
            `argument(s) must be one of the following: ${d.values!.join(", ")}`,
          );
        }
        return v;
      }
      case "string":
        if (args.length !== 1) throw new ConfigError("wrong number of arguments");
        return args[0]!;
      case "special":
        return this.#special(d, args, runtime);
    }
  }

  #special(d: Directive, args: readonly string[], runtime: boolean): string {
    switch (d.name) {
      case "save": {
        // `save ""` clears; otherwise pairs of <seconds> <changes>. A file accumulates lines.
        if (args.length === 1 && args[0] === "") return "";
        const words = args.length === 1 ? args[0]!.split(/\s+/).filter(Boolean) : [...args];
        if (words.length === 0) return "";
        if (words.length % 2 !== 0) throw new ConfigError("Invalid save parameters");
        for (const w of words) {
          const n = parseInteger(w);
          if (n === null || n < 0) throw new ConfigError("Invalid save parameters");
        }
        const joined = words.join(" ");
        if (!runtime && this.#fileSaveSeen) {
          const prev = this.#values.get("save")!;
          return prev === "" ? joined : `${prev} ${joined}`;
        }
        this.#fileSaveSeen = !runtime;
        return joined;
      }
      case "bind": {
        const words = args.flatMap((a) => a.split(/\s+/)).filter(Boolean);
        if (words.length === 0) throw new ConfigError("Too many bind addresses specified.");
        if (words.length > 16) throw new ConfigError("Too many bind addresses specified.");
        return words.join(" ");
      }
      case "client-output-buffer-limit":
        return this.#outputLimits(args);
      case "notify-keyspace-events": {
        const v = args.join("");
        for (const c of v) {
          if (!KEYSPACE_EVENT_CLASSES.includes(c)) {
            throw new ConfigError("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.");
          }
        }
        return canonicalEvents(v);
      }
      case "dir": {
        if (args.length !== 1) throw new ConfigError("wrong number of arguments");
        try {
          Deno.chdir(args[0]!);
        } catch (err) {
          throw new ConfigError(err instanceof Error ? err.message : String(err));
        }
        return Deno.cwd();
      }
      case "requirepass":
      case "masterauth":
        if (args.length !== 1) throw new ConfigError("wrong number of arguments");
        return args[0]!;
      case "replicaof": {
        const words = args.length === 1 ? args[0]!.split(/\s+/) : [...args];
        if (words.length !== 2) throw new ConfigError("wrong number of arguments");
        if (words[0]!.toLowerCase() === "no" && words[1]!.toLowerCase() === "one") return "";
        const port = parseInteger(words[1]!);
        if (port === null || port < 0 || port > 65535) {
          throw new ConfigError("Invalid master port");
        }
        return `${words[0]} ${port}`;
      }
      case "oom-score-adj-values": {
        const words = args.length === 1 ? args[0]!.split(/\s+/) : [...args];
        if (words.length !== 3 || words.some((w) => parseInteger(w) === null)) {
          throw new ConfigError("Invalid oom-score-adj-values");
        }
        return words.join(" ");
      }
      case "latency-tracking-info-percentiles": {
        const words = args.length === 1 ? args[0]!.split(/\s+/).filter(Boolean) : [...args];
        for (const w of words) {
          const n = Number(w);
          if (!Number.isFinite(n) || n < 0 || n > 100) {
            throw new ConfigError(
              "latency-tracking-info-percentiles parameter must be between 0.0 and 100.0",
            );
          }
        }
        return words.join(" ");
      }
      default:
        if (args.length !== 1) throw new ConfigError("wrong number of arguments");
        return args[0]!;
    }
  }

  #fileSaveSeen = false;

  #outputLimits(args: readonly string[]): string {
    const words = args.length === 1 ? args[0]!.split(/\s+/).filter(Boolean) : [...args];
    if (words.length === 0 || words.length % 4 !== 0) {
      throw new ConfigError("Wrong number of arguments in buffer limit configuration.");
    }
    const current = parseLimits(this.#values.get("client-output-buffer-limit")!);
    for (let k = 0; k < words.length; k += 4) {
      let cls = words[k]!.toLowerCase();
      if (cls === "replica") cls = "slave";
      if (cls !== "normal" && cls !== "slave" && cls !== "pubsub") {
        throw new ConfigError("Invalid client class specified in buffer limit configuration.");
      }
      const hard = parseMemory(words[k + 1]!);
      const soft = parseMemory(words[k + 2]!);
      const secs = parseInteger(words[k + 3]!);
      if (hard === null || soft === null || secs === null || hard < 0 || soft < 0 || secs < 0) {
        throw new ConfigError(
          "Error in hard, soft or soft_seconds setting in buffer limit configuration.",
        );
      }
      current.set(cls, [hard, soft, secs]);
    }
    return ["normal", "slave", "pubsub"].map((c) => `${c} ${current.get(c)!.join(" ")}`).join(" ");
  }

  /** CONFIG GET: name/value pairs for every directive (or alias) matching one of `patterns`. */
  matching(patterns: readonly string[]): [string, string][] {
    const out = new Map<string, string>();
    for (const pattern of patterns) {
      const exact = this.#byName.get(pattern.toLowerCase());
      if (exact !== undefined && !hasGlob(pattern)) {
        out.set(pattern.toLowerCase(), this.#values.get(exact.name)!);
        continue;
      }
      for (const [name, d] of this.#byName) {
        if (!globMatch(pattern, name, true)) continue;
        // Aliases are listed only when the pattern names them rather than the canonical name.
        if (name !== d.name && globMatch(pattern, d.name, true)) continue;
        out.set(name, this.#values.get(d.name)!);
      }
    }
    return [...out];
  }

  /** Directives whose value differs from the default (for CONFIG REWRITE). */
  changed(): [Directive, string][] {
    const out: [Directive, string][] = [];
    for (const d of DIRECTIVES) {
      const v = this.#values.get(d.name)!;
      if (v !== d.default) out.push([d, v]);
    }
    return out;
  }

  /** The value of `name` as config-file lines (`save` and limits take several). */
  fileLines(d: Directive, value: string): string[] {
    if (d.name === "save") {
      if (value === "") return ['save ""'];
      const w = value.split(" ");
      const lines: string[] = [];
      for (let k = 0; k < w.length; k += 2) lines.push(`save ${w[k]} ${w[k + 1]}`);
      return lines;
    }
    if (d.name === "client-output-buffer-limit") {
      const w = value.split(" ");
      const lines: string[] = [];
      for (let k = 0; k < w.length; k += 4) {
        lines.push(`client-output-buffer-limit ${w.slice(k, k + 4).join(" ")}`);
      }
      return lines;
    }
    if (d.name === "replicaof" && value === "") return [];
    if (
      d.kind === "special" &&
      (d.name === "bind" || d.name === "replicaof" || d.name === "oom-score-adj-values")
    ) {
      return [`${d.name} ${value}`];
    }
    return [`${d.name} ${quote(value)}`];
  }

  /**
   * Loads config text (a redis.conf file plus `--name value` arguments as lines). Throws
   * ConfigFileError naming the file, line and text of the first bad directive.
   */
  load(text: string, source: string, depth = 0): void {
    const lines = text.split("\n");
    for (let n = 0; n < lines.length; n++) {
      const line = lines[n]!.trim();
      if (line === "" || line.startsWith("#")) continue;
      const bytes = new TextEncoder().encode(line);
      const parts = splitArgs(bytes, 0, bytes.length);
      const fail = (reason: string) => {
        throw new ConfigFileError(source, n + 1, line, reason);
      };
      if (parts === null) fail("Unbalanced quotes in configuration line");
      const words = parts!.map((p) => new TextDecoder().decode(p));
      if (words.length === 0) continue;
      const name = words[0]!.toLowerCase();
      const args = words.slice(1);
      if (name === "include") {
        if (args.length !== 1) fail("Bad directive or wrong number of arguments");
        if (depth > 8) fail("include nesting too deep");
        let included: string;
        try {
          included = Deno.readTextFileSync(args[0]!);
        } catch (err) {
          fail(`Can't open the include file: ${err instanceof Error ? err.message : err}`);
          return;
        }
        this.load(included, args[0]!, depth + 1);
        continue;
      }
      if (name === "rename-command") {
        if (args.length !== 2) fail("Bad directive or wrong number of arguments");
        this.renames.set(args[0]!.toLowerCase(), args[1]!.toLowerCase());
        continue;
      }
      if (name === "user" || name === "loadmodule") {
        fail(`'${name}' is not supported by hakv yet`);
      }
      const d = this.#byName.get(name);
      if (d === undefined) fail("Bad directive or wrong number of arguments");
      if (d!.kind !== "special" && args.length !== 1) {
        fail("wrong number of arguments");
      }
      try {
        this.#apply(d!, this.normalize(d!, args, false));
      } catch (err) {
        if (err instanceof ConfigError) fail(err.message);
        throw err;
      }
    }
  }
}

/** A bad line in a config file or argument list; main prints it and exits 1. */
export class ConfigFileError extends Error {
  constructor(
    readonly source: string,
    readonly line: number,
    readonly text: string,
    readonly reason: string,
  ) {
    super(
      `\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\n` +
        `Reading the configuration file ${source}, at line ${line}\n` +
        `>>> '${text}'\n${reason}`,
    );
    this.name = "ConfigFileError";
  }
}

function hasGlob(p: string): boolean {
  return /[*?[]/.test(p);
}

function splitValue(d: Directive, raw: string): string[] {
  if (d.kind !== "special") return [raw];
  if (
    d.name === "save" || d.name === "dir" || d.name === "requirepass" || d.name === "masterauth"
  ) {
    return [raw];
  }
  return raw.split(/\s+/).filter(Boolean);
}

function parseLimits(v: string): Map<string, [number, number, number]> {
  const w = v.split(" ");
  const out = new Map<string, [number, number, number]>();
  for (let k = 0; k < w.length; k += 4) {
    out.set(w[k]!, [Number(w[k + 1]), Number(w[k + 2]), Number(w[k + 3])]);
  }
  return out;
}

/** Redis prints the classes in a fixed order, with A standing for "g$lshzxetd". */
function canonicalEvents(v: string): string {
  const flags = new Set(v.split(""));
  if (flags.has("A")) { for (const c of "g$lshzxetd") flags.add(c); }
  let out = "";
  if ([..."g$lshzxetd"].every((c) => flags.has(c))) out = "A";
  else {
    for (const c of "g$lshzxetd") if (flags.has(c)) out += c;
    if (flags.has("n")) out += "n";
  }
  for (const c of "KEm") if (flags.has(c)) out += c;
  return out;
}

function quote(v: string): string {
  if (v === "") return '""';
  if (/^[\x21-\x7e]+$/.test(v) && !/["'\\]/.test(v)) return v;
  return JSON.stringify(v);
}
