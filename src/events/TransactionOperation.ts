/**
 * What an agent records in its transaction log. Closed set of built-in kinds plus one open kind
 * (`custom`), so an auditor can read every entry without knowing the agent.
 */

/** The agent wrote a file (or any addressed resource); `contentHash` identifies what it wrote. */
export interface WriteOperation {
  type: "write";
  path: string;
  contentHash: string;
}

/** The agent read a file (or any addressed resource). */
export interface ReadOperation {
  type: "read";
  path: string;
}

/** The agent deleted a file (or any addressed resource). */
export interface DeleteOperation {
  type: "delete";
  path: string;
}

/** The agent ran a query; `text` is the query as sent. */
export interface QueryOperation {
  type: "query";
  text: string;
}

/** Anything else, named by the agent. `data` must be JSON-serialisable: it is stored and replayed as JSON. */
export interface CustomOperation {
  type: "custom";
  kind: string;
  data?: unknown;
}

export type TransactionOperation =
  | WriteOperation
  | ReadOperation
  | DeleteOperation
  | QueryOperation
  | CustomOperation;

export type TransactionOperationType = TransactionOperation["type"];
