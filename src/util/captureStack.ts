/** The caller's stack (without this frame and `above`'s), for leak reports; cheap enough per acquire only when asked for. */
export function captureStack(above: (...args: never[]) => unknown = captureStack): string | undefined {
  const holder: { stack?: string } = {};
  Error.captureStackTrace(holder, above);
  return holder.stack?.split("\n").slice(1).join("\n");
}
