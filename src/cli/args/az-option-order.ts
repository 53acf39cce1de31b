// The order in which az's argparse parsers hold their option strings, which is the order argparse
// lists the candidates of an ambiguous abbreviation in ("ambiguous option: --e could match --expires,
// --exportable"). Read from az 2.45's parsers (its `_option_string_actions`, in insertion order); the
// global arguments come first because knack adds them before each command's own. src/cli/parser.ts adds
// kvkey's options to its argparse parser in this order.

/** Every command parser starts with these (kvkey's --cloud joins them). */
export const GLOBAL_OPTION_ORDER: readonly string[] = ["-h", "--help", "--verbose", "--debug", "--only-show-errors", "--output", "-o", "--query", "--subscription", "--cloud"];

const ID = ["--vault-name", "--hsm-name", "--id"];

/** Per command, az's own arguments in its parser's order. Options kvkey adds follow, as declared. */
export const AZ_OPTION_ORDER: Readonly<Record<string, readonly string[]>> = {
  create: ["--name", "-n", "--protection", "-p", "--size", "--ops", "--disabled", "--expires", "--not-before", "--tags", "--kty", "--curve", "--exportable", "--policy", ...ID, "--default-cvm-policy", "--immutable"],
  import: ["--name", "-n", "--protection", "-p", "--ops", "--disabled", "--expires", "--not-before", "--tags", "--pem-file", "--pem-string", "--pem-password", "--byok-file", "--byok-string", "--kty", "--curve", "--exportable", "--policy", ...ID, "--default-cvm-policy", "--immutable"],
  show: ["--name", "-n", "--version", "-v", ...ID],
  "set-attributes": ["--name", "-n", "--version", "-v", ...ID, "--enabled", "--expires", "--not-before", "--ops", "--policy", "--immutable", "--tags"],
  list: ["--vault-name", "--maxresults", "--id", "--hsm-name", "--include-managed"],
  "list-versions": ["--vault-name", "--name", "-n", "--maxresults", "--id", "--hsm-name"],
  "list-deleted": ["--vault-name", "--maxresults", "--id", "--hsm-name"],
  "show-deleted": ["--vault-name", "--name", "-n", "--id", "--hsm-name"],
  delete: ["--vault-name", "--name", "-n", "--id", "--hsm-name"],
  purge: ["--vault-name", "--name", "-n", "--id", "--hsm-name"],
  recover: ["--vault-name", "--name", "-n", "--id", "--hsm-name"],
  backup: ["--file", "-f", "--vault-name", "--name", "-n", "--hsm-name", "--id"],
  restore: ["--file", "-f", "--vault-name", "--hsm-name", "--id", "--storage-resource-uri", "-u", "--storage-account-name", "--blob-container-name", "--storage-container-SAS-token", "-t", "--backup-folder", "--name", "-n", "--no-wait"],
  download: ["--file", "-f", "--hsm-name", "--id", "--vault-name", "--name", "-n", "--version", "-v", "--encoding", "-e"],
  encrypt: ["--algorithm", "-a", "--value", "--iv", "--aad", "--name", "-n", "--version", "-v", ...ID, "--data-type"],
  decrypt: ["--algorithm", "-a", "--value", "--iv", "--tag", "--aad", "--name", "-n", "--version", "-v", "--data-type", ...ID],
  random: ["--count", "--hsm-name", "--id"],
  rotate: ["--name", "-n", ...ID],
  "rotation-policy show": ["--name", "-n", ...ID],
  "rotation-policy update": ["--value", "--name", "-n", ...ID],
};
