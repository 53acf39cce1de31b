import type { CliIO } from "./streams.js";

/**
 * Asks one question on stderr and reads the answer from stdin; undefined at end of input. readline
 * loads only when a question is actually asked.
 */
export async function askLine(io: CliIO, question: string): Promise<string | undefined> {
  const input = io.stdin;
  if (!input) return undefined;
  const { createInterface } = await import("node:readline");
  const rl = createInterface({ input, output: io.stderr as NodeJS.WritableStream, terminal: false });
  try {
    return await new Promise<string | undefined>((resolve) => {
      rl.once("close", () => resolve(undefined));
      rl.question(question, (answer) => resolve(answer));
    });
  } finally {
    rl.close();
  }
}
