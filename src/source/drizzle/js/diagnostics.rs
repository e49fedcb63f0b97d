//! The reader's error type: every problem has a file, a labelled span, a
//! message and a help text, and all problems of one run are reported together.

use std::fmt;
use std::sync::Arc;

use miette::{Diagnostic, LabeledSpan, NamedSource, SourceSpan};
use oxc_span::Span;

use super::value::Site;

/// One problem as the evaluator records it, before it is tied to its file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// What went wrong, as one sentence.
    pub message: String,
    /// Where: the module and span the label points at; `None` for problems
    /// about the run as a whole.
    pub site: Option<Site>,
    /// The text of the label under the span.
    pub label: String,
    /// What the user can do about it.
    pub help: Option<String>,
}

impl Problem {
    /// A problem at a place in a file.
    pub fn at(site: Site, message: impl Into<String>, label: impl Into<String>) -> Problem {
        Problem {
            message: message.into(),
            site: Some(site),
            label: label.into(),
            help: None,
        }
    }

    /// A problem about the run as a whole.
    pub fn general(message: impl Into<String>) -> Problem {
        Problem {
            message: message.into(),
            site: None,
            label: String::new(),
            help: None,
        }
    }

    /// The same problem with a help text.
    pub fn with_help(mut self, help: impl Into<String>) -> Problem {
        self.help = Some(help.into());
        self
    }
}

/// A source file as diagnostics show it.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The path relative to the project root.
    pub name: String,
    /// The file's text.
    pub text: Arc<str>,
}

/// All problems found in one run of the reader (several are reported at once).
///
/// As a [`miette::Diagnostic`] each problem is a `related` diagnostic with its
/// file as a named source, a labelled span and a help text.
#[derive(Debug)]
pub struct SchemaError {
    problems: Vec<SchemaProblem>,
    subject: &'static str,
}

impl SchemaError {
    /// Ties recorded problems to their files, sorted by file and position,
    /// without duplicates. `files` is indexed by module id.
    pub(crate) fn new(mut problems: Vec<Problem>, files: &[SourceFile]) -> SchemaError {
        let key = |p: &Problem| {
            p.site.map(|s| {
                let name = files
                    .get(s.module)
                    .map(|f| f.name.clone())
                    .unwrap_or_default();
                (name, s.span.start, s.span.end)
            })
        };
        problems.sort_by_key(|p| (key(p), p.message.clone()));
        problems.dedup();
        let problems = problems
            .into_iter()
            .map(|p| SchemaProblem::new(p, files))
            .collect();
        SchemaError {
            problems,
            subject: "the Drizzle schema",
        }
    }

    /// The same problems about something other than the schema ("the drizzle config").
    pub(crate) fn about(mut self, subject: &'static str) -> SchemaError {
        self.subject = subject;
        self
    }

    /// The individual problems.
    pub fn problems(&self) -> &[SchemaProblem] {
        &self.problems
    }
}

impl fmt::Display for SchemaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.problems.len() {
            1 => write!(f, "could not read {}: 1 problem", self.subject),
            n => write!(f, "could not read {}: {n} problems", self.subject),
        }
    }
}

impl std::error::Error for SchemaError {}

impl Diagnostic for SchemaError {
    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
        Some(Box::new(self.problems.iter().map(|p| p as &dyn Diagnostic)))
    }
}

/// One problem of a [`SchemaError`], tied to its source file.
#[derive(Debug)]
pub struct SchemaProblem {
    message: String,
    source: Option<NamedSource<Arc<str>>>,
    span: Option<SourceSpan>,
    label: String,
    help: Option<String>,
    file: Option<String>,
    warning: bool,
}

impl SchemaProblem {
    /// Ties warnings to their files, sorted by file and position, without duplicates.
    pub(crate) fn warnings(mut problems: Vec<Problem>, files: &[SourceFile]) -> Vec<SchemaProblem> {
        problems.sort_by_key(|p| {
            (
                p.site.map(|s| (s.module, s.span.start, s.span.end)),
                p.message.clone(),
            )
        });
        problems.dedup();
        problems
            .into_iter()
            .map(|p| SchemaProblem {
                warning: true,
                ..SchemaProblem::new(p, files)
            })
            .collect()
    }

    fn new(p: Problem, files: &[SourceFile]) -> SchemaProblem {
        let file = p.site.and_then(|s| files.get(s.module).map(|f| (s, f)));
        let (source, span, name) = match file {
            Some((site, f)) => (
                Some(NamedSource::new(&f.name, f.text.clone())),
                Some(clamp(site.span, &f.text)),
                Some(f.name.clone()),
            ),
            None => (None, None, None),
        };
        SchemaProblem {
            message: p.message,
            source,
            span,
            label: p.label,
            help: p.help,
            file: name,
            warning: false,
        }
    }

    /// The problem's message.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The file it is in (relative to the project root), if any.
    pub fn file(&self) -> Option<&str> {
        self.file.as_deref()
    }

    /// The byte range it points at, if any.
    pub fn span(&self) -> Option<SourceSpan> {
        self.span
    }
}

/// A span that fits the text and starts and ends on character boundaries.
fn clamp(span: Span, text: &str) -> SourceSpan {
    let fit = |mut i: usize| {
        i = i.min(text.len());
        while !text.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    let start = fit(span.start as usize);
    let end = fit(span.end as usize).max(start);
    SourceSpan::from(start..end)
}

impl fmt::Display for SchemaProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for SchemaProblem {}

impl Diagnostic for SchemaProblem {
    fn severity(&self) -> Option<miette::Severity> {
        self.warning.then_some(miette::Severity::Warning)
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let span = self.span?;
        let label = (!self.label.is_empty()).then(|| self.label.clone());
        Some(Box::new(std::iter::once(
            LabeledSpan::new_primary_with_span(label, span),
        )))
    }
}

/// The problems recorded during one run.
#[derive(Debug, Default)]
pub struct Problems {
    list: Vec<Problem>,
}

impl Problems {
    /// Records a problem.
    pub fn push(&mut self, problem: Problem) {
        self.list.push(problem);
    }

    /// True when nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// How many were recorded.
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// Takes the problems recorded from `at` on.
    pub fn split_off(&mut self, at: usize) -> Vec<Problem> {
        self.list.split_off(at.min(self.list.len()))
    }

    /// The recorded problems.
    pub fn into_vec(self) -> Vec<Problem> {
        self.list
    }
}
