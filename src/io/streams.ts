// The process's streams, environment and terminal facts as one value passed into the CLI, so tests
// run the whole program in-process with buffers and chosen TTY flags.

export interface TextSink {
  write(chunk: string | Uint8Array): unknown;
}

export interface CliIO {
  stdout: TextSink;
  stderr: TextSink;
  stdin?: NodeJS.ReadableStream;
  env: Record<string, string | undefined>;
  cwd: string;
  isStdoutTTY: boolean;
  isStderrTTY: boolean;
  isStdinTTY: boolean;
  /** Terminal width when stdout is a TTY. */
  columns?: number;
  /** Colour turned off by configuration (`core.no_color`, AZURE_CORE_NO_COLOR); FORCE_COLOR still wins. */
  noColor?: boolean;
  /**
   * Calls back once on Ctrl-C or SIGTERM (long-running commands such as `emulator start` stop cleanly);
   * returns a function that removes the handler.
   */
  onInterrupt?(handler: () => void): () => void;
}

export function processIO(): CliIO {
  const io: CliIO = {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    isStdoutTTY: process.stdout.isTTY === true,
    isStderrTTY: process.stderr.isTTY === true,
    // stdin only on demand: touching process.stdin opens it (net, tty: about 5 ms of every start), and
    // only prompts and the shell read it.
    get stdin() {
      return process.stdin;
    },
    get isStdinTTY() {
      return process.stdin.isTTY === true;
    },
  };
  if (process.stdout.columns) io.columns = process.stdout.columns;
  io.onInterrupt = (handler) => {
    const once = () => handler();
    process.once("SIGINT", once);
    process.once("SIGTERM", once);
    return () => {
      process.off("SIGINT", once);
      process.off("SIGTERM", once);
    };
  };
  return io;
}

/** A CliIO backed by strings, for tests. */
export interface BufferedIO extends CliIO {
  out(): string;
  err(): string;
  outBytes(): Buffer;
}

export function bufferedIO(overrides: Partial<CliIO> = {}): BufferedIO {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const sink = (into: Buffer[]): TextSink => ({
    write(chunk) {
      into.push(typeof chunk === "string" ? Buffer.from(chunk, "utf8") : Buffer.from(chunk));
      return true;
    },
  });
  return {
    stdout: sink(out),
    stderr: sink(err),
    env: {},
    cwd: process.cwd(),
    isStdoutTTY: false,
    isStderrTTY: false,
    isStdinTTY: false,
    ...overrides,
    out: () => Buffer.concat(out).toString("utf8"),
    err: () => Buffer.concat(err).toString("utf8"),
    outBytes: () => Buffer.concat(out),
  };
}
