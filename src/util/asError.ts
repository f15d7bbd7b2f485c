/** Any thrown value as an Error, for events and logs; even one that throws when printed. */
export function asError(value: unknown): Error {
  if (value instanceof Error) return value;
  try {
    return new Error(String(value));
  } catch {
    return new Error("a thrown value that cannot be printed");
  }
}
