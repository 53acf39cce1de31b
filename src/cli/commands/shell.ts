import { defineCommand } from "../spec.js";
import { ValidationError } from "../errors.js";

// `kvkey shell`: the declaration only; the loop (and node:readline) loads when it starts.

export const shellCommand = defineCommand({
  path: ["shell"],
  summary: "Start an interactive session: kvkey's commands without the 'kvkey' prefix, with history and Tab completion.",
  description:
    "The process stays warm between commands: modules stay loaded and the embedded vault stays open, so each command answers at once. History is kept in $KVKEY_HOME/shell_history (a line typed with a leading space is not saved; the values of secret flags such as --pem-password and encrypt's --value are saved as ***). Type 'help' for the commands, 'exit' or Ctrl-D to leave.",
  options: [],
  examples: [
    { title: "Start a session, then type commands such as 'list --vault-name demo -o table'.", command: "kvkey shell" },
    { title: "Run a file of commands in one warm process.", command: "kvkey shell < commands.txt" },
  ],
  parse: () => ({}),
  async run(_o, ctx) {
    if (ctx.session) throw new ValidationError("This is already a kvkey shell.");
    const { runShell } = await import("../shell/repl.js");
    await runShell(ctx);
    return undefined;
  },
});
