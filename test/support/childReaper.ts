// Every endpoint child is registered here and SIGKILLed when the test process exits, so a failed or
// forgetful test never leaves a server behind. (If the test process is itself SIGKILLed, the child sees
// its stdin reach EOF and stops on its own.)
import type { ChildProcess } from "node:child_process";

const children = new Set<ChildProcess>();
let hooked = false;

function killAll(): void {
  for (const child of children) {
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
  }
  children.clear();
}

export function track(child: ChildProcess): void {
  if (!hooked) {
    hooked = true;
    process.once("exit", killAll);
  }
  children.add(child);
  child.once("exit", () => children.delete(child));
}

/** Children still running (for tests asserting that nothing leaked). */
export function liveChildren(): number {
  return children.size;
}
