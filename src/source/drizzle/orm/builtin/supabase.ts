// drizzle-orm/supabase, as drizzle-orm 0.45 defines it: roles and tables
// that exist in every Supabase database (nothing here is created).
import { sql } from "drizzle-orm";
import { bigserial, pgRole, pgSchema, text, timestamp, uuid, varchar } from "drizzle-orm/pg-core";

export const anonRole = pgRole("anon").existing();
export const authenticatedRole = pgRole("authenticated").existing();
export const serviceRole = pgRole("service_role").existing();
export const postgresRole = pgRole("postgres_role").existing();
export const supabaseAuthAdminRole = pgRole("supabase_auth_admin").existing();

const auth = pgSchema("auth");
export const authUsers = auth.table("users", {
  id: uuid().primaryKey().notNull(),
  email: varchar({ length: 255 }),
  phone: text().unique(),
  emailConfirmedAt: timestamp("email_confirmed_at", { withTimezone: true }),
  phoneConfirmedAt: timestamp("phone_confirmed_at", { withTimezone: true }),
  lastSignInAt: timestamp("last_sign_in_at", { withTimezone: true }),
  createdAt: timestamp("created_at", { withTimezone: true }),
  updatedAt: timestamp("updated_at", { withTimezone: true }),
});

const realtime = pgSchema("realtime");
export const realtimeMessages = realtime.table("messages", {
  id: bigserial({ mode: "bigint" }).primaryKey(),
  topic: text().notNull(),
  extension: text({ enum: ["presence", "broadcast", "postgres_changes"] }).notNull(),
});

export const authUid = sql`(select auth.uid())`;
export const realtimeTopic = sql`realtime.topic()`;
