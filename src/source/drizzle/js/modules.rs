//! Loading schema files and the modules they import: reading, parsing into
//! one arena that lives for the whole read, and resolving import specifiers.
//!
//! drizzle-orm's entry points are implemented natively; every other
//! specifier is resolved by [`Resolver`] to a file of the program or to an
//! npm package whose values cannot be known.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;

use oxc_allocator::Allocator;
use oxc_ast::ast::{
    BindingPattern, Class, Declaration as AstDeclaration, ExportDefaultDeclarationKind, Expression,
    Function, ImportDeclarationSpecifier, ModuleExportName, Program, Statement, TSEnumDeclaration,
    VariableDeclarator,
};
use oxc_parser::Parser;
use oxc_span::{GetSpan, SourceType, Span};

use super::Host;
use super::diagnostics::{Problem, Problems, SourceFile};
use super::resolve::{Resolution, Resolver};
use super::value::{ModuleId, Site};

/// The deepest bracket nesting a file may have; deeper files are rejected
/// before parsing so that neither the parser nor the evaluator can overflow.
const MAX_NESTING: usize = 1000;

/// Where an import leads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModuleTarget {
    /// A module of the program.
    Local(ModuleId),
    /// A native module of the host (drizzle-orm's entry points), by its specifier.
    Native(String),
    /// Anything else (an npm package, a path alias): its values are unknown.
    External(String),
    /// An import that names no readable file: the problem is reported when
    /// one of its bindings is used (an import used only as a type never is).
    Missing(Rc<Problem>),
}

/// Which export an import takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportName<'a> {
    /// `import { name }`.
    Named(&'a str),
    /// `import name`.
    Default,
    /// `import * as name`.
    Namespace,
}

/// One imported binding.
#[derive(Debug, Clone)]
pub struct Import<'a> {
    /// The module it comes from.
    pub target: ModuleTarget,
    /// What it takes from there.
    pub name: ImportName<'a>,
    /// Where the binding is written.
    pub site: Site,
}

/// One export of a module.
#[derive(Debug, Clone)]
pub enum Export<'a> {
    /// A binding of the module itself (declared or imported).
    Local(&'a str, Site),
    /// `export { a as b } from './x'`, `export * as ns from './x'`.
    Reexport(Import<'a>),
    /// `export default <expression>`.
    DefaultExpression(&'a Expression<'a>),
    /// `export default function () {}`.
    DefaultFunction(&'a Function<'a>),
    /// `export default class {}`.
    DefaultClass(&'a Class<'a>),
}

/// A top-level declaration.
#[derive(Debug, Clone, Copy)]
pub enum Declaration<'a> {
    /// `const`, `let` or `var`, possibly destructuring.
    Variable(&'a VariableDeclarator<'a>),
    /// `function f() {}`.
    Function(&'a Function<'a>),
    /// `enum E {}`.
    Enum(&'a TSEnumDeclaration<'a>),
    /// `class C {}`.
    Class(&'a Class<'a>),
}

/// A loaded module.
#[derive(Debug)]
pub struct Module<'a> {
    /// Its file.
    pub path: PathBuf,
    /// Its name and text for diagnostics.
    pub file: SourceFile,
    /// Imported bindings by local name.
    pub imports: HashMap<&'a str, Import<'a>>,
    /// Top-level declarations by name.
    pub declarations: HashMap<&'a str, Declaration<'a>>,
    /// Its own exports by exported name, in source order.
    pub exports: Vec<(&'a str, Export<'a>)>,
    /// Where each exported name is in `exports`.
    export_index: HashMap<&'a str, usize>,
    /// `export * from '...'` targets.
    pub star_exports: Vec<(ModuleTarget, Site)>,
    /// Top-level statements that are neither declarations nor imports/exports.
    pub statements: Vec<Site>,
    /// The syntax tree.
    pub program: &'a Program<'a>,
    /// One of drizzle-orm's modules that the reader carries as source
    /// (`drizzle-orm/supabase`): its tables exist in the database already.
    pub builtin: bool,
    /// Syntax errors of an imported module, reported when one of its
    /// bindings is used.
    pub deferred: Vec<Problem>,
    /// A CommonJS module (`require`, `exports.x = ...`): it runs as a script
    /// the first time one of its exports is used.
    pub commonjs: bool,
    /// What each `require("...")` of a CommonJS module leads to.
    pub requires: HashMap<String, ModuleTarget>,
}

