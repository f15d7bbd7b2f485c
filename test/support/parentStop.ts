// For a client process driven by its parent (a JsonLinesChild): resolves when the parent writes "stop" on
// stdin; EOF (the parent died) ends this process at once, so it never outlives the test.
export function parentStop(): Promise<void> {
  return new Promise<void>((resolve) => {
    let buffered = "";
    process.stdin.on("data", (chunk: Buffer) => {
      buffered += chunk.toString("utf8");
      if (buffered.includes("stop\n")) resolve();
    });
    process.stdin.on("end", () => process.exit(3));
    process.stdin.resume();
  });
}
