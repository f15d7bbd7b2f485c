import { readFileSync } from "node:fs";

/** CPU time used so far, in µs. */
export interface CpuReading {
  /** The whole process (user + system, every thread): what `process.cpuUsage()` reports. */
  processUs: number;
  /**
   * The JS thread alone, where Linux tells it (`/proc/<pid>/task/<pid>/schedstat`, ns on CPU), else
   * undefined. In an embedded run the process figure also holds the engine's own threads, which do the
   * database's work: the JS thread's figure is the client's cost without it.
   */
  jsThreadUs?: number;
}

const SCHEDSTAT = `/proc/${process.pid}/task/${process.pid}/schedstat`;

function readJsThreadUs(): number | undefined {
  try {
    return Number(readFileSync(SCHEDSTAT, "utf8").split(" ")[0]) / 1_000;
  } catch {
    return undefined;
  }
}

/** Read once: where the file is missing (not Linux, or no schedstat) no round tries again. */
export const hasJsThreadClock = readJsThreadUs() !== undefined;

export function readCpu(): CpuReading {
  const { user, system } = process.cpuUsage();
  const processUs = user + system;
  if (!hasJsThreadClock) return { processUs };
  const jsThreadUs = readJsThreadUs();
  return jsThreadUs === undefined ? { processUs } : { processUs, jsThreadUs };
}

/** CPU used since `start`, in µs. */
export function cpuSince(start: CpuReading): CpuReading {
  const now = readCpu();
  const processUs = now.processUs - start.processUs;
  return now.jsThreadUs === undefined || start.jsThreadUs === undefined
    ? { processUs }
    : { processUs, jsThreadUs: now.jsThreadUs - start.jsThreadUs };
}
