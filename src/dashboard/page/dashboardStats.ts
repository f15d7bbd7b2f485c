import { type DashboardStat, METRIC_CATALOG } from "../../observers/metricCatalog.js";
import type { PoolNumber } from "../../observers/metricReading.js";

/** A figure of the page: where the catalog puts it, and the field of the pool's totals it shows. */
export type PageStat = DashboardStat & { field: PoolNumber };

/** The page's figures of one panel, in the page's order: the catalog's entries that name a stat. */
export function dashboardStats(panel: DashboardStat["panel"]): PageStat[] {
  const out: PageStat[] = [];
  for (const { reading, dashboard } of METRIC_CATALOG) {
    if (!dashboard || dashboard.panel !== panel || !("field" in reading)) continue;
    out.push({ ...dashboard, field: reading.field });
  }
  return out.sort((a, b) => a.at - b.at);
}
