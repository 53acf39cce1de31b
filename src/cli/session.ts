import type { CliIO } from "../io/streams.js";
import type { VaultClients } from "../vault-client/factory.js";

// A session keeps one process warm across many command lines (`kvkey shell`): the modules stay
// loaded, and the vault clients — with them the opened embedded emulator, its SQLite handle and any
// Azure credential — are made once and closed when the session ends, not after every command.

export interface CliSession {
  /** The session's vault clients, made by `make` on first use; `debug` forwards to the command now running. */
  clients(make: (debug: (line: string) => void) => Promise<VaultClients>): Promise<VaultClients>;
  /** Where --debug lines of the command now running go (unset: nowhere). */
  debug: ((line: string) => void) | undefined;
  /** Asks the person at the session's terminal (the shell's own line reader); undefined at end of input. */
  ask?(question: string): Promise<string | undefined>;
  /** True inside `kvkey shell` (a nested `kvkey shell` is refused). */
  readonly interactive: boolean;
  close(): Promise<void>;
}

export interface RunOptions {
  /** Run inside a long-lived session; without one every command makes and closes its own clients. */
  session?: CliSession;
}

/** runCli's shape, for the shell, which runs command lines without importing the runner itself. */
export type CliRunner = (argv: readonly string[], io: CliIO, options?: RunOptions) => Promise<number>;

export function createSession(options: { ask?: (question: string) => Promise<string | undefined> } = {}): CliSession {
  let made: Promise<VaultClients> | undefined;
  const session: CliSession = {
    debug: undefined,
    interactive: true,
    clients(make) {
      if (!made) {
        made = make((line) => session.debug?.(line));
        made.catch(() => {
          made = undefined;
        });
      }
      return made;
    },
    async close() {
      const clients = await made?.catch(() => undefined);
      made = undefined;
      clients?.close();
    },
  };
  if (options.ask) session.ask = options.ask;
  return session;
}
