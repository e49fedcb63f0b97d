//! Declared SQL printed the server's way.
//!
//! PostgreSQL keeps expressions parsed and prints them back its own way:
//! `a between 0 and b` comes back as `((a >= 0) AND (a <= b))`, `x in ('a')`
//! as `(x = ANY (ARRAY['a'::text]))`, a view body as a reformatted `SELECT`.
//! No text rule covers them all, so where a declared expression and the live
//! one do not already compare equal, the server is asked how it would print
//! the declared one: it is applied to a temporary copy of the table (or made
//! a temporary view), printed with the same catalog functions the inspector
//! uses, and undone. When both prints are the same, the live model takes the
//! declared text, and the two compare equal. All of it is one query.

use postgres::Client;
use serde::Deserialize;

use super::postgres::{query_json, text_array};
use crate::render::postgres_index_body;
use crate::schema::{ColumnType, Dialect, Schema, canonical};
use crate::sql::ident;

/// What a probe makes on the temporary copy, and so how its print is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    View,
    Check,
    Default,
    Generated,
    Index,
    Policy,
}

impl Kind {
    fn label(self) -> &'static str {
        match self {
            Kind::View => "view",
            Kind::Check => "check",
            Kind::Default => "default",
            Kind::Generated => "generated",
            Kind::Index => "index",
            Kind::Policy => "policy",
        }
    }
}

/// Where a probe's answer goes back to in the live model.
#[derive(Debug, Clone)]
enum Target {
    View(usize),
    Check { table: usize, check: usize },
    Default { table: usize, column: usize },
    Generated { table: usize, column: usize },
    Index { table: usize, index: usize },
    Policy { table: usize, policy: usize },
}

/// One declared item to print.
struct Probe {
    kind: Kind,
    schema: String,
    table: String,
    column: String,
    statement: String,
    target: Target,
    /// The declared item, to adopt when the prints agree.
    declared: Declared,
}

enum Declared {
    Text(String),
    Index(crate::schema::Index),
    Policy(crate::schema::Policy),
}

/// The name the probes give what they make.
const PROBE: &str = "db_migrate_probe";

/// Gives live expressions their declared text wherever the server prints both alike.
pub fn adopt_declared(client: &mut Client, live: &mut Schema, expected: &Schema) {
    let probes = probes(live, expected);
    if probes.is_empty() {
        return;
    }
    // A session that cannot make temporary objects (a read-only standby)
    // leaves the server's text in place.
    let Ok(printed) = run(client, &probes) else {
        return;
    };
    for (probe, printed) in probes.into_iter().zip(printed) {
        if let Some(printed) = printed {
            adopt(live, probe, &printed);
        }
    }
}

