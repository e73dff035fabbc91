"""A redis-py writer driven by tests/sentinel_clients_test.ts.

Finds the master through the sentinels given on the command line with redis.sentinel.Sentinel,
then writes `<prefix>:<n> = n` in a loop, each SET followed by WAIT 1 1000 in the same
non-transactional pipeline (one connection), and prints one JSON line per attempt:
  {"ack": n, "wait": replicas, "sent": ms, "done": ms}   the SET was acknowledged
  {"err": text, "sent": ms}                              the attempt failed
It stops when a line arrives on stdin (or stdin closes) and prints {"end": attempts}.
Usage: _sentinel_client.py NAME PREFIX SENTINEL_PORT...
"""

import json
import sys
import threading
import time

from redis.sentinel import Sentinel


def now_ms():
    return int(time.time() * 1000)


def main():
    name, prefix, ports = sys.argv[1], sys.argv[2], sys.argv[3:]
    stop = threading.Event()

    def watch_stdin():
        sys.stdin.readline()
        stop.set()

    threading.Thread(target=watch_stdin, daemon=True).start()

    sentinel = Sentinel([("127.0.0.1", int(p)) for p in ports], socket_timeout=1.0)
    master = sentinel.master_for(name, socket_timeout=2.0, socket_connect_timeout=1.0)
    try:
        print(json.dumps({"master": list(sentinel.discover_master(name))}), flush=True)
    except Exception as e:  # noqa: BLE001 -- reported; the loop below keeps trying
        print(json.dumps({"err": f"{type(e).__name__}: {e}", "sent": now_ms()}), flush=True)

    n = 0
    while not stop.is_set():
        sent = now_ms()
        try:
            pipe = master.pipeline(transaction=False)
            pipe.set(f"{prefix}:{n}", str(n))
            pipe.execute_command("WAIT", 1, 1000)
            ok, waited = pipe.execute()
            if ok is True:
                print(json.dumps({"ack": n, "wait": waited, "sent": sent, "done": now_ms()}),
                      flush=True)
            else:
                print(json.dumps({"err": f"SET replied {ok!r}", "sent": sent}), flush=True)
        except Exception as e:  # noqa: BLE001 -- every failure is recorded, the loop goes on
            print(json.dumps({"err": f"{type(e).__name__}: {e}", "sent": sent}), flush=True)
            time.sleep(0.05)
        n += 1
    print(json.dumps({"end": n}), flush=True)


main()
