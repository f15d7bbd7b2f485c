// Starts real SurrealDB RPC endpoints (test/support/endpointServer.ts) as child processes on 127.0.0.1.
//
//   const ep = await startEndpoint({ store: `surrealkv://${dir}` });
//   const db = await connectWs(ep.url, { auth: { username: ep.username, password: ep.password } });
//   await ep.kill();     // crash (SIGKILL)
//   await ep.restart();  // same port, same directory
//   await ep.stop();     // graceful (SIGTERM)
import { fileURLToPath } from "node:url";
import { ChildServer, type ChildServerSpec, type Started } from "./childServer.js";

export type StoreUrl = "mem://" | `surrealkv://${string}`;

export interface StartEndpointOptions {
  /** Default `mem://` (empty on every start). `surrealkv://DIR` keeps data across kill/restart. */
  store?: StoreUrl;
  /** Default 0: the child picks a free port, then keeps it across restarts. */
  port?: number;
  /** Root user defined at first start. Default root/root. */
  username?: string;
  password?: string;
  /** Let sessions that never signed in touch data (a server's guest access). Default false. */
  allowGuests?: boolean;
  /** false: refuse `attach`/`detach`/`sessions` ("Method not found"), as a SurrealDB 2.x server does. */
  sessions?: boolean;
  /** The version the `version` RPC reports, e.g. "surrealdb-2.3.7" (with `sessions: false`: a 2.x server). */
  reportVersion?: string;
  /** Live queries register but their notifications are never sent (see GatewayOptions). Default false. */
  dropNotifications?: boolean;
  /** How long a start may take before the child is killed and the start rejects. Default 10 s. */
  startTimeoutMs?: number;
  /** How long stop() waits after SIGTERM before it SIGKILLs. Default 5 s. */
  stopTimeoutMs?: number;
}

const SERVER_SCRIPT = fileURLToPath(new URL("./endpointServer.ts", import.meta.url));

/** A running endpoint: kill (SIGKILL), stop (SIGTERM: sockets get close 1001, the store is flushed), restart. */
export class EndpointHandle extends ChildServer {
  readonly store: StoreUrl;
  readonly username: string;
  readonly password: string;

  /** @internal */
  static async start(options: StartEndpointOptions): Promise<EndpointHandle> {
    const spec = endpointSpec(options);
    const { started, log } = await ChildServer.spawn(spec, options.port ?? 0);
    return new EndpointHandle(spec, started, log, options);
  }

  private constructor(
    spec: ChildServerSpec,
    started: Started,
    log: () => string,
    options: StartEndpointOptions,
  ) {
    super(spec, started, log);
    this.store = options.store ?? "mem://";
    this.username = options.username ?? "root";
    this.password = options.password ?? "root";
  }
}

export function startEndpoint(options: StartEndpointOptions = {}): Promise<EndpointHandle> {
  return EndpointHandle.start(options);
}

function endpointSpec(options: StartEndpointOptions): ChildServerSpec {
  const store = options.store ?? "mem://";
  return {
    script: SERVER_SCRIPT,
    label: "endpoint",
    detail: `store ${store}`,
    startTimeoutMs: options.startTimeoutMs,
    stopTimeoutMs: options.stopTimeoutMs,
    args: (port) => [
      "--port",
      String(port),
      "--store",
      store,
      "--user",
      options.username ?? "root",
      "--pass",
      options.password ?? "root",
      ...(options.allowGuests ? ["--allow-guests"] : []),
      ...(options.sessions === false ? ["--no-sessions"] : []),
      ...(options.reportVersion ? ["--report-version", options.reportVersion] : []),
      ...(options.dropNotifications ? ["--drop-notifications"] : []),
    ],
  };
}
