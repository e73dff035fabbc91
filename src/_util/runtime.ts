// How the data node's process should be started. V8 copies every young object that survives a
// scavenge, and a write-heavy load makes nearly every stored value survive, so a large young
// generation means long copy pauses (about 20 ms each at 16 MiB, measured with --trace-gc under
// `redis-benchmark -t set -P 16`). A 2 MiB semi-space keeps each pause near 2 ms at about the
// same throughput. V8 reads this flag only at start-up, so it is passed on the command line:
// by `deno task start`, `deno task compile` (embedded in the binary), the tests and the bench.

export const V8_FLAGS = "--v8-flags=--max-semi-space-size=2";
