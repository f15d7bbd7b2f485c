import { connect } from "node:net";

/**
 * Opens and closes one TCP connection to the endpoint's host and port. The SDK's own connect() never
 * settles against a refused port (FACTS), so without this a dead endpoint costs a whole connect
 * timeout; with it, a refused port fails in well under a millisecond with ECONNREFUSED.
 */
export function probeTcp(url: string, signal: AbortSignal): Promise<void> {
  const parsed = new URL(url);
  const port = Number(parsed.port) || (parsed.protocol === "wss:" ? 443 : 80);
  const host = parsed.hostname.replace(/^\[|\]$/g, "");
  return new Promise<void>((resolve, reject) => {
    const socket = connect({ host, port });
    const onAbort = () => {
      socket.destroy();
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
    socket.once("connect", () => {
      signal.removeEventListener("abort", onAbort);
      socket.end();
      socket.destroy();
      resolve();
    });
    socket.once("error", (error) => {
      signal.removeEventListener("abort", onAbort);
      socket.destroy();
      reject(error);
    });
  });
}
