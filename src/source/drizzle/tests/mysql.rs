//! MySQL schemas: what the reader does beyond what the recorded fixtures show.

use super::*;
use crate::schema::*;

#[test]
fn names_over_64_characters_are_shortened_with_a_warning() {
    let project = schema_ts(
        r#"import { mysqlTable, int } from 'drizzle-orm/mysql-core';
export const productVariantInventory = mysqlTable('product_variant_inventory', {
  id: int('id').primaryKey(),
  productVariantId: int('product_variant_id').references(() => productVariantInventory.id),
});
"#,
    );
    let s = project.schema(&["schema.ts"]);
    let fk = &s.tables[0].foreign_keys[0];
    let long = "product_variant_inventory_product_variant_id_product_variant_inventory_id_fk";
    assert_eq!(fk.name, names::hashed(long));
    assert!(fk.name.len() <= 64, "{}", fk.name);
    let warnings = project.warnings(&["schema.ts"]);
    assert!(
        warnings.contains("MySQL refuses names over 64 characters"),
        "{warnings}"
    );
    assert!(warnings.contains(long), "{warnings}");
}

#[test]
fn tables_of_a_mysql_schema_are_left_out_like_drizzle_kit_does() {
    let project = schema_ts(
        r#"import { mysqlTable, mysqlSchema, int } from 'drizzle-orm/mysql-core';
export const other = mysqlSchema('other');
export const kept = mysqlTable('kept', { id: int('id') });
export const elsewhere = other.table('elsewhere', { id: int('id') });
"#,
    );
    let s = project.schema(&["schema.ts"]);
    let tables: Vec<&str> = s.tables.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(tables, ["kept"]);
    assert!(s.schemas.is_empty());
    assert!(
        project
            .warnings(&["schema.ts"])
            .contains("another database"),
        "a warning names the table left out"
    );
}

#[test]
fn mysql_only_modifiers_are_refused_elsewhere() {
    let report = schema_ts(
        r#"import { pgTable, timestamp } from 'drizzle-orm/pg-core';
export const t = pgTable('t', { at: timestamp('at').onUpdateNow() });
"#,
    )
    .errors(&["schema.ts"]);
    assert!(
        report.contains("`.onUpdateNow()` is not available on PostgreSQL columns"),
        "{report}"
    );
}

#[test]
fn custom_types_keep_their_spelling() {
    let s = schema_ts(
        r#"import { mysqlTable, customType } from 'drizzle-orm/mysql-core';
const longBlob = customType<{ data: Buffer }>({ dataType: () => 'LONGBLOB' });
export const media = mysqlTable('media', { content: longBlob('content').notNull() });
"#,
    )
    .schema(&["schema.ts"]);
    assert_eq!(s.tables[0].columns[0].ty, ColumnType::sql("LONGBLOB"));
}
