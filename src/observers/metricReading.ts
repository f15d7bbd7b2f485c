import type { BreakerState } from "../events/PoolEvent.js";
import type { EndpointMetrics } from "./EndpointMetrics.js";
import type { Histogram } from "./Histogram.js";
import type { MetricsReading, ObservedHistogram } from "./MetricsFold.js";
import type { MetricsSnapshot } from "./MetricsSnapshot.js";
import { userSessionHitRatio } from "./userMetrics.js";

/**
 * How a metric of the catalog (`metricCatalog.ts`) is read from the metrics fold: the kinds of reading,
 * and the series each gives in one `MetricsReading`. Exporters call `seriesOf`/`histogramsOf`; they
 * never pick a field themselves.
 */

export type MetricType = "counter" | "gauge" | "histogram";
export type Labels = Readonly<Record<string, string>>;
export type Series = [Labels, number][];

/** The numbers an endpoint has (its counters and gauges). */
export type EndpointNumber = {
  [K in keyof EndpointMetrics]: EndpointMetrics[K] extends number ? K : never;
}[keyof EndpointMetrics];
/** The numbers of the pool's totals, plus the figures derived from them (`derivedFigures`, below). */
export type PoolFigures = Omit<MetricsSnapshot, "acquireWaitMs"> & DerivedFigures;
/** Figures computed from the totals when read, never kept by the fold. */
export interface DerivedFigures {
  /** Everything that went wrong (`failures()`). */
  failures: number;
  /** The share of end users' calls that found their session cached (`userSessionHitRatio()`). */
  userSessionHitRatio: number;
}
export type PoolNumber = {
  [K in keyof PoolFigures]: PoolFigures[K] extends number ? K : never;
}[keyof PoolFigures];

/** The reading of the fold a metric comes from. */
export type MetricReading =
  /** An endpoint's number, one series per endpoint; the pool's total is the snapshot's field of that name. */
  | { scope: "endpoint"; field: EndpointNumber }
  /** Several of an endpoint's numbers as one metric, told apart by `label` (e.g. passed/failed). */
  | { scope: "endpoint"; label: string; split: Readonly<Record<string, EndpointNumber>> }
  /** An endpoint's histogram (ms), one series per endpoint. */
  | { scope: "endpoint"; histogram: ObservedHistogram; bucketsMs: readonly number[] }
  /** A number of the pool as a whole. */
  | { scope: "pool"; field: PoolNumber }
  /** A count of the pool per key of one of the reading's tallies, the key as `label`. */
  | { scope: "pool"; label: string; tally: "acquireFailures" | "eventsByType" }
  /** Anything else, as series of the reading (labels named in `labels`). */
  | { scope: "derived"; labels: readonly string[]; series: (r: MetricsReading) => Series };

export const endpoint = (field: EndpointNumber): MetricReading => ({ scope: "endpoint", field });
export const pool = (field: PoolNumber): MetricReading => ({ scope: "pool", field });
export const histogram = (h: ObservedHistogram, bucketsMs: readonly number[]): MetricReading => ({
  scope: "endpoint",
  histogram: h,
  bucketsMs,
});
const BREAKER_STATES: readonly BreakerState[] = ["closed", "open", "halfOpen"];

/** Everything that went wrong, as one figure: failed operations and acquires, connects, checks, leaks. */
export function failures(m: MetricsSnapshot): number {
  return (
    m.errors +
    m.acquireTimeouts +
    m.acquireAborts +
    m.acquireRejections +
    m.connectFailures +
    m.healthChecksFailed +
    m.resetFailures +
    m.leaksDetected
  );
}

/** The derived figures of one snapshot (the dashboard's numbers carry them beside the totals). */
export function derivedFigures(m: MetricsSnapshot): DerivedFigures {
  return { failures: failures(m), userSessionHitRatio: userSessionHitRatio(m) };
}

