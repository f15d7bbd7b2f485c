import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { dashboardPage } from "../../src/dashboard/page/dashboardPage.js";
import { dashboardStats } from "../../src/dashboard/page/dashboardStats.js";
import type { PoolEvent } from "../../src/events/PoolEvent.js";
import { MetricsFold } from "../../src/observers/MetricsFold.js";
import type { MetricsSnapshot } from "../../src/observers/MetricsSnapshot.js";
import { METRIC_CATALOG, type MetricEntry, PROMETHEUS_PREFIX } from "../../src/observers/metricCatalog.js";
import { derivedFigures, seriesOf } from "../../src/observers/metricReading.js";
import { type OtelMeter, otelExport } from "../../src/observers/otel.js";
import { PrometheusExporter } from "../../src/observers/prometheus.js";
import { poolEvents } from "./arbitraryEvents.js";

const of = (exporter: MetricEntry["exporter"]) => METRIC_CATALOG.filter((e) => e.exporter === exporter);

const fold = (events: readonly PoolEvent[]) => {
  const f = new MetricsFold();
  for (const e of events) f.apply(e);
  return f;
};

/** A meter that records the instruments created on it, and collects on demand. */
function recordingMeter() {
  const instruments: { kind: string; name: string; description?: string; unit?: string }[] = [];
  let callback: ((r: { observe(o: object, v: number): void }) => void) | undefined;
  const observable = (kind: string) => (name: string, o?: { description?: string; unit?: string }) => {
    instruments.push({ kind, name, description: o?.description, unit: o?.unit });
    return { name };
  };
  const meter: OtelMeter = {
    createHistogram: (name, o) => {
      instruments.push({ kind: "histogram", name, description: o?.description, unit: o?.unit });
      return { record: () => {} };
    },
    createObservableCounter: observable("counter"),
    createObservableUpDownCounter: observable("gauge"),
    addBatchObservableCallback: (cb) => {
      callback = cb;
    },
    removeBatchObservableCallback: () => {},
  };
  /** The instrument names that got an observation in one collection. */
  const collect = () => {
    const seen = new Set<string>();
    callback?.({ observe: (o) => seen.add((o as { name: string }).name) });
    return seen;
  };
  return { meter, instruments, collect };
}

/** A stream that touches every reading: endpoints, limits (pool.started), every feature block. */
const START: PoolEvent = { type: "pool.started", ts: 1, minConnections: 1, maxConnections: 4 } as PoolEvent;

