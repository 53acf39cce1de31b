// az-named error classes. Exit codes are decided in one place (exitCodeFor), from the error's class,
// the way azure-cli maps its AzCLIError hierarchy: 2 for argument errors, 1 for everything else,
// 3 for a missing resource on `show`.

export class CliError extends Error {
  override name = "CliError";
  readonly exitCode: number = 1;
  /**
   * What the command produced before it decided to fail (assess --fail-on: the findings, then exit 4).
   * runCli prints it on stdout ahead of the error line, so commands still never print for themselves.
   */
  output?: string;
  /**
   * Lines az prints under the error line, unprefixed ("Did you mean 'show' ?"), so the ERROR line
   * itself stays exactly az's for scripts that grep it.
   */
  readonly recommendations: string[] = [];
}

/**
 * Ends the run with this exit code and no message of its own: kvkey shell's `exit N`, and a script
 * run by the shell whose commands already reported their errors.
 */
export class ExitStatus extends CliError {
  override name = "ExitStatus";
  override readonly exitCode: number;
  constructor(code: number) {
    super(`exit ${code}`);
    this.exitCode = code;
  }
}

/** argparse-level mistakes: unknown flag, bad enum value, bad type, missing required argument. Exit 2. */
export class UsageError extends CliError {
  override name = "UsageError";
  override readonly exitCode = 2;
}

/** A validator rejecting a combination of arguments (az's CLIError from validators). Exit 1. */
export class ValidationError extends CliError {
  override name = "ValidationError";
}

/** No credentials for a real vault. Exit 1. */
export class AuthenticationError extends CliError {
  override name = "AuthenticationError";
}

/** An error answered by the vault (or emulated vault), with its service error code. */
export class ServiceError extends CliError {
  override name = "ServiceError";
  constructor(
    message: string,
    readonly statusCode: number | undefined,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

/** A failure reaching the vault at all (DNS, TLS, refused connection). Exit 1. */
export class ConnectionError extends CliError {
  override name = "ConnectionError";
}

export function exitCodeFor(err: unknown, command: string | undefined): number {
  // az's keyvault command handler maps a 404 to 3 for every command whose last word is `show`, so
  // `rotation-policy show` of a missing key is 3 too (not `show-deleted`).
  if (err instanceof ServiceError && err.statusCode === 404 && command?.split(" ").at(-1) === "show") return 3;
  if (err instanceof CliError) return err.exitCode;
  return 1;
}
