//! Human output: short status lines with a coloured marker. Colour is dropped
//! when stdout is not a terminal or `NO_COLOR` is set (anstream does that).

use anstyle::{AnsiColor, Style};

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
    anstream::println!("{style}{marker}{style:#} {message}");
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
            anstream::println!("    {DIM}{l}{DIM:#}");
        }
    }
}
