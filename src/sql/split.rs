//! Splitting migration scripts into statements.
//!
//! The database is the real parser: the splitter only finds statement
//! boundaries. It knows just enough of each dialect's lexical rules (quotes,
//! comments, dollar quoting, routine and trigger bodies) to tell a `;` that
//! ends a statement from one that belongs to it.
//!
//! Rules shared by every dialect:
//! - `'...'` strings (`''` escapes), `"..."` quoted identifiers (`""` escapes),
//!   `-- ...` line comments and `/* ... */` block comments;
//! - the drizzle-kit separator `--> statement-breakpoint` ends a statement even
//!   when it has no `;`, wherever it is a comment (drizzle-kit splits on it
//!   as plain text, so it is never meant to be inside a statement);
//! - anything unterminated (string, identifier, comment, body) runs to the end
//!   of the script and becomes part of the last statement, so the database
//!   reports it instead of the script silently losing text.
//!
//! PostgreSQL adds `E'...'` strings with backslash escapes, dollar quoting
//! (`$$...$$`, `$tag$...$tag$`), nested block comments and SQL-standard bodies
//! (`BEGIN ATOMIC ... END`) in `CREATE [OR REPLACE] FUNCTION|PROCEDURE`.
//!
//! SQLite adds `[...]` and `` `...` `` identifiers and `CREATE TRIGGER` bodies,
//! recognised with the same state machine as SQLite's `sqlite3_complete`: a
//! trigger ends at a `;` that follows `; END`.
//!
//! MySQL adds backslash escapes in `'...'` and `"..."` (both strings),
//! `` `...` `` identifiers, `#` comments, `--` comments only when followed by
//! whitespace, `/*! ... */` executable comments kept as statement text,
//! `DELIMITER` client directives, and `BEGIN ... END` compound statements in
//! `CREATE PROCEDURE|FUNCTION|TRIGGER|EVENT`.

use std::mem;

/// Which lexical rules apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SqlDialect {
    /// PostgreSQL.
    Postgres,
    /// SQLite.
    Sqlite,
    /// MySQL and MariaDB.
    Mysql,
}

impl SqlDialect {
    /// The lexical rules of a database family's scripts.
    pub fn of(dialect: crate::schema::Dialect) -> SqlDialect {
        match dialect {
            crate::schema::Dialect::Postgres => SqlDialect::Postgres,
            crate::schema::Dialect::Sqlite => SqlDialect::Sqlite,
            crate::schema::Dialect::Mysql => SqlDialect::Mysql,
        }
    }
}

/// One statement of a script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement<'a> {
    /// The statement, trimmed, without its terminator; comments inside it are kept.
    pub text: &'a str,
    /// Byte offset of `text` in the script.
    pub start: usize,
    /// Byte offset just past `text` in the script.
    pub end: usize,
    /// 1-based line where `text` starts.
    pub line: usize,
    /// 1-based column, in characters, where `text` starts.
    pub column: usize,
    /// The full text of each comment between the previous statement and this
    /// one, in order (statement breakpoints excluded).
    pub leading_comments: Vec<&'a str>,
}

/// Splits `script` into its statements, in order.
///
/// Pieces holding only whitespace and comments are not statements; their
/// comments become the next statement's `leading_comments` (or are dropped at
/// the end of the script). Comments after the last token of a statement and
/// before its terminator are dropped too.
pub fn split(script: &str, dialect: SqlDialect) -> Vec<Statement<'_>> {
    Splitter::new(script, dialect).run()
}

/// 1-based (line, column) of a byte offset in a script; lines end at `\n`,
/// the column counts characters. An offset past the end is clamped to the end, one inside a
/// character is moved back to that character's start.
pub fn line_col(script: &str, byte_offset: usize) -> (usize, usize) {
    let mut offset = byte_offset.min(script.len());
    while !script.is_char_boundary(offset) {
        offset -= 1;
    }
    LineCounter::new(script).advance_to(offset)
}

/// Byte offset in `text` of a 1-based character position, such as the
/// `position` of a PostgreSQL error. Position 0 gives 0, a position past the
/// end gives `text.len()`.
pub fn char_position_to_byte(text: &str, position: usize) -> usize {
    match position.checked_sub(1) {
        None => 0,
        Some(index) => text
            .char_indices()
            .nth(index)
            .map_or(text.len(), |(at, _)| at),
    }
}

/// The drizzle-kit statement separator.
const BREAKPOINT: &str = "--> statement-breakpoint";

/// Longest terminator a `DELIMITER` directive may set; a line with a longer
/// one is left as statement text for the server to reject.
const MAX_DELIMITER_LEN: usize = 16;

fn is_space(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

fn is_keyword(word: &str, keyword: &str) -> bool {
    word.eq_ignore_ascii_case(keyword)
}

fn is_any_keyword(word: &str, keywords: &[&str]) -> bool {
    keywords.iter().any(|keyword| is_keyword(word, keyword))
}

/// What a [`Token`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// Spaces, tabs and line breaks.
    Space,
    /// A complete line or block comment.
    Comment,
    /// The `--> statement-breakpoint` line comment.
    Breakpoint,
    /// A keyword, identifier or number.
    Word,
    /// `;`.
    Semicolon,
    /// The terminator set by a MySQL `DELIMITER` directive.
    Delimiter,
    /// A string, quoted identifier, dollar-quoted body, MySQL executable
    /// comment, or anything unterminated.
    Literal,
    /// Any other single ASCII character.
    Punct,
}

/// A token of SQL text: what it is, and its byte range.
#[derive(Debug, Clone, Copy)]
pub struct Token {
    /// What it is.
    pub kind: TokenKind,
    /// Byte offset of its first byte.
    pub start: usize,
    /// Byte offset just past its last byte.
    pub end: usize,
}

/// The tokens of `sql` under `dialect`'s lexical rules: the lexer the
/// splitter uses, for every reader of SQL text (no `DELIMITER` directives).
pub fn tokens(sql: &str, dialect: SqlDialect) -> impl Iterator<Item = Token> + '_ {
    let mut lexer = Lexer::new(sql, dialect);
    std::iter::from_fn(move || lexer.next_token())
}

/// A cursor over the bytes of a script. Every token ends on an ASCII byte or
/// at the end of the script, so token bounds are always char boundaries.
struct Lexer<'a> {
    src: &'a str,
    pos: usize,
    dialect: SqlDialect,
    /// MySQL terminator other than `;`, set by `DELIMITER`.
    delimiter: Option<&'a str>,
}

impl<'a> Lexer<'a> {
    fn new(src: &'a str, dialect: SqlDialect) -> Self {
        Lexer {
            src,
            pos: 0,
            dialect,
            delimiter: None,
        }
    }

