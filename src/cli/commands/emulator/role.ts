import { resolve } from "node:path";
import { defineCommand, type RawOptions } from "../../spec.js";
import { CliError, UsageError, ValidationError } from "../../errors.js";
import { rawList, rawString } from "../../args/raw.js";
import { threeState } from "../../args/values.js";
import { vaultTarget } from "../../args/key-target.js";
import { withDataDirEmulator } from "../../local-emulator.js";
import type { CommandContext } from "../../context.js";
import type { KeyClient } from "@azure/keyvault-keys";
import { vaultRequest } from "../../../vault-client/sdk-internals.js";
import type { RoleAssignment, RoleDefinition } from "../../../emulator/index.js";

// `kvkey emulator role assignment create|list|delete` and `kvkey emulator role definition list`: the
// flags and output of `az keyvault role assignment|definition`. With --hsm-name (or --id) they call the
// Managed HSM's data plane as az does (`/{scope}/providers/Microsoft.Authorization/roleAssignments/...`,
// through the same pipeline as every key command: the embedded vault, a served emulator or Azure), so
// the caller needs a role that allows it. With --vault-name they set a key vault's role assignments in
// the emulator's data directory: in Azure those live in ARM (`az role assignment create --scope
// .../vaults/{name}`), which the emulator does not serve, so no caller is checked. Principals have no
// directory here: principalName and principalType print as az prints an unresolved one, "Unknown".

const ROLE_DEFINITION_PREFIX = "Microsoft.KeyVault/providers/Microsoft.Authorization/roleDefinitions/";
const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

const TARGET_OPTIONS = [
  { flags: "--hsm-name <name>", help: "Name of the HSM.", group: "Id Arguments" },
  { flags: "--id <url>", help: "Full URI of the HSM.", group: "Id Arguments" },
  { flags: "--vault-name <name>", help: "Name of an emulated key vault (its role assignments are kept in the data directory, as ARM keeps them in Azure).", group: "Id Arguments" },
  { flags: "--data-dir <dir>", help: "Data directory of the emulator (with --vault-name).", defaultText: "$KVKEY_HOME (~/.kvkey)" },
];

interface Target {
  hsm?: { hsmName?: string; id?: string };
  vaultName?: string;
  dataDir: string | undefined;
}

function target(raw: RawOptions, cwd: string): Target {
  const hsmName = rawString(raw, "hsmName");
  const id = rawString(raw, "id");
  const vaultName = rawString(raw, "vaultName");
  const given = [hsmName, id, vaultName].filter((v) => v !== undefined).length;
  if (given === 0) throw new ValidationError("Please specify --hsm-name, --id or --vault-name.");
  if (given > 1) throw new ValidationError("--hsm-name, --id and --vault-name are mutually exclusive.");
  const dataDir = rawString(raw, "dataDir");
  return {
    ...(vaultName !== undefined ? { vaultName } : { hsm: { ...(hsmName !== undefined ? { hsmName } : {}), ...(id !== undefined ? { id } : {}) } }),
    dataDir: dataDir === undefined ? undefined : resolve(cwd, dataDir),
  };
}

/** az's role assignment output (`_reconstruct_role_assignment`). */
function assignmentView(a: { id: string; name: string; scope: string; roleDefinitionId: string; principalId: string }, roles: Map<string, string>) {
  return {
    id: a.id,
    name: a.name,
    scope: a.scope,
    type: "Microsoft.Authorization/roleAssignments",
    roleDefinitionId: a.roleDefinitionId,
    roleName: roles.get(a.roleDefinitionId.toLowerCase()) ?? null,
    principalId: a.principalId,
    principalName: "Unknown",
    principalType: "Unknown",
  };
}

/** az's role definition output (`_reconstruct_role_definition`). */
function definitionView(d: { id: string; name: string; roleName: string; description: string; dataActions: readonly string[]; notDataActions: readonly string[]; roleType: string }) {
  return {
    assignableScopes: ["/"],
    description: d.description,
    id: d.id,
    name: d.name,
    permissions: [{ actions: [], notActions: [], dataActions: [...d.dataActions], notDataActions: [...d.notDataActions] }],
    roleName: d.roleName,
    roleType: d.roleType,
    type: "Microsoft.Authorization/roleDefinitions",
  };
}

