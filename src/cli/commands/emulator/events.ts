import { defineCommand } from "../../spec.js";
import { CliError, UsageError, ValidationError } from "../../errors.js";
import { integer } from "../../args/values.js";
import { eventsTable, subscriptionsTable } from "../../views/monitoring-tables.js";
import { renderForTerminal } from "../../views/tty-table.js";
import { rawList, rawString } from "../../args/raw.js";
import { withDataDirEmulator } from "../../local-emulator.js";
import { DATA_DIR_OPTION, dataDirOf, parseSince, sinceMs } from "../../args/emulator-options.js";

// `kvkey emulator events list|subscribe|unsubscribe|subscriptions`: Key Vault's Event Grid key events
// (KeyNewVersionCreated, KeyNearExpiry, KeyExpired) the emulator raised, and the webhooks they are
// delivered to (docs/monitoring.md).

const EVENT_TYPE_NAMES = ["KeyNewVersionCreated", "KeyNearExpiry", "KeyExpired"] as const;

function eventTypes(values: string[] | undefined, flag: string): string[] | undefined {
  if (values === undefined) return undefined;
  const out: string[] = [];
  for (const value of values.flatMap((v) => v.split(","))) {
    const name = value.trim();
    if (name === "") continue;
    const found = EVENT_TYPE_NAMES.find((t) => t.toLowerCase() === name.toLowerCase() || `microsoft.keyvault.${t.toLowerCase()}` === name.toLowerCase());
    if (!found) throw new UsageError(`argument ${flag}: '${name}' is not a key event type. Allowed values: ${EVENT_TYPE_NAMES.join(", ")}.`);
    out.push(found);
  }
  return out;
}

export const emulatorEventsListCommand = defineCommand({
  path: ["emulator", "events", "list"],
  summary: "List the Event Grid events the emulator raised for keys, in the Event Grid schema.",
  description:
    "KeyNewVersionCreated when a key gets a new version (create, import, rotate), KeyNearExpiry when its current version is within its " +
    "rotation policy's Notify time (30 days by default) of expiry, KeyExpired at expiry; near-expiry and expiry follow the emulator clock.",
  options: [
    { flags: "--key <name>", help: "Only this key's events." },
    { flags: "--type <types...>", help: "Only these event types.", choices: EVENT_TYPE_NAMES },
    { flags: "--since <time>", help: "Only events from this long ago on the emulator clock (30m, 12h, P1D) or from this UTC datetime on." },
    { flags: "--vault-name <name>", help: "Only this key vault's events.", complete: "vault-names" },
    { flags: "--top <n>", help: "Only the last N matching events." },
    DATA_DIR_OPTION,
  ],
  examples: [
    { title: "Keys about to expire.", command: "kvkey emulator events list --type KeyNearExpiry -o table" },
    { title: "One key's events as Event Grid JSON.", command: "kvkey emulator events list --key mykey" },
  ],
  parse(raw, { cwd }) {
    const top = integer("--top", rawString(raw, "top"));
    if (top !== undefined && top < 1) throw new UsageError(`argument --top: must be a positive integer, not ${top}`);
    return {
      key: rawString(raw, "key"),
      types: eventTypes(rawList(raw, "type"), "--type"),
      since: parseSince(rawString(raw, "since")),
      vaultName: rawString(raw, "vaultName"),
      top,
      dataDir: dataDirOf(raw, cwd),
    };
  },
  async run(o, ctx) {
    return withDataDirEmulator(ctx, o.dataDir, (emulator) => {
      const since = sinceMs(o.since, emulator.now());
      const events = emulator.events.list({
        ...(o.key !== undefined ? { key: o.key } : {}),
        ...(o.types ? { types: o.types } : {}),
        ...(since !== undefined ? { since } : {}),
        ...(o.vaultName !== undefined ? { vaultName: o.vaultName } : {}),
        ...(o.top !== undefined ? { last: o.top } : {}),
      });
      return renderForTerminal(
        ctx,
        events.map((e) => e.event),
        eventsTable,
      );
    });
  },
  textOutput: true,
  tableView: eventsTable,
});

