import v8 from "node:v8";
import vm from "node:vm";

// `npm run bench` runs under tsx without --expose-gc; the flag can still be set at run time, and a fresh
// context then sees `gc`. Memory deltas are only comparable after a full collection.
v8.setFlagsFromString("--expose-gc");
const collect = vm.runInNewContext("gc") as () => void;

/** heapUsed after two full collections (the second catches what finalizers of the first freed). */
export function settledHeap(): number {
  collect();
  collect();
  return process.memoryUsage().heapUsed;
}
