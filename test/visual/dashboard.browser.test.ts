import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runAgent } from "../../scripts/support/agentWork.js";
import { runWorkload, type WorkloadResult } from "../../scripts/support/workload.js";
import type { DashboardServer } from "../../src/dashboard/serveDashboard.js";
import { ConnectionManager } from "../../src/pool/ConnectionManager.js";

const CHROMIUM = "/usr/bin/chromium";
const missing = existsSync(CHROMIUM)
  ? undefined
  : `${CHROMIUM} not found; install Debian's chromium (apt-get install -y chromium) to run it`;
if (missing) console.warn(`[dashboard.browser.test] SKIPPED: ${missing}`);
const screenshot = join(
  dirname(fileURLToPath(import.meta.url)),
  "..",
  "..",
  "visualizations",
  "dashboard.png",
);

/** The states of the connection boxes on the page right now. */
const boxStates = (page: Page) =>
  page.$$eval(".conn", (els) => els.map((el) => (el as HTMLElement).dataset.state ?? ""));
const statNumber = async (page: Page, id: string) =>
  Number((await page.textContent(`#stat-${id}`))?.replace(/[^0-9.]/g, "") ?? Number.NaN);

describe.skipIf(missing !== undefined)(
  `the live dashboard in headless Chromium${missing ? ` (SKIPPED: ${missing})` : ""}`,
  () => {
    let manager: ConnectionManager;
    let dashboard: DashboardServer;
    let browser: Browser;
    let page: Page;

    beforeAll(async () => {
      manager = await ConnectionManager.create({
        mode: { kind: "local", endpoint: "mem://" },
        namespace: "dash",
        database: "test",
        pool: { minConnections: 2, maxConnections: 6, connectionTimeoutMs: 5_000 },
      });
      dashboard = await manager.serveDashboard({ intervalMs: 150 });
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: [
          "--headless",
          "--no-sandbox",
          "--disable-gpu",
          "--disable-background-networking",
          "--disable-quic",
          "--no-first-run",
          "--disable-component-update",
          "--disable-sync",
        ],
        timeout: 15_000,
      });
      page = await browser.newPage({ viewport: { width: 1280, height: 960 } });
      page.setDefaultTimeout(5_000);
    });

    afterAll(async () => {
      await browser?.close();
      await dashboard?.close();
      await manager?.shutdown({ timeoutMs: 2_000 });
    });

    it("shows the pool working: states and counters change while a workload runs", async () => {
      await page.goto(dashboard.url);
      await page.waitForFunction(() => document.querySelector("#stream")?.textContent === "live");
      // The snapshot on connect already lists the warm connections, before any event.
      await page.waitForFunction(() => document.querySelectorAll(".conn").length >= 2);
      expect(await page.textContent("#mode")).toBe("local");
      const before = await statNumber(page, "acquisitions");

      const work: Promise<WorkloadResult> = runWorkload(manager, {
        durationMs: 3_000,
        workers: 10,
        pauseMs: 2,
      });
      const agent = runAgent(manager, { agentId: "agent-7", durationMs: 2_500, everyMs: 100 });
      const seen = new Set<string>();
      const acquisitions: number[] = [];
      const deadline = Date.now() + 2_700;
      let health: Promise<unknown> | undefined;
      while (Date.now() < deadline) {
        for (const s of await boxStates(page)) seen.add(s);
        acquisitions.push(await statNumber(page, "acquisitions"));
        if (!health && Date.now() > deadline - 1_500) health = manager.healthCheck();
        await page.waitForTimeout(100);
      }
      await page.screenshot({ path: screenshot, fullPage: true });
      const result = await work;
      expect((await agent).transactions).toBeGreaterThan(3);
      await health;
      // The workload is the demo's (concurrent writes to one table); an occasional write conflict under a
      // loaded CI machine is the engine's answer, not the dashboard's concern.
      expect(result.done).toBeGreaterThan(100);
      expect(result.failed, JSON.stringify([...result.failures])).toBeLessThan(result.done * 0.05);

      // The counter on the page went up as the pool worked, and kept going up.
      const after = await statNumber(page, "acquisitions");
      expect(after).toBeGreaterThan(before);
      const distinct = new Set(acquisitions);
      expect(distinct.size, `acquisitions samples: ${acquisitions.join(",")}`).toBeGreaterThan(5);
      for (let i = 1; i < acquisitions.length; i++)
        expect(acquisitions[i]!).toBeGreaterThanOrEqual(acquisitions[i - 1]!);
      // Boxes took more than one colour: leased while working, idle in between.
      expect([...seen]).toContain("leased");
      expect([...seen]).toContain("idle");
      const boxes = await page.$$(".conn");
      expect(boxes.length).toBeGreaterThanOrEqual(2);
      expect(boxes.length).toBeLessThanOrEqual(6 + 6); // live ones plus any lingering closed ones
      // Charts were drawn from frames.
      expect(await page.$$eval("#chart-throughput polyline", (l) => l.length)).toBe(1);
      expect(await page.textContent("#now-throughput")).toMatch(/\/s$/);
      // The endpoint's breaker is listed.
      expect(await page.getAttribute('.breaker[data-endpoint="mem://"]', "data-state")).toBe("closed");
    });

    it("shows the agent session that worked beside the pool, and its transaction log", async () => {
      await page.waitForFunction(
        () =>
          document.querySelector('#sessions tr[data-agent="agent-7"]')?.getAttribute("data-state") ===
          "closed",
      );
      const cells = await page.$$eval('#sessions tr[data-agent="agent-7"] td', (tds) =>
        tds.map((t) => t.textContent),
      );
      expect(cells.slice(0, 3)).toEqual(["agent-7", "closed", "agents/agent-7"]);
      expect(Number(cells[5])).toBeGreaterThan(0); // committed
      const log = (await page.textContent("#session-log")) ?? "";
      expect(log).toContain("agent-7 session.created");
      expect(log).toMatch(/txlog\.recorded#\d+ \S+ write \/notes\/agent-7\//);
      expect(log).toContain("committed");
    });

    it("shows the shutdown, and close() ends the stream", async () => {
      await manager.shutdown({ timeoutMs: 2_000 });
      await page.waitForFunction(() => document.querySelector("#pool-state")?.textContent === "closed");
      await page.waitForFunction(() =>
        Array.from(document.querySelectorAll(".conn")).every(
          (el) => (el as HTMLElement).dataset.state === "closed",
        ),
      );
      await dashboard.close();
      await page.waitForFunction(() => document.querySelector("#stream")?.textContent !== "live");
    });
  },
);
