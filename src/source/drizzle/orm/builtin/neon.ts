// drizzle-orm/neon, as drizzle-orm 0.45 defines it: roles and a table that
// exist in Neon databases (nothing here is created), and `crudPolicy`.
import { sql } from "drizzle-orm";
import { jsonb, pgPolicy, pgRole, pgSchema, text, timestamp } from "drizzle-orm/pg-core";

const neonAuthSchema = pgSchema("neon_auth");
export const usersSync = neonAuthSchema.table("users_sync", {
  rawJson: jsonb("raw_json").notNull(),
  id: text().primaryKey().notNull(),
  name: text(),
  email: text(),
  createdAt: timestamp("created_at", { withTimezone: true, mode: "string" }),
  deletedAt: timestamp("deleted_at", { withTimezone: true, mode: "string" }),
  updatedAt: timestamp("updated_at", { withTimezone: true, mode: "string" }),
});

export const authenticatedRole = pgRole("authenticated").existing();
export const anonymousRole = pgRole("anonymous").existing();

export const authUid = (userIdColumn: unknown) => sql`(select auth.user_id() = ${userIdColumn})`;

const roleName = (role: any) => (typeof role === "string" ? role : role.name);

export const crudPolicy = (options: any) => {
  if (options.read === undefined) {
    throw new Error("crudPolicy requires a read policy");
  }
  if (options.modify === undefined) {
    throw new Error("crudPolicy requires a modify policy");
  }
  let read;
  if (options.read === true) {
    read = sql`true`;
  } else if (options.read === false) {
    read = sql`false`;
  } else if (options.read !== null) {
    read = options.read;
  }
  let modify;
  if (options.modify === true) {
    modify = sql`true`;
  } else if (options.modify === false) {
    modify = sql`false`;
  } else if (options.modify !== null) {
    modify = options.modify;
  }
  const rolesName = Array.isArray(options.role)
    ? options.role.map(roleName).join("-")
    : roleName(options.role);
  return [
    read && pgPolicy(`crud-${rolesName}-policy-select`, { for: "select", to: options.role, using: read }),
    modify && pgPolicy(`crud-${rolesName}-policy-insert`, { for: "insert", to: options.role, withCheck: modify }),
    modify &&
      pgPolicy(`crud-${rolesName}-policy-update`, { for: "update", to: options.role, using: modify, withCheck: modify }),
    modify && pgPolicy(`crud-${rolesName}-policy-delete`, { for: "delete", to: options.role, using: modify }),
  ].filter(Boolean);
};