// ---- a Managed HSM, over its data plane ------------------------------------------------------------

interface WireAssignment {
  id: string;
  name: string;
  properties: { scope: string; roleDefinitionId: string; principalId: string };
}
interface WireDefinition {
  id: string;
  name: string;
  properties: { roleName: string; description?: string; type?: string; permissions?: Array<{ dataActions?: string[]; notDataActions?: string[] }> };
}

function scopePath(scope: string | undefined): string {
  const trimmed = (scope ?? "").replace(/^\/+/, "").replace(/\/+$/, "");
  return trimmed === "" ? "" : `/${trimmed}`;
}

async function hsmDefinitions(client: KeyClient, scope?: string): Promise<WireDefinition[]> {
  const body = (await vaultRequest(client, "GET", `${scopePath(scope)}/providers/Microsoft.Authorization/roleDefinitions`)) as { value?: WireDefinition[] };
  return body.value ?? [];
}

function wireDefinitionView(d: WireDefinition) {
  const permission = d.properties.permissions?.[0] ?? {};
  return definitionView({
    id: d.id,
    name: d.name,
    roleName: d.properties.roleName,
    description: d.properties.description ?? "",
    dataActions: permission.dataActions ?? [],
    notDataActions: permission.notDataActions ?? [],
    roleType: d.properties.type ?? "AKVBuiltInRole",
  });
}

function wireAssignmentView(a: WireAssignment, roles: Map<string, string>) {
  return assignmentView({ id: a.id, name: a.name, scope: a.properties.scope, roleDefinitionId: a.properties.roleDefinitionId, principalId: a.properties.principalId }, roles);
}

/** az's `_resolve_role_id`: a full id, a GUID, or a role name looked up in the HSM's definitions. */
function resolveRoleId(role: string, definitions: WireDefinition[]): string | undefined {
  if (/Microsoft.KeyVault\/providers\/Microsoft.Authorization\/roleDefinitions\/.+/i.test(role) && GUID.test(role.split("/").pop()!)) return role;
  if (GUID.test(role)) return `${ROLE_DEFINITION_PREFIX}${role}`;
  return definitions.find((d) => d.properties.roleName === role)?.id;
}

const roleNames = (definitions: WireDefinition[]) => new Map(definitions.map((d) => [d.id.toLowerCase(), d.properties.roleName]));

async function hsmClient(ctx: CommandContext, hsm: { hsmName?: string; id?: string }): Promise<KeyClient> {
  return (await vaultTarget(ctx, hsm)).client;
}

async function hsmAssignments(client: KeyClient, scope: string | undefined): Promise<WireAssignment[]> {
  const body = (await vaultRequest(client, "GET", `${scopePath(scope)}/providers/Microsoft.Authorization/roleAssignments`)) as { value?: WireAssignment[] };
  return body.value ?? [];
}

/** az's client-side filters of `list_role_assignments`. */
function matches(a: { scope: string; roleDefinitionId: string; principalId: string }, f: { scope?: string; roleId?: string; assignee?: string }): boolean {
  if (f.roleId !== undefined && a.roleDefinitionId.toLowerCase() !== f.roleId.toLowerCase()) return false;
  if (f.scope !== undefined && a.scope !== f.scope && a.scope !== `/${f.scope}`) return false;
  if (f.assignee !== undefined && a.principalId.toLowerCase() !== f.assignee.toLowerCase()) return false;
  return true;
}

// ---- a key vault, in the data directory -------------------------------------------------------------

function localAssignmentView(a: RoleAssignment, definitions: readonly RoleDefinition[]) {
  const roleDefinitionId = `/providers/Microsoft.Authorization/roleDefinitions/${a.roleDefinitionName}`;
  const roles = new Map(definitions.map((d) => [`/providers/microsoft.authorization/roledefinitions/${d.name}`, d.roleName]));
  return assignmentView({ id: `${a.scope === "/" ? "" : a.scope}/providers/Microsoft.Authorization/roleAssignments/${a.name}`, name: a.name, scope: a.scope, roleDefinitionId, principalId: a.principalId }, roles);
}