impl<'a> Module<'a> {
    /// The module's own export with this name.
    pub fn export(&self, name: &str) -> Option<&Export<'a>> {
        self.export_index
            .get(name)
            .and_then(|&i| self.exports.get(i))
            .map(|(_, e)| e)
    }

    /// Records an export (the first of a name wins, as in a module's own declarations).
    fn add_export(&mut self, name: &'a str, export: Export<'a>) {
        self.export_index.entry(name).or_insert(self.exports.len());
        self.exports.push((name, export));
    }
}

/// Loads modules into one arena.
pub struct Loader<'a> {
    allocator: &'a Allocator,
    root: PathBuf,
    /// The modules loaded so far, indexed by id.
    pub modules: Vec<Module<'a>>,
    by_path: HashMap<PathBuf, ModuleId>,
    resolver: Resolver,
    /// Problems found while loading (I/O, syntax, unresolved imports).
    pub problems: Problems,
    /// True for the host's native modules.
    native: fn(&str) -> bool,
    /// The source of the modules the host carries as code.
    carried: fn(&str) -> Option<&'static str>,
}

impl<'a> Loader<'a> {
    /// A loader for host `H`'s programs, resolving display names against `root`.
    pub fn new<H: Host<'a>>(allocator: &'a Allocator, root: &Path) -> Loader<'a> {
        let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
        Loader {
            native: is_native::<H>,
            carried: H::source,
            allocator,
            resolver: Resolver::new(&root),
            root,
            modules: Vec::new(),
            by_path: HashMap::new(),
            problems: Problems::default(),
        }
    }

    /// The path as shown to users: relative to the project root when inside it.
    pub fn display_name(&self, path: &Path) -> String {
        let shown = path.strip_prefix(&self.root).unwrap_or(path);
        shown.to_string_lossy().replace('\\', "/")
    }

    /// Loads a schema file given by the user (relative paths start at the project root).
    pub fn load_entry(&mut self, path: &Path) -> Option<ModuleId> {
        let full = if path.is_absolute() {
            path.to_path_buf()
        } else {
            self.root.join(path)
        };
        match self.load(&full) {
            Ok(id) => {
                // An entry's syntax errors are reported whether or not it was imported first.
                for p in std::mem::take(&mut self.modules[id].deferred) {
                    self.problems.push(p);
                }
                Some(id)
            }
            Err(e) => {
                let name = self.display_name(&full);
                self.problems.push(
                    Problem::general(format!("cannot read schema file `{name}`: {e}"))
                        .with_help("check the schema path in the configuration"),
                );
                None
            }
        }
    }

    /// Loads a file (once) and, recursively, the relative modules it imports.
    fn load(&mut self, path: &Path) -> std::io::Result<ModuleId> {
        let path = path.canonicalize()?;
        if let Some(&id) = self.by_path.get(&path) {
            return Ok(id);
        }
        let mut text = std::fs::read_to_string(&path)?;
        if path.extension().is_some_and(|e| e == "json") {
            // `import data from './data.json'`: the module's default export is the document.
            text = format!("export default (\n{text}\n);\n");
        }
        let id = self.modules.len();
        let source: &'a str = self.allocator.alloc_str(&text);
        let file = SourceFile {
            name: self.display_name(&path),
            text: Arc::from(text),
        };
        let (program, deferred) = self.parse(id, &path, source);
        self.by_path.insert(path.clone(), id);
        self.modules.push(Module {
            path,
            file,
            imports: HashMap::new(),
            declarations: HashMap::new(),
            exports: Vec::new(),
            export_index: HashMap::new(),
            star_exports: Vec::new(),
            statements: Vec::new(),
            program,
            builtin: false,
            deferred,
            commonjs: false,
            requires: HashMap::new(),
        });
        self.scan(id, program);
        if is_commonjs(&self.modules[id].path, source, program) {
            self.modules[id].commonjs = true;
            for (specifier, span) in required_specifiers(source) {
                let target = self.target(id, specifier, span);
                self.modules[id]
                    .requires
                    .insert(specifier.to_string(), target);
            }
        }
        Ok(id)
    }

    /// Loads one of drizzle-orm's modules that the reader carries as source.
    fn load_builtin(&mut self, specifier: &str, text: &'static str) -> ModuleId {
        let path = PathBuf::from(format!("<{specifier}>"));
        if let Some(&id) = self.by_path.get(&path) {
            return id;
        }
        let id = self.modules.len();
        let file = SourceFile {
            name: specifier.to_string(),
            text: Arc::from(text),
        };
        let (program, deferred) = self.parse(id, Path::new("builtin.ts"), text);
        self.by_path.insert(path.clone(), id);
        self.modules.push(Module {
            path,
            file,
            imports: HashMap::new(),
            declarations: HashMap::new(),
            exports: Vec::new(),
            export_index: HashMap::new(),
            star_exports: Vec::new(),
            statements: Vec::new(),
            program,
            builtin: true,
            deferred,
            commonjs: false,
            requires: HashMap::new(),
        });
        self.scan(id, program);
        id
    }

    /// Parses a file's text; returns its syntax errors with the tree.
    fn parse(
        &mut self,
        id: ModuleId,
        path: &Path,
        source: &'a str,
    ) -> (&'a Program<'a>, Vec<Problem>) {
        let source_type = SourceType::from_path(path).unwrap_or_else(|_| SourceType::ts());
        if let Some(offset) = too_deep(source) {
            let problem = Problem::at(
                site(id, Span::new(offset, offset + 1)),
                format!("brackets nest more than {MAX_NESTING} levels deep"),
                "too deep",
            )
            .with_help("a schema file never needs this much nesting: simplify the expression");
            let empty = Parser::new(self.allocator, "", source_type).parse();
            return (self.allocator.alloc(empty.program), vec![problem]);
        }
        let mut problems = Vec::new();
        let parsed = Parser::new(self.allocator, source, source_type).parse();
        for error in parsed.diagnostics.errors() {
            let (span, label) = match error.labels.first() {
                Some(l) => (
                    Span::sized(l.offset(), l.len()),
                    l.label().unwrap_or("here").to_string(),
                ),
                None => (Span::new(0, 0), "here".to_string()),
            };
            let mut problem = Problem::at(
                site(id, span),
                format!("syntax error: {}", error.message),
                label,
            );
            problem.help = Some(
                error
                    .help
                    .as_ref()
                    .map(|h| h.to_string())
                    .unwrap_or_else(|| {
                        "fix the syntax error; the file must parse as TypeScript".to_string()
                    }),
            );
            problems.push(problem);
        }
        (self.allocator.alloc(parsed.program), problems)
    }

    /// Records a module's imports, declarations and exports.
    fn scan(&mut self, id: ModuleId, program: &'a Program<'a>) {
        for statement in &program.body {
            match statement {
                Statement::ImportDeclaration(import) => {
                    if import.import_kind.is_type() {
                        continue;
                    }
                    let Some(specifiers) = &import.specifiers else {
                        continue;
                    };
                    let specifier = import.source.value.as_str();
                    let target = self.target(id, specifier, import.source.span);
                    for s in specifiers {
                        let (local, name, span) = match s {
                            ImportDeclarationSpecifier::ImportSpecifier(s) => {
                                if s.import_kind.is_type() {
                                    continue;
                                }
                                let name = match export_name(&s.imported) {
                                    "default" => ImportName::Default,
                                    other => ImportName::Named(other),
                                };
                                (s.local.name.as_str(), name, s.span)
                            }
                            ImportDeclarationSpecifier::ImportDefaultSpecifier(s) => {
                                (s.local.name.as_str(), ImportName::Default, s.span)
                            }
                            ImportDeclarationSpecifier::ImportNamespaceSpecifier(s) => {
                                (s.local.name.as_str(), ImportName::Namespace, s.span)
                            }
                        };
                        let import = Import {
                            target: target.clone(),
                            name,
                            site: site(id, span),
                        };
                        self.modules[id].imports.insert(local, import);
                    }
                }
                Statement::ExportDeclaration(export) => {
                    let names = self.declare(id, &export.declaration);
                    for (name, span) in names {
                        self.modules[id].add_export(name, Export::Local(name, site(id, span)));
                    }
                }
                Statement::ExportNamedDeclaration(export) => {
                    if export.export_kind.is_type() {
                        continue;
                    }
                    for s in &export.specifiers {
                        if s.export_kind.is_type() {
                            continue;
                        }
                        let local = export_name(&s.local);
                        let exported = export_name(&s.exported);
                        self.modules[id]
                            .add_export(exported, Export::Local(local, site(id, s.span)));
                    }
                }
                Statement::ExportFromDeclaration(export) => {
                    if export.export_kind.is_type() {
                        continue;
                    }
                    let specifier = export.source.value.as_str();
                    let target = self.target(id, specifier, export.source.span);
                    for s in &export.specifiers {
                        if s.export_kind.is_type() {
                            continue;
                        }
                        let name = match export_name(&s.local) {
                            "default" => ImportName::Default,
                            other => ImportName::Named(other),
                        };
                        let import = Import {
                            target: target.clone(),
                            name,
                            site: site(id, s.span),
                        };
                        self.modules[id]
                            .add_export(export_name(&s.exported), Export::Reexport(import));
                    }
                }
                Statement::ExportAllDeclaration(export) => {
                    if export.export_kind.is_type() {
                        continue;
                    }
                    let specifier = export.source.value.as_str();
                    let target = self.target(id, specifier, export.source.span);
                    match &export.exported {
                        Some(name) => {
                            let import = Import {
                                target,
                                name: ImportName::Namespace,
                                site: site(id, export.span),
                            };
                            self.modules[id]
                                .add_export(export_name(name), Export::Reexport(import));
                        }
                        None => self.modules[id]
                            .star_exports
                            .push((target, site(id, export.span))),
                    }
                }
                Statement::ExportDefaultDeclaration(export) => {
                    let value = match &export.declaration {
                        ExportDefaultDeclarationKind::FunctionDeclaration(f) => {
                            if let Some(name) = f.name() {
                                self.modules[id]
                                    .declarations
                                    .insert(name.as_str(), Declaration::Function(f));
                            }
                            Export::DefaultFunction(f)
                        }
                        ExportDefaultDeclarationKind::ClassDeclaration(c) => {
                            Export::DefaultClass(c)
                        }
                        ExportDefaultDeclarationKind::TSInterfaceDeclaration(_) => continue,
                        other => match other.as_expression() {
                            Some(expression) => Export::DefaultExpression(expression),
                            None => continue,
                        },
                    };
                    self.modules[id].add_export("default", value);
                }
                Statement::TSExportAssignment(export) => {
                    self.problems.push(
                        Problem::at(
                            site(id, export.span),
                            "`export =` is not supported in schema files",
                            "CommonJS-style export",
                        )
                        .with_help("use `export const name = ...` instead"),
                    );
                }
                Statement::EmptyStatement(_) | Statement::TSNamespaceExportDeclaration(_) => {}
                other => {
                    if let Some(declaration) = other.as_declaration() {
                        self.declare(id, declaration);
                    } else if !self.is_side_effect_call(other) {
                        self.modules[id].statements.push(site(id, other.span()));
                    }
                }
            }
        }
    }

    /// True for a top-level call (`dotenv.config()`, `console.log(...)`,
    /// `assertUnique(LIST)`, `await init()`): drizzle-kit runs it and keeps
    /// only the entities, so it is skipped without a word.
    fn is_side_effect_call(&self, statement: &Statement<'a>) -> bool {
        let Statement::ExpressionStatement(e) = statement else {
            return false;
        };
        let mut expression = e.expression.get_inner_expression();
        if let Expression::AwaitExpression(a) = expression {
            expression = a.argument.get_inner_expression();
        }
        matches!(expression, Expression::CallExpression(_))
    }

    /// Records a declaration; returns the names it declares (for `export`).
    fn declare(
        &mut self,
        id: ModuleId,
        declaration: &'a AstDeclaration<'a>,
    ) -> Vec<(&'a str, Span)> {
        let module = &mut self.modules[id];
        let mut names = Vec::new();
        match declaration {
            AstDeclaration::VariableDeclaration(v) => {
                if v.declare {
                    return names;
                }
                for declarator in &v.declarations {
                    for name in binding_names(&declarator.id) {
                        module
                            .declarations
                            .insert(name.0, Declaration::Variable(declarator));
                        names.push(name);
                    }
                }
            }
            AstDeclaration::FunctionDeclaration(f) => {
                if let (Some(name), Some(_)) = (&f.id, &f.body) {
                    module
                        .declarations
                        .insert(name.name.as_str(), Declaration::Function(f));
                    names.push((name.name.as_str(), name.span));
                }
            }
            AstDeclaration::ClassDeclaration(c) => {
                if let Some(name) = &c.id {
                    module
                        .declarations
                        .insert(name.name.as_str(), Declaration::Class(c));
                    names.push((name.name.as_str(), name.span));
                }
            }
            AstDeclaration::TSEnumDeclaration(e) if !e.declare => {
                module
                    .declarations
                    .insert(e.id.name.as_str(), Declaration::Enum(e));
                names.push((e.id.name.as_str(), e.id.span));
            }
            _ => {}
        }
        names
    }

    /// Resolves an import specifier written in module `from`.
    fn target(&mut self, from: ModuleId, specifier: &str, span: Span) -> ModuleTarget {
        if (self.native)(specifier) {
            return ModuleTarget::Native(specifier.to_string());
        }
        if let Some(text) = (self.carried)(specifier) {
            return ModuleTarget::Local(self.load_builtin(specifier, text));
        }
        let from_path = self.modules[from].path.clone();
        match self.resolver.resolve(&from_path, specifier) {
            Resolution::File(path) => match self.load(&path) {
                Ok(id) => ModuleTarget::Local(id),
                Err(e) => ModuleTarget::Missing(Rc::new(Problem::at(
                    site(from, span),
                    format!("cannot read module `{specifier}`: {e}"),
                    "imported here",
                ))),
            },
            Resolution::External => ModuleTarget::External(specifier.to_string()),
            Resolution::Missing { message, help } => ModuleTarget::Missing(Rc::new(
                Problem::at(site(from, span), message, "no such file").with_help(help),
            )),
        }
    }
}

