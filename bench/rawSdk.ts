import { createNodeEngines } from "@surrealdb/node";
import { Surreal } from "surrealdb";

/** One raw SDK connection to a fresh embedded mem:// engine: the baseline every ratio here uses. */
export async function openRawSdk(namespace = "bench", database = "bench"): Promise<Surreal> {
  const raw = new Surreal({ engines: createNodeEngines() });
  await raw.connect("mem://");
  await raw.use({ namespace, database });
  return raw;
}