    fn slice(&self, start: usize, end: usize) -> &'a str {
        self.src.get(start..end).unwrap_or_default()
    }

    fn peek(&self, ahead: usize) -> Option<u8> {
        self.src.as_bytes().get(self.pos + ahead).copied()
    }

    fn rest(&self) -> &'a [u8] {
        self.src.as_bytes().get(self.pos..).unwrap_or_default()
    }

    fn at_delimiter(&self) -> bool {
        self.delimiter
            .is_some_and(|delimiter| self.rest().starts_with(delimiter.as_bytes()))
    }

    fn next_token(&mut self) -> Option<Token> {
        let start = self.pos;
        let first = self.peek(0)?;
        let kind = match self.delimiter {
            Some(delimiter) if self.at_delimiter() => {
                self.pos += delimiter.len();
                TokenKind::Delimiter
            }
            _ => self.scan(first),
        };
        Some(Token {
            kind,
            start,
            end: self.pos,
        })
    }

    /// Scans the token starting with `first` and returns its kind.
    fn scan(&mut self, first: u8) -> TokenKind {
        use SqlDialect::{Mysql, Postgres, Sqlite};
        let dialect = self.dialect;
        match first {
            b';' => {
                self.pos += 1;
                TokenKind::Semicolon
            }
            b if is_space(b) => {
                while self.peek(0).is_some_and(is_space) {
                    self.pos += 1;
                }
                TokenKind::Space
            }
            b'-' if self.at_line_comment() => self.line_comment(),
            b'#' if dialect == Mysql => self.line_comment(),
            b'/' if self.peek(1) == Some(b'*') => self.block_comment(),
            b'\'' => self.quoted(b'\'', dialect == Mysql),
            b'"' => self.quoted(b'"', dialect == Mysql),
            b'`' if dialect != Postgres => self.quoted(b'`', false),
            b'[' if dialect == Sqlite => self.bracketed(),
            b'e' | b'E' if dialect == Postgres && self.peek(1) == Some(b'\'') => {
                self.pos += 1;
                self.quoted(b'\'', true)
            }
            b'$' if dialect == Postgres => self.dollar(),
            b if b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80 => self.word(),
            _ => {
                self.pos += 1;
                TokenKind::Punct
            }
        }
    }

    /// `--` starts a comment, except in MySQL where it must be followed by
    /// whitespace or a control character (`1--1` is arithmetic there).
    fn at_line_comment(&self) -> bool {
        if self.peek(1) != Some(b'-') {
            return false;
        }
        self.dialect != SqlDialect::Mysql
            || self.peek(2).is_none_or(|b| b <= b' ')
            || self.rest().starts_with(BREAKPOINT.as_bytes())
    }

    fn line_comment(&mut self) -> TokenKind {
        let start = self.pos;
        // PostgreSQL also ends a line comment at a lone carriage return.
        let stop_at_cr = self.dialect == SqlDialect::Postgres;
        while let Some(b) = self.peek(0) {
            if b == b'\n' || (b == b'\r' && stop_at_cr) {
                break;
            }
            self.pos += 1;
        }
        let text = self.slice(start, self.pos).trim_end_matches('\r');
        self.pos = start + text.len();
        if text.trim_end() == BREAKPOINT {
            TokenKind::Breakpoint
        } else {
            TokenKind::Comment
        }
    }

    fn block_comment(&mut self) -> TokenKind {
        let executable = self.dialect == SqlDialect::Mysql && self.peek(2) == Some(b'!');
        let nested = self.dialect == SqlDialect::Postgres;
        self.pos += 2;
        let mut depth = 1usize;
        while let Some(b) = self.peek(0) {
            if b == b'*' && self.peek(1) == Some(b'/') {
                self.pos += 2;
                depth -= 1;
                if depth == 0 {
                    return if executable {
                        TokenKind::Literal
                    } else {
                        TokenKind::Comment
                    };
                }
            } else if nested && b == b'/' && self.peek(1) == Some(b'*') {
                self.pos += 2;
                depth += 1;
            } else {
                self.pos += 1;
            }
        }
        TokenKind::Literal
    }

    /// A literal closed by `quote`, where a doubled quote stands for itself
    /// and, if `backslash`, a backslash escapes the next byte.
    fn quoted(&mut self, quote: u8, backslash: bool) -> TokenKind {
        self.pos += 1;
        while let Some(b) = self.peek(0) {
            if backslash && b == b'\\' {
                self.pos = (self.pos + 2).min(self.src.len());
            } else if b == quote {
                self.pos += 1;
                if self.peek(0) != Some(quote) {
                    break;
                }
                self.pos += 1;
            } else {
                self.pos += 1;
            }
        }
        TokenKind::Literal
    }

    /// An SQLite `[identifier]`, closed by the first `]`.
    fn bracketed(&mut self) -> TokenKind {
        self.pos = match self.rest().iter().position(|&b| b == b']') {
            Some(at) => self.pos + at + 1,
            None => self.src.len(),
        };
        TokenKind::Literal
    }

    /// A PostgreSQL dollar-quoted literal (`$$...$$`, `$tag$...$tag$`), or a
    /// lone `$` (as in a `$1` parameter: tags cannot start with a digit).
    fn dollar(&mut self) -> TokenKind {
        let start = self.pos;
        let bytes = self.src.as_bytes();
        let is_tag_start = |b: &u8| b.is_ascii_alphabetic() || *b == b'_' || *b >= 0x80;
        let is_tag_byte = |b: &u8| is_tag_start(b) || b.is_ascii_digit();
        let mut at = start + 1;
        if bytes.get(at).is_some_and(is_tag_start) {
            while bytes.get(at).is_some_and(is_tag_byte) {
                at += 1;
            }
        }
        if bytes.get(at) != Some(&b'$') {
            self.pos = start + 1;
            return TokenKind::Punct;
        }
        let opening = self.slice(start, at + 1);
        let body = at + 1;
        self.pos = match self.src.get(body..).and_then(|rest| rest.find(opening)) {
            Some(found) => body + found + opening.len(),
            None => self.src.len(),
        };
        TokenKind::Literal
    }

    /// A keyword, identifier or number. `$` continues identifiers (and, in
    /// SQLite and MySQL, may start them) but not PostgreSQL numbers, so that
    /// `1$$...$$` still opens a dollar quote.
    fn word(&mut self) -> TokenKind {
        let numeric = self.peek(0).is_some_and(|b| b.is_ascii_digit());
        let dollar = !(numeric && self.dialect == SqlDialect::Postgres);
        self.pos += 1;
        while let Some(b) = self.peek(0) {
            let word_byte =
                b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80 || (b == b'$' && dollar);
            if !word_byte || self.at_delimiter() {
                break;
            }
            self.pos += 1;
        }
        TokenKind::Word
    }

    /// If a `DELIMITER` word ending at `word_end` is followed on its line by a
    /// valid terminator, returns it with the offset of the end of the line.
    fn delimiter_directive(&self, word_end: usize) -> Option<(&'a str, usize)> {
        let rest = self.src.get(word_end..)?;
        let line = rest.split('\n').next().unwrap_or_default();
        if !line.starts_with([' ', '\t']) {
            return None;
        }
        let argument = line.split_ascii_whitespace().next()?;
        (argument.len() <= MAX_DELIMITER_LEN).then_some((argument, word_end + line.len()))
    }
}

/// SQLite's `sqlite3_complete` state machine, which decides where
/// `CREATE TRIGGER` statements end: inside a trigger, a statement ends only at
/// `; END ;`. A `CASE ... END` inside the body never closes it, as its `END`
/// never directly follows a `;`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TriggerState {
    Start,
    Normal,
    Explain,
    Create,
    Trigger,
    Semi,
    End,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TriggerToken {
    Semi,
    Other,
    Explain,
    Create,
    Temp,
    Trigger,
    End,
}