/// The probes for every declared item whose text differs from the live one.
fn probes(live: &Schema, expected: &Schema) -> Vec<Probe> {
    let mut out = Vec::new();
    for (i, v) in live.views.iter().enumerate() {
        let Some(e) = expected.view(&v.schema, &v.name) else {
            continue;
        };
        if canonical::view(v).definition == canonical::view(e).definition {
            continue;
        }
        let body = e.definition.trim().trim_end_matches(';').to_string();
        out.push(Probe {
            kind: Kind::View,
            schema: v.schema.clone(),
            table: v.name.clone(),
            column: String::new(),
            statement: format!("CREATE TEMPORARY VIEW {PROBE} AS {body}"),
            target: Target::View(i),
            declared: Declared::Text(e.definition.clone()),
        });
    }
    for (ti, t) in live.tables.iter().enumerate() {
        let Some(e) = expected.table(&t.schema, &t.name) else {
            continue;
        };
        let copy = format!("pg_temp.{}", ident(&t.name));
        // The copy is `pg_temp.<table>`: what the declared text names as
        // `"schema"."table"."column"` is named `"table"."column"` there.
        let probe = |kind, column: &str, statement: String, target, declared| Probe {
            kind,
            schema: t.schema.clone(),
            table: t.name.clone(),
            column: column.to_string(),
            statement: crate::sql::unqualify_schema(&statement, &t.schema, &t.name),
            target,
            declared,
        };
        let differs = |a: &str, b: &str| {
            canonical::expression(a, &t.name) != canonical::expression(b, &t.name)
        };
        for (ci, c) in t.checks.iter().enumerate() {
            if let Some(d) = e.checks.iter().find(|d| d.name == c.name)
                && differs(&c.expression, &d.expression)
            {
                out.push(probe(
                    Kind::Check,
                    "",
                    format!(
                        "ALTER TABLE {copy} ADD CONSTRAINT {PROBE} CHECK ({})",
                        d.expression
                    ),
                    Target::Check {
                        table: ti,
                        check: ci,
                    },
                    Declared::Text(d.expression.clone()),
                ));
            }
        }
        for (ci, c) in t.columns.iter().enumerate() {
            let Some(d) = e.column(&c.name) else {
                continue;
            };
            let type_text = match &c.ty {
                ColumnType::Sql(s) => canonical::type_sql(Dialect::Postgres, s),
                ColumnType::Enum(_) => String::new(),
            };
            let default =
                |x: &str| canonical::default_expr(Dialect::Postgres, x, &type_text, c.dims);
            if let (Some(a), Some(b)) = (&c.default, &d.default)
                && default(a) != default(b)
            {
                out.push(probe(
                    Kind::Default,
                    &c.name,
                    format!(
                        "ALTER TABLE {copy} ALTER COLUMN {} SET DEFAULT {b}",
                        ident(&c.name)
                    ),
                    Target::Default {
                        table: ti,
                        column: ci,
                    },
                    Declared::Text(b.clone()),
                ));
            }
            if let (Some(a), Some(b)) = (&c.generated, &d.generated)
                && differs(a, b)
            {
                out.push(probe(
                    Kind::Generated,
                    PROBE,
                    format!(
                        "ALTER TABLE {copy} ADD COLUMN {PROBE} {} GENERATED ALWAYS AS ({b}) STORED",
                        crate::render::postgres_type(&c.ty, c.dims)
                    ),
                    Target::Generated {
                        table: ti,
                        column: ci,
                    },
                    Declared::Text(b.clone()),
                ));
            }
        }
        for (ii, i) in t.indexes.iter().enumerate() {
            let Some(d) = e.indexes.iter().find(|d| d.name == i.name) else {
                continue;
            };
            let a = canonical::table(Dialect::Postgres, &only_index(t, i));
            let b = canonical::table(Dialect::Postgres, &only_index(t, d));
            if a.indexes == b.indexes || d.keys.len() != i.keys.len() {
                continue;
            }
            out.push(probe(
                Kind::Index,
                "",
                format!("CREATE INDEX {PROBE} ON {copy} {}", postgres_index_body(d)),
                Target::Index {
                    table: ti,
                    index: ii,
                },
                Declared::Index(d.clone()),
            ));
        }
        for (pi, p) in t.policies.iter().enumerate() {
            let Some(d) = e.policies.iter().find(|d| d.name == p.name) else {
                continue;
            };
            let a = canonical::policy(p, &t.name);
            let b = canonical::policy(d, &t.name);
            if a.using == b.using && a.with_check == b.with_check {
                continue;
            }
            let mut statement = format!("CREATE POLICY {PROBE} ON {copy}");
            if let Some(u) = &d.using {
                statement.push_str(&format!(" USING ({u})"));
            }
            if let Some(c) = &d.with_check {
                statement.push_str(&format!(" WITH CHECK ({c})"));
            }
            out.push(probe(
                Kind::Policy,
                "",
                statement,
                Target::Policy {
                    table: ti,
                    policy: pi,
                },
                Declared::Policy(d.clone()),
            ));
        }
    }
    out
}

/// A copy of the table with only one index, to compare indexes in canonical form.
fn only_index(t: &crate::schema::Table, i: &crate::schema::Index) -> crate::schema::Table {
    let mut copy = crate::schema::Table::new(&t.schema, &t.name);
    copy.indexes.push(i.clone());
    copy
}

