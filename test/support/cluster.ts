// A simulated SurrealDB cluster on 127.0.0.1: several compute nodes (ports) over ONE shared store, as
// SurrealDB runs stateless nodes over TiKV. Kill a node and the data stays; its sockets and sessions go.
//
//   const cluster = await startCluster({ nodes: 3, store: `surrealkv://${dir}` });
//   manager over cluster.urls (remote mode) ...
//   await cluster.nodes[0].kill();      // SIGKILL one node: its clients' sockets drop, data stays
//   await cluster.nodes[0].restart();   // same port
//   await cluster.store.kill();         // the storage itself crashes (surrealkv:// keeps what was committed)
//   await cluster.stop();
//
// Why a store process: a second open of one surrealkv:// directory hangs (FACTS), so the one engine lives
// in one process (an endpointServer.ts, which also gives every socket its own SurrealDB session, checks
// credentials and routes live-query notifications). Each node (clusterNode.ts) is a child process that
// serves WebSocket RPC on its own port and forwards each client socket over a socket of its own to the
// store, so a live query's notifications come back through the node whose socket registered it.
import { fileURLToPath } from "node:url";
import { ChildServer, type ChildServerSpec, type Started } from "./childServer.js";
import { type EndpointHandle, type StoreUrl, startEndpoint } from "./endpoint.js";

const NODE_SCRIPT = fileURLToPath(new URL("./clusterNode.ts", import.meta.url));

export interface StartClusterOptions {
  /** Compute nodes. Default 3. */
  nodes?: number;
  /** The shared store. Default `mem://`; `surrealkv://DIR` survives a crash of the store process too. */
  store?: StoreUrl;
  /** Root user. Default root/root. */
  username?: string;
  password?: string;
  /** Per child start. Default 10 s. */
  startTimeoutMs?: number;
}

/** One compute node: kill (SIGKILL), stop (SIGTERM: its sockets get 1001), pause/resume (SIGSTOP/CONT), restart. */
export class ClusterNode extends ChildServer {
  readonly name: string;

  /** @internal */
  static async start(name: string, store: EndpointHandle, startTimeoutMs?: number): Promise<ClusterNode> {
    const spec: ChildServerSpec = {
      script: NODE_SCRIPT,
      label: `cluster ${name}`,
      detail: `store port ${store.port}`,
      startTimeoutMs,
      stopTimeoutMs: 3_000,
      args: (port) => ["--port", String(port), "--store-port", String(store.port), "--name", name],
    };
    const { started, log } = await ChildServer.spawn(spec, 0);
    return new ClusterNode(name, spec, started, log);
  }

  private constructor(name: string, spec: ChildServerSpec, started: Started, log: () => string) {
    super(spec, started, log);
    this.name = name;
  }
}

export interface Cluster {
  /** The one process that owns the data. Its kill or restart takes every node's sessions with it. */
  readonly store: EndpointHandle;
  readonly nodes: readonly ClusterNode[];
  /** The nodes' URLs: what a pool in remote mode is pointed at. */
  readonly urls: string[];
  readonly username: string;
  readonly password: string;
  /** Stops every node, then the store. Never throws. */
  stop(): Promise<void>;
}

export async function startCluster(options: StartClusterOptions = {}): Promise<Cluster> {
  const username = options.username ?? "root";
  const password = options.password ?? "root";
  const store = await startEndpoint({
    store: options.store ?? "mem://",
    username,
    password,
    startTimeoutMs: options.startTimeoutMs,
  });
  const names = Array.from({ length: options.nodes ?? 3 }, (_, i) => `node-${i + 1}`);
  const results = await Promise.allSettled(
    names.map((name) => ClusterNode.start(name, store, options.startTimeoutMs)),
  );
  const nodes = results.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  const stop = async () => {
    await Promise.all(nodes.map((n) => n.stop().catch(() => undefined)));
    await store.stop().catch(() => undefined);
  };
  if (failed) {
    await stop();
    throw failed.reason;
  }
  return {
    store,
    nodes,
    get urls() {
      return nodes.map((n) => n.url);
    },
    username,
    password,
    stop,
  };
}
