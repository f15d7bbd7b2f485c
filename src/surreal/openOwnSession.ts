import type { Endpoint } from "../core/Endpoint.js";
import type { HeldUnit } from "../core/HeldUnits.js";
import { endpointsForNewUnit } from "../core/placeUnit.js";
import { ConnectError } from "../errors/ConnectError.js";
import type { RawConnection } from "./Connector.js";
import { connectorOf } from "./rawOf.js";

/** Where a session outside the pool's opens, and its opening. */
export interface PlacedSession {
  endpoint: string;
  held: Promise<HeldUnit<RawConnection>>;
}

/**
 * One session outside the pool's, in `place`, for a caller that keeps it (an agent): on the endpoint
 * the core's placement offers first whose connector gives sessions (a shared socket, the embedded
 * engine), held by that endpoint under its bound as a unit of `kind`. Undefined when none can now: every
 * endpoint is at its bound or its breaker is open, or the server has no sessions (2.x); the caller then
 * switches a pooled session instead.
 */
export function openOwnSession(
  endpoints: readonly Endpoint[],
  kind: string,
  place: { namespace: string; database: string },
): Promise<HeldUnit<RawConnection>> | undefined {
  return placeOwnSession(endpoints, kind, place)?.held;
}

/**
 * As `openOwnSession`, saying where. With `endUser`, the session is an end user's: the caller
 * authenticates it (the pool neither signs it in nor keeps its sign-in), and an endpoint whose server
 * has no sessions (2.x) gives a socket of its own instead (`onSocket` is told so), under the same bound:
 * an end user has no pooled session to fall back on.
 */
export function placeOwnSession(
  endpoints: readonly Endpoint[],
  kind: string,
  place: { namespace: string; database: string },
  endUser?: { connectTimeoutMs: number; onSocket(endpoint: string, reason: string): void },
): PlacedSession | undefined {
  for (const endpoint of endpointsForNewUnit(endpoints)) {
    const connector = connectorOf(endpoint);
    const withoutSessions = !connector.openSession || connector.socketHealth?.().pooling === "sockets";
    if (withoutSessions && !(endUser && connector.openDedicated)) continue;
    const open = withoutSessions
      ? () => {
          endUser!.onSocket(endpoint.endpoint, `${endpoint.endpoint} has no sessions (SurrealDB 2.x)`);
          return connector.openDedicated!(AbortSignal.timeout(endUser!.connectTimeoutMs));
        }
      : () => connector.openSession!(place, endUser === undefined) ?? noSessions(endpoint);
    const held = endpoint.hold(kind, open);
    if (held) return { endpoint: endpoint.endpoint, held };
  }
  return undefined;
}

/** The server told it has no sessions between the check above and the open (its first socket). */
function noSessions(endpoint: Endpoint): Promise<never> {
  return Promise.reject(
    new ConnectError(endpoint.endpoint, `${endpoint.endpoint} has no sessions (SurrealDB 2.x); try again`),
  );
}
