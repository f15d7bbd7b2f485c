/** `--name=N` from the command line, a positive number, or `fallback`; exits with a message otherwise. */
export function numberArg(name: string, fallback: number): number {
  const raw = process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1];
  const value = raw === undefined ? fallback : Number(raw);
  if (!Number.isFinite(value) || value < 0) {
    console.error(`--${name} must be a number >= 0, got "${raw}"`);
    process.exit(2);
  }
  return value;
}