describe("the metric catalog", () => {
  it("names each metric once per exporter", () => {
    for (const exporter of ["prometheus", "otel", "dashboard"] as const) {
      const names = of(exporter).map((e) => e.name);
      expect(new Set(names).size, exporter).toBe(names.length);
    }
    const ids = METRIC_CATALOG.flatMap((e) => (e.dashboard ? [e.dashboard.id] : []));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("every Prometheus entry is in the exposition with its type and help, and nothing else is", async () => {
    const events = fc.sample(poolEvents(300), { seed: 7, numRuns: 1 })[0]!;
    const f = fold([START, ...events]);
    const text = await new PrometheusExporter(() => f.read()).exposition();
    const families = new Map(
      [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map(([, name, type]) => [name!, type!] as const),
    );
    const helps = new Map(
      [...text.matchAll(/^# HELP (\S+) (.*)$/gm)].map(([, name, help]) => [name!, help!] as const),
    );
    const entries = of("prometheus");
    for (const e of entries) {
      const name = PROMETHEUS_PREFIX + e.name;
      expect(families.get(name), name).toBe(e.type);
      expect(helps.get(name), name).toBe(e.help.replace(/\\/g, "\\\\"));
    }
    expect([...families.keys()].sort()).toEqual(entries.map((e) => PROMETHEUS_PREFIX + e.name).sort());
  });

  it("every OpenTelemetry entry is an instrument of its kind, description and unit, and nothing else is", () => {
    const { meter, instruments, collect } = recordingMeter();
    const f = fold([]);
    otelExport(meter, f);
    const entries = of("otel");
    expect(instruments).toEqual(
      expect.arrayContaining(
        entries.map((e) => ({ kind: e.type, name: e.name, description: e.help, unit: e.unit })),
      ),
    );
    expect(instruments.map((i) => i.name).sort()).toEqual(entries.map((e) => e.name).sort());
    // Once the pool has started and an endpoint has a connection, every observable one is observed.
    for (const e of [
      START,
      { type: "connection.connecting", ts: 1, connectionId: "1", endpoint: "mem://" },
    ] as PoolEvent[])
      f.apply(e);
    const observable = entries.filter((e) => e.type !== "histogram").map((e) => e.name);
    expect([...collect()].sort()).toEqual(observable.sort());
  });

  it("every dashboard entry is a figure on the page, read from the pool's totals", () => {
    const page = dashboardPage();
    const shown = METRIC_CATALOG.filter((e) => e.dashboard);
    for (const { dashboard } of shown) {
      expect(page, dashboard!.id).toContain(`id="stat-${dashboard!.id}"`);
      if (dashboard!.perSecond) expect(page).toContain(`id="${dashboard!.perSecond.id}"`);
    }
    expect(page.match(/id="stat-/g)).toHaveLength(shown.length);
    expect([...dashboardStats("pool"), ...dashboardStats("live"), ...dashboardStats("users")]).toHaveLength(
      shown.length,
    );
  });

  it("a metric's series add up to the snapshot's figure of the field it reads, for any event stream", () => {
    fc.assert(
      fc.property(poolEvents(), (events) => {
        const reading = fold(events).read();
        const totals = { ...reading.snapshot, ...derivedFigures(reading.snapshot) };
        for (const { name, reading: source } of METRIC_CATALOG) {
          if (!("field" in source)) continue;
          const sum = seriesOf(source, reading).reduce((n, [, v]) => n + v, 0);
          expect(sum, name).toBe(totals[source.field as keyof MetricsSnapshot]);
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe("no metric is named outside the catalog", () => {
  const SRC = join(import.meta.dirname, "../../src");
  const CATALOG = ["observers/metricCatalog.ts", "observers/featureMetricCatalog.ts"];
  const files = (readdirSync(SRC, { recursive: true }) as string[])
    .filter((f) => f.endsWith(".ts"))
    .map((f) => ({ path: relative(SRC, join(SRC, f)), text: readFileSync(join(SRC, f), "utf8") }));

  it("no source file but the catalog writes an exported metric name or a dashboard figure's id", () => {
    const written: string[] = [];
    for (const e of METRIC_CATALOG) {
      // Prometheus and OpenTelemetry names, as written in code (quoted, or after the prefix).
      const forms =
        e.exporter === "prometheus"
          ? [`"${e.name}"`, PROMETHEUS_PREFIX + e.name]
          : e.exporter === "otel"
            ? [`"${e.name}"`]
            : [];
      // A dashboard figure's element, as the page and its script would address it.
      if (e.dashboard) forms.push(`stat-${e.dashboard.id}"`, `stat("${e.dashboard.id}"`);
      if (e.dashboard?.perSecond) forms.push(`"${e.dashboard.perSecond.id}"`);
      for (const { path, text } of files) {
        if (CATALOG.includes(path)) continue;
        for (const form of forms) if (text.includes(form)) written.push(`${path}: ${form}`);
      }
    }
    expect(written).toEqual([]);
  });

  it("the exporters and the page's figures read no field of the fold by name", () => {
    // The exporters and the page's markup may not read a field at all; the page's script reads its
    // figures from the metrics object `m` through the catalog's list, never as `m.<field>` (its charts
    // and endpoint table read the frame's own numbers and healthStatus(), not the fold's fields).
    const readers = files.flatMap(({ path, text }) =>
      path === "observers/prometheus.ts" ||
      path === "observers/otel.ts" ||
      path === "dashboard/page/dashboardPage.ts"
        ? [{ path, text, prefix: "\\." }]
        : path === "dashboard/page/script.ts"
          ? [{ path, text, prefix: "\\bm\\." }]
          : [],
    );
    expect(readers).toHaveLength(4);
    const fields = new Set<string>();
    for (const { reading } of METRIC_CATALOG) {
      if ("field" in reading) fields.add(reading.field);
      if ("split" in reading) for (const f of Object.values(reading.split)) fields.add(f);
      if ("histogram" in reading) fields.add(reading.histogram);
    }
    const reads: string[] = [];
    for (const { path, text, prefix } of readers)
      for (const field of fields)
        if (new RegExp(`${prefix}${field}\\b`).test(text)) reads.push(`${path}: .${field}`);
    expect(reads).toEqual([]);
  });
});