/** One of the pool's figures, kept or derived. */
function poolFigure(m: MetricsSnapshot, field: PoolNumber): number {
  if (field === "failures") return failures(m);
  if (field === "userSessionHitRatio") return userSessionHitRatio(m);
  return m[field];
}

/** Endpoints that hold connections: operations that reached none are filed under endpoint "". */
function connectionEndpoints(r: MetricsReading): [string, EndpointMetrics][] {
  return Object.entries(r.endpoints).filter(([endpoint]) => endpoint !== "");
}

/** One of the pool's configured bounds, once `pool.started` told them. */
export function limit(bound: "minConnections" | "maxConnections"): MetricReading {
  return { scope: "derived", labels: [], series: (r) => (r.limits ? [[{}, r.limits[bound]]] : []) };
}

/** Per endpoint, 1 for the state its circuit breaker is in and 0 for the others. */
export function breakerStates(): MetricReading {
  return {
    scope: "derived",
    labels: ["endpoint", "state"],
    series: (r) =>
      connectionEndpoints(r).flatMap(([endpoint, m]) =>
        BREAKER_STATES.map((state): [Labels, number] => [{ endpoint, state }, +(m.breaker === state)]),
      ),
  };
}

/**
 * Per endpoint, its open connections as semconv counts them: idle, and used (leased, being checked or
 * reset, or closing). Operations that reached no connection (endpoint "") hold no connections.
 */
export function connectionStates(): MetricReading {
  return {
    scope: "derived",
    labels: ["endpoint", "state"],
    series: (r) =>
      connectionEndpoints(r).flatMap(
        ([endpoint, m]): Series => [
          [{ endpoint, state: "idle" }, m.idle],
          [{ endpoint, state: "used" }, m.size - m.idle],
        ],
      ),
  };
}

/** End users' cached sessions let go, one series per reason (every reason, 0 until it happens). */
export function userEvictionReasons(): MetricReading {
  return {
    scope: "derived",
    labels: ["reason"],
    series: (r) => Object.entries(r.snapshot.userEvictionsByReason).map(([reason, n]) => [{ reason }, n]),
  };
}

/** The label names of a reading's series. */
export function labelsOf(reading: MetricReading): string[] {
  if (reading.scope === "derived") return [...reading.labels];
  if (reading.scope === "pool") return "tally" in reading ? [reading.label] : [];
  return "split" in reading ? ["endpoint", reading.label] : ["endpoint"];
}

/**
 * A counter's or gauge's series in one reading. Per endpoint, the "" pseudo-endpoint (operations that
 * reached no connection) appears only where it counted something.
 */
export function seriesOf(reading: MetricReading, r: MetricsReading): Series {
  switch (reading.scope) {
    case "derived":
      return reading.series(r);
    case "pool":
      if ("tally" in reading) {
        return Object.entries(r[reading.tally]).map(([key, n]) => [{ [reading.label]: key }, n]);
      }
      return [[{}, poolFigure(r.snapshot, reading.field)]];
    case "endpoint": {
      if ("histogram" in reading) return [];
      const picks: [Labels, EndpointNumber][] =
        "split" in reading
          ? Object.entries(reading.split).map(([key, field]) => [{ [reading.label]: key }, field])
          : [[{}, reading.field]];
      const out: Series = [];
      for (const [extra, field] of picks) {
        for (const [endpoint, m] of Object.entries(r.endpoints)) {
          const v = m[field];
          if (endpoint !== "" || v !== 0) out.push([{ endpoint, ...extra }, v]);
        }
      }
      return out;
    }
  }
}

/** A histogram's series in one reading: per endpoint, "" only where it observed something. */
export function histogramsOf(reading: MetricReading, r: MetricsReading): [Labels, Histogram][] {
  if (reading.scope !== "endpoint" || !("histogram" in reading)) return [];
  const pick = reading.histogram;
  return Object.entries(r.endpoints)
    .filter(([endpoint, m]) => endpoint !== "" || m[pick].count > 0)
    .map(([endpoint, m]): [Labels, Histogram] => [{ endpoint }, m[pick]]);
}