function localDefinitionView(d: RoleDefinition) {
  return definitionView({ id: `/providers/Microsoft.Authorization/roleDefinitions/${d.name}`, name: d.name, roleName: d.roleName, description: d.description, dataActions: d.dataActions, notDataActions: d.notDataActions, roleType: "BuiltInRole" });
}

/** The role of --role for a key vault: a name, a GUID or an id ending in one. */
function localRole(role: string, definitions: readonly RoleDefinition[]): RoleDefinition | undefined {
  const guid = role.split("/").pop()!.toLowerCase();
  return definitions.find((d) => d.name === guid || d.roleName === role);
}

const unknownRole = (role: string) => new CliError(`Unknown role "${role}". Please use "kvkey emulator role definition list" to check whether the role is existing.`);

// ---- the commands -----------------------------------------------------------------------------------

export const emulatorRoleAssignmentCreateCommand = defineCommand({
  path: ["emulator", "role", "assignment", "create"],
  summary: "Create a role assignment in a Managed HSM (or an emulated key vault).",
  description:
    "Requests to a container with RBAC authorization need a role assignment for the caller (the token's oid). A Managed HSM checks who assigns roles too.",
  options: [
    { flags: "--role <role>", help: "Role name or id.", required: true },
    { flags: "--scope <scope>", help: "Scope at which the role assignment applies: / for the whole vault or HSM, /keys for all keys, /keys/{name} for one key.", required: true },
    { flags: "--assignee-object-id <oid>", help: "The object id of the principal (the oid of its tokens)." },
    { flags: "--assignee <oid>", help: "The principal. Without a directory only an object id is understood." },
    { flags: "--role-assignment-name <name>", help: "Name of the role assignment (a GUID).", defaultText: "a new GUID" },
    ...TARGET_OPTIONS,
  ],
  examples: [
    { title: "Let a principal use the keys of a managed HSM.", command: "kvkey emulator role assignment create --hsm-name myhsm --role \"Managed HSM Crypto User\" --scope / --assignee-object-id 11111111-2222-3333-4444-555555555555" },
    { title: "Let a principal read one key of an emulated key vault.", command: "kvkey emulator role assignment create --vault-name demo --role \"Key Vault Reader\" --scope /keys/mykey --assignee-object-id 11111111-2222-3333-4444-555555555555" },
  ],
  parse(raw, { cwd }) {
    const assignee = rawString(raw, "assigneeObjectId") ?? rawString(raw, "assignee");
    if (assignee === undefined) throw new ValidationError("Please specify --assignee or --assignee-object-id.");
    const name = rawString(raw, "roleAssignmentName");
    if (name !== undefined && !GUID.test(name)) throw new ValidationError(`argument --role-assignment-name: '${name}' is not a GUID.`);
    const role = rawString(raw, "role");
    const scope = rawString(raw, "scope");
    if (role === undefined || scope === undefined) throw new UsageError(`the following arguments are required: ${[role === undefined ? "--role" : "", scope === undefined ? "--scope" : ""].filter(Boolean).join(", ")}`);
    return { ...target(raw, cwd), role, scope, assignee, name };
  },
  async run(o, ctx) {
    if (o.vaultName !== undefined) {
      return withDataDirEmulator(ctx, o.dataDir, (emulator) => {
        const definitions = emulator.roles.definitions("vault");
        const role = localRole(o.role, definitions);
        if (!role) throw unknownRole(o.role);
        const created = emulator.roles.create({ name: o.vaultName!, kind: "vault" }, { scope: o.scope, role: role.name, principalId: o.assignee, ...(o.name ? { name: o.name } : {}) });
        return localAssignmentView(created, definitions);
      });
    }
    const client = await hsmClient(ctx, o.hsm!);
    const definitions = await hsmDefinitions(client);
    const roleId = resolveRoleId(o.role, definitions);
    if (!roleId) throw unknownRole(o.role);
    const name = o.name ?? crypto.randomUUID();
    const created = (await vaultRequest(client, "PUT", `${scopePath(o.scope)}/providers/Microsoft.Authorization/roleAssignments/${name}`, {
      properties: { roleDefinitionId: roleId, principalId: o.assignee },
    })) as WireAssignment;
    return wireAssignmentView(created, roleNames(definitions));
  },
});

