/**
 * Makes this process's stderr blocking when it is a pipe, so the embedded engine cannot crash the
 * process with SIGABRT.
 *
 * Why: SurrealDB 3.0.2's engine prints a debug dump (`kvs/timestamp.rs ... to_be_bytes()`) to fd 2 on
 * every commit that records a change-feed entry (any table or database with `CHANGEFEED`; hybrid mode
 * turns one on) and on every `SHOW CHANGES` (live queries on such tables read it). Node puts a
 * stderr pipe in non-blocking mode; when the reader of the pipe falls behind and the pipe fills, the
 * engine's write fails with EAGAIN, Rust panics inside native code, and the process aborts (measured:
 * a child whose stderr pipe was read slowly died with SIGABRT in 3 of 5 runs; with this, 0 of 8). A
 * blocking pipe makes the engine wait for the reader instead. Node itself writes to stderr pipes
 * synchronously on Linux already, so its own behaviour barely changes. Files and terminals are left
 * alone (they never return EAGAIN). The dump itself cannot be silenced from JavaScript.
 */
export function makeStderrBlocking(): boolean {
  const stream = process.stderr as unknown as {
    isTTY?: boolean;
    _handle?: { setBlocking?: (blocking: boolean) => number };
  };
  if (stream.isTTY || typeof stream._handle?.setBlocking !== "function") return false;
  return stream._handle.setBlocking(true) === 0;
}