export const emulatorEventsSubscribeCommand = defineCommand({
  path: ["emulator", "events", "subscribe"],
  summary: "Deliver the emulator's key events to a webhook, as Event Grid does.",
  description:
    "Each event is POSTed to the endpoint as Event Grid delivers to webhooks (a JSON array of one event, aeg-* headers), at least once, " +
    "retried with backoff when the endpoint fails. The served emulator delivers in the background; the CLI delivers the events its own " +
    "commands raise before it exits. Events raised before the subscription are not sent.",
  options: [
    { flags: "--endpoint <url>", help: "The webhook's http(s) URL.", required: true },
    { flags: "-n, --name <name>", help: "Name of the subscription (3-64 letters, digits and dashes).", defaultText: "generated" },
    { flags: "--event-types <types...>", help: "Only these event types.", choices: EVENT_TYPE_NAMES, defaultText: "all" },
    { flags: "--vault-name <name>", help: "Only this key vault's events.", defaultText: "every vault", complete: "vault-names" },
    { flags: "--validate", help: "Do Event Grid's SubscriptionValidationEvent handshake first: the endpoint must answer with the validation code." },
    DATA_DIR_OPTION,
  ],
  examples: [
    { title: "Send every key event to a local receiver.", command: "kvkey emulator events subscribe --endpoint http://localhost:7071/api/keyvault -n dev" },
    { title: "Only expiry warnings for one vault.", command: "kvkey emulator events subscribe --endpoint https://hooks.example/kv --event-types KeyNearExpiry KeyExpired --vault-name demo" },
  ],
  parse(raw, { cwd }) {
    const endpoint = rawString(raw, "endpoint");
    if (endpoint === undefined) throw new UsageError("the following arguments are required: --endpoint");
    return {
      endpoint,
      name: rawString(raw, "name"),
      eventTypes: eventTypes(rawList(raw, "eventTypes"), "--event-types"),
      vaultName: rawString(raw, "vaultName"),
      validate: raw.validate === true,
      dataDir: dataDirOf(raw, cwd),
    };
  },
  async run(o, ctx) {
    return withDataDirEmulator(ctx, o.dataDir, async (emulator) => {
      try {
        return await emulator.events.subscribe({
          endpoint: o.endpoint,
          ...(o.name !== undefined ? { name: o.name } : {}),
          ...(o.eventTypes ? { eventTypes: o.eventTypes } : {}),
          ...(o.vaultName !== undefined ? { vaultName: o.vaultName } : {}),
          validate: o.validate,
        });
      } catch (err) {
        throw new ValidationError((err as Error).message);
      }
    });
  },
  tableView: subscriptionsTable,
});

export const emulatorEventsUnsubscribeCommand = defineCommand({
  path: ["emulator", "events", "unsubscribe"],
  summary: "Stop delivering key events to a webhook; deliveries still pending are dropped.",
  options: [
    { flags: "-n, --name <name>", help: "Name of the subscription." },
    { flags: "--endpoint <url>", help: "Every subscription to this endpoint." },
    DATA_DIR_OPTION,
  ],
  examples: [{ title: "Remove the subscription 'dev'.", command: "kvkey emulator events unsubscribe -n dev" }],
  parse(raw, { cwd }) {
    const name = rawString(raw, "name");
    const endpoint = rawString(raw, "endpoint");
    if ((name === undefined) === (endpoint === undefined)) throw new UsageError("incorrect usage: give --name or --endpoint");
    return { name, endpoint, dataDir: dataDirOf(raw, cwd) };
  },
  async run(o, ctx) {
    return withDataDirEmulator(ctx, o.dataDir, (emulator) => {
      const removed = emulator.events.unsubscribe(o.name !== undefined ? { name: o.name } : { endpoint: o.endpoint! });
      if (removed.length === 0) {
        throw new CliError(o.name !== undefined ? `No event subscription is named '${o.name}'.` : `No event subscription delivers to ${o.endpoint}.`);
      }
      return undefined;
    });
  },
});

export const emulatorEventsSubscriptionsCommand = defineCommand({
  path: ["emulator", "events", "subscriptions"],
  summary: "List the webhook subscriptions, with how many deliveries succeeded, wait for a retry or failed.",
  options: [DATA_DIR_OPTION],
  examples: [{ title: "Is my webhook getting the events?", command: "kvkey emulator events subscriptions -o table" }],
  parse: (raw, { cwd }) => ({ dataDir: dataDirOf(raw, cwd) }),
  async run(o, ctx) {
    return withDataDirEmulator(ctx, o.dataDir, (emulator) => emulator.events.subscriptions());
  },
  tableView: subscriptionsTable,
});
