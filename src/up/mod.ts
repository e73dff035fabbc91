// `hakv up [topology.yaml]`: starts a local HA group (data nodes, sentinels, a proxy) as child
// processes, waits until it is healthy, shows its status while it runs, and stops it in order on
// SIGINT, SIGTERM or SIGHUP.
import { Group } from "./_group.ts";
import { statusBlock, statusLine } from "./_status.ts";
import { loadTopology, type Topology, TopologyError } from "./topology.ts";

export { checkTopology, DEFAULTS, loadTopology, TopologyError } from "./topology.ts";
export type { Topology } from "./topology.ts";

const USAGE = `Usage: hakv up [topology.yaml]

Starts a master, its replicas, sentinels and a proxy on this machine (see docs/up.md), waits
until they are healthy, shows their status, and stops them all on Ctrl-C.`;

/** How long start-up may take before hakv up gives up. */
const HEALTHY_TIMEOUT_MS = 60_000;
const POLL_MS = 500;

const encoder = new TextEncoder();

function out(text: string): void {
  const bytes = encoder.encode(text);
  let off = 0;
  while (off < bytes.length) off += Deno.stdout.writeSync(bytes.subarray(off));
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Prints events and the status, in place on a terminal and line by line elsewhere. */
class Screen {
  readonly #tty = Deno.stdout.isTerminal();
  #drawn = 0;
  #last = "";

  /** A permanent line (printed above the live block on a terminal). */
  line(text: string): void {
    this.#erase();
    out(text + "\n");
  }

  status(g: Group): void {
    if (this.#tty) {
      this.#erase();
      const block = statusBlock(g);
      out(block.join("\n") + "\n");
      this.#drawn = block.length;
      return;
    }
    const [text, key] = statusLine(g);
    if (key === this.#last) return;
    this.#last = key;
    out(text + "\n");
  }

  #erase(): void {
    if (this.#drawn === 0) return;
    out(`\x1b[${this.#drawn}F\x1b[J`);
    this.#drawn = 0;
  }
}

/** `hakv up [topology.yaml]`; returns an exit code, or undefined while the group runs. */
export function runUp(argv: readonly string[]): number | undefined {
  if (argv[0] === "--help" || argv[0] === "-h") {
    console.log(USAGE);
    return 0;
  }
  if (argv.length > 1 || (argv[0] !== undefined && argv[0].startsWith("-"))) {
    console.error(
      `hakv up: unexpected argument ${
        JSON.stringify(argv[argv[0]?.startsWith("-") ? 0 : 1])
      }\n\n${USAGE}`,
    );
    return 1;
  }
  let topo: Topology;
  try {
    topo = loadTopology(argv[0]);
  } catch (err) {
    if (!(err instanceof TopologyError)) throw err;
    console.error(`hakv up: ${err.message}`);
    return 1;
  }
  const group = new Group(topo);
  const busy = group.busyPort();
  if (busy !== null) {
    console.error(
      `hakv up: port ${busy.port} (${busy.kind}) on ${topo.host} is in use: is another hakv up ` +
        "running? Stop it, or give the group other ports in a topology file.",
    );
    return 1;
  }
  try {
    group.prepare();
  } catch (err) {
    console.error(`hakv up: ${err instanceof Error ? err.message : err}`);
    return 1;
  }
  run(group).then((code) => Deno.exit(code), (err) => {
    console.error(`hakv up: ${err instanceof Error ? err.stack : err}`);
    group.killAll();
    Deno.exit(1);
  });
  return undefined;
}

async function run(g: Group): Promise<number> {
  const t = g.topo;
  const screen = new Screen();
  g.onEvent = (line) => screen.line(`hakv up: ${line}`);

  let stop: (why: string) => void = () => {};
  const stopped = new Promise<string>((resolve) => stop = resolve);
  let signals = 0;
  const onSignal = (name: string) => () => {
    // A second signal while stopping: stop waiting for graceful exits.
    if (++signals > 1) g.killAll();
    stop(name);
  };
  const onInt = onSignal("SIGINT");
  const onTerm = onSignal("SIGTERM");
  // The children run in sessions of their own, so a closed terminal must stop them from here.
  const onHup = onSignal("SIGHUP");
  Deno.addSignalListener("SIGINT", onInt);
  Deno.addSignalListener("SIGTERM", onTerm);
  Deno.addSignalListener("SIGHUP", onHup);
  let interrupted = false;
  stopped.then(() => interrupted = true);

  const finish = async (code: number, why: string): Promise<number> => {
    screen.line(`hakv up: stopping (${why})`);
    const n = await g.stop();
    Deno.removeSignalListener("SIGINT", onInt);
    Deno.removeSignalListener("SIGTERM", onTerm);
    Deno.removeSignalListener("SIGHUP", onHup);
    screen.line(`hakv up: stopped ${n} process(es); data kept in ${t.dir}`);
    return code;
  };

  /** Ctrl-C, or a member that died while starting: how `up` ends now; null to go on. */
  const startAborted = async (): Promise<number | null> => {
    if (interrupted) return await finish(0, await stopped);
    const dead = g.deadMember();
    if (dead === null) return null;
    screen.line(`hakv up: ${g.describeDeath(dead)}`);
    return await finish(1, "start-up failed");
  };

  const ports = (ps: readonly number[]) => ps.join(", ");
  screen.line(
    `hakv up: starting ${t.name} in ${t.dir}: master ${t.host}:${g.masterPort}, replicas ` +
      `${ports(g.nodes.filter((n) => n.port !== g.masterPort).map((n) => n.port))}, sentinels ` +
      `${ports(t.sentinelPorts)}${t.proxyPort === null ? "" : `, proxy ${t.proxyPort}`}`,
  );

  // Start-up: the master, then its replicas, then the sentinels, then the proxy; each step
  // waits until the previous processes answer, so nobody starts against a closed port.
  const deadline = Date.now() + HEALTHY_TIMEOUT_MS;
  const master = g.master()!;
  const steps = [
    [master],
    g.nodes.filter((n) => n !== master),
    g.sentinels,
    g.proxy === null ? [] : [g.proxy],
  ];
  for (const step of steps) {
    for (const m of step) g.spawn(m);
    while (true) {
      const aborted = await startAborted();
      if (aborted !== null) return aborted;
      if (Date.now() > deadline) {
        screen.line(`hakv up: not started within ${HEALTHY_TIMEOUT_MS / 1000} s`);
        return await finish(1, "start-up failed");
      }
      await Promise.all(step.map(async (m) => m.up = (await g.ask(m, "PING")) !== null));
      if (step.every((m) => m.up)) break;
      await sleep(100);
    }
    // A reused sentinel.conf keeps its old timings: the topology's apply now.
    if (step === g.sentinels) {
      for (const s of g.sentinels) {
        const r = await g.ask(
          s,
          ...["SENTINEL", "SET", t.name, "down-after-milliseconds", String(t.downAfter)],
          ...["failover-timeout", String(t.failoverTimeout), "quorum", String(t.quorum)],
        );
        if (r !== "OK") screen.line(`hakv up: sentinel ${t.host}:${s.port}: SENTINEL SET: ${r}`);
      }
    }
  }

  // Healthy: replication links up, every sentinel knows every replica and every other sentinel.
  while (true) {
    const aborted = await startAborted();
    if (aborted !== null) return aborted;
    await g.poll();
    const why = g.unhealthy();
    if (why === null) break;
    if (Date.now() > deadline) {
      screen.line(`hakv up: not healthy after ${HEALTHY_TIMEOUT_MS / 1000} s: ${why}`);
      return await finish(1, "start-up failed");
    }
    await sleep(200);
  }
  g.supervising = true;
  screen.line(
    `hakv up: healthy — ${t.proxyPort === null ? "" : `proxy ${t.host}:${t.proxyPort}, `}` +
      `master ${t.host}:${g.masterPort}, ${g.nodes.length - 1} replicas, ` +
      `${g.sentinels.length} sentinels`,
  );

  // Running: poll twice a second, redraw once a second (or print changes), restart what died.
  let lastDraw = 0;
  while (!interrupted) {
    await g.poll();
    g.restartDue();
    if (Date.now() - lastDraw >= 1000 || !Deno.stdout.isTerminal()) {
      screen.status(g);
      lastDraw = Date.now();
    }
    await Promise.race([sleep(POLL_MS), stopped]);
  }
  return await finish(0, await stopped);
}
