// `deno task chaos [--minutes N] [--seed S] [--clients C] [--dump DIR]`: the HA checker of
// tests/ha for as long as asked (default 10 minutes): writes through `hakv proxy` while a
// seeded nemesis kills -9, SIGSTOPs and partitions the master, then every node is read and the
// history checked. Prints progress every 10 s and the final counts; exits 1 if the check fails.
import { report, runChecker } from "../tests/ha/_checker.ts";

function usage(msg: string): never {
  console.error(
    `${msg}\nusage: deno task chaos [--minutes N] [--seed S] [--clients C] [--dump DIR]`,
  );
  Deno.exit(2);
}

let minutes = 10;
let seed = Math.floor(Math.random() * 2 ** 31);
let clients = 5;
let dumpDir: string | undefined;
for (let i = 0; i < Deno.args.length; i++) {
  const flag = Deno.args[i]!;
  const value = Deno.args[++i];
  if (value === undefined) usage(`${flag} needs a value`);
  const n = Number(value);
  switch (flag) {
    case "--minutes":
      if (!(n > 0)) usage(`bad --minutes ${value}`);
      minutes = n;
      break;
    case "--seed":
      if (!Number.isInteger(n)) usage(`bad --seed ${value}`);
      seed = n;
      break;
    case "--clients":
      if (!Number.isInteger(n) || n < 1) usage(`bad --clients ${value}`);
      clients = n;
      break;
    case "--dump":
      dumpDir = value;
      break;
    default:
      usage(`unknown option ${flag}`);
  }
}

console.log(`chaos: ${minutes} min, seed ${seed}, ${clients} clients (--seed ${seed} replays it)`);
const r = await runChecker({
  seed,
  durationMs: minutes * 60_000,
  clients,
  progressMs: 10_000,
  ...(dumpDir === undefined ? {} : { dumpDir }),
});
console.log(report(r));
Deno.exit(r.passed ? 0 : 1);
