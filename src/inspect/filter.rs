//! Which live tables and views db-migrate manages: drizzle.config's
//! `tablesFilter` (globs, `!` to leave out) and db-migrate.toml's `ignore`
//! (globs of names or `schema.name`). A live table or view the filter leaves
//! out, and the schema does not declare, is not compared, so third-party
//! tables (pg-boss's, a hand-made scratch table) are not drift and `push`
//! never drops them.

use glob::Pattern;

use crate::schema::{QualifiedName, Schema};

/// Globs over table and view names, matched against `name` and `schema.name`.
#[derive(Debug, Clone, Default)]
pub struct TableFilter {
    include: Vec<Pattern>,
    exclude: Vec<Pattern>,
}

impl TableFilter {
    /// A filter from drizzle-kit's `tablesFilter` and db-migrate's `ignore`;
    /// an invalid glob is returned as the error.
    pub fn new(tables_filter: &[String], ignore: &[String]) -> Result<TableFilter, String> {
        let pattern = |p: &str| Pattern::new(p).map_err(|e| format!("`{p}`: {e}"));
        let mut filter = TableFilter::default();
        for p in tables_filter {
            match p.strip_prefix('!') {
                Some(negated) => filter.exclude.push(pattern(negated)?),
                None => filter.include.push(pattern(p)?),
            }
        }
        for p in ignore {
            filter.exclude.push(pattern(p)?);
        }
        Ok(filter)
    }

    /// True when the filter keeps the table or view.
    pub fn keeps(&self, name: &QualifiedName) -> bool {
        let qualified = format!("{}.{}", name.schema, name.name);
        let matches = |p: &Pattern| p.matches(&name.name) || p.matches(&qualified);
        !self.exclude.iter().any(matches)
            && (self.include.is_empty() || self.include.iter().any(matches))
    }

    /// Removes from the live schema the tables and views the filter leaves
    /// out, except those the declared schema has (those are always managed).
    pub fn retain(&self, live: &mut Schema, declared: &Schema) {
        live.tables
            .retain(|t| self.keeps(&t.qualified()) || declared.table(&t.schema, &t.name).is_some());
        live.views.retain(|v| {
            self.keeps(&QualifiedName::new(&v.schema, &v.name))
                || declared.view(&v.schema, &v.name).is_some()
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_keep_and_leave_out() {
        let q = |s: &str, n: &str| QualifiedName::new(s, n);
        let f = TableFilter::new(&["app_*".into(), "!app_tmp_*".into()], &["pgboss.*".into()])
            .expect("filter");
        assert!(f.keeps(&q("public", "app_users")));
        assert!(!f.keeps(&q("public", "app_tmp_x")));
        assert!(!f.keeps(&q("public", "other")));
        assert!(!f.keeps(&q("pgboss", "app_jobs")));
        let f = TableFilter::new(&[], &["spatial_ref_sys".into()]).expect("filter");
        assert!(f.keeps(&q("public", "users")));
        assert!(!f.keeps(&q("public", "spatial_ref_sys")));
        assert!(TableFilter::new(&["[".into()], &[]).is_err());

        // A declared table stays, whatever the filter says.
        let mut live = Schema::empty(crate::schema::Dialect::Postgres);
        live.tables
            .push(crate::schema::Table::new("public", "spatial_ref_sys"));
        live.tables
            .push(crate::schema::Table::new("public", "legacy"));
        let mut declared = Schema::empty(crate::schema::Dialect::Postgres);
        declared
            .tables
            .push(crate::schema::Table::new("public", "legacy"));
        let f =
            TableFilter::new(&[], &["spatial_ref_sys".into(), "legacy".into()]).expect("filter");
        f.retain(&mut live, &declared);
        let names: Vec<&str> = live.tables.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["legacy"]);
    }
}