impl TriggerToken {
    fn of(kind: TokenKind, text: &str) -> Self {
        match kind {
            TokenKind::Semicolon => TriggerToken::Semi,
            TokenKind::Word if is_keyword(text, "explain") => TriggerToken::Explain,
            TokenKind::Word if is_keyword(text, "create") => TriggerToken::Create,
            TokenKind::Word if is_any_keyword(text, &["temp", "temporary"]) => TriggerToken::Temp,
            TokenKind::Word if is_keyword(text, "trigger") => TriggerToken::Trigger,
            TokenKind::Word if is_keyword(text, "end") => TriggerToken::End,
            _ => TriggerToken::Other,
        }
    }
}

impl TriggerState {
    fn next(self, token: TriggerToken) -> Self {
        use TriggerState as S;
        use TriggerToken as T;
        match (self, token) {
            (S::Start | S::Normal | S::Explain | S::Create | S::End, T::Semi) => S::Start,
            (S::Start, T::Explain) => S::Explain,
            (S::Start | S::Explain, T::Create) => S::Create,
            (S::Explain, T::Other) => S::Explain,
            (S::Create, T::Temp) => S::Create,
            (S::Create, T::Trigger) => S::Trigger,
            (S::Trigger | S::Semi, T::Semi) => S::Semi,
            (S::Semi, T::End) => S::End,
            (S::Trigger | S::Semi | S::End, _) => S::Trigger,
            (S::Start | S::Normal | S::Explain | S::Create, _) => S::Normal,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Header {
    /// Nothing seen yet.
    Start,
    /// `CREATE` and header words seen, the object kind not yet.
    Create,
    /// A routine definition that may have a body.
    Routine,
    /// Any other statement.
    Other,
}

/// Finds the `BEGIN ... END` bodies of PostgreSQL and MySQL routines, inside
/// which `;` does not end the statement.
///
/// PostgreSQL: `CREATE [OR REPLACE] FUNCTION|PROCEDURE ... BEGIN ATOMIC ... END`.
/// MySQL: `CREATE [OR REPLACE] [DEFINER = user] [SQL SECURITY ...] [AGGREGATE]
/// PROCEDURE|FUNCTION|TRIGGER|EVENT ... BEGIN ... END`.
/// Inside a body, `CASE` (and in MySQL `BEGIN`) opens a block closed by `END`;
/// `END IF|LOOP|WHILE|REPEAT` closes blocks that are not counted.
#[derive(Debug, Clone)]
struct RoutineBody {
    dialect: SqlDialect,
    header: Header,
    /// In the MySQL header, the previous token was `=` or `@` (a definer).
    after_user_separator: bool,
    paren_depth: usize,
    /// Open blocks, the body itself included.
    depth: usize,
    /// The previous token was `BEGIN`.
    after_begin: bool,
    /// The previous token was an `END` that is not applied yet.
    after_end: bool,
}

impl RoutineBody {
    fn new(dialect: SqlDialect) -> Self {
        RoutineBody {
            dialect,
            header: Header::Start,
            after_user_separator: false,
            paren_depth: 0,
            depth: 0,
            after_begin: false,
            after_end: false,
        }
    }

    fn token(&mut self, kind: TokenKind, text: &str) {
        match self.header {
            Header::Start => {
                self.header = if kind == TokenKind::Word && is_keyword(text, "create") {
                    Header::Create
                } else {
                    Header::Other
                };
            }
            Header::Create => self.header = self.header_token(kind, text),
            Header::Routine => self.body_token(kind, text),
            Header::Other => {}
        }
    }

    fn header_token(&mut self, kind: TokenKind, text: &str) -> Header {
        let mysql = self.dialect == SqlDialect::Mysql;
        let after_separator = mem::replace(&mut self.after_user_separator, false);
        let (header_words, routine_kinds): (&[&str], &[&str]) = if mysql {
            (
                &[
                    "or",
                    "replace",
                    "definer",
                    "sql",
                    "security",
                    "invoker",
                    "aggregate",
                ],
                &["procedure", "function", "trigger", "event"],
            )
        } else {
            (&["or", "replace"], &["procedure", "function"])
        };
        match kind {
            TokenKind::Word if is_any_keyword(text, routine_kinds) => Header::Routine,
            TokenKind::Word if after_separator || is_any_keyword(text, header_words) => {
                Header::Create
            }
            TokenKind::Punct if mysql && matches!(text, "=" | "@") => {
                self.after_user_separator = true;
                Header::Create
            }
            TokenKind::Punct if mysql && matches!(text, "(" | ")") => Header::Create,
            TokenKind::Literal if mysql => Header::Create,
            _ => Header::Other,
        }
    }

    fn body_token(&mut self, kind: TokenKind, text: &str) {
        if mem::take(&mut self.after_end) && self.apply_end(kind, text) {
            return;
        }
        let after_begin = mem::take(&mut self.after_begin);
        match kind {
            TokenKind::Punct if text == "(" => self.paren_depth += 1,
            TokenKind::Punct if text == ")" => {
                self.paren_depth = self.paren_depth.saturating_sub(1);
            }
            TokenKind::Word => self.body_word(text, after_begin),
            _ => {}
        }
    }

    fn body_word(&mut self, word: &str, after_begin: bool) {
        let postgres = self.dialect == SqlDialect::Postgres;
        if self.depth == 0 {
            let opens = if postgres {
                after_begin && is_keyword(word, "atomic")
            } else {
                is_keyword(word, "begin")
            };
            if opens && self.paren_depth == 0 {
                self.depth = 1;
            }
            self.after_begin = is_keyword(word, "begin");
        } else if is_keyword(word, "case") || (!postgres && is_keyword(word, "begin")) {
            self.depth += 1;
        } else if is_keyword(word, "end") {
            self.after_end = true;
        }
    }

    /// Applies a pending `END` given the token after it; returns whether that
    /// token was part of the `END` (`END IF`, `END CASE`, ...).
    fn apply_end(&mut self, kind: TokenKind, text: &str) -> bool {
        let word = kind == TokenKind::Word;
        if word && is_any_keyword(text, &["if", "loop", "while", "repeat"]) {
            return true;
        }
        self.depth = self.depth.saturating_sub(1);
        word && is_keyword(text, "case")
    }

    /// Handles a `;`; returns whether it ends the statement.
    fn semicolon(&mut self) -> bool {
        if mem::take(&mut self.after_end) {
            self.apply_end(TokenKind::Semicolon, ";");
        }
        self.after_begin = false;
        self.depth == 0
    }
}

/// Dialect-specific knowledge of bodies that contain `;`.
enum Bodies {
    Trigger(TriggerState),
    Routine(RoutineBody),
}

impl Bodies {
    fn new(dialect: SqlDialect) -> Self {
        match dialect {
            SqlDialect::Sqlite => Bodies::Trigger(TriggerState::Start),
            SqlDialect::Postgres | SqlDialect::Mysql => Bodies::Routine(RoutineBody::new(dialect)),
        }
    }

    /// Records a significant token other than a terminating `;`.
    fn token(&mut self, kind: TokenKind, text: &str) {
        match self {
            Bodies::Trigger(state) => *state = state.next(TriggerToken::of(kind, text)),
            Bodies::Routine(routine) => routine.token(kind, text),
        }
    }

    /// Handles a `;`; returns whether it ends the statement.
    fn semicolon(&mut self) -> bool {
        match self {
            Bodies::Trigger(state) => {
                *state = state.next(TriggerToken::Semi);
                *state == TriggerState::Start
            }
            Bodies::Routine(routine) => routine.semicolon(),
        }
    }
}

/// Tracks the line and column of increasing byte offsets in linear time.
struct LineCounter<'a> {
    bytes: &'a [u8],
    offset: usize,
    line: usize,
    column: usize,
}

impl<'a> LineCounter<'a> {
    fn new(script: &'a str) -> Self {
        LineCounter {
            bytes: script.as_bytes(),
            offset: 0,
            line: 1,
            column: 1,
        }
    }

    fn advance_to(&mut self, offset: usize) -> (usize, usize) {
        if offset < self.offset {
            *self = LineCounter {
                bytes: self.bytes,
                offset: 0,
                line: 1,
                column: 1,
            };
        }
        let target = offset.min(self.bytes.len());
        for &b in self.bytes.get(self.offset..target).unwrap_or_default() {
            if b == b'\n' {
                self.line += 1;
                self.column = 1;
            } else if b & 0xc0 != 0x80 {
                // Count characters: skip UTF-8 continuation bytes.
                self.column += 1;
            }
        }
        self.offset = target;
        (self.line, self.column)
    }
}

struct Splitter<'a> {
    script: &'a str,
    dialect: SqlDialect,
    lexer: Lexer<'a>,
    bodies: Bodies,
    /// Comments seen since the previous statement, before the current one.
    comments: Vec<&'a str>,
    /// From the start of the first to the end of the last significant token
    /// of the current statement.
    span: Option<(usize, usize)>,
    positions: LineCounter<'a>,
    statements: Vec<Statement<'a>>,
}

impl<'a> Splitter<'a> {
    fn new(script: &'a str, dialect: SqlDialect) -> Self {
        Splitter {
            script,
            dialect,
            lexer: Lexer::new(script, dialect),
            bodies: Bodies::new(dialect),
            comments: Vec::new(),
            span: None,
            positions: LineCounter::new(script),
            statements: Vec::new(),
        }
    }

