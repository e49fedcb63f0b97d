//! Human output: short status lines with a coloured marker. Colour is dropped
//! when stdout is not a terminal or `NO_COLOR` is set (anstream does that).
//! With `--json`, stdout holds only JSON: human output goes to stderr, and
//! every command ends with one object from [`json_done`].

use std::sync::atomic::{AtomicBool, Ordering};

use anstyle::{AnsiColor, Style};

/// Set when stdout is reserved for JSON (`--json`).
static JSON: AtomicBool = AtomicBool::new(false);

/// Set for `--format github`: findings also as GitHub workflow annotations.
static GITHUB: AtomicBool = AtomicBool::new(false);

/// Adds GitHub workflow annotations to `lint`, `check` and `status` output.
pub fn annotate_for_github() {
    GITHUB.store(true, Ordering::Relaxed);
}

/// Prints a GitHub Actions annotation on stdout (`::error file=f,line=n,title=t::message`),
/// which GitHub shows on the pull request's lines; nothing without
/// `--format github`, or under `--json` (stdout holds only JSON there).
/// `level` is `error`, `warning` or `notice`.
pub fn annotation(
    level: &str,
    file: Option<&str>,
    line: Option<usize>,
    title: &str,
    message: &str,
) {
    if !GITHUB.load(Ordering::Relaxed) || json() {
        return;
    }
    let property = |v: &str| {
        v.replace('%', "%25")
            .replace('\r', "%0D")
            .replace('\n', "%0A")
            .replace(':', "%3A")
            .replace(',', "%2C")
    };
    let mut properties = Vec::new();
    if let Some(f) = file {
        properties.push(format!("file={}", property(f)));
    }
    if let Some(l) = line {
        properties.push(format!("line={l}"));
    }
    properties.push(format!("title={}", property(title)));
    let data = message
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A");
    println!("::{level} {}::{data}", properties.join(","));
}

/// Reserves stdout for JSON: human output goes to stderr from now on.
pub fn reserve_stdout_for_json() {
    JSON.store(true, Ordering::Relaxed);
}

/// True when `--json` was asked for.
pub fn json() -> bool {
    JSON.load(Ordering::Relaxed)
}

/// Prints one line of human output (stdout, or stderr under `--json`).
pub fn out(text: &str) {
    if json() {
        anstream::eprintln!("{text}");
    } else {
        anstream::println!("{text}");
    }
}

/// Prints a command's final JSON object on stdout:
/// `{"event":"done","command":...,"exit_code":...}` plus `fields` (an object).
pub fn json_done(command: &str, exit_code: u8, fields: serde_json::Value) {
    let mut object = serde_json::json!({
        "event": "done",
        "command": command,
        "exit_code": exit_code,
    });
    if let (Some(o), serde_json::Value::Object(extra)) = (object.as_object_mut(), fields) {
        o.extend(extra);
    }
    println!("{object}");
}

/// Green: something done or fine.
pub const OK: Style = AnsiColor::Green.on_default().bold();
/// Yellow: pending or worth a look.
pub const WARN: Style = AnsiColor::Yellow.on_default().bold();
/// Red: a problem.
pub const BAD: Style = AnsiColor::Red.on_default().bold();
/// Dim: secondary detail.
pub const DIM: Style = Style::new().dimmed();
/// Bold: names.
pub const BOLD: Style = Style::new().bold();

/// Prints `<marker> <message>` with the marker styled.
pub fn line(style: Style, marker: &str, message: &str) {
    out(&format!("{style}{marker}{style:#} {message}"));
}

/// Prints `<marker> <message>` to stderr with the marker styled.
pub fn eline(style: Style, marker: &str, message: &str) {
    anstream::eprintln!("{style}{marker}{style:#} {message}");
}

/// Text in a style, for building messages.
pub fn styled(style: Style, text: &str) -> String {
    format!("{style}{text}{style:#}")
}

/// Prints SQL statements indented, each ending with `;`.
pub fn sql(statements: &[String]) {
    for s in statements {
        let text = format!("{s};");
        for l in text.lines() {
            out(&format!("    {DIM}{l}{DIM:#}"));
        }
    }
}
