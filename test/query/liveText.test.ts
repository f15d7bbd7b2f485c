// manager.query() runs on a shared session that no borrower owns: a LIVE SELECT sent through it would stay
// registered there, delivering to no one, until the socket closed. It is refused with an ArgumentError that
// points to manager.live(); text that only mentions the words (in a string, a comment, a quoted name) runs.
import { fc, test } from "@fast-check/vitest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConnectionManager, isArgumentError, type PoolEvent } from "../../src/index.js";
import { startsLiveQuery } from "../../src/util/startsLiveQuery.js";

describe("LIVE SELECT through manager.query()", () => {
  let manager: ConnectionManager;
  const events: PoolEvent[] = [];

  beforeAll(async () => {
    manager = await ConnectionManager.create({
      namespace: "t",
      database: "t",
      events: (e) => events.push(e),
      pool: { minConnections: 1, maxConnections: 4 },
    });
    await manager.query(
      "DEFINE TABLE person SCHEMALESS; DEFINE TABLE note SCHEMALESS; DEFINE TABLE visitor SCHEMALESS",
    );
  });
  afterAll(async () => {
    await manager.shutdown({ timeoutMs: 2_000 });
  });

  /** Live queries registered on `table`, on any session of the engine. */
  async function livesOn(table: string): Promise<number> {
    const [info] = await manager.query<[{ lives: Record<string, string> }]>(`INFO FOR TABLE ${table}`);
    return Object.keys(info.lives).length;
  }

  it("is refused before anything runs, concurrently too, and no live query is left on the engine", async () => {
    const before = events.length;
    const statements = [
      "LIVE SELECT * FROM person",
      "live select diff from person",
      "RETURN 1; LIVE SELECT * FROM person WHERE age > 3",
      "BEGIN;\n  LIVE\n  SELECT * FROM $table;\nCOMMIT",
      "-- a comment first\nLIVE SELECT * FROM person",
      "IF true { LIVE SELECT * FROM person }",
    ];
    const outcomes = await Promise.all(
      statements.map((text) =>
        manager.query(text, { table: "person" }).then(
          (value) => ({ value }),
          (error: unknown) => ({ error }),
        ),
      ),
    );
    const left = await livesOn("person");
    for (const [i, outcome] of outcomes.entries()) {
      expect("error" in outcome && isArgumentError(outcome.error), `${statements[i]} (${left} left)`).toBe(
        true,
      );
      const { message } = (outcome as { error: Error }).error;
      expect(message).toMatch(/manager\.live\(/);
    }
    expect(left).toBe(0);
    expect(events.slice(before).filter((e) => e.type.startsWith("operation."))).toHaveLength(1); // INFO FOR
  });

  it("runs text that only mentions the words: in strings, comments and quoted names", async () => {
    const [a, b, c, d] = await Promise.all([
      manager.query<[{ text: string }[]]>("CREATE note:1 SET text = 'LIVE SELECT * FROM person'"),
      manager.query<[number]>("/* LIVE SELECT * FROM person */ RETURN 1 // live select\n"),
      manager.query<[string]>('RETURN "it\\"s a live select"'),
      manager.query<[unknown]>("# live select\nCREATE `live select`:1 SET n = 1"),
    ]);
    expect(a[0][0]!.text).toBe("LIVE SELECT * FROM person");
    expect(b[0]).toBe(1);
    expect(c[0]).toBe('it"s a live select');
    expect(d[0]).toBeDefined();
    expect(await livesOn("note")).toBe(0);
  });

  it("a lease still may (its release kills what it registered), and manager.live() is the way", async () => {
    const lease = await manager.acquire();
    try {
      const [id] = await lease.db.query<[unknown]>("LIVE SELECT * FROM visitor");
      expect(id).toBeDefined();
      expect(await livesOn("visitor")).toBe(1);
    } finally {
      await lease.release();
    }
    // The release gives the connection up; closing its session (in the background, slower on a loaded
    // machine) is what kills the live query: bounded, not immediate.
    const deadline = performance.now() + 5_000;
    while ((await livesOn("visitor")) !== 0 && performance.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(await livesOn("visitor")).toBe(0);
  });
});

describe("startsLiveQuery", () => {
  test.prop([fc.string()])("words inside a string literal or a comment never count", (inside) => {
    const quoted = `'${inside.replaceAll("\\", "\\\\").replaceAll("'", "\\'")}'`;
    const comment = `/* ${inside.replaceAll("*/", "")} */`;
    expect(startsLiveQuery(`CREATE note SET text = ${quoted} LIVE_SELECT`)).toBe(false);
    expect(startsLiveQuery(`${comment} RETURN 1`)).toBe(false);
    expect(startsLiveQuery(`RETURN ${quoted}; ${comment}\nLIVE SELECT * FROM t`)).toBe(true);
  });

  it("tells statements from names", () => {
    expect(startsLiveQuery("SELECT live, select FROM t")).toBe(false);
    expect(startsLiveQuery("SELECT * FROM live:select")).toBe(false);
    expect(startsLiveQuery("SELECT * FROM ⟨live select⟩")).toBe(false);
    expect(startsLiveQuery("SELECT * FROM t WHERE alive SELECT")).toBe(false);
    expect(startsLiveQuery("(LIVE SELECT * FROM t)")).toBe(true);
  });
});