    fn run(mut self) -> Vec<Statement<'a>> {
        while let Some(token) = self.lexer.next_token() {
            let text = self.lexer.slice(token.start, token.end);
            match token.kind {
                TokenKind::Space => {}
                TokenKind::Comment => {
                    if self.span.is_none() {
                        self.comments.push(text);
                    }
                }
                TokenKind::Breakpoint | TokenKind::Delimiter => self.finish(),
                TokenKind::Semicolon if self.lexer.delimiter.is_none() => {
                    if self.bodies.semicolon() {
                        self.finish();
                    } else {
                        self.extend(token);
                    }
                }
                TokenKind::Word if self.delimiter_directive(token, text) => {}
                kind => {
                    self.bodies.token(kind, text);
                    self.extend(token);
                }
            }
        }
        self.finish();
        self.statements
    }

    fn extend(&mut self, token: Token) {
        let start = self.span.map_or(token.start, |(start, _)| start);
        self.span = Some((start, token.end));
    }

    /// Handles a MySQL `DELIMITER xx` line: it must start a line and come
    /// before any text of a statement. Returns whether `token` was one.
    fn delimiter_directive(&mut self, token: Token, text: &str) -> bool {
        if self.dialect != SqlDialect::Mysql
            || self.span.is_some()
            || !is_keyword(text, "delimiter")
        {
            return false;
        }
        let before = self
            .script
            .as_bytes()
            .get(..token.start)
            .unwrap_or_default();
        let starts_line = before
            .iter()
            .rev()
            .take_while(|&&b| b != b'\n')
            .all(|&b| b == b' ' || b == b'\t');
        let Some((delimiter, line_end)) = starts_line
            .then(|| self.lexer.delimiter_directive(token.end))
            .flatten()
        else {
            return false;
        };
        self.lexer.delimiter = (delimiter != ";").then_some(delimiter);
        self.lexer.pos = line_end;
        true
    }

