import type Database from "better-sqlite3";
import type { RoleAssignment } from "../domain/rbac.js";

// A container's role assignments (table `role_assignments`, migration 4), on the store's connection so
// they join its transactions; they go with their vault (ON DELETE CASCADE).

interface Row {
  name: string;
  scope: string;
  role_definition_id: string;
  principal_id: string;
}

function fromRow(row: Row): RoleAssignment {
  return { name: row.name, scope: row.scope, roleDefinitionName: row.role_definition_id, principalId: row.principal_id };
}

export class RoleAssignmentStore {
  private readonly stmts;

  constructor(db: Database.Database) {
    this.stmts = {
      get: db.prepare("SELECT name, scope, role_definition_id, principal_id FROM role_assignments WHERE vault_id = ? AND name = ?"),
      list: db.prepare("SELECT name, scope, role_definition_id, principal_id FROM role_assignments WHERE vault_id = ? ORDER BY created, name"),
      forPrincipal: db.prepare(
        "SELECT name, scope, role_definition_id, principal_id FROM role_assignments WHERE vault_id = ? AND principal_id = ?",
      ),
      insert: db.prepare(
        "INSERT INTO role_assignments (vault_id, name, scope, role_definition_id, principal_id, created) VALUES (?, ?, ?, ?, ?, ?)",
      ),
      delete: db.prepare("DELETE FROM role_assignments WHERE vault_id = ? AND name = ?"),
    };
  }

  get(vaultId: string, name: string): RoleAssignment | undefined {
    const row = this.stmts.get.get(vaultId, name) as Row | undefined;
    return row && fromRow(row);
  }

  list(vaultId: string): RoleAssignment[] {
    return (this.stmts.list.all(vaultId) as Row[]).map(fromRow);
  }

  forPrincipal(vaultId: string, principalId: string): RoleAssignment[] {
    return (this.stmts.forPrincipal.all(vaultId, principalId) as Row[]).map(fromRow);
  }

  insert(vaultId: string, assignment: RoleAssignment, created: number): void {
    this.stmts.insert.run(vaultId, assignment.name, assignment.scope, assignment.roleDefinitionName, assignment.principalId, created);
  }

  delete(vaultId: string, name: string): boolean {
    return this.stmts.delete.run(vaultId, name).changes > 0;
  }
}
