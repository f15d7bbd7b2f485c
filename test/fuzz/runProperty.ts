// Runs one fuzz property in its own process, so that what escapes the library (a throw from a timer, an
// unhandled rejection) fails that property instead of killing the test runner. Prints one JSON line:
//   {"result":{"failed":..,"numRuns":..,"seed":..,"path":..,"counterexample":..,"error":..}}
//
//   node --import tsx test/fuzz/runProperty.ts <property> <seed> <runs>
import fc from "fast-check";
import { PROPERTIES, type PropertyName } from "./registry.js";
import { watchForTrouble } from "./trouble.js";

watchForTrouble();
const [name, seedArg, runsArg] = process.argv.slice(2);
const entry = PROPERTIES[name as PropertyName];
if (!entry) throw new Error(`unknown property "${name}"; one of ${Object.keys(PROPERTIES).join(", ")}`);

let reported = false;
process.on("exit", () => {
  // A run that never got to its report (the event loop emptied under a pending await) says so.
  if (!reported)
    process.stdout.write(
      `${JSON.stringify({ result: { failed: true, error: "the runner exited before the property finished" } })}\n`,
    );
});
const details = await fc.check(entry.make() as fc.IAsyncPropertyWithHooks<[unknown]>, {
  seed: Number(seedArg),
  numRuns: Number(runsArg),
  // Bounded, shrinking included: a property that found a failure reports the smallest case so far.
  interruptAfterTimeLimit: 60_000,
});
const error = details.errorInstance as Error | undefined;
reported = true;
process.stdout.write(
  `${JSON.stringify({
    result: {
      failed: details.failed,
      interrupted: details.interrupted,
      numRuns: details.numRuns,
      numShrinks: details.numShrinks,
      seed: details.seed,
      path: details.counterexamplePath,
      counterexample: details.counterexample ? fc.stringify(details.counterexample) : undefined,
      error: error ? String(error.message ?? error).slice(0, 2_000) : undefined,
    },
  })}\n`,
);
// The properties' managers are all shut down; anything a buggy one left behind must not keep this alive.
process.exit(0);