export const emulatorRoleAssignmentListCommand = defineCommand({
  path: ["emulator", "role", "assignment", "list"],
  summary: "List role assignments of a Managed HSM (or an emulated key vault).",
  options: [
    { flags: "--scope <scope>", help: "Scope at which the role assignment applies." },
    { flags: "--role <role>", help: "Role name or id." },
    { flags: "--assignee-object-id <oid>", help: "The object id of the principal." },
    { flags: "--assignee <oid>", help: "The principal (an object id)." },
    ...TARGET_OPTIONS,
  ],
  examples: [{ title: "Who may do what in a managed HSM.", command: "kvkey emulator role assignment list --hsm-name myhsm -o table" }],
  parse(raw, { cwd }) {
    return {
      ...target(raw, cwd),
      scope: rawString(raw, "scope"),
      role: rawString(raw, "role"),
      assignee: rawString(raw, "assigneeObjectId") ?? rawString(raw, "assignee"),
    };
  },
  async run(o, ctx) {
    if (o.vaultName !== undefined) {
      return withDataDirEmulator(ctx, o.dataDir, (emulator) => {
        const definitions = emulator.roles.definitions("vault");
        const role = o.role === undefined ? undefined : localRole(o.role, definitions);
        if (o.role !== undefined && !role) throw unknownRole(o.role);
        return emulator.roles
          .list({ name: o.vaultName!, kind: "vault" })
          .map((a) => localAssignmentView(a, definitions))
          .filter((a) => matches(a, { ...(o.scope !== undefined ? { scope: o.scope } : {}), ...(role ? { roleId: `/providers/Microsoft.Authorization/roleDefinitions/${role.name}` } : {}), ...(o.assignee !== undefined ? { assignee: o.assignee } : {}) }));
      });
    }
    const client = await hsmClient(ctx, o.hsm!);
    const definitions = await hsmDefinitions(client);
    const roleId = o.role === undefined ? undefined : resolveRoleId(o.role, definitions);
    if (o.role !== undefined && !roleId) throw unknownRole(o.role);
    const names = roleNames(definitions);
    return (await hsmAssignments(client, o.scope))
      .map((a) => wireAssignmentView(a, names))
      .filter((a) => matches(a, { ...(o.scope !== undefined ? { scope: o.scope } : {}), ...(roleId ? { roleId } : {}), ...(o.assignee !== undefined ? { assignee: o.assignee } : {}) }));
  },
});

