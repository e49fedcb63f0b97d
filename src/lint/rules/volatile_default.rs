//! `volatile-default` (warning, PostgreSQL).

use sqlparser::tokenizer::Token;

use super::super::migration::Migration;
use super::super::text::{ident, qualified, tokens, type_name};
use super::super::{Finding, RuleInfo, Severity};
use crate::diff::Change;
use crate::schema::{Column, ColumnType, Dialect, QualifiedName};

/// `ADD COLUMN` with a volatile default (`random()`, `gen_random_uuid()`,
/// `clock_timestamp()`, a serial or identity column) computes a value for
/// every existing row, rewriting the table under an ACCESS EXCLUSIVE lock.
/// Stable defaults such as `now()` and constants are stored once and cost
/// nothing on PostgreSQL 11+; before 11 any default rewrites the table.
///
/// Safe alternative: add the column without a default, `SET DEFAULT` (it only
/// applies to new rows), backfill existing rows in batches, then `SET NOT
/// NULL` if needed. A default calling an unknown function is flagged too:
/// user-defined functions are volatile unless declared otherwise.
pub(super) const RULE: RuleInfo = RuleInfo {
    id: "volatile-default",
    severity: Severity::Warning,
    summary: "ADD COLUMN with a volatile default (or any default before PostgreSQL 11) rewrites the table",
    check,
};

/// Functions PostgreSQL declares volatile that defaults commonly call.
const VOLATILE: &[&str] = &[
    "random",
    "gen_random_uuid",
    "uuid_generate_v1",
    "uuid_generate_v1mc",
    "uuid_generate_v4",
    "uuidv4",
    "uuidv7",
    "gen_random_bytes",
    "clock_timestamp",
    "timeofday",
    "nextval",
    "setseed",
    "random_normal",
];

/// Names followed by `(` in defaults that are not volatile: stable or immutable
/// functions, and keywords and type names that take parentheses.
const NOT_VOLATILE: &[&str] = &[
    "now",
    "statement_timestamp",
    "transaction_timestamp",
    "current_timestamp",
    "current_time",
    "localtimestamp",
    "localtime",
    "current_date",
    "current_setting",
    "timezone",
    "date_trunc",
    "to_timestamp",
    "to_char",
    "to_date",
    "make_date",
    "make_interval",
    "lower",
    "upper",
    "trim",
    "concat",
    "length",
    "coalesce",
    "nullif",
    "greatest",
    "least",
    "abs",
    "round",
    "floor",
    "ceil",
    "cast",
    "array",
    "row",
    "jsonb_build_object",
    "json_build_object",
    "jsonb_build_array",
    "json_build_array",
    "to_jsonb",
    "to_json",
    "array_to_json",
    "jsonb",
    "json",
    "varchar",
    "char",
    "character",
    "numeric",
    "decimal",
    "timestamp",
    "timestamptz",
    "time",
    "interval",
    "bit",
    "varbit",
    "float",
    "int",
    "integer",
    "bigint",
    "smallint",
    "text",
];

/// How the default of a new column is computed.
enum Volatility {
    /// The same value for every row.
    Stable,
    /// Computed per row by this function (or serial / identity).
    Volatile(String),
    /// Calls a function whose volatility is unknown.
    Unknown(String),
}

fn volatility(column: &Column) -> Volatility {
    if column.identity.is_some() {
        return Volatility::Volatile("an identity sequence".into());
    }
    if matches!(&column.ty, ColumnType::Sql(t) if t.ends_with("serial")) {
        return Volatility::Volatile("nextval() of a serial".into());
    }
    let Some(default) = &column.default else {
        return Volatility::Stable;
    };
    let tokens = tokens(default, Dialect::Postgres).unwrap_or_default();
    let mut unknown = None;
    for (k, w) in tokens.windows(2).enumerate() {
        let (Token::Word(word), Token::LParen) = (&w[0], &w[1]) else {
            continue;
        };
        let after_cast = k > 0 && tokens[k - 1] == Token::DoubleColon;
        let name = word.value.to_ascii_lowercase();
        if VOLATILE.contains(&name.as_str()) {
            return Volatility::Volatile(format!("{name}()"));
        }
        if !after_cast && !NOT_VOLATILE.contains(&name.as_str()) && unknown.is_none() {
            unknown = Some(format!("{name}()"));
        }
    }
    unknown.map_or(Volatility::Stable, Volatility::Unknown)
}

