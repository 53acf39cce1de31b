// Finding a command from argv, shared by dispatch (over the light command index) and anything that
// holds the full specs.

/** The command named by the leading words of argv (the longest match), and the arguments after them. */
export function findCommand<C extends { path: readonly string[] }>(
  commands: readonly C[],
  argv: readonly string[],
): { command: C; rest: string[] } | undefined {
  let best: C | undefined;
  for (const command of commands) {
    if (command.path.every((word, i) => argv[i] === word) && (!best || command.path.length > best.path.length)) best = command;
  }
  return best && { command: best, rest: argv.slice(best.path.length) };
}
