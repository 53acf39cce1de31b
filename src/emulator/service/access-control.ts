import { VaultErrors } from "../domain/errors.js";
import {
  builtInRoles,
  findRole,
  normalizeScope,
  roleGrants,
  scopeCovers,
  type DataAction,
  type RoleAssignment,
  type RoleDefinition,
} from "../domain/rbac.js";
import type { Vault, VaultTarget } from "../domain/vault.js";
import type { RoleAssignmentStore } from "../store/role-assignment-store.js";
import type { KeyRepository } from "./key-repository.js";

// Who may do what in a container that enforces role-based access (domain/rbac.ts): its role
// assignments (create, read, list, delete) and the decision the pipeline's authorize step asks for.
// A container without RBAC, or one that does not exist yet, decides nothing: everything is allowed, as
// the emulator always did.

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

export interface NewRoleAssignment {
  scope: string;
  /** A role's GUID, full id or name. */
  role: string;
  principalId: string;
  /** The assignment's GUID; one is made when omitted. */
  name?: string;
}

export class AccessControl {
  constructor(
    private readonly repo: KeyRepository,
    private readonly assignments: RoleAssignmentStore,
  ) {}

  /** The container, when it exists and enforces RBAC; undefined when every request is allowed. */
  enforcing(target: VaultTarget): Vault | undefined {
    const vault = this.repo.store.read(() => this.repo.vaults.get(target));
    return vault?.rbacAuthorization ? vault : undefined;
  }

  /** Whether any of the principal's assignments, at a scope covering `resource`, grants the action. */
  permits(vault: Vault, principalId: string | undefined, action: DataAction, resource: string): boolean {
    if (!principalId) return false;
    const roles = builtInRoles(vault.kind);
    return this.repo.store.read(() =>
      this.assignments.forPrincipal(vault.id, principalId).some((a) => {
        if (!scopeCovers(a.scope, resource)) return false;
        const role = roles.find((r) => r.name === a.roleDefinitionName.toLowerCase());
        return role !== undefined && roleGrants(role, action);
      }),
    );
  }

  roleDefinitions(target: VaultTarget): readonly RoleDefinition[] {
    return builtInRoles(target.kind);
  }

  roleDefinition(target: VaultTarget, name: string): RoleDefinition {
    const role = findRole(target.kind, name);
    if (!role || role.name !== name.toLowerCase()) throw VaultErrors.roleDefinitionNotFound(name);
    return role;
  }

  create(target: VaultTarget, host: string, request: NewRoleAssignment): RoleAssignment {
    const scope = validScope(request.scope);
    const name = request.name ?? crypto.randomUUID();
    if (!GUID.test(name)) throw VaultErrors.badParameter(`The role assignment name '${name}' is not valid: it must be a GUID.`);
    const role = findRole(target.kind, request.role);
    if (!role) throw VaultErrors.roleDefinitionNotFound(request.role);
    if (!request.principalId || request.principalId.trim() === "") {
      throw VaultErrors.badParameter("The role assignment needs a principalId: the object id of the user, group or application.");
    }
    return this.repo.store.write(() => {
      const vault = this.repo.vaults.existing(target, host);
      const assignment: RoleAssignment = { name: name.toLowerCase(), scope, roleDefinitionName: role.name, principalId: request.principalId };
      if (this.assignments.get(vault.id, assignment.name)) throw VaultErrors.roleAssignmentExists(assignment.name);
      this.assignments.insert(vault.id, assignment, this.repo.now());
      return assignment;
    });
  }

  get(target: VaultTarget, host: string, name: string): RoleAssignment {
    return this.repo.store.read(() => {
      const vault = this.repo.vaults.existing(target, host);
      const found = this.assignments.get(vault.id, name);
      if (!found) throw VaultErrors.roleAssignmentNotFound(name);
      return found;
    });
  }

  delete(target: VaultTarget, host: string, name: string): RoleAssignment {
    return this.repo.store.write(() => {
      const vault = this.repo.vaults.existing(target, host);
      const found = this.assignments.get(vault.id, name);
      if (!found) throw VaultErrors.roleAssignmentNotFound(name);
      this.assignments.delete(vault.id, found.name);
      return found;
    });
  }

  /**
   * The assignments related to a scope: at it, above it or below it (`/` lists all), optionally for one
   * principal (`$filter=principalId eq '{id}'`).
   */
  list(target: VaultTarget, host: string, scope: string, principalId?: string): RoleAssignment[] {
    const at = validScope(scope);
    return this.repo.store.read(() => {
      const vault = this.repo.vaults.existing(target, host);
      return this.assignments
        .list(vault.id)
        .filter((a) => scopeCovers(a.scope, at) || scopeCovers(at, a.scope))
        .filter((a) => principalId === undefined || a.principalId.toLowerCase() === principalId.toLowerCase());
    });
  }

  /** Assignments made with the container in one write (`emulator vault create --administrators`). */
  assignInWrite(vault: Vault, role: string, principalIds: readonly string[]): void {
    const definition = findRole(vault.kind, role)!;
    for (const principalId of principalIds) {
      const exists = this.assignments
        .forPrincipal(vault.id, principalId)
        .some((a) => a.scope === "/" && a.roleDefinitionName === definition.name);
      if (!exists) {
        this.assignments.insert(
          vault.id,
          { name: crypto.randomUUID(), scope: "/", roleDefinitionName: definition.name, principalId },
          this.repo.now(),
        );
      }
    }
  }
}

function validScope(scope: string): string {
  const normalized = normalizeScope(scope);
  if (!normalized) throw VaultErrors.badParameter(`The scope '${scope}' is not valid: use /, /keys or /keys/{key name}.`);
  return normalized;
}