fn check(m: &Migration, out: &mut Vec<Finding>) {
    if !m.postgres() {
        return;
    }
    for (i, change) in m.changes() {
        let Change::AddColumn { table, column } = change else {
            continue;
        };
        if column.generated.is_some() || m.lock_is_harmless(i, table) {
            continue;
        }
        let rewrite = |why: String| {
            format!(
                "{why}, which rewrites {table}{} under an ACCESS EXCLUSIVE lock",
                m.size(table)
            )
        };
        let message = match volatility(column) {
            Volatility::Volatile(f) => rewrite(format!(
                "adding {table}.{} computes its default with {f} for every existing row",
                column.name
            )),
            Volatility::Unknown(f) => rewrite(format!(
                "adding {table}.{} with a default that calls {f}, which may be volatile, computes it for every \
                 existing row",
                column.name
            )),
            Volatility::Stable
                if m.pg_version() < 110000
                    && column
                        .default
                        .as_deref()
                        .is_some_and(|d| !d.eq_ignore_ascii_case("null")) =>
            {
                rewrite(format!(
                    "before PostgreSQL 11, adding {table}.{} with a default writes it into every existing row",
                    column.name
                ))
            }
            Volatility::Stable => continue,
        };
        out.push(m.finding(&RULE, i, message, help(table, column)));
    }
}

fn help(table: &QualifiedName, column: &Column) -> String {
    let (t, c) = (qualified(table), ident(&column.name));
    let ty = match &column.ty {
        ColumnType::Sql(s) if s == "serial" => "integer".to_string(),
        ColumnType::Sql(s) if s == "bigserial" => "bigint".to_string(),
        ColumnType::Sql(s) if s == "smallserial" => "smallint".to_string(),
        other => type_name(other, column.dims),
    };
    let mut help = format!(
        "add the column without a default, then fill it in batches:\n  ALTER TABLE {t} ADD COLUMN {c} {ty};"
    );
    if let Some(d) = &column.default {
        help.push_str(&format!(
            "\n  ALTER TABLE {t} ALTER COLUMN {c} SET DEFAULT {d};  -- new rows only\n  \
             UPDATE {t} SET {c} = {d} WHERE {c} IS NULL;  -- in batches, e.g. by primary key ranges"
        ));
    } else {
        help.push_str(&format!(
            "\n  -- create a sequence or fill {c} in batches, then attach it as the default"
        ));
    }
    if column.not_null {
        help.push_str(&format!(
            "\n  ALTER TABLE {t} ALTER COLUMN {c} SET NOT NULL;  -- see set-not-null"
        ));
    }
    help
}

#[cfg(test)]
mod tests {
    use super::super::testing::{check, pg, report, sqlite};
    use super::*;

    #[test]
    fn flags_volatile_and_unknown_defaults() {
        let f = check(
            &RULE,
            "ALTER TABLE users ADD COLUMN token uuid NOT NULL DEFAULT gen_random_uuid();",
            &pg(),
        );
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("gen_random_uuid()"));
        assert!(f[0].help.contains("SET DEFAULT gen_random_uuid()"));
        assert_eq!(
            check(&RULE, "ALTER TABLE users ADD COLUMN n bigserial;", &pg()).len(),
            1
        );
        assert_eq!(
            check(
                &RULE,
                "ALTER TABLE users ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY;",
                &pg()
            )
            .len(),
            1
        );
        let f = check(
            &RULE,
            "ALTER TABLE users ADD COLUMN code text DEFAULT make_code();",
            &pg(),
        );
        assert!(f[0].message.contains("may be volatile"));
    }

    #[test]
    fn quiet_for_stable_defaults_on_postgres_11_and_later() {
        for default in [
            "now()",
            "CURRENT_TIMESTAMP",
            "'active'",
            "0",
            "'{}'::jsonb",
            "'1.5'::numeric(10,2)",
        ] {
            let sql = format!("ALTER TABLE users ADD COLUMN c text DEFAULT {default};");
            assert!(check(&RULE, &sql, &pg()).is_empty(), "{default}");
        }
        assert!(
            check(
                &RULE,
                "ALTER TABLE users ALTER COLUMN c SET DEFAULT random();",
                &pg()
            )
            .is_empty()
        );
        assert!(
            check(
                &RULE,
                "CREATE TABLE t (a int); ALTER TABLE t ADD COLUMN b float DEFAULT random();",
                &pg()
            )
            .is_empty()
        );
        assert!(
            check(
                &RULE,
                "ALTER TABLE users ADD COLUMN b float DEFAULT random();",
                &sqlite()
            )
            .is_empty()
        );
    }

    #[test]
    fn before_postgres_11_any_default_rewrites() {
        let mut ctx = pg();
        ctx.pg_version = Some(100023);
        let f = check(
            &RULE,
            "ALTER TABLE users ADD COLUMN active boolean DEFAULT true;",
            &ctx,
        );
        assert!(f[0].message.contains("before PostgreSQL 11"));
        assert!(check(&RULE, "ALTER TABLE users ADD COLUMN note text;", &ctx).is_empty());
    }

    #[test]
    fn findings_as_text() {
        insta::assert_snapshot!(report(
            &RULE,
            "ALTER TABLE \"users\" ADD COLUMN \"token\" uuid DEFAULT gen_random_uuid() NOT NULL;",
            &pg()
        ));
    }
}
