//! Rename decisions: `--rename OLD=NEW` and `--create NEW` flags, a question
//! on a terminal, and the exact flags to pass when there is no terminal.

use std::io::{BufRead, IsTerminal, Write};

use crate::diff::{Ambiguity, Renames};
use crate::schema::{QualifiedName, Schema};

use super::{Failure, Message, usage};

/// Builds rename decisions from flags, checked against the two schemas.
pub fn from_flags(
    renames: &[String],
    created: &[String],
    from: &Schema,
    to: &Schema,
) -> Result<Renames, Failure> {
    let mut out = Renames {
        created: created.iter().map(|c| c.trim().to_string()).collect(),
        ..Default::default()
    };
    let table_names =
        |s: &Schema| -> Vec<QualifiedName> { s.tables.iter().map(|t| t.qualified()).collect() };
    let find_table =
        |s: &Schema, name: &str| table_names(s).into_iter().find(|q| q.to_string() == name);
    for flag in renames {
        let Some((old, new)) = flag.split_once('=') else {
            return Err(usage(
                format!("--rename {flag:?} is not OLD=NEW"),
                "write --rename users=persons for a table, --rename users.full_name=users.display_name for a column",
            ));
        };
        let (old, new) = (old.trim(), new.trim());
        if let (Some(o), Some(n)) = (find_table(from, old), find_table(to, new)) {
            out.tables.push((o, n));
            continue;
        }
        // A column: `table.old=table.new` or `table.old=new`.
        let Some((table, old_col)) = old.rsplit_once('.') else {
            return Err(usage(
                format!("--rename {flag}: there is no table {old:?} in the previous schema"),
                "name tables as [schema.]table and columns as [schema.]table.column",
            ));
        };
        let new_col = match new.rsplit_once('.') {
            Some((t, c)) if t == table => c,
            Some(_) => {
                return Err(usage(
                    format!(
                        "--rename {flag}: a column keeps its table; rename the table with its own --rename"
                    ),
                    "write --rename users.full_name=users.display_name",
                ));
            }
            None => new,
        };
        let Some(qt) = find_table(to, table) else {
            return Err(usage(
                format!("--rename {flag}: there is no table {table:?} in the schema"),
                "name columns as [schema.]table.column",
            ));
        };
        // Column renames are keyed by the table's new name; a renamed table maps back.
        let old_table = out
            .tables
            .iter()
            .find(|(_, n)| *n == qt)
            .map(|(o, _)| o.clone())
            .unwrap_or_else(|| qt.clone());
        let had = from
            .table(&old_table.schema, &old_table.name)
            .is_some_and(|t| t.column(old_col).is_some());
        let has = to
            .table(&qt.schema, &qt.name)
            .is_some_and(|t| t.column(new_col).is_some());
        if !had || !has {
            return Err(usage(
                format!(
                    "--rename {flag}: expected column {old_col:?} in the previous schema and {new_col:?} in the new one"
                ),
                "check the names; only a removed column can be renamed to an added one",
            ));
        }
        out.columns
            .push((qt, old_col.to_string(), new_col.to_string()));
    }
    Ok(out)
}

/// True when questions can be asked (stdin and stdout are terminals).
pub fn interactive() -> bool {
    std::io::stdin().is_terminal() && std::io::stdout().is_terminal()
}

/// Asks, for each added entity, whether it is new or renamed from a removed one.
/// Returns false when the user aborts.
pub fn ask(
    ambiguities: &[Ambiguity],
    renames: &mut Renames,
    from: &Schema,
    to: &Schema,
) -> Result<bool, Failure> {
    let stdin = std::io::stdin();
    let mut lines = stdin.lock().lines();
    for a in ambiguities {
        let mut removed = a.removed.clone();
        for added in &a.added {
            if removed.is_empty() {
                break;
            }
            anstream::println!(
                "Is {} {added} new, or renamed from another {}?",
                a.kind,
                a.kind
            );
            anstream::println!("  0) new {} {added}", a.kind);
            for (i, r) in removed.iter().enumerate() {
                anstream::println!("  {}) renamed from {r}", i + 1);
            }
            anstream::print!("Choose [0-{}], or q to abort: ", removed.len());
            let _ = std::io::stdout().flush();
            let Some(Ok(answer)) = lines.next() else {
                return Ok(false);
            };
            let answer = answer.trim();
            if answer.eq_ignore_ascii_case("q") {
                return Ok(false);
            }
            match answer.parse::<usize>() {
                Ok(0) => renames.created.push(added.clone()),
                Ok(n) if n <= removed.len() => {
                    let old = removed.remove(n - 1);
                    let decided = from_flags(&[format!("{old}={added}")], &[], from, to)?;
                    renames.tables.extend(decided.tables);
                    renames.columns.extend(decided.columns);
                }
                _ => {
                    anstream::println!("Not a choice: {answer:?}");
                    return Ok(false);
                }
            }
        }
    }
    Ok(true)
}

/// The error for undecided renames without a terminal, naming the flags to pass.
pub fn undecided(ambiguities: &[Ambiguity], command: &str) -> Failure {
    let mut message =
        String::from("removed and added entities of the same kind: rename or drop+create?");
    let mut help = String::from("decide with flags (nothing was written):");
    for a in ambiguities {
        message.push_str(&format!(
            "\n  {} in {}: removed {}; added {}",
            a.kind,
            a.scope,
            a.removed.join(", "),
            a.added.join(", ")
        ));
        if let (Some(old), Some(new)) = (a.removed.first(), a.added.first()) {
            help.push_str(&format!(
                "\n  renamed:          db-migrate {command} --rename {old}={new}\n  dropped and new:  db-migrate {command} --create {new}"
            ));
        }
    }
    Failure::problem(Message {
        message,
        help: Some(help),
    })
}
