// The socket loop of one client: read into a reused buffer, run every complete command in it,
// then send all the replies with one write. Pipelined commands therefore cost one read and one
// write per batch. Protocol errors get Redis's reply and close the connection; a client whose
// unparsed input passes client-query-buffer-limit is closed without a reply, as Redis does.
import { makeRoom } from "../_util/binary.ts";
import { RequestParser } from "../resp/mod.ts";
import type { Client } from "./client.ts";
import { execute } from "./dispatch.ts";
import type { Server } from "./server.ts";

const INITIAL_READ = 16 * 1024;
/** Read buffers grown past this for a big command shrink back afterwards. */
const KEEP_READ = 1024 * 1024;

export async function serveConnection(
  server: Server,
  c: Client,
  conn: Deno.TcpConn,
): Promise<void> {
  // Idempotent: pub/sub and output limits follow the config once a server has clients.
  server.pubsub.attach(server);
  const parser = new RequestParser();
  const limits = { maxBulkLen: server.maxBulkLen, unauthenticated: false };
  let buf = new Uint8Array(INITIAL_READ);
  let start = 0;
  let end = 0;
  let inflight: Promise<void> | null = null;
  /** Another client wrote to this one while a write was in flight: flush again after it. */
  let woken = false;
  let connClosed = false;

  const closeConn = () => {
    if (connClosed) return;
    connClosed = true;
    try {
      conn.close();
    } catch {
      // already closed by the peer
    }
  };

  // Sends what the handlers wrote without waiting for the socket: the writer is swapped with
  // the spare, so reading and running the next batch overlap with this write. At most one
  // write is in flight; a flush while one is returns a promise to wait on, which bounds the
  // output buffered here. The common case (nothing in flight) allocates no extra promise.
  const flush = (): Promise<void> | undefined => {
    if (inflight !== null) return inflight.then(flush);
    if (c.w.length === 0 || c.closed) return undefined;
    const out = c.w;
    c.w = c.spare;
    c.spare = out;
    c.w.protocol = out.protocol;
    c.w.errors = out.errors;
    const n = out.length;
    inflight = writeAll(conn, out.bytes()).then(
      () => {
        server.stats.netOutputBytes += n;
        out.reset();
        inflight = null;
        if (c.onWritten !== null) {
          woken = false;
          c.onWritten();
          if (c.w.length > 0) flush();
          return;
        }
        if (woken) {
          woken = false;
          if (c.w.length > 0) flush();
        }
      },
      () => {
        out.reset();
        inflight = null;
        c.closed = true;
        closeConn();
      },
    );
    return undefined;
  };

  // While a command waits (blocking commands, client pauses) the socket is still read, into a
  // side buffer, so a disconnect is noticed and the client forgotten at once, as Redis does
  // (a forgotten BLPOP must not take an element meant for someone else). Bytes that arrive
  // meanwhile are appended to the read buffer for after the command.
  let side: Uint8Array | null = null;
  let sideRead: Promise<number | null> | null = null;
  const append = (bytes: Uint8Array): number => {
    if (end + bytes.length > buf.length) {
      const next = new Uint8Array(Math.max(buf.length * 2, end + bytes.length));
      next.set(buf.subarray(0, end));
      buf = next;
    }
    buf.set(bytes, end);
    return bytes.length;
  };
  const waitWatching = async (pending: Promise<void>): Promise<void> => {
    let finished = false;
    const done = pending.then(() => {
      finished = true;
      return -1 as const;
    });
    while (!finished) {
      side ??= new Uint8Array(INITIAL_READ);
      sideRead ??= conn.read(side).catch(() => null);
      const n = await Promise.race([done, sideRead]);
      if (n === -1) return; // the command finished; a started side read is taken later
      sideRead = null;
      if (n === null) {
        c.closed = true;
        server.removeClient(c);
        await pending;
        return;
      }
      end += append(side.subarray(0, n));
      server.stats.netInputBytes += n;
    }
  };

  // Other clients' actions (MONITOR feeds, published messages, CLIENT KILL) reach this
  // connection through here. While a write is in flight, the next one starts when it ends:
  // a subscriber that does not read keeps one write pending, never a chain of them.
  c.interrupt = () => {
    if (c.closed) closeConn();
    else if (inflight !== null) woken = true;
    else if (c.w.length > 0) flush();
  };

  try {
    while (!c.closed) {
      if (end === buf.length) {
        // Full: move the unparsed tail to the front, or grow for a command bigger than buf.
        buf = makeRoom(buf, start, end, parser.need + 1024);
        end -= start;
        start = 0;
      } else if (parser.need > buf.length - start && start > 0) {
        buf.copyWithin(0, start, end);
        end -= start;
        start = 0;
      }
      let n: number | null;
      if (sideRead !== null) {
        // A read started while a command waited: take its bytes first.
        n = await sideRead;
        sideRead = null;
        if (n !== null) n = append(side!.subarray(0, n));
      } else {
        try {
          n = await conn.read(buf.subarray(end));
        } catch {
          break;
        }
      }
      if (n === null || c.closed) break;
      end += n;
      server.stats.netInputBytes += n;
      c.lastInteraction = Date.now();
      // Commands of this batch are timed back to back from here (see Server.batchClock).
      server.batchClock = performance.now();
      // As Redis: a query buffer past the limit closes the client before anything in it runs.
      if (end - start > server.queryBufferLimit) {
        server.log.warning(
          `Closing client that reached max query buffer length: id=${c.id} addr=${c.addr} qbuf=${
            end - start
          }`,
        );
        break;
      }

      while (start < end && !c.closed) {
        limits.maxBulkLen = server.maxBulkLen;
        limits.unauthenticated = !c.authenticated;
        const used = parser.parse(buf, start, end, c.argv, limits);
        if (used === 0) break;
        if (used < 0) {
          c.w.error(parser.error);
          server.log.verbose(`Protocol error (${parser.error}) from client: addr=${c.addr}`);
          c.closeAfterReply = true;
          start = end;
          break;
        }
        start += used;
        if (c.argv.length === 0) continue;
        const mark = c.w.length;
        const pending = execute(server, c, c.argv);
        if (pending !== undefined) {
          server.batchClock = -1;
          await flush();
          await waitWatching(pending);
          server.batchClock = performance.now();
        }
        if (c.replyMode !== "on" || c.skipNext) {
          // CLIENT REPLY OFF / SKIP: discard what the command wrote.
          if (c.replyMode === "skip") {
            c.replyMode = "on";
            c.skipNext = true;
          } else if (c.skipNext) {
            c.w.truncate(mark);
            c.skipNext = false;
          } else c.w.truncate(mark);
        }
        if (c.closeAfterReply) break;
      }
      // Nothing may use this batch's clock once the loop can yield to other connections.
      server.batchClock = -1;
      if (start === end) {
        start = 0;
        end = 0;
        if (buf.length > KEEP_READ) buf = new Uint8Array(INITIAL_READ);
      }
      c.queryBufferLength = end - start;
      if (c.queryBufferLength > c.queryBufferPeak) c.queryBufferPeak = c.queryBufferLength;
      if (c.w.length > 0) {
        if (server.pubsub.normalLimited) server.pubsub.checkNormalOutput(c);
        const waiting = flush();
        if (waiting !== undefined) await waiting;
      }
      if (c.closeAfterReply) break;
    }
  } finally {
    server.batchClock = -1;
    if (!c.closed) await flush();
    while (inflight !== null) await inflight;
    closeConn();
  }
}

/**
 * Reply bytes not yet handed to the socket: what handlers wrote since the last flush plus the
 * batch still being written (the spare writer holds it until its write completes).
 */
export function pendingOutput(c: Client): number {
  return c.w.length + c.spare.length;
}

/** Writes every byte; one write call in the common case. */
function writeAll(conn: Deno.TcpConn, bytes: Uint8Array): Promise<unknown> {
  return conn.write(bytes).then((n) => n < bytes.length ? writeAll(conn, bytes.subarray(n)) : n);
}