export const emulatorRoleAssignmentDeleteCommand = defineCommand({
  path: ["emulator", "role", "assignment", "delete"],
  summary: "Delete role assignments of a Managed HSM (or an emulated key vault).",
  options: [
    { flags: "-n, --name <name>", help: "Name of the role assignment (also --role-assignment-name)." },
    { flags: "--role-assignment-name <name>", help: "Name of the role assignment." },
    { flags: "--ids <ids...>", help: "Space-separated role assignment ids." },
    { flags: "--scope <scope>", help: "Scope at which the role assignment applies." },
    { flags: "--role <role>", help: "Role name or id." },
    { flags: "--assignee-object-id <oid>", help: "The object id of the principal." },
    { flags: "--assignee <oid>", help: "The principal (an object id)." },
    ...TARGET_OPTIONS,
  ],
  examples: [{ title: "Take a principal's roles away.", command: "kvkey emulator role assignment delete --hsm-name myhsm --assignee-object-id 11111111-2222-3333-4444-555555555555" }],
  parse(raw, { cwd }) {
    return {
      ...target(raw, cwd),
      name: rawString(raw, "name") ?? rawString(raw, "roleAssignmentName"),
      ids: rawList(raw, "ids"),
      scope: rawString(raw, "scope"),
      role: rawString(raw, "role"),
      assignee: rawString(raw, "assigneeObjectId") ?? rawString(raw, "assignee"),
    };
  },
  async run(o, ctx) {
    const named = o.ids?.map((id) => id.split("/").pop()!) ?? (o.name !== undefined ? [o.name] : undefined);
    if (o.vaultName !== undefined) {
      return withDataDirEmulator(ctx, o.dataDir, (emulator) => {
        const vault = { name: o.vaultName!, kind: "vault" } as const;
        const definitions = emulator.roles.definitions("vault");
        const role = o.role === undefined ? undefined : localRole(o.role, definitions);
        if (o.role !== undefined && !role) throw unknownRole(o.role);
        const names =
          named ??
          emulator.roles
            .list(vault)
            .map((a) => localAssignmentView(a, definitions))
            .filter((a) => matches(a, { ...(o.scope !== undefined ? { scope: o.scope } : {}), ...(role ? { roleId: `/providers/Microsoft.Authorization/roleDefinitions/${role.name}` } : {}), ...(o.assignee !== undefined ? { assignee: o.assignee } : {}) }))
            .map((a) => a.name);
        return names.map((n) => localAssignmentView(emulator.roles.delete(vault, n), definitions));
      });
    }
    const client = await hsmClient(ctx, o.hsm!);
    const definitions = await hsmDefinitions(client);
    const roleId = o.role === undefined ? undefined : resolveRoleId(o.role, definitions);
    if (o.role !== undefined && !roleId) throw unknownRole(o.role);
    const names =
      named ??
      (await hsmAssignments(client, o.scope))
        .filter((a) => matches({ scope: a.properties.scope, roleDefinitionId: a.properties.roleDefinitionId, principalId: a.properties.principalId }, { ...(o.scope !== undefined ? { scope: o.scope } : {}), ...(roleId ? { roleId } : {}), ...(o.assignee !== undefined ? { assignee: o.assignee } : {}) }))
        .map((a) => a.name);
    const deleted: WireAssignment[] = [];
    for (const name of names) {
      deleted.push((await vaultRequest(client, "DELETE", `${scopePath(o.scope)}/providers/Microsoft.Authorization/roleAssignments/${name}`)) as WireAssignment);
    }
    const byId = roleNames(definitions);
    return deleted.map((a) => wireAssignmentView(a, byId));
  },
});

export const emulatorRoleDefinitionListCommand = defineCommand({
  path: ["emulator", "role", "definition", "list"],
  summary: "List the role definitions of a Managed HSM (or of an emulated key vault's data plane).",
  options: [
    { flags: "--scope <scope>", help: "Scope of the role definitions." },
    { flags: "--custom-role-only [bool]", help: "Only show custom role definitions (the emulator has none).", choices: ["false", "true"] },
    ...TARGET_OPTIONS,
  ],
  examples: [{ title: "The roles a managed HSM knows.", command: "kvkey emulator role definition list --hsm-name myhsm --query \"[].roleName\" -o tsv" }],
  parse(raw, { commandName, cwd }) {
    return {
      ...target(raw, cwd),
      scope: rawString(raw, "scope"),
      customOnly: threeState(commandName, "--custom-role-only", raw.customRoleOnly as string | boolean | undefined) ?? false,
    };
  },
  async run(o, ctx) {
    if (o.vaultName !== undefined) {
      const all = await withDataDirEmulator(ctx, o.dataDir, (emulator) => emulator.roles.definitions("vault").map(localDefinitionView));
      return o.customOnly ? all.filter((d) => d.roleType === "CustomRole") : all;
    }
    const all = (await hsmDefinitions(await hsmClient(ctx, o.hsm!), o.scope)).map(wireDefinitionView);
    return o.customOnly ? all.filter((d) => d.roleType === "CustomRole") : all;
  },
});
