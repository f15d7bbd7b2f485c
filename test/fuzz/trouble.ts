// What escaped the library in the fuzz child: uncaught exceptions (a throw from a timer, say) and
// unhandled rejections. Recorded instead of crashing, so the property that caused them fails with them.
const seen: string[] = [];
let installed = false;

export function watchForTrouble(): void {
  if (installed) return;
  installed = true;
  process.on("uncaughtException", (error) => seen.push(`uncaught exception: ${describe(error)}`));
  process.on("unhandledRejection", (reason) => seen.push(`unhandled rejection: ${describe(reason)}`));
}

/** A bookmark: what escaped after it is `troubleSince(mark)`. */
export function troubleMark(): number {
  return seen.length;
}

export function troubleSince(mark: number): string[] {
  return seen.slice(mark);
}

function describe(value: unknown): string {
  try {
    return value instanceof Error ? `${value.name}: ${value.message}` : String(value);
  } catch {
    return "(a value that cannot be printed)";
  }
}
