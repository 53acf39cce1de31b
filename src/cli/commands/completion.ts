import { defineCommand } from "../spec.js";
import { choice } from "../args/values.js";
import { rawString } from "../args/raw.js";

// `kvkey completion bash|zsh|fish|powershell`. Only the declaration loads with the registry; the scripts load
// when the command runs. The scripts call the hidden `kvkey __complete` (src/cli/completion/).

const SHELLS = ["bash", "zsh", "fish", "powershell"] as const;

export const completionCommand = defineCommand({
  path: ["completion"],
  summary: "Print the shell completion script for bash, zsh, fish or PowerShell.",
  description:
    "The script completes commands, subcommands, flags, allowed values and key names from the vault named on the line (or the configured default vault). It asks the installed kvkey on every Tab, so it never goes stale.",
  options: [],
  args: [{ name: "shell", help: "The shell to complete in.", required: true, choices: SHELLS }],
  examples: [
    { title: "Turn on completion in the current bash session.", command: "source <(kvkey completion bash)" },
    { title: "Install it for every bash session.", command: "kvkey completion bash > ~/.local/share/bash-completion/completions/kvkey" },
    { title: "Install it for zsh (a directory on $fpath), then start a new shell.", command: 'kvkey completion zsh > "${fpath[1]}/_kvkey"' },
    { title: "Install it for fish.", command: "kvkey completion fish > ~/.config/fish/completions/kvkey.fish" },
    { title: "Install it for PowerShell (every new session reads $PROFILE).", command: "kvkey completion powershell >> $PROFILE" },
  ],
  parse(raw, { commandName }) {
    return { shell: choice(commandName, "<SHELL>", rawString(raw, "shell") ?? "", SHELLS) };
  },
  async run(o) {
    const { completionScript } = await import("../completion/scripts.js");
    return completionScript(o.shell);
  },
  textOutput: true,
});