    /// Ends the current statement, if it has any text.
    fn finish(&mut self) {
        self.bodies = Bodies::new(self.dialect);
        let Some((start, end)) = self.span.take() else {
            return;
        };
        let text = self
            .script
            .get(start..end)
            .unwrap_or_default()
            .trim_end_matches(|c: char| c.is_ascii() && is_space(c as u8));
        let (line, column) = self.positions.advance_to(start);
        self.statements.push(Statement {
            text,
            start,
            end: start + text.len(),
            line,
            column,
            leading_comments: mem::take(&mut self.comments),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::ffi::CString;
    use std::fmt::Write as _;
    use std::path::Path;

    fn texts(script: &str, dialect: SqlDialect) -> Vec<&str> {
        split(script, dialect).into_iter().map(|s| s.text).collect()
    }

    /// `sqlite3_complete`: whether SQLite considers `sql` one or more complete statements.
    fn sqlite_complete(sql: &str) -> bool {
        let Ok(sql) = CString::new(sql) else {
            return false;
        };
        // SAFETY: `sql` is a valid NUL-terminated string that outlives the call.
        unsafe { rusqlite::ffi::sqlite3_complete(sql.as_ptr()) != 0 }
    }

    /// Byte offsets of the `;` tokens of a statement's text.
    fn semicolons(text: &str, dialect: SqlDialect) -> Vec<usize> {
        let mut lexer = Lexer::new(text, dialect);
        std::iter::from_fn(|| lexer.next_token())
            .filter(|token| token.kind == TokenKind::Semicolon)
            .map(|token| token.start)
            .collect()
    }

    /// Whether the first token after `end`, past spaces and comments, is a `;`.
    fn ended_by_semicolon(script: &str, end: usize, dialect: SqlDialect) -> bool {
        let mut lexer = Lexer::new(&script[end..], dialect);
        std::iter::from_fn(|| lexer.next_token())
            .find(|token| !matches!(token.kind, TokenKind::Space | TokenKind::Comment))
            .is_some_and(|token| token.kind == TokenKind::Semicolon)
    }

    /// Invariants of every split.
    fn check_invariants(script: &str, statements: &[Statement<'_>]) {
        let mut previous_end = 0;
        let (mut counted, mut line, mut column) = (0, 1, 1);
        for statement in statements {
            for c in script[counted..statement.start].chars() {
                if c == '\n' {
                    line += 1;
                    column = 1;
                } else {
                    column += 1;
                }
            }
            counted = statement.start;
            assert_eq!((statement.line, statement.column), (line, column));
            assert!(previous_end <= statement.start, "{statement:?}");
            assert!(statement.start < statement.end, "{statement:?}");
            assert_eq!(
                script.get(statement.start..statement.end),
                Some(statement.text)
            );
            let trimmed = statement
                .text
                .trim_matches(|c: char| c.is_ascii() && is_space(c as u8));
            assert_eq!(trimmed, statement.text);
            previous_end = statement.end;
        }
    }

    /// SQLite's own verdict on a statement: complete with a `;`, incomplete
    /// when cut just after any `;` inside it (a trigger body).
    fn check_sqlite_oracle(statement: &str) {
        assert!(
            sqlite_complete(&format!("{statement};")),
            "not complete: {statement:?}"
        );
        for at in semicolons(statement, SqlDialect::Sqlite) {
            let prefix = &statement[..=at];
            assert!(!sqlite_complete(prefix), "complete too early: {prefix:?}");
        }
    }

    // ---------------------------------------------------------------------
    // Golden files: src/sql/testdata/<case>.<dialect>.sql and .golden.
    // Each statement is rendered as a `-- line:col` header, one
    // `-- leading: ` line per leading comment, then its text; statements are
    // separated by `----` lines. Carriage returns are shown as `<CR>`.
    // Run with UPDATE_GOLDEN=1 to rewrite the expected files.
    // ---------------------------------------------------------------------

    fn render(statements: &[Statement<'_>]) -> String {
        let show = |text: &str| text.replace('\r', "<CR>");
        let mut out = String::new();
        for (index, statement) in statements.iter().enumerate() {
            if index > 0 {
                out.push_str("----\n");
            }
            let _ = writeln!(out, "-- {}:{}", statement.line, statement.column);
            for comment in &statement.leading_comments {
                let _ = writeln!(out, "-- leading: {}", show(comment));
            }
            let _ = writeln!(out, "{}", show(statement.text));
        }
        out
    }

    fn dialect_named(name: &str) -> Option<SqlDialect> {
        match name {
            "postgres" => Some(SqlDialect::Postgres),
            "sqlite" => Some(SqlDialect::Sqlite),
            "mysql" => Some(SqlDialect::Mysql),
            _ => None,
        }
    }

    #[test]
    fn golden_files() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/sql/testdata");
        let update = std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| v == "1");
        let mut paths: Vec<_> = std::fs::read_dir(&dir)
            .expect("testdata folder")
            .map(|entry| entry.expect("testdata entry").path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "sql"))
            .collect();
        paths.sort();
        let mut failures = Vec::new();
        for path in &paths {
            let name = path
                .file_stem()
                .and_then(|s| s.to_str())
                .expect("file name");
            let (_, dialect) = name.rsplit_once('.').expect("<case>.<dialect>.sql");
            let dialect = dialect_named(dialect).expect("dialect postgres|sqlite|mysql");
            let script = std::fs::read_to_string(path).expect("read case");
            let statements = split(&script, dialect);
            check_invariants(&script, &statements);
            if dialect == SqlDialect::Sqlite {
                for statement in &statements {
                    if !name.starts_with("unterminated") {
                        check_sqlite_oracle(statement.text);
                    }
                }
            }
            let actual = render(&statements);
            let golden = path.with_extension("golden");
            if update {
                std::fs::write(&golden, &actual).expect("write golden");
                continue;
            }
            let expected = std::fs::read_to_string(&golden).unwrap_or_default();
            if expected != actual {
                failures.push(format!(
                    "{}:\n--- expected\n{expected}\n--- actual\n{actual}",
                    golden.display()
                ));
            }
        }
        assert!(paths.len() >= 20, "only {} golden cases", paths.len());
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    // ---------------------------------------------------------------------
    // Positions.
    // ---------------------------------------------------------------------

    #[test]
    fn line_col_counts_lines_and_characters() {
        let script = "ab\ncé日x\r\n🦀z";
        assert_eq!(line_col(script, 0), (1, 1));
        assert_eq!(line_col(script, 2), (1, 3));
        assert_eq!(line_col(script, 3), (2, 1));
        assert_eq!(line_col(script, 4), (2, 2)); // é
        assert_eq!(line_col(script, 6), (2, 3)); // 日
        assert_eq!(line_col(script, 9), (2, 4)); // x
        assert_eq!(line_col(script, 10), (2, 5)); // \r
        assert_eq!(line_col(script, 12), (3, 1)); // 🦀
        assert_eq!(line_col(script, 16), (3, 2)); // z
        assert_eq!(line_col(script, script.len()), (3, 3));
    }

    #[test]
    fn line_col_tolerates_bad_offsets() {
        let script = "é\n日";
        assert_eq!(line_col(script, 1), (1, 1)); // inside é
        assert_eq!(line_col(script, 4), (2, 1)); // inside 日
        assert_eq!(line_col(script, 5), (2, 1)); // inside 日
        assert_eq!(line_col(script, 1000), (2, 2));
        assert_eq!(line_col("", 0), (1, 1));
        assert_eq!(line_col("", 7), (1, 1));
    }

    #[test]
    fn char_position_to_byte_handles_multibyte_text() {
        let text = "SELECT 'é日🦀' + x";
        assert_eq!(char_position_to_byte(text, 0), 0);
        assert_eq!(char_position_to_byte(text, 1), 0);
        assert_eq!(char_position_to_byte(text, 9), 8); // é
        assert_eq!(char_position_to_byte(text, 10), 10); // 日
        assert_eq!(char_position_to_byte(text, 11), 13); // 🦀
        assert_eq!(char_position_to_byte(text, 12), 17); // '
        assert_eq!(char_position_to_byte(text, 16), text.len() - 1); // x
        assert_eq!(char_position_to_byte(text, 17), text.len());
        assert_eq!(char_position_to_byte(text, 1000), text.len());
        assert_eq!(char_position_to_byte("", 1), 0);
    }

    #[test]
    fn server_error_position_maps_to_file_position() {
        // PostgreSQL reports `position` 16 (characters, 1-based) for `nope`.
        let script = "-- ünïcode\nSELECT 1;\n  SELECT 'ä日' || nope;\n";
        let statements = split(script, SqlDialect::Postgres);
        let statement = &statements[1];
        assert_eq!((statement.line, statement.column), (3, 3));
        let offset = statement.start + char_position_to_byte(statement.text, 16);
        assert_eq!(&script[offset..offset + 4], "nope");
        assert_eq!(line_col(script, offset), (3, 18));
    }

    // ---------------------------------------------------------------------
    // Targeted behaviour.
    // ---------------------------------------------------------------------

    #[test]
    fn quoting_rules_depend_on_the_dialect() {
        use SqlDialect::{Mysql, Postgres, Sqlite};
        // Backslash escapes a quote only in MySQL strings and PostgreSQL E-strings.
        let script = r"SELECT 'a\'; SELECT 'b'";
        assert_eq!(texts(script, Postgres), [r"SELECT 'a\'", "SELECT 'b'"]);
        assert_eq!(texts(script, Sqlite), [r"SELECT 'a\'", "SELECT 'b'"]);
        assert_eq!(texts(script, Mysql), [script]);
        // Brackets quote only in SQLite, backticks not in PostgreSQL.
        assert_eq!(texts("SELECT [a;b]", Sqlite), ["SELECT [a;b]"]);
        assert_eq!(texts("SELECT a[1;2]", Postgres), ["SELECT a[1", "2]"]);
        assert_eq!(texts("SELECT `a;b`", Mysql), ["SELECT `a;b`"]);
        assert_eq!(texts("SELECT `a;b`", Postgres), ["SELECT `a", "b`"]);
        // `#` comments only in MySQL; `$$` quotes only in PostgreSQL.
        assert_eq!(texts("SELECT 1 # x;\n;", Mysql), ["SELECT 1"]);
        assert_eq!(texts("SELECT 1 # x;\n;", Sqlite), ["SELECT 1 # x"]);
        assert_eq!(texts("SELECT $$a;b$$", Postgres), ["SELECT $$a;b$$"]);
        assert_eq!(texts("SELECT $$a;b$$", Sqlite), ["SELECT $$a", "b$$"]);
        // Block comments nest only in PostgreSQL.
        let nested = "/* a /* b */ c; */ SELECT 1";
        assert_eq!(texts(nested, Postgres), ["SELECT 1"]);
        assert_eq!(texts(nested, Mysql), ["c", "*/ SELECT 1"]);
    }

    #[test]
    fn breakpoint_is_never_a_leading_comment() {
        let script =
            "SELECT 1\n--> statement-breakpoint\n-- note\n--> statement-breakpoint  \nSELECT 2";
        for dialect in [SqlDialect::Postgres, SqlDialect::Sqlite, SqlDialect::Mysql] {
            let statements = split(script, dialect);
            assert_eq!(statements.len(), 2);
            assert_eq!(statements[1].text, "SELECT 2");
            assert_eq!(statements[1].leading_comments, ["-- note"]);
        }
        // Only the exact separator counts.
        assert_eq!(
            texts(
                "SELECT 1\n-- > statement-breakpoint\nSELECT 2",
                SqlDialect::Postgres
            ),
            ["SELECT 1\n-- > statement-breakpoint\nSELECT 2"]
        );
        // Inside a string or a dollar quote it is text.
        let quoted = "SELECT '\n--> statement-breakpoint\n'";
        assert_eq!(texts(quoted, SqlDialect::Postgres), [quoted]);
    }

    #[test]
    fn postgres_begin_is_not_always_a_body() {
        use SqlDialect::Postgres;
        assert_eq!(
            texts("BEGIN; SELECT 1; END;", Postgres),
            ["BEGIN", "SELECT 1", "END"]
        );
        assert_eq!(
            texts("BEGIN ATOMIC; SELECT 1", Postgres),
            ["BEGIN ATOMIC", "SELECT 1"]
        );
        assert_eq!(
            texts(
                "CREATE TABLE t (begin_at int, atomic int); SELECT 1",
                Postgres
            ),
            ["CREATE TABLE t (begin_at int, atomic int)", "SELECT 1"]
        );
        assert_eq!(
            texts(
                "CREATE FUNCTION f() RETURNS int BEGIN ATOMIC SELECT 1; END; SELECT 2",
                Postgres
            ),
            [
                "CREATE FUNCTION f() RETURNS int BEGIN ATOMIC SELECT 1; END",
                "SELECT 2"
            ]
        );
    }

    #[test]
    fn postgres_lexical_details() {
        use SqlDialect::Postgres;
        // A lone carriage return ends a line comment.
        assert_eq!(
            texts("SELECT 1 -- x\rSELECT 2; SELECT 3", Postgres),
            ["SELECT 1 -- x\rSELECT 2", "SELECT 3"]
        );
        // `$` continues identifiers but not numbers.
        assert_eq!(
            texts("SELECT a$$b; SELECT 1$$;$$", Postgres),
            ["SELECT a$$b", "SELECT 1$$;$$"]
        );
        // Parameters are not dollar quotes.
        assert_eq!(
            texts("SELECT $1;SELECT $2$;", Postgres),
            ["SELECT $1", "SELECT $2$"]
        );
    }

    #[test]
    fn mysql_routine_bodies() {
        use SqlDialect::Mysql;
        // A parameter named `begin` does not open a body.
        assert_eq!(
            texts(
                "CREATE PROCEDURE p(IN begin INT) SET @a = 1; SELECT 2",
                Mysql
            ),
            ["CREATE PROCEDURE p(IN begin INT) SET @a = 1", "SELECT 2"]
        );
        // Definers in every form.
        for definer in [
            "root@localhost",
            "'root'@'%'",
            "CURRENT_USER",
            "CURRENT_USER()",
        ] {
            let routine = format!(
                "CREATE DEFINER = {definer} TRIGGER t BEFORE INSERT ON x FOR EACH ROW BEGIN SET @a = 1; END"
            );
            let script = format!("{routine}; SELECT 2");
            assert_eq!(texts(&script, Mysql), [routine.as_str(), "SELECT 2"]);
        }
        // `BEGIN` only opens a body in a routine definition.
        assert_eq!(texts("BEGIN; SELECT 1", Mysql), ["BEGIN", "SELECT 1"]);
    }

    #[test]
    fn mysql_delimiter_directive_edge_cases() {
        use SqlDialect::Mysql;
        // Not at the start of a statement: plain text.
        assert_eq!(
            texts("SELECT 1\nDELIMITER //\n;", Mysql),
            ["SELECT 1\nDELIMITER //"]
        );
        // Without an argument, or with one too long: left for the server to reject.
        assert_eq!(
            texts("DELIMITER\nSELECT 1;", Mysql),
            ["DELIMITER\nSELECT 1"]
        );
        let long = format!("DELIMITER {}\nSELECT 1;", "x".repeat(17));
        assert_eq!(texts(&long, Mysql).len(), 1);
        // Words stop at a delimiter made of word characters.
        assert_eq!(
            texts(
                "DELIMITER $$\nSELECT a$$SELECT b$$\nDELIMITER ;\nSELECT c;",
                Mysql
            ),
            ["SELECT a", "SELECT b", "SELECT c"]
        );
        // A custom delimiter ends statements inside routine bodies too.
        assert_eq!(
            texts(
                "  delimiter ;;  \r\nCREATE PROCEDURE p() BEGIN SELECT 1; END;;\r\n",
                Mysql
            ),
            ["CREATE PROCEDURE p() BEGIN SELECT 1; END"]
        );
    }

    #[test]
    fn unterminated_input_is_the_last_statement() {
        use SqlDialect::{Mysql, Postgres, Sqlite};
        let cases: &[(SqlDialect, &str)] = &[
            (Postgres, "SELECT \"abc;"),
            (Postgres, "SELECT $a$ x; $b$;"),
            (Postgres, "SELECT E'\\"),
            (Postgres, "SELECT /* /* */;"),
            (Postgres, "CREATE FUNCTION f() BEGIN ATOMIC SELECT 1;"),
            (Sqlite, "CREATE TRIGGER t AFTER INSERT ON x BEGIN SELECT 1;"),
            (Sqlite, "SELECT `a;"),
            (Mysql, "SELECT \"a\\\";"),
            (Mysql, "SELECT /*! a;"),
            (Mysql, "CREATE PROCEDURE p() BEGIN SELECT 1;"),
        ];
        for &(dialect, tail) in cases {
            let script = format!("SELECT 0;\n{tail}\n");
            assert_eq!(texts(&script, dialect), ["SELECT 0", tail], "{dialect:?}");
        }
    }

    #[test]
    fn pathological_inputs_take_linear_time() {
        let n = 100_000;
        let inputs = [
            "$a".repeat(n),
            "$".repeat(n),
            "$a$".repeat(n),
            "/*".repeat(n),
            "*/".repeat(n),
            "'".repeat(n),
            "E'\\".repeat(n),
            "BEGIN ATOMIC CASE ".repeat(n / 4),
            "CREATE FUNCTION f() BEGIN ATOMIC ".repeat(n / 8),
            "DELIMITER ".repeat(n / 2),
            "DELIMITER x\n".repeat(n / 2),
            "\nDELIMITER ".repeat(n / 2),
            ";".repeat(n),
            "-- c\n".repeat(n),
            "é".repeat(n),
            "CREATE TRIGGER t BEGIN ; END ".repeat(n / 8),
        ];
        let started = std::time::Instant::now();
        for input in &inputs {
            for dialect in [SqlDialect::Postgres, SqlDialect::Sqlite, SqlDialect::Mysql] {
                check_invariants(input, &split(input, dialect));
            }
        }
        // Quadratic behaviour would take minutes here.
        assert!(started.elapsed().as_secs() < 30, "{:?}", started.elapsed());
    }

    /// Runs one statement through SQLite, which rejects anything but exactly one statement.
    fn run_sqlite(connection: &rusqlite::Connection, sql: &str) -> rusqlite::Result<()> {
        let mut statement = connection.prepare(sql)?;
        let mut rows = statement.raw_query();
        while rows.next()?.is_some() {}
        Ok(())
    }

    #[test]
    fn sqlite_executes_each_statement_of_the_valid_cases() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/sql/testdata");
        for case in ["drizzle", "triggers", "quoting", "crlf_trigger"] {
            let script =
                std::fs::read_to_string(dir.join(format!("{case}.sqlite.sql"))).expect("read case");
            let connection = rusqlite::Connection::open_in_memory().expect("open");
            for statement in split(&script, SqlDialect::Sqlite) {
                if let Err(error) = run_sqlite(&connection, statement.text) {
                    panic!("{case}: {error}: {}", statement.text);
                }
            }
        }
    }

    // ---------------------------------------------------------------------
    // Property tests.
    // ---------------------------------------------------------------------

    /// Fragments that are hard on a lexer.
    fn tricky_text() -> impl Strategy<Value = String> {
        let fragments = vec![
            "a", "x", " ", ";", "'", "\"", "`", "[", "]", "$", "$$", "\\", "--", "-", "/*", "*/",
            "*", "/", "#", "\n", "\r\n", "é", "日本", "🦀", "begin", "END", "case", "atomic", "$1",
        ];
        prop::collection::vec(prop::sample::select(fragments), 0..10)
            .prop_map(|parts| parts.concat())
    }

    /// Scripts built from fragments that open and close every kind of token.
    fn sql_soup() -> impl Strategy<Value = String> {
        let fragments = vec![
            "SELECT",
            "CREATE",
            "TRIGGER",
            "TEMP",
            "EXPLAIN",
            "FUNCTION",
            "PROCEDURE",
            "BEGIN",
            "ATOMIC",
            "END",
            "CASE",
            "IF",
            "DELIMITER",
            "E",
            "e",
            "U&",
            " ",
            "\n",
            "\r\n",
            "\t",
            ";",
            ";;",
            "'",
            "''",
            "\"",
            "`",
            "[",
            "]",
            "(",
            ")",
            "$",
            "$$",
            "$t$",
            "$1",
            "\\",
            "--",
            "-",
            "-- ",
            "/*",
            "/*!",
            "*/",
            "#",
            "--> statement-breakpoint",
            "//",
            "=",
            "@",
            "é",
            "🦀",
            "x",
        ];
        prop::collection::vec(prop::sample::select(fragments), 0..40)
            .prop_map(|parts| parts.concat())
    }

    fn line_comment_text() -> impl Strategy<Value = String> {
        tricky_text().prop_map(|t| t.replace(['\n', '\r'], ""))
    }

    fn postgres_statement() -> impl Strategy<Value = String> {
        let dollar = (
            prop::sample::select(vec!["", "t", "_x1", "é"]),
            tricky_text(),
        )
            .prop_filter_map("body closes the quote early", |(tag, body)| {
                let quote = format!("${tag}$");
                let quoted = format!("{body}{quote}");
                (quoted.find(&quote) == Some(body.len()))
                    .then(|| format!("DO {quote} BEGIN PERFORM 1; {body} END {quote}"))
            });
        prop_oneof![
            tricky_text().prop_map(|t| format!("SELECT '{}'", t.replace('\'', "''"))),
            tricky_text().prop_map(|t| {
                format!("SELECT E'{}'", t.replace('\\', "\\\\").replace('\'', "\\'"))
            }),
            tricky_text()
                .prop_map(|t| format!("CREATE TABLE \"{}\" (\"id\" int)", t.replace('"', "\"\""))),
            line_comment_text().prop_map(|t| format!("SELECT 1 -- {t}\n + 2")),
            tricky_text()
                .prop_map(|t| format!("SELECT 1 /* a /* {} */ ; */ + 2", t.replace('*', ""))),
            dollar,
            tricky_text().prop_map(|t| {
                format!(
                    "CREATE OR REPLACE FUNCTION f() RETURNS text LANGUAGE sql BEGIN ATOMIC \
                     SELECT CASE WHEN true THEN '{}' ELSE (CASE WHEN false THEN 'b' END) END; \
                     SELECT 'c'; END",
                    t.replace('\'', "''")
                )
            }),
            prop::sample::select(vec![
                "BEGIN",
                "COMMIT",
                "CREATE TABLE begin_date (end_date date, atomic int, case_id int)",
                "SELECT $1::int + $2",
                "SELECT U&'d\\0061t\\+000061'",
                "SELECT a$b$c FROM t$1",
            ])
            .prop_map(str::to_owned),
        ]
    }

    fn sqlite_body_statement() -> impl Strategy<Value = String> {
        prop_oneof![
            tricky_text().prop_map(|t| format!(
                "UPDATE t SET a = CASE WHEN a > 0 THEN '{}' ELSE 'x' END",
                t.replace('\'', "''")
            )),
            line_comment_text().prop_map(|t| format!("INSERT INTO log VALUES ('x') -- {t}\n")),
            tricky_text().prop_map(|t| format!("SELECT [end] /* {} */ FROM t", t.replace('*', ""))),
            Just("SELECT CASE a WHEN 1 THEN \"end\" END FROM t".to_owned()),
        ]
    }

    fn sqlite_statement() -> impl Strategy<Value = String> {
        let trigger = (
            prop::sample::select(vec!["", "TEMP ", "temporary "]),
            prop::collection::vec(sqlite_body_statement(), 1..4),
        )
            .prop_map(|(temp, body)| {
                let body: String = body.iter().map(|s| format!("{s}; ")).collect();
                format!("CREATE {temp}TRIGGER trg AFTER INSERT ON t BEGIN {body}END")
            });
        prop_oneof![
            tricky_text().prop_map(|t| format!("SELECT '{}'", t.replace('\'', "''"))),
            tricky_text().prop_map(|t| format!(
                "CREATE TABLE \"{}\" (`{}` int, [{}] text)",
                t.replace('"', "\"\""),
                t.replace('`', "``"),
                t.replace(']', "")
            )),
            line_comment_text().prop_map(|t| format!("SELECT 1 -- {t}\n + 2")),
            tricky_text().prop_map(|t| format!("SELECT 1 /* {} */ + 2", t.replace('*', ""))),
            trigger,
            prop::sample::select(vec![
                "BEGIN",
                "END",
                "EXPLAIN SELECT 1",
                "CREATE TABLE end_log (begin int, \"end\" text)",
            ])
            .prop_map(str::to_owned),
        ]
    }

    fn mysql_statement() -> impl Strategy<Value = String> {
        let escape = |t: &str, quote: char| {
            t.replace('\\', "\\\\")
                .replace(quote, &format!("\\{quote}"))
        };
        prop_oneof![
            tricky_text().prop_map(move |t| format!("SELECT '{}'", escape(&t, '\''))),
            tricky_text().prop_map(move |t| format!("SELECT \"{}\"", escape(&t, '"'))),
            tricky_text().prop_map(|t| format!("SELECT `{}`", t.replace('`', "``"))),
            line_comment_text().prop_map(|t| format!("SELECT 1 # {t}\n + 2")),
            line_comment_text().prop_map(|t| format!("SELECT 1 -- {t}\n + 2")),
            tricky_text().prop_map(|t| format!("/*!40101 SET @a = '{}' */", t.replace('*', ""))),
            tricky_text().prop_map(move |t| format!(
                "CREATE DEFINER=`root`@`%` PROCEDURE p() BEGIN DECLARE i INT; \
                 l: LOOP SET i = i + 1; IF i > 3 THEN LEAVE l; END IF; END LOOP l; \
                 CASE i WHEN 1 THEN SELECT '{}'; ELSE BEGIN END; END CASE; \
                 SELECT CASE WHEN i THEN 1 END; END",
                escape(&t, '\'')
            )),
            prop::sample::select(vec![
                "SELECT 1--1",
                "CREATE TRIGGER trg BEFORE INSERT ON t FOR EACH ROW BEGIN SET NEW.a = 1; END",
                "CREATE EVENT e ON SCHEDULE EVERY 1 DAY DO BEGIN DELETE FROM t; END",
                "CREATE TABLE t (`begin` int, `end` int, delimiter int)",
                "START TRANSACTION",
            ])
            .prop_map(str::to_owned),
        ]
    }

    /// What goes between two statements, with the comments it contributes to the next one.
    fn separator() -> impl Strategy<Value = (&'static str, Vec<&'static str>)> {
        prop::sample::select(vec![
            (";", vec![]),
            (";\n", vec![]),
            (" ;\r\n\n", vec![]),
            (";;\n", vec![]),
            (";--> statement-breakpoint\n", vec![]),
            (";\n--> statement-breakpoint\n", vec![]),
            ("\n--> statement-breakpoint\n", vec![]),
            (";\n-- note\n", vec!["-- note"]),
            (";/* c; */\n", vec!["/* c; */"]),
            (
                ";\n-- a\n--> statement-breakpoint\n-- b\n",
                vec!["-- a", "-- b"],
            ),
        ])
    }

    /// A script joining `statements` and the statements with their leading comments.
    fn script_strategy(
        statement: impl Strategy<Value = String>,
    ) -> impl Strategy<Value = (String, Vec<(String, Vec<&'static str>)>)> {
        (
            prop::collection::vec((statement, separator()), 0..6),
            prop::sample::select(vec![vec![], vec!["-- intro"], vec!["/* a */", "-- b"]]),
            prop::sample::select(vec!["", ";", ";\n", "\n", ";\n-- trailing\n", " ;-- end"]),
        )
            .prop_map(|(parts, intro, tail)| {
                let mut script: String = intro.iter().map(|c| format!("{c}\n")).collect();
                let mut expected = Vec::new();
                let mut leading = intro;
                for (index, (statement, (separator, comments))) in parts.iter().enumerate() {
                    script.push_str(statement);
                    script.push_str(if index + 1 == parts.len() {
                        tail
                    } else {
                        separator
                    });
                    expected.push((statement.clone(), leading));
                    leading = comments.clone();
                }
                (script, expected)
            })
    }

    fn check_round_trip(
        script: &str,
        expected: &[(String, Vec<&str>)],
        dialect: SqlDialect,
    ) -> Result<(), TestCaseError> {
        let statements = split(script, dialect);
        check_invariants(script, &statements);
        let actual: Vec<(String, Vec<&str>)> = statements
            .iter()
            .map(|s| (s.text.to_owned(), s.leading_comments.clone()))
            .collect();
        prop_assert_eq!(actual, expected);
        Ok(())
    }

    proptest! {
        #[test]
        fn never_panics_on_arbitrary_text(script in any::<String>()) {
            for dialect in [SqlDialect::Postgres, SqlDialect::Sqlite, SqlDialect::Mysql] {
                check_invariants(&script, &split(&script, dialect));
            }
        }

        #[test]
        fn never_panics_on_sql_soup(script in sql_soup()) {
            for dialect in [SqlDialect::Postgres, SqlDialect::Sqlite, SqlDialect::Mysql] {
                check_invariants(&script, &split(&script, dialect));
            }
        }

        #[test]
        fn positions_agree_with_line_col(script in sql_soup(), offset in 0usize..200) {
            let expected = {
                let mut end = offset.min(script.len());
                while !script.is_char_boundary(end) {
                    end -= 1;
                }
                let before = &script[..end];
                let line = before.matches('\n').count() + 1;
                let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
                (line, column)
            };
            prop_assert_eq!(line_col(&script, offset), expected);
        }

        #[test]
        fn postgres_scripts_split_into_their_statements(
            (script, expected) in script_strategy(postgres_statement())
        ) {
            check_round_trip(&script, &expected, SqlDialect::Postgres)?;
        }

        #[test]
        fn sqlite_scripts_split_into_their_statements(
            (script, expected) in script_strategy(sqlite_statement())
        ) {
            check_round_trip(&script, &expected, SqlDialect::Sqlite)?;
        }

        #[test]
        fn mysql_scripts_split_into_their_statements(
            (script, expected) in script_strategy(mysql_statement())
        ) {
            check_round_trip(&script, &expected, SqlDialect::Mysql)?;
        }

        #[test]
        fn sqlite_statements_satisfy_sqlite3_complete(
            (script, _) in script_strategy(sqlite_statement())
        ) {
            for statement in split(&script, SqlDialect::Sqlite) {
                check_sqlite_oracle(statement.text);
            }
        }

        #[test]
        fn sqlite_soup_agrees_with_sqlite3_complete(script in sql_soup()) {
            // Every statement that ended at a `;` ended where SQLite says it does.
            for statement in split(&script, SqlDialect::Sqlite) {
                if ended_by_semicolon(&script, statement.end, SqlDialect::Sqlite) {
                    check_sqlite_oracle(statement.text);
                }
            }
        }
    }
}