/// Runs every probe in one query; each answer is the print, or `None` when
/// the server did not accept the declared text.
fn run(client: &mut Client, probes: &[Probe]) -> Result<Vec<Option<String>>, postgres::Error> {
    let column = |f: &dyn Fn(&Probe) -> String| -> String {
        text_array(&probes.iter().map(f).collect::<Vec<_>>())
    };
    let sql = format!(
        "CREATE FUNCTION pg_temp.db_migrate_probe(kind text, sch text, tbl text, col text, stmt text)
         RETURNS text LANGUAGE plpgsql AS $fn$
         DECLARE printed text; rel regclass;
         BEGIN
           BEGIN
             IF kind <> 'view' THEN
               EXECUTE format('CREATE TEMPORARY TABLE %I (LIKE %I.%I)', tbl, sch, tbl);
               rel := format('pg_temp.%I', tbl)::regclass;
             END IF;
             EXECUTE stmt;
             IF kind = 'view' THEN
               printed := pg_get_viewdef('pg_temp.{PROBE}'::regclass);
             ELSIF kind = 'check' THEN
               SELECT pg_get_expr(conbin, conrelid) INTO printed FROM pg_constraint
                WHERE conrelid = rel AND conname = '{PROBE}';
             ELSIF kind IN ('default', 'generated') THEN
               SELECT pg_get_expr(d.adbin, d.adrelid) INTO printed FROM pg_attrdef d
                 JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
                WHERE d.adrelid = rel AND a.attname = col;
             ELSIF kind = 'index' THEN
               SELECT json_build_object(
                        'keys', (SELECT json_agg(CASE WHEN ix.indkey[k] = 0
                                   THEN pg_get_indexdef(ix.indexrelid, k + 1, true) END ORDER BY k)
                                 FROM generate_series(0, ix.indnkeyatts - 1) k),
                        'predicate', pg_get_expr(ix.indpred, ix.indrelid))::text
                 INTO printed FROM pg_index ix WHERE ix.indexrelid = 'pg_temp.{PROBE}'::regclass;
             ELSIF kind = 'policy' THEN
               SELECT json_build_object('using', pg_get_expr(polqual, polrelid),
                                        'with_check', pg_get_expr(polwithcheck, polrelid))::text
                 INTO printed FROM pg_policy WHERE polrelid = rel AND polname = '{PROBE}';
             END IF;
             -- Undo everything made here; the print is kept.
             RAISE EXCEPTION 'db-migrate probe done';
           EXCEPTION WHEN others THEN NULL;
           END;
           RETURN printed;
         END $fn$;
         SELECT coalesce(json_agg(pg_temp.db_migrate_probe(k, s, t, c, st) ORDER BY i), '[]')
           FROM unnest({}, {}, {}, {}, {}) WITH ORDINALITY u(k, s, t, c, st, i);
         DROP FUNCTION pg_temp.db_migrate_probe(text, text, text, text, text);",
        column(&|p| p.kind.label().to_string()),
        column(&|p| p.schema.clone()),
        column(&|p| p.table.clone()),
        column(&|p| p.column.clone()),
        column(&|p| p.statement.clone()),
    );
    query_json(client, &sql)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct PrintedIndex {
    keys: Vec<Option<String>>,
    predicate: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct PrintedPolicy {
    using: Option<String>,
    with_check: Option<String>,
}

/// Puts the declared text in the live model where the prints agree.
fn adopt(live: &mut Schema, probe: Probe, printed: &str) {
    let same = |a: &str| a.trim() == printed.trim();
    match (probe.target, probe.declared) {
        (Target::View(i), Declared::Text(d)) => {
            if let Some(v) = live.views.get_mut(i)
                && same(&v.definition)
            {
                v.definition = d;
            }
        }
        (Target::Check { table, check }, Declared::Text(d)) => {
            if let Some(c) = live
                .tables
                .get_mut(table)
                .and_then(|t| t.checks.get_mut(check))
                && same(&c.expression)
            {
                c.expression = d;
            }
        }
        (Target::Default { table, column }, Declared::Text(d)) => {
            if let Some(c) = live
                .tables
                .get_mut(table)
                .and_then(|t| t.columns.get_mut(column))
                && c.default.as_deref().is_some_and(same)
            {
                c.default = Some(d);
            }
        }
        (Target::Generated { table, column }, Declared::Text(d)) => {
            if let Some(c) = live
                .tables
                .get_mut(table)
                .and_then(|t| t.columns.get_mut(column))
                && c.generated.as_deref().is_some_and(same)
            {
                c.generated = Some(d);
            }
        }
        (Target::Index { table, index }, Declared::Index(d)) => {
            let Ok(p) = serde_json::from_str::<PrintedIndex>(printed) else {
                return;
            };
            let Some(i) = live
                .tables
                .get_mut(table)
                .and_then(|t| t.indexes.get_mut(index))
            else {
                return;
            };
            for ((key, declared), printed) in i.keys.iter_mut().zip(&d.keys).zip(&p.keys) {
                if key.expression
                    && declared.expression
                    && printed.as_deref() == Some(key.key.as_str())
                {
                    key.key = declared.key.clone();
                }
            }
            if i.predicate.is_some() && i.predicate == p.predicate {
                i.predicate = d.predicate;
            }
        }
        (Target::Policy { table, policy }, Declared::Policy(d)) => {
            let Ok(p) = serde_json::from_str::<PrintedPolicy>(printed) else {
                return;
            };
            let Some(l) = live
                .tables
                .get_mut(table)
                .and_then(|t| t.policies.get_mut(policy))
            else {
                return;
            };
            if l.using.is_some() && l.using == p.using {
                l.using = d.using;
            }
            if l.with_check.is_some() && l.with_check == p.with_check {
                l.with_check = d.with_check;
            }
        }
        _ => {}
    }
}