/// True for a native module of host `H`.
fn is_native<'a, H: Host<'a>>(specifier: &str) -> bool {
    H::module(specifier).is_some()
}

/// True for a CommonJS file: `.cjs`, or `.js` with no `import`/`export`
/// that uses `require` or `exports`.
fn is_commonjs(path: &Path, source: &str, program: &Program<'_>) -> bool {
    let extension = path.extension().and_then(|e| e.to_str());
    let has_module_syntax = program.body.iter().any(|s| s.is_module_declaration());
    !has_module_syntax
        && (extension == Some("cjs")
            || (extension == Some("js")
                && (source.contains("require(") || source.contains("exports"))))
}

/// The literal specifiers of `require("...")` calls in a file, with their spans.
fn required_specifiers(source: &str) -> Vec<(&str, Span)> {
    let mut out = Vec::new();
    let mut rest = 0;
    while let Some(found) = source[rest..].find("require(") {
        let open = rest + found + "require(".len();
        rest = open;
        let preceded = source[..open - "require(".len()]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$' || c == '.');
        if preceded {
            continue;
        }
        let after = source[open..].trim_start();
        let start = source.len() - after.len();
        let Some(quote) = after
            .chars()
            .next()
            .filter(|c| matches!(c, '"' | '\'' | '`'))
        else {
            continue;
        };
        let Some(len) = after[1..].find(quote) else {
            continue;
        };
        let specifier = &after[1..1 + len];
        let span = Span::new(start as u32, (start + len + 2) as u32);
        out.push((specifier, span));
    }
    out
}

