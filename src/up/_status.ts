// What `hakv up` shows while the group runs: one block redrawn in place on a terminal, or one
// line each time something other than a lag figure changes when the output is a file or a pipe.
import { describeExit, type Group, type Member } from "./_group.ts";

interface ReplicaLink {
  state: string;
  offset: number;
  lag: number;
}

/** The master's `slaveN` lines, by replica port. */
function replicaLinks(master: Member | undefined): Map<number, ReplicaLink> {
  const out = new Map<number, ReplicaLink>();
  if (master === undefined || master.info.get("role") !== "master") return out;
  for (const [k, v] of master.info) {
    if (!/^slave\d+$/.test(k)) continue;
    const f = new Map(v.split(",").map((kv) => kv.split("=") as [string, string]));
    out.set(Number(f.get("port")), {
      state: f.get("state") ?? "?",
      offset: Number(f.get("offset")),
      lag: Number(f.get("lag")),
    });
  }
  return out;
}

function down(g: Group, m: Member): string {
  if (m.proc?.running) {
    return Date.now() - m.proc.startedAt < 10_000 ? "starting" : "not answering";
  }
  const why = m.lastExit === null ? "down" : `down (${describeExit(m.lastExit)})`;
  if (g.stopping || m.restartAt === 0) return why;
  if (m.kind === "node" && m.port === g.masterPort) return `${why}, restarts after the failover`;
  return `${why}, restarting`;
}

interface Row {
  role: string;
  port: number;
  /** The state without figures that move all the time: a change here is worth a line. */
  state: string;
  /** Lag and bytes behind, shown but not compared. */
  figures: string;
}

function rows(g: Group): Row[] {
  const out: Row[] = [];
  if (g.proxy !== null) {
    out.push({
      role: "proxy",
      port: g.proxy.port,
      state: g.proxy.up ? "up" : down(g, g.proxy),
      figures: "",
    });
  }
  const master = g.master();
  const links = replicaLinks(master);
  const masterOffset = Number(master?.info.get("master_repl_offset") ?? 0);
  if (master !== undefined) {
    let state: string;
    if (!master.up) state = down(g, master);
    else if (master.info.get("role") !== "master") state = "up, not yet a master";
    else state = `up, ${links.size} replica(s) connected`;
    out.push({ role: "master", port: master.port, state, figures: "" });
  }
  for (const n of g.nodes) {
    if (n === master) continue;
    const link = links.get(n.port);
    let state: string;
    let figures = "";
    if (!n.up) state = down(g, n);
    else if (n.info.get("role") === "master") state = "up, claims to be a master";
    else if (link === undefined || n.info.get("master_link_status") !== "up") state = "up, syncing";
    else {
      state = `up, ${link.state}`;
      figures = `lag ${link.lag} s, ${Math.max(0, masterOffset - link.offset)} bytes behind`;
    }
    out.push({ role: "replica", port: n.port, state, figures });
  }
  for (const s of g.sentinels) {
    let state = s.up ? "up" : down(g, s);
    if (s.up && s.sees !== g.masterPort) state += `, names ${s.sees} as master`;
    out.push({ role: "sentinel", port: s.port, state, figures: "" });
  }
  return out;
}

/** The block shown on a terminal. */
export function statusBlock(g: Group): string[] {
  const host = g.topo.host;
  const lines = [`hakv up: ${g.topo.name} at ${new Date().toLocaleTimeString()} (Ctrl-C stops)`];
  for (const r of rows(g)) {
    const addr = `${host}:${r.port}`.padEnd(22);
    lines.push(
      `  ${r.role.padEnd(9)} ${addr} ${r.state}${r.figures === "" ? "" : `, ${r.figures}`}`,
    );
  }
  lines.push(`  failovers ${g.failovers}`);
  return lines;
}

/** One line for logs: `[0]` includes the figures, `[1]` is what is compared for a change. */
export function statusLine(g: Group): [string, string] {
  const host = g.topo.host;
  const all = rows(g);
  const part = (r: Row, figures: boolean) =>
    `${r.role} ${host}:${r.port} ${r.state}${figures && r.figures !== "" ? ` (${r.figures})` : ""}`;
  const text = (figures: boolean) =>
    `hakv up: ${all.map((r) => part(r, figures)).join("; ")}; failovers ${g.failovers}`;
  return [text(true), text(false)];
}
