import type { RoleAssignment, RoleDefinition } from "../domain/rbac.js";
import { VaultErrors } from "../domain/errors.js";
import type { AccessControl } from "../service/access-control.js";
import type { Addressed } from "./host.js";
import { parseJsonBody } from "./parse.js";
import type { Answer } from "./respond.js";
import type { Route } from "./router.js";

// Managed HSM local RBAC on the data plane (REST "managedhsm-rbac", api-version 7.2 on): role
// assignments at `/{scope}/providers/Microsoft.Authorization/roleAssignments/{name}` and the built-in
// role definitions, in the shapes the service answers (azure-cli recording test_keyvault_hsm_role.yaml:
// `{"id":"/providers/Microsoft.Authorization/roleAssignments/{name}","name","properties":{"principalId",
// "roleDefinitionId":"Microsoft.KeyVault/providers/Microsoft.Authorization/roleDefinitions/{guid}",
// "scope":"/"},"type":"Microsoft.Authorization/roleAssignments"}`). Create answers 201.

export type RoleRoute = Extract<
  Route,
  { op: "createRoleAssignment" | "getRoleAssignment" | "deleteRoleAssignment" | "listRoleAssignments" | "getRoleDefinition" | "listRoleDefinitions" }
>;

export const ROLE_DEFINITION_PREFIX = "Microsoft.KeyVault/providers/Microsoft.Authorization/roleDefinitions/";

export function roleAssignmentBody(a: RoleAssignment): Record<string, unknown> {
  return {
    id: `${a.scope === "/" ? "" : a.scope}/providers/Microsoft.Authorization/roleAssignments/${a.name}`,
    name: a.name,
    properties: { principalId: a.principalId, roleDefinitionId: `${ROLE_DEFINITION_PREFIX}${a.roleDefinitionName}`, scope: a.scope },
    type: "Microsoft.Authorization/roleAssignments",
  };
}

export function roleDefinitionBody(r: RoleDefinition): Record<string, unknown> {
  return {
    id: `${ROLE_DEFINITION_PREFIX}${r.name}`,
    name: r.name,
    properties: {
      assignableScopes: ["/"],
      description: r.description,
      permissions: [{ actions: [], dataActions: [...r.dataActions], notActions: [], notDataActions: [...r.notDataActions] }],
      roleName: r.roleName,
      type: "AKVBuiltInRole",
    },
    type: "Microsoft.Authorization/roleDefinitions",
  };
}

/** `$filter=principalId eq '{id}'` (the only filter with an effect; `atScope()` is what listing does anyway). */
function principalFilter(query: URLSearchParams): string | undefined {
  const filter = query.get("$filter");
  return filter ? /principalId\s+eq\s+'([^']+)'/i.exec(filter)?.[1] : undefined;
}

export function roleOperation(access: AccessControl, route: RoleRoute, at: Addressed, query: URLSearchParams, body: string | undefined): Answer {
  const { target, host } = at;
  switch (route.op) {
    case "createRoleAssignment": {
      const parsed = parseJsonBody(body) as { properties?: { roleDefinitionId?: unknown; principalId?: unknown } };
      const props = parsed?.properties;
      if (!props || typeof props.roleDefinitionId !== "string" || typeof props.principalId !== "string") {
        throw VaultErrors.badParameter("The request body must be {\"properties\": {\"roleDefinitionId\": \"...\", \"principalId\": \"...\"}}.");
      }
      const created = access.create(target, host, {
        scope: route.scope,
        name: route.assignment,
        role: props.roleDefinitionId,
        principalId: props.principalId,
      });
      return { status: 201, body: roleAssignmentBody(created) };
    }
    case "getRoleAssignment":
      return { status: 200, body: roleAssignmentBody(access.get(target, host, route.assignment)) };
    case "deleteRoleAssignment":
      return { status: 200, body: roleAssignmentBody(access.delete(target, host, route.assignment)) };
    case "listRoleAssignments":
      return { status: 200, body: { value: access.list(target, host, route.scope, principalFilter(query)).map(roleAssignmentBody), nextLink: null } };
    case "getRoleDefinition":
      return { status: 200, body: roleDefinitionBody(access.roleDefinition(target, route.definition)) };
    case "listRoleDefinitions":
      return { status: 200, body: { value: access.roleDefinitions(target).map(roleDefinitionBody), nextLink: null } };
  }
}
