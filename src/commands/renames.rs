//! Rename decisions: `--rename OLD=NEW` and `--create NEW` flags, a question
//! on a terminal, and the exact flags to pass when there is no terminal.

use std::io::{BufRead, IsTerminal, Write};

use crate::diff::{Ambiguity, Renames};
use crate::schema::{QualifiedName, Schema};

use super::{Failure, Message, usage};

/// Builds rename decisions from flags, checked against the two schemas.
///
/// `OLD=NEW` names a removed and an added entity of one kind: a schema by its
/// name; a table, enum, sequence or view as `[schema.]name`; a column as
/// `[schema.]table.column`; an enum label as `[schema.]enum.label`. The new
/// side of a column or label may be just the new column or label.
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
    for flag in renames {
        let Some((old, new)) = flag.split_once('=') else {
            return Err(usage(
                format!("--rename {flag:?} is not OLD=NEW"),
                "write --rename users=persons for a table, --rename users.full_name=users.display_name for a column",
            ));
        };
        let (old, new) = (old.trim(), new.trim());
        if from.schemas.iter().any(|s| s == old) && to.schemas.iter().any(|s| s == new) {
            out.schemas.push((old.to_string(), new.to_string()));
            continue;
        }
        // The old side may be named as the earlier decisions left it (in its
        // renamed schema, or a column of a renamed table), as ambiguities show it.
        let mut found = false;
        for old in earlier_names(&out, old) {
            if object_pair(&mut out, from, to, &old, new)
                || inner_pair(&mut out, from, to, &old, new)
            {
                found = true;
                break;
            }
        }
        if found {
            continue;
        }
        return Err(usage(
            format!(
                "--rename {flag}: {old:?} is not a schema, table, column, enum, enum label, sequence or view of the previous schema paired with {new:?} of the new one"
            ),
            "name schemas as schema, tables, enums, sequences and views as [schema.]name, columns as [schema.]table.column, enum labels as [schema.]enum.label",
        ));
    }
    Ok(out)
}

/// `name` as written, then as it was before the renames already decided:
/// its owner (table or enum) under its old name, its schema under its old name.
fn earlier_names(decided: &Renames, name: &str) -> Vec<String> {
    let mut out = vec![name.to_string()];
    let split = |n: &str| {
        n.rsplit_once('.')
            .map(|(a, b)| (a.to_string(), b.to_string()))
    };
    if let Some((owner, last)) = split(name) {
        for (o, n) in decided.tables.iter().chain(&decided.enums) {
            if n.to_string() == owner {
                out.push(format!("{o}.{last}"));
            }
        }
    }
    for candidate in out.clone() {
        if let Some((schema, rest)) = candidate.split_once('.') {
            for (o, n) in &decided.schemas {
                if n == schema {
                    let old = QualifiedName::new(o, rest).to_string();
                    out.push(old);
                }
            }
        }
    }
    out
}

/// A table, enum, sequence or view named `old` before and `new` after.
fn object_pair(out: &mut Renames, from: &Schema, to: &Schema, old: &str, new: &str) -> bool {
    let find =
        |names: Vec<QualifiedName>, name: &str| names.into_iter().find(|q| q.to_string() == name);
    let tables = |s: &Schema| s.tables.iter().map(|t| t.qualified()).collect::<Vec<_>>();
    let enums = |s: &Schema| s.enums.iter().map(|e| e.qualified()).collect::<Vec<_>>();
    let sequences = |s: &Schema| {
        s.sequences
            .iter()
            .map(|q| q.qualified())
            .collect::<Vec<_>>()
    };
    let views = |s: &Schema| s.views.iter().map(|v| v.qualified()).collect::<Vec<_>>();
    if let (Some(o), Some(n)) = (find(tables(from), old), find(tables(to), new)) {
        out.tables.push((o, n));
        return true;
    }
    if let (Some(o), Some(n)) = (find(enums(from), old), find(enums(to), new)) {
        out.enums.push((o, n));
        return true;
    }
    if let (Some(o), Some(n)) = (find(sequences(from), old), find(sequences(to), new)) {
        out.sequences.push((o, n));
        return true;
    }
    if let (Some(o), Some(n)) = (find(views(from), old), find(views(to), new)) {
        out.views.push((o, n));
        return true;
    }
    false
}

/// A column (`table.old=table.new`) or enum label (`enum.old=enum.new`); the
/// table or enum may be renamed in the same run, and the new side may be
/// just the new name.
fn inner_pair(out: &mut Renames, from: &Schema, to: &Schema, old: &str, new: &str) -> bool {
    let Some((old_owner, old_name)) = old.rsplit_once('.') else {
        return false;
    };
    let (new_owner, new_name) = new.rsplit_once('.').unwrap_or((old_owner, new));
    let find =
        |names: Vec<QualifiedName>, name: &str| names.into_iter().find(|q| q.to_string() == name);
    let before = find(
        from.tables.iter().map(|t| t.qualified()).collect(),
        old_owner,
    );
    let after = find(to.tables.iter().map(|t| t.qualified()).collect(), new_owner);
    if let (Some(b), Some(a)) = (before, after) {
        let had = from
            .table(&b.schema, &b.name)
            .is_some_and(|t| t.column(old_name).is_some());
        let has = to
            .table(&a.schema, &a.name)
            .is_some_and(|t| t.column(new_name).is_some());
        if had && has {
            out.columns
                .push((a, old_name.to_string(), new_name.to_string()));
            return true;
        }
    }
    let before = find(
        from.enums.iter().map(|e| e.qualified()).collect(),
        old_owner,
    );
    let after = find(to.enums.iter().map(|e| e.qualified()).collect(), new_owner);
    if let (Some(b), Some(a)) = (before, after) {
        let had = from
            .enum_type(&b.schema, &b.name)
            .is_some_and(|e| e.values.iter().any(|v| v == old_name));
        let has = to
            .enum_type(&a.schema, &a.name)
            .is_some_and(|e| e.values.iter().any(|v| v == new_name));
        if had && has {
            out.enum_values
                .push((a, old_name.to_string(), new_name.to_string()));
            return true;
        }
    }
    false
}

/// True when questions can be asked (stdin and stdout are terminals, no `--json`).
pub fn interactive() -> bool {
    !crate::report::json() && std::io::stdin().is_terminal() && std::io::stdout().is_terminal()
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
                    renames.merge(decided);
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
    let mut help = format!("nothing was written; decide with flags to `db-migrate {command}`:");
    for a in ambiguities {
        let scope = if a.scope.is_empty() {
            String::new()
        } else {
            format!(" in {}", a.scope)
        };
        message.push_str(&format!(
            "\n  {}{scope}: removed {}; added {}",
            a.kind,
            a.removed.join(", "),
            a.added.join(", ")
        ));
        if let (Some(old), Some(new)) = (a.removed.first(), a.added.first()) {
            help.push_str(&format!(
                "\n  {new} renamed from {old}:\n    --rename {old}={new}\n  {new} new ({old} dropped):\n    --create {new}"
            ));
        }
    }
    Failure::problem(Message {
        message,
        help: Some(help),
    })
}
