import { chromium } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";

/**
 * Opens the dashboard at `url` in headless Chromium (Debian's, driven by playwright-core), waits until
 * the page has drawn `frames` frames (at most `timeoutMs`), and writes a full-page PNG to `path`.
 * Returns what the page counted, so the caller can say what the picture shows.
 */
export async function screenshotDashboard(
  url: string,
  path: string,
  options: { frames?: number; timeoutMs?: number } = {},
): Promise<{ frames: number; snapshots: number }> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    timeout: 15_000,
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 960 } });
    await page.goto(url);
    const frames = options.frames ?? 40;
    await page
      .waitForFunction(
        (n) => Number(document.querySelector("#feed-stats")?.getAttribute("data-frames")) >= n,
        frames,
        {
          timeout: options.timeoutMs ?? 20_000,
        },
      )
      .catch(() => {}); // a picture of fewer frames is still a picture; the counts below say so
    await page.screenshot({ path, fullPage: true });
    const count = async (name: string) => Number(await page.getAttribute("#feed-stats", `data-${name}`));
    return { frames: await count("frames"), snapshots: await count("snapshots") };
  } finally {
    await browser.close();
  }
}