fn site(module: ModuleId, span: Span) -> Site {
    Site { module, span }
}

fn export_name<'a>(name: &ModuleExportName<'a>) -> &'a str {
    name.name().as_str()
}

/// The names a binding pattern declares.
pub fn binding_names<'a>(pattern: &'a BindingPattern<'a>) -> Vec<(&'a str, Span)> {
    let mut out = Vec::new();
    collect_binding_names(pattern, &mut out);
    out
}

fn collect_binding_names<'a>(pattern: &'a BindingPattern<'a>, out: &mut Vec<(&'a str, Span)>) {
    match pattern {
        BindingPattern::BindingIdentifier(id) => out.push((id.name.as_str(), id.span)),
        BindingPattern::ObjectPattern(o) => {
            for p in &o.properties {
                collect_binding_names(&p.value, out);
            }
            if let Some(rest) = &o.rest {
                collect_binding_names(&rest.argument, out);
            }
        }
        BindingPattern::ArrayPattern(a) => {
            for p in a.elements.iter().flatten() {
                collect_binding_names(p, out);
            }
            if let Some(rest) = &a.rest {
                collect_binding_names(&rest.argument, out);
            }
        }
        BindingPattern::AssignmentPattern(a) => collect_binding_names(&a.left, out),
    }
}

/// The offset of the first bracket nested deeper than [`MAX_NESTING`], if any.
fn too_deep(source: &str) -> Option<u32> {
    let mut depth = 0usize;
    for (i, b) in source.bytes().enumerate() {
        match b {
            b'(' | b'[' | b'{' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Some(u32::try_from(i).unwrap_or(0));
                }
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}
