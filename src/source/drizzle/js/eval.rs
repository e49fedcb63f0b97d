//! The interpreter: evaluates the JavaScript subset that schemas are written
//! in, straight from the syntax tree.
//!
//! Module-level bindings are evaluated lazily and memoised, so references
//! across files and to later declarations work; a binding that needs itself
//! is reported as a cycle. Every problem is recorded and the offending
//! expression evaluates to [`Value::Poison`], which later steps pass through
//! silently, so one run reports as many independent problems as it can.
//! Step and depth limits stop hostile or runaway code.

use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use oxc_ast::ast::{
    Argument, ArrayExpressionElement, ArrowFunctionBody, AssignmentOperator, AssignmentTarget,
    BinaryOperator, BindingPattern, CallExpression, ChainElement, Expression, ForStatementInit,
    ForStatementLeft, LogicalOperator, ObjectPropertyKind, PropertyKind, SimpleAssignmentTarget,
    Statement, TSEnumDeclaration, TSEnumMemberName, TaggedTemplateExpression, TemplateLiteral,
    UnaryOperator, UpdateOperator, VariableDeclaration,
};
use oxc_span::{GetSpan, Span};

use super::Host;
use super::builtins::{self, arg};
use super::diagnostics::{Problem, Problems};
use super::modules::{
    Declaration, Export, Import, ImportName, Module, ModuleTarget, binding_names,
};
use super::value::{
    Closure, FunctionSyntax, Global, ModuleId, Native, Object, Opaque, Scope, Site, Value,
};

/// The most expressions one run may evaluate.
const MAX_STEPS: u64 = 2_000_000;
/// The deepest nesting of expressions and calls.
const MAX_DEPTH: u32 = 400;
/// The most arrays, objects, functions, `sql` fragments and Drizzle builders
/// one run may create; this also bounds how deeply values can nest.
const MAX_VALUES: u64 = 250_000;
/// The most array elements, properties and string bytes one run may build.
const MAX_SIZE: u64 = 50_000_000;

/// Why evaluation stopped before producing a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interrupt {
    /// A limit was hit (already reported): the whole run stops.
    Stop,
    /// `a?.b` met a nullish `a`: the enclosing optional chain is `undefined`.
    ShortCircuit,
}

/// Globals of JavaScript runtimes that schema modules use around their tables.
const RUNTIME_GLOBALS: [&str; 26] = [
    "RegExp",
    "Map",
    "Set",
    "WeakMap",
    "WeakSet",
    "Symbol",
    "Promise",
    "Intl",
    "Buffer",
    "URL",
    "URLSearchParams",
    "crypto",
    "globalThis",
    "Reflect",
    "Proxy",
    "TextEncoder",
    "TextDecoder",
    "setTimeout",
    "fetch",
    "require",
    "structuredClone",
    "BigInt",
    "Function",
    "window",
    "navigator",
    "performance",
];

/// The result of evaluating an expression.
pub type Eval<'a, H> = Result<Value<'a, H>, Interrupt>;

/// A call argument and where it was written.
#[derive(Debug, Clone)]
pub struct Arg<'a, H> {
    /// Its value.
    pub value: Value<'a, H>,
    /// Where it was written.
    pub site: Site,
}

/// How a statement finished.
enum Flow<'a, H> {
    Normal,
    Return(Value<'a, H>),
    Break,
    Continue,
}

#[derive(Debug, Clone)]
enum Binding<'a, H> {
    InProgress,
    Done(Value<'a, H>),
}

/// What an assignment writes to.
#[derive(Clone, Copy)]
enum Place<'a> {
    Var(&'a str),
    Member(&'a oxc_ast::ast::MemberExpression<'a>),
}

/// Where an export leads.
enum Found<'a> {
    Binding(ModuleId, &'a str),
    Import(Import<'a>),
    Default(ModuleId, Export<'a>),
}

/// The interpreter's state for one run.
pub struct Interp<'a, H> {
    /// The loaded modules, indexed by id.
    pub modules: Vec<Module<'a>>,
    /// Problems found so far.
    pub problems: Problems,
    /// What the schema says that drizzle-kit ignores, and so is ignored here too.
    pub warnings: Problems,
    roots: Vec<Rc<Scope<'a, H>>>,
    bindings: HashMap<(ModuleId, &'a str), Binding<'a, H>>,
    touched: HashSet<ModuleId>,
    /// Modules with syntax errors (reported), whose bindings are poison.
    broken: HashSet<ModuleId>,
    /// Unresolved imports already reported, by where they are written.
    missing_reported: HashSet<Option<Site>>,
    /// Problems of module bindings that failed to evaluate, by the binding's
    /// site: reported only if the binding's (opaque) value reaches DDL.
    deferred: HashMap<Site, Vec<Problem>>,
    /// Problems below this index belong to entities and are final.
    committed: usize,
    /// For each module binding being evaluated, how many Drizzle entities
    /// (tables, enums, views...) its own code started.
    entity_frames: Vec<u32>,
    /// `process.env` when the environment is known (in drizzle.config files).
    process_env: Option<Value<'a, H>>,
    /// The `module` object of modules run as scripts (CommonJS configs).
    scripts: HashMap<ModuleId, Value<'a, H>>,
    /// The exports of CommonJS modules that have run.
    commonjs_done: HashMap<ModuleId, Value<'a, H>>,
    steps: u64,
    depth: u32,
    values: u64,
    size: u64,
    stopped: bool,
}

impl<'a, H: Host<'a>> Interp<'a, H> {
    /// An interpreter over loaded modules.
    pub fn new(modules: Vec<Module<'a>>) -> Interp<'a, H> {
        let roots = (0..modules.len()).map(Scope::root).collect();
        Interp {
            modules,
            problems: Problems::default(),
            warnings: Problems::default(),
            roots,
            bindings: HashMap::new(),
            touched: HashSet::new(),
            broken: HashSet::new(),
            missing_reported: HashSet::new(),
            deferred: HashMap::new(),
            committed: 0,
            entity_frames: Vec::new(),
            process_env: None,
            scripts: HashMap::new(),
            commonjs_done: HashMap::new(),
            steps: 0,
            depth: 0,
            values: 0,
            size: 0,
            stopped: false,
        }
    }

    /// Records a problem; returns the poison value that stands for the failed expression.
    pub fn error(&mut self, problem: Problem) -> Value<'a, H> {
        self.problems.push(problem);
        Value::Poison
    }

    /// Records a problem at a site with a label and help.
    pub fn fail(
        &mut self,
        site: Site,
        message: impl Into<String>,
        label: &str,
        help: impl Into<String>,
    ) -> Value<'a, H> {
        self.error(Problem::at(site, message, label).with_help(help))
    }

    /// Decides what becomes of the problems a module binding's evaluation
    /// recorded from `start` on: those of an entity are final; those of
    /// anything else (a validation schema, a helper's result) are deferred,
    /// and the binding is an opaque value that reports them if it reaches DDL.
    fn settle(
        &mut self,
        value: Value<'a, H>,
        start: usize,
        created: u32,
        name: &str,
        site: Site,
    ) -> Value<'a, H> {
        let from = start.max(self.committed);
        if self.problems.len() <= from {
            return value;
        }
        if created > 0 || matches!(value, Value::Host(_)) {
            self.committed = self.problems.len();
            return value;
        }
        let problems = self.problems.split_off(from);
        let first = problems
            .first()
            .map(|p| p.message.clone())
            .unwrap_or_default();
        self.deferred.entry(site).or_default().extend(problems);
        Value::Opaque(Rc::new(Opaque {
            what: format!("`{name}`"),
            origin: format!("which could not be evaluated ({first})"),
            site,
        }))
    }

    /// Reports the deferred problems behind an opaque value that reached DDL.
    pub fn release(&mut self, o: &Opaque) {
        if let Some(problems) = self.deferred.remove(&o.site) {
            for p in problems {
                self.problems.push(p);
            }
        }
    }

    /// Notes that the code being evaluated starts a Drizzle entity.
    pub fn note_entity(&mut self) {
        if let Some(count) = self.entity_frames.last_mut() {
            *count += 1;
        }
    }

    /// Records a warning: something drizzle-kit ignores, ignored here too.
    pub fn warn(
        &mut self,
        site: Site,
        message: impl Into<String>,
        label: &str,
        help: impl Into<String>,
    ) {
        self.warnings
            .push(Problem::at(site, message, label).with_help(help));
    }

    /// The text of a span in a module.
    pub fn snippet(&self, site: Site) -> &str {
        self.modules
            .get(site.module)
            .and_then(|m| {
                m.file
                    .text
                    .get(site.span.start as usize..site.span.end as usize)
            })
            .unwrap_or("")
    }

    fn enter(&mut self, site: Site) -> Result<(), Interrupt> {
        if self.stopped {
            return Err(Interrupt::Stop);
        }
        self.steps += 1;
        self.depth += 1;
        if self.steps > MAX_STEPS {
            self.stop(
                site,
                "evaluation stopped: the schema code runs too long",
                "still running here",
            );
            return Err(Interrupt::Stop);
        }
        if self.depth > MAX_DEPTH {
            self.stop(
                site,
                "evaluation stopped: calls or expressions nest too deeply",
                "too deep",
            );
            return Err(Interrupt::Stop);
        }
        Ok(())
    }

    /// Counts a new array, object, function, fragment or Drizzle builder.
    pub fn create(&mut self, site: Site) -> Result<(), Interrupt> {
        self.values += 1;
        if self.values > MAX_VALUES {
            self.stop(
                site,
                "evaluation stopped: the schema code creates too many values",
                "creating values here",
            );
            return Err(Interrupt::Stop);
        }
        Ok(())
    }

    /// Counts the size of a value just built (elements, properties or bytes);
    /// an array or object also counts as a created value.
    pub fn charge(&mut self, value: &Value<'a, H>, site: Site) -> Result<(), Interrupt> {
        let amount = match value {
            Value::String(s) => s.len(),
            Value::Array(a) => a.borrow().len(),
            Value::Object(o) => o.borrow().props.len(),
            _ => 0,
        };
        if matches!(value, Value::Array(_) | Value::Object(_)) {
            self.create(site)?;
        }
        self.size += amount as u64;
        if self.size > MAX_SIZE {
            self.stop(
                site,
                "evaluation stopped: the schema code builds values that are too large",
                "building here",
            );
            return Err(Interrupt::Stop);
        }
        Ok(())
    }

    fn stop(&mut self, site: Site, message: &str, label: &str) {
        self.stopped = true;
        self.problems
            .push(Problem::at(site, message, label).with_help(
                "schema code must be plain declarations; look for endless recursion or loops",
            ));
    }

    // ----- modules and bindings -----

    /// The names a module exports, its own first, then those of `export *`.
    pub fn exported_names(&self, module: ModuleId) -> Vec<(&'a str, Site)> {
        let mut out: Vec<(&'a str, Site)> = Vec::new();
        let mut visited = Vec::new();
        self.collect_exported_names(module, true, &mut out, &mut visited);
        out
    }

    fn collect_exported_names(
        &self,
        module: ModuleId,
        with_default: bool,
        out: &mut Vec<(&'a str, Site)>,
        visited: &mut Vec<ModuleId>,
    ) {
        let mut seen: HashSet<&'a str> = out.iter().map(|(n, _)| *n).collect();
        self.collect_exported_names_into(module, with_default, out, visited, &mut seen);
    }

    fn collect_exported_names_into(
        &self,
        module: ModuleId,
        with_default: bool,
        out: &mut Vec<(&'a str, Site)>,
        visited: &mut Vec<ModuleId>,
        seen: &mut HashSet<&'a str>,
    ) {
        if visited.contains(&module) {
            return;
        }
        visited.push(module);
        let Some(m) = self.modules.get(module) else {
            return;
        };
        for (name, export) in &m.exports {
            if (*name == "default" && !with_default) || !seen.insert(name) {
                continue;
            }
            let site = match export {
                Export::Local(_, site) => *site,
                Export::Reexport(import) => import.site,
                Export::DefaultExpression(e) => Site {
                    module,
                    span: e.span(),
                },
                Export::DefaultFunction(f) => Site {
                    module,
                    span: f.span,
                },
                Export::DefaultClass(c) => Site {
                    module,
                    span: c.span,
                },
            };
            out.push((name, site));
        }
        for (target, _) in &m.star_exports {
            if let ModuleTarget::Local(id) = target {
                self.collect_exported_names_into(*id, false, out, visited, seen);
            }
        }
    }

    fn find_export(
        &self,
        module: ModuleId,
        name: &str,
        visited: &mut Vec<ModuleId>,
    ) -> Option<Found<'a>> {
        if visited.contains(&module) {
            return None;
        }
        visited.push(module);
        let m = self.modules.get(module)?;
        if let Some(export) = m.export(name) {
            return Some(match export {
                Export::Local(local, _) => Found::Binding(module, local),
                Export::Reexport(import) => Found::Import(import.clone()),
                other => Found::Default(module, other.clone()),
            });
        }
        if name == "default" {
            return None;
        }
        for (target, _) in &m.star_exports {
            if let ModuleTarget::Local(id) = target
                && let Some(found) = self.find_export(*id, name, visited)
            {
                return Some(found);
            }
        }
        None
    }

    /// The value of a module's export; `site` is where it is asked for.
    pub fn export_value(&mut self, module: ModuleId, name: &str, site: Site) -> Eval<'a, H> {
        match self.find_export(module, name, &mut Vec::new()) {
            Some(Found::Binding(m, local)) => self.module_binding(m, local, site),
            Some(Found::Import(import)) => self.import_value(&import, site),
            Some(Found::Default(m, export)) => self.default_export(m, export),
            None => {
                let file = self
                    .modules
                    .get(module)
                    .map(|m| m.file.name.clone())
                    .unwrap_or_default();
                Ok(self.fail(
                    site,
                    format!("`{file}` has no export named `{name}`"),
                    "not exported there",
                    format!("export `{name}` from `{file}`, or fix the name"),
                ))
            }
        }
    }

    /// An export another module imports: a missing export is reported at the
    /// import, everything else (such as a cycle) where the value is used.
    fn imported_export(
        &mut self,
        module: ModuleId,
        name: &str,
        import_site: Site,
        use_site: Site,
    ) -> Eval<'a, H> {
        if self.find_export(module, name, &mut Vec::new()).is_none() {
            return self.export_value(module, name, import_site);
        }
        self.export_value(module, name, use_site)
    }

    fn default_export(&mut self, module: ModuleId, export: Export<'a>) -> Eval<'a, H> {
        let key = (module, "default");
        if let Some(Binding::Done(v)) = self.bindings.get(&key) {
            return Ok(v.clone());
        }
        let root = self.roots[module].clone();
        let value = match export {
            Export::DefaultExpression(e) => {
                self.bindings.insert(key, Binding::InProgress);
                self.touch(module);
                self.eval(e, &root)?
            }
            Export::DefaultFunction(f) => Value::Function(Rc::new(Closure {
                syntax: FunctionSyntax::Function(f),
                scope: root,
            })),
            Export::DefaultClass(c) => Value::Opaque(Rc::new(Opaque {
                what: "the default export".into(),
                origin: "a class, which db-migrate does not evaluate".into(),
                site: Site {
                    module,
                    span: c.span,
                },
            })),
            Export::Local(..) | Export::Reexport(_) => Value::Undefined,
        };
        self.bindings.insert(key, Binding::Done(value.clone()));
        Ok(value)
    }

    /// Runs a CommonJS module once and gives its `module.exports` (while it
    /// runs, a `require` cycle sees the exports so far).
    fn commonjs_exports(&mut self, module: ModuleId) -> Eval<'a, H> {
        if let Some(v) = self.commonjs_done.get(&module) {
            return Ok(v.clone());
        }
        if let Some(object) = self.scripts.get(&module).cloned() {
            let site = Site {
                module,
                span: self.modules[module].program.span,
            };
            return self.get_property(&object, &Rc::from("exports"), site);
        }
        let exports = self.run_module(module)?;
        self.commonjs_done.insert(module, exports.clone());
        Ok(exports)
    }

    /// Makes `process.env` known (drizzle.config files are evaluated with the environment).
    pub fn set_environment(&mut self, vars: &[(String, String)]) {
        let mut env = Object::default();
        for (k, v) in vars {
            env.set(k.as_str().into(), Value::string(v.as_str()), None);
        }
        self.process_env = Some(Value::object(env));
    }

    /// Runs a module's top-level statements in order, as a script does
    /// (declarations stay lazy); gives `module.exports` afterwards.
    pub fn run_module(&mut self, module: ModuleId) -> Eval<'a, H> {
        let Some(program) = self.modules.get(module).map(|m| m.program) else {
            return Ok(Value::Poison);
        };
        self.touched.insert(module);
        let exports = Value::object(Object::default());
        let mut object = Object::default();
        object.set("exports".into(), exports, None);
        let module_object = Value::object(object);
        self.scripts.insert(module, module_object.clone());
        let root = self.roots[module].clone();
        for statement in &program.body {
            let runs = match statement {
                Statement::ImportDeclaration(_)
                | Statement::ExportNamedDeclaration(_)
                | Statement::ExportAllDeclaration(_)
                | Statement::ExportDefaultDeclaration(_)
                | Statement::TSExportAssignment(_)
                | Statement::TSNamespaceExportDeclaration(_) => false,
                other => other.as_declaration().is_none(),
            };
            if runs && let Flow::Return(_) = self.exec(statement, &root)? {
                break;
            }
        }
        let site = Site {
            module,
            span: program.span,
        };
        self.get_property(&module_object, &Rc::from("exports"), site)
    }

    /// Reports a module's top-level statements the first time one of its bindings is used.
    fn touch(&mut self, module: ModuleId) {
        if !self.touched.insert(module) {
            return;
        }
        let statements = self
            .modules
            .get(module)
            .map(|m| m.statements.clone())
            .unwrap_or_default();
        for site in statements {
            self.warn(
                site,
                "this top-level statement is skipped",
                "skipped",
                "db-migrate reads a schema's declarations, imports and exports; if this statement \
                 changes a table, declare the change in the table itself",
            );
        }
    }

    /// The value of a module-level name (declaration, import or global).
    pub fn module_binding(&mut self, module: ModuleId, name: &'a str, site: Site) -> Eval<'a, H> {
        match self.bindings.get(&(module, name)) {
            Some(Binding::Done(v)) => return Ok(v.clone()),
            Some(Binding::InProgress) => {
                return Ok(self.fail(
                    site,
                    format!("`{name}` is used before its definition is complete"),
                    "circular reference",
                    "a value cannot depend on itself; to reference a table that is defined later or \
                     refers back, wrap the reference in a function, as in `.references(() => other.id)`",
                ));
            }
            None => {}
        }
        let Some(m) = self.modules.get(module) else {
            return Ok(Value::Poison);
        };
        if let Some(declaration) = m.declarations.get(name).copied() {
            self.touch(module);
            return self.declaration_value(module, name, declaration);
        }
        if let Some(import) = m.imports.get(name).cloned() {
            self.bindings.insert((module, name), Binding::InProgress);
            let value = self.import_value(&import, site)?;
            self.bindings
                .insert((module, name), Binding::Done(value.clone()));
            return Ok(value);
        }
        match name {
            "process" if self.process_env.is_some() => {
                let mut process = Object::default();
                let env = self.process_env.clone().unwrap_or(Value::Undefined);
                process.set("env".into(), env, None);
                return Ok(Value::object(process));
            }
            "require" if self.modules[module].commonjs => {
                return Ok(Value::native(Native::Require(module)));
            }
            "module" | "exports" if self.scripts.contains_key(&module) => {
                let object = self.scripts[&module].clone();
                return match name {
                    "module" => Ok(object),
                    _ => self.get_property(&object, &Rc::from("exports"), site),
                };
            }
            _ => {}
        }
        if let Some(value) = builtins::global(name, site) {
            return Ok(value);
        }
        // A global of the JavaScript runtime the reader does not model
        // (`RegExp`, `Map`, `crypto`...), or a name only the runtime knows.
        let origin = if RUNTIME_GLOBALS.contains(&name) {
            "a global of the JavaScript runtime that the schema reader does not evaluate"
        } else {
            "a name that is neither declared nor imported in this file"
        };
        Ok(Value::Opaque(Rc::new(Opaque {
            what: format!("`{name}`"),
            origin: origin.to_string(),
            site,
        })))
    }

    fn declaration_value(
        &mut self,
        module: ModuleId,
        name: &'a str,
        declaration: Declaration<'a>,
    ) -> Eval<'a, H> {
        let root = self.roots[module].clone();
        let value = match declaration {
            Declaration::Variable(declarator) => {
                let names = binding_names(&declarator.id);
                for (n, _) in &names {
                    self.bindings.insert((module, n), Binding::InProgress);
                }
                let start = self.problems.len();
                self.entity_frames.push(0);
                let init = match &declarator.init {
                    Some(init) => self.eval(init, &root),
                    None => Ok(Value::Undefined),
                };
                let created = self.entity_frames.pop().unwrap_or(0);
                let mut init = init?;
                let site = Site {
                    module,
                    span: declarator.span,
                };
                init = self.settle(init, start, created, name, site);
                let scope = Scope::child(&root);
                self.bind_pattern(&declarator.id, init, &scope)?;
                let mut result = Value::Undefined;
                for (n, _) in names {
                    let v = scope.get(n).unwrap_or(Value::Undefined);
                    if n == name {
                        result = v.clone();
                    }
                    self.bindings.insert((module, n), Binding::Done(v));
                }
                return Ok(result);
            }
            Declaration::Function(f) => Value::Function(Rc::new(Closure {
                syntax: FunctionSyntax::Function(f),
                scope: root,
            })),
            Declaration::Enum(e) => {
                self.bindings.insert((module, name), Binding::InProgress);
                self.eval_enum(e, &root)?
            }
            Declaration::Class(c) => Value::Opaque(Rc::new(Opaque {
                what: format!("`{name}`"),
                origin: "a class, which db-migrate does not evaluate".into(),
                site: Site {
                    module,
                    span: c.span,
                },
            })),
        };
        self.bindings
            .insert((module, name), Binding::Done(value.clone()));
        Ok(value)
    }

    /// The value an import binds; `use_site` is where it is used.
    pub fn import_value(&mut self, import: &Import<'a>, use_site: Site) -> Eval<'a, H> {
        if let ModuleTarget::Local(id) = &import.target
            && !self.modules[*id].deferred.is_empty()
        {
            // A module that does not parse: reported once, when first used.
            for p in std::mem::take(&mut self.modules[*id].deferred) {
                self.problems.push(p);
            }
            self.broken.insert(*id);
        }
        match &import.target {
            ModuleTarget::Local(id) if self.broken.contains(id) => return Ok(Value::Poison),
            ModuleTarget::Missing(problem) => {
                if self.missing_reported.insert(problem.site) {
                    self.problems.push((**problem).clone());
                }
                return Ok(Value::Poison);
            }
            _ => {}
        }
        if let ModuleTarget::Local(id) = &import.target
            && self.modules[*id].commonjs
        {
            // A CommonJS module's exports are what running it leaves in `module.exports`.
            let exports = self.commonjs_exports(*id)?;
            return match import.name {
                ImportName::Namespace => Ok(exports),
                ImportName::Default => {
                    let default = self.get_property(&exports, &Rc::from("default"), use_site)?;
                    Ok(if default.is_nullish() {
                        exports
                    } else {
                        default
                    })
                }
                ImportName::Named(name) => self.get_property(&exports, &Rc::from(name), use_site),
            };
        }
        match (&import.target, import.name) {
            (ModuleTarget::Local(id), ImportName::Named(name)) => {
                self.imported_export(*id, name, import.site, use_site)
            }
            (ModuleTarget::Local(id), ImportName::Default) => {
                self.imported_export(*id, "default", import.site, use_site)
            }
            (ModuleTarget::Local(id), ImportName::Namespace) => Ok(Value::Module(*id)),
            (ModuleTarget::Native(specifier), name) => {
                let Some(namespace) = H::module(specifier) else {
                    return Ok(Value::Poison);
                };
                match name {
                    ImportName::Namespace => Ok(Value::Host(namespace)),
                    ImportName::Named(name) => H::property(self, &namespace, &name.into(), import.site),
                    ImportName::Default => Ok(self.fail(
                        import.site,
                        format!("`{specifier}` has no default export"),
                        "default import",
                        "import its exports by name, e.g. `import { pgTable } from 'drizzle-orm/pg-core'`",
                    )),
                }
            }
            (ModuleTarget::External(specifier), name) => {
                let what = match name {
                    ImportName::Named(n) => format!("`{n}`"),
                    ImportName::Default | ImportName::Namespace => {
                        format!(
                            "`{}`",
                            self.snippet(import.site)
                                .rsplit(' ')
                                .next()
                                .unwrap_or(specifier)
                        )
                    }
                };
                Ok(Value::Opaque(Rc::new(Opaque {
                    what,
                    origin: external_origin(specifier),
                    site: import.site,
                })))
            }
            (ModuleTarget::Missing(_), _) => Ok(Value::Poison),
        }
    }

    fn eval_enum(&mut self, e: &'a TSEnumDeclaration<'a>, scope: &Rc<Scope<'a, H>>) -> Eval<'a, H> {
        let inner = Scope::child(scope);
        let mut object = Object::default();
        let mut next = Some(0.0);
        for member in &e.body.members {
            let site = Site {
                module: scope.module,
                span: member.span,
            };
            let key: &'a str = match &member.id {
                TSEnumMemberName::Identifier(id) => id.name.as_str(),
                TSEnumMemberName::String(s) | TSEnumMemberName::ComputedString(s) => {
                    s.value.as_str()
                }
                TSEnumMemberName::ComputedTemplateString(t) => match t.single_quasi() {
                    Some(q) => q.as_str(),
                    None => {
                        self.fail(
                            site,
                            "enum member names must be plain strings",
                            "computed name",
                            "write the name as a string",
                        );
                        continue;
                    }
                },
            };
            let value = match &member.initializer {
                Some(init) => self.eval(init, &inner)?,
                None => match next {
                    Some(n) => Value::Number(n),
                    None => self.fail(
                        site,
                        "this enum member needs an initializer",
                        "no value",
                        "give it a value, e.g. `Admin = 'admin'`",
                    ),
                },
            };
            next = match &value {
                Value::Number(n) => Some(n + 1.0),
                _ => None,
            };
            inner.declare(key, value.clone());
            object.set(key.into(), value.clone(), Some(site));
            if let Value::Number(n) = value {
                object.set(
                    builtins::number_to_string(n).into(),
                    Value::string(key),
                    Some(site),
                );
            }
        }
        Ok(Value::object(object))
    }

    // ----- expressions -----

    fn site(scope: &Scope<'a, H>, span: Span) -> Site {
        Site {
            module: scope.module,
            span,
        }
    }

    /// Evaluates an expression in a scope.
    pub fn eval(&mut self, expr: &'a Expression<'a>, scope: &Rc<Scope<'a, H>>) -> Eval<'a, H> {
        let site = Self::site(scope, expr.span());
        self.enter(site)?;
        let result = self.eval_inner(expr, scope, site);
        self.depth -= 1;
        result
    }

    fn eval_inner(
        &mut self,
        expr: &'a Expression<'a>,
        scope: &Rc<Scope<'a, H>>,
        site: Site,
    ) -> Eval<'a, H> {
        match expr {
            Expression::BooleanLiteral(b) => Ok(Value::Bool(b.value)),
            Expression::NullLiteral(_) => Ok(Value::Null),
            Expression::NumericLiteral(n) => Ok(Value::Number(n.value)),
            Expression::BigIntLiteral(b) => Ok(Value::BigInt(b.value.as_str().into())),
            Expression::StringLiteral(s) => Ok(Value::string(s.value.as_str())),
            Expression::TemplateLiteral(t) => self.eval_template(t, scope),
            Expression::Identifier(id) => self.lookup(id.name.as_str(), scope, site),
            Expression::ArrayExpression(a) => {
                let mut items = Vec::with_capacity(a.elements.len());
                for element in &a.elements {
                    match element {
                        ArrayExpressionElement::SpreadElement(s) => {
                            let v = self.eval(&s.argument, scope)?;
                            let spread_site = Self::site(scope, s.span);
                            items.extend(self.iterate(v, spread_site));
                        }
                        ArrayExpressionElement::Elision(_) => items.push(Value::Undefined),
                        other => match other.as_expression() {
                            Some(e) => items.push(self.eval(e, scope)?),
                            None => items.push(Value::Undefined),
                        },
                    }
                }
                self.create(site)?;
                let array = Value::array(items);
                self.charge(&array, site)?;
                Ok(array)
            }
            Expression::ObjectExpression(o) => {
                let mut object = Object {
                    props: Vec::with_capacity(o.properties.len()),
                };
                // An object with a key or spread the reader does not know is unknown as a whole.
                let mut unknown: Option<Rc<Opaque>> = None;
                for property in &o.properties {
                    match property {
                        ObjectPropertyKind::ObjectProperty(p) => {
                            let psite = Self::site(scope, p.span);
                            if p.kind == PropertyKind::Set {
                                continue;
                            }
                            let key: Rc<str> = if p.computed {
                                let Some(key_expr) = p.key.as_expression() else {
                                    continue;
                                };
                                let k = self.eval(key_expr, scope)?;
                                if let Value::Opaque(o) = &k {
                                    unknown.get_or_insert_with(|| o.clone());
                                    continue;
                                }
                                match self.property_key(&k, Self::site(scope, key_expr.span())) {
                                    Some(k) => k,
                                    None => continue,
                                }
                            } else {
                                match p.key.static_name() {
                                    Some(name) => name.as_ref().into(),
                                    None => {
                                        self.fail(
                                            psite,
                                            "unsupported property name",
                                            "here",
                                            "use a plain name",
                                        );
                                        continue;
                                    }
                                }
                            };
                            let mut value = self.eval(&p.value, scope)?;
                            if p.kind == PropertyKind::Get {
                                // A getter is read once, when the object is built.
                                value = self.call(&value, Vec::new(), psite)?;
                            }
                            object.set(key, value, Some(Self::site(scope, p.value.span())));
                        }
                        ObjectPropertyKind::SpreadProperty(s) => {
                            let v = self.eval(&s.argument, scope)?;
                            if let Value::Opaque(o) = &v {
                                unknown.get_or_insert_with(|| o.clone());
                                continue;
                            }
                            self.spread_into(&mut object, v, Self::site(scope, s.span))?;
                        }
                    }
                }
                if let Some(o) = unknown {
                    return Ok(Value::Opaque(Rc::new(Opaque {
                        what: format!("an object built with {}", o.what),
                        origin: o.origin.clone(),
                        site,
                    })));
                }
                self.create(site)?;
                let object = Value::object(object);
                self.charge(&object, site)?;
                Ok(object)
            }
            Expression::ArrowFunctionExpression(f) => {
                self.create(site)?;
                Ok(Value::Function(Rc::new(Closure {
                    syntax: FunctionSyntax::Arrow(f),
                    scope: scope.clone(),
                })))
            }
            Expression::FunctionExpression(f) => {
                self.create(site)?;
                Ok(Value::Function(Rc::new(Closure {
                    syntax: FunctionSyntax::Function(f),
                    scope: scope.clone(),
                })))
            }
            Expression::ParenthesizedExpression(p) => self.eval(&p.expression, scope),
            Expression::TSAsExpression(e) => self.eval(&e.expression, scope),
            Expression::TSSatisfiesExpression(e) => self.eval(&e.expression, scope),
            Expression::TSTypeAssertion(e) => self.eval(&e.expression, scope),
            Expression::TSNonNullExpression(e) => self.eval(&e.expression, scope),
            Expression::TSInstantiationExpression(e) => self.eval(&e.expression, scope),
            Expression::UnaryExpression(u) => {
                let v = self.eval(&u.argument, scope)?;
                Ok(self.unary(u.operator, v, site))
            }
            Expression::BinaryExpression(b) => {
                let left = self.eval(&b.left, scope)?;
                let right = self.eval(&b.right, scope)?;
                let result = self.binary(b.operator, left, right, site);
                self.charge(&result, site)?;
                Ok(result)
            }
            Expression::LogicalExpression(l) => {
                let left = self.eval(&l.left, scope)?;
                let decided = match l.operator {
                    LogicalOperator::Coalesce => match &left {
                        Value::Opaque(_) | Value::Poison => Some(false),
                        v => Some(!v.is_nullish()),
                    },
                    LogicalOperator::Or | LogicalOperator::And => match &left {
                        Value::Opaque(_) | Value::Poison => Some(false),
                        v => {
                            let truthy = builtins::truthy(v);
                            Some(if l.operator == LogicalOperator::Or {
                                truthy
                            } else {
                                !truthy
                            })
                        }
                    },
                };
                if matches!(left, Value::Opaque(_) | Value::Poison) || decided == Some(true) {
                    return Ok(left);
                }
                self.eval(&l.right, scope)
            }
            Expression::ConditionalExpression(c) => {
                let test = self.eval(&c.test, scope)?;
                match self.condition(&test, Self::site(scope, c.test.span())) {
                    Some(true) => self.eval(&c.consequent, scope),
                    Some(false) => self.eval(&c.alternate, scope),
                    None => Ok(Value::Poison),
                }
            }
            Expression::SequenceExpression(s) => {
                let mut last = Value::Undefined;
                for e in &s.expressions {
                    last = self.eval(e, scope)?;
                }
                Ok(last)
            }
            Expression::CallExpression(call) => self.eval_call(call, scope),
            Expression::ChainExpression(chain) => {
                let result = match &chain.expression {
                    ChainElement::CallExpression(call) => self.eval_call(call, scope),
                    ChainElement::TSNonNullExpression(e) => self.eval(&e.expression, scope),
                    other => match other.as_member_expression() {
                        Some(m) => self.eval_member(m.object(), m, scope),
                        None => Ok(Value::Undefined),
                    },
                };
                match result {
                    Err(Interrupt::ShortCircuit) => Ok(Value::Undefined),
                    other => other,
                }
            }
            Expression::StaticMemberExpression(_)
            | Expression::ComputedMemberExpression(_)
            | Expression::PrivateFieldExpression(_) => match expr.as_member_expression() {
                Some(m) => self.eval_member(m.object(), m, scope),
                None => Ok(Value::Undefined),
            },
            Expression::TaggedTemplateExpression(t) => self.eval_tagged(t, scope, site),
            Expression::AssignmentExpression(a) => self.eval_assignment(a, scope, site),
            Expression::UpdateExpression(u) => self.eval_update(u, scope, site),
            Expression::NewExpression(n) => {
                // An instance of a class from code the reader does not
                // evaluate (an npm package, `Date`) is as unknown as the class.
                match self.eval(&n.callee, scope)? {
                    f @ Value::Native(_) if matches!(&f, Value::Native(g) if matches!(**g, Native::Global(Global::Error))) =>
                    {
                        let args = self.eval_args(&n.arguments, scope)?;
                        self.call(&f, args, site)
                    }
                    Value::Native(g) if matches!(*g, Native::Global(Global::Date)) => {
                        let args = self.eval_args(&n.arguments, scope)?;
                        builtins::new_date(self, args, site)
                    }
                    f @ Value::Native(_) if matches!(&f, Value::Native(g) if matches!(**g, Native::Global(Global::Set))) =>
                    {
                        let args = self.eval_args(&n.arguments, scope)?;
                        self.call(&f, args, site)
                    }
                    Value::Opaque(o) => Ok(Value::Opaque(Rc::new(Opaque {
                        what: format!("`{}`", self.snippet(site)),
                        origin: o.origin.clone(),
                        site: o.site,
                    }))),
                    Value::Poison => Ok(Value::Poison),
                    _ => Ok(self.not_evaluated(site, "an instance of a class")),
                }
            }
            Expression::ClassExpression(_) => Ok(self.not_evaluated(site, "a class")),
            Expression::AwaitExpression(_) => Ok(self.not_evaluated(site, "an `await`")),
            Expression::YieldExpression(_) => Ok(self.not_evaluated(site, "a `yield`")),
            Expression::ThisExpression(_) => Ok(self.not_evaluated(site, "a `this` value")),
            Expression::Super(_) => Ok(self.not_evaluated(site, "a `super` value")),
            Expression::ImportExpression(_) => Ok(self.not_evaluated(site, "a dynamic `import()`")),
            Expression::RegExpLiteral(_) => Ok(self.not_evaluated(site, "a regular expression")),
            _ => Ok(self.not_evaluated(site, "an expression")),
        }
    }

    /// A value of a construct the reader does not model: fine wherever
    /// Drizzle ignores it, an error (naming it) only where it reaches DDL.
    pub fn not_evaluated(&self, site: Site, what: &str) -> Value<'a, H> {
        let text = self.snippet(site);
        let shown = match text.char_indices().nth(40) {
            Some((end, _)) => format!("`{}...`", &text[..end]),
            None => format!("`{text}`"),
        };
        Value::Opaque(Rc::new(Opaque {
            what: shown,
            origin: format!("{what}, which db-migrate's schema reader does not evaluate"),
            site,
        }))
    }

    fn unsupported(&mut self, site: Site, what: &str) -> Value<'a, H> {
        self.fail(
            site,
            format!("db-migrate cannot evaluate {what} in a schema"),
            "not supported",
            "write the value out (a literal, a constant or a plain function call)",
        )
    }

    /// Looks a name up in local scopes, then the module, then the globals.
    fn lookup(&mut self, name: &'a str, scope: &Rc<Scope<'a, H>>, site: Site) -> Eval<'a, H> {
        if let Some(v) = scope.get(name) {
            return Ok(v);
        }
        self.module_binding(scope.module, name, site)
    }

    fn eval_template(
        &mut self,
        t: &'a TemplateLiteral<'a>,
        scope: &Rc<Scope<'a, H>>,
    ) -> Eval<'a, H> {
        let mut out = String::new();
        for (i, quasi) in t.quasis.iter().enumerate() {
            out.push_str(
                quasi
                    .value
                    .cooked
                    .as_ref()
                    .map_or(quasi.value.raw.as_str(), |c| c.as_str()),
            );
            if let Some(e) = t.expressions.get(i) {
                let v = self.eval(e, scope)?;
                match v {
                    Value::Poison => return Ok(Value::Poison),
                    Value::Opaque(o) => return Ok(Value::Opaque(Rc::new(o.derived("")))),
                    v => match self.string_of(&v, Self::site(scope, e.span())) {
                        Some(s) => out.push_str(&s),
                        None => return Ok(Value::Poison),
                    },
                }
            }
        }
        let result = Value::string(out);
        self.charge(&result, Self::site(scope, t.span))?;
        Ok(result)
    }

    /// JavaScript's string conversion; reports values that have none.
    pub fn string_of(&mut self, v: &Value<'a, H>, site: Site) -> Option<String> {
        match builtins::to_js_string(v) {
            Some(s) => Some(s),
            None => {
                self.fail(
                    site,
                    format!("cannot turn {} into a string", v.describe()),
                    "used as a string here",
                    "use a string value",
                );
                None
            }
        }
    }

    fn eval_tagged(
        &mut self,
        t: &'a TaggedTemplateExpression<'a>,
        scope: &Rc<Scope<'a, H>>,
        site: Site,
    ) -> Eval<'a, H> {
        let tag = self.eval(&t.tag, scope)?;
        let Value::Host(tag) = tag else {
            return Ok(match tag {
                Value::Poison => Value::Poison,
                _ => self.not_evaluated(site, "a tagged template"),
            });
        };
        let strings = t
            .quasi
            .quasis
            .iter()
            .map(|q| {
                q.value
                    .cooked
                    .as_ref()
                    .map_or(q.value.raw.as_str(), |c| c.as_str())
                    .into()
            })
            .collect();
        let mut values = Vec::with_capacity(t.quasi.expressions.len());
        for e in &t.quasi.expressions {
            let value = self.eval(e, scope)?;
            values.push(Arg {
                value,
                site: Self::site(scope, e.span()),
            });
        }
        H::template(self, &tag, strings, values, site)
    }

    fn eval_member(
        &mut self,
        object: &'a Expression<'a>,
        member: &'a oxc_ast::ast::MemberExpression<'a>,
        scope: &Rc<Scope<'a, H>>,
    ) -> Eval<'a, H> {
        let site = Self::site(scope, member.span());
        let target = self.eval(object, scope)?;
        if member.optional() && target.is_nullish() {
            return Err(Interrupt::ShortCircuit);
        }
        if let oxc_ast::ast::MemberExpression::ComputedMemberExpression(m) = member {
            // `map[key]` with a key the reader does not know is unknown too.
            let k = self.eval(&m.expression, scope)?;
            if let Value::Opaque(o) = &k {
                return Ok(Value::Opaque(Rc::new(Opaque {
                    what: format!("`{}`", self.snippet(site)),
                    origin: o.origin.clone(),
                    site,
                })));
            }
            let Some(key) = self.property_key(&k, Self::site(scope, m.expression.span())) else {
                return Ok(Value::Poison);
            };
            return self.get_property(&target, &key, site);
        }
        let Some(key) = self.member_key(member, scope)? else {
            return Ok(Value::Poison);
        };
        self.get_property(&target, &key, site)
    }

    fn member_key(
        &mut self,
        member: &'a oxc_ast::ast::MemberExpression<'a>,
        scope: &Rc<Scope<'a, H>>,
    ) -> Result<Option<Rc<str>>, Interrupt> {
        use oxc_ast::ast::MemberExpression as M;
        Ok(match member {
            M::StaticMemberExpression(m) => Some(m.property.name.as_str().into()),
            M::ComputedMemberExpression(m) => {
                let k = self.eval(&m.expression, scope)?;
                self.property_key(&k, Self::site(scope, m.expression.span()))
            }
            M::PrivateFieldExpression(m) => {
                self.unsupported(Self::site(scope, m.span), "private fields");
                None
            }
        })
    }

    /// A value used as a property key; reports values that cannot be one.
    fn property_key(&mut self, k: &Value<'a, H>, site: Site) -> Option<Rc<str>> {
        match k {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(builtins::number_to_string(*n).into()),
            Value::Bool(_) | Value::Null | Value::Undefined | Value::BigInt(_) => {
                builtins::to_js_string(k).map(Into::into)
            }
            Value::Poison => None,
            other => {
                let described = other.describe();
                self.fail(
                    site,
                    format!("cannot use {described} as a property name"),
                    "property name",
                    "use a string",
                );
                None
            }
        }
    }

    /// Reads a property of a value.
    pub fn get_property(
        &mut self,
        target: &Value<'a, H>,
        key: &Rc<str>,
        site: Site,
    ) -> Eval<'a, H> {
        let method = |receiver: &Value<'a, H>| {
            Ok(Value::native(Native::Method {
                receiver: receiver.clone(),
                name: key.clone(),
            }))
        };
        match target {
            Value::Poison => Ok(Value::Poison),
            Value::Opaque(o) => Ok(Value::Opaque(Rc::new(o.derived(&format!(".{key}"))))),
            Value::Undefined | Value::Null => Ok(self.fail(
                site,
                format!("cannot read `{key}` of {}", target.describe()),
                "no value here",
                "check that the value is defined before this point",
            )),
            Value::Object(o) => Ok(o.borrow().get(key).cloned().unwrap_or(Value::Undefined)),
            Value::Array(a) => {
                // `size`: a Set is an array of distinct items.
                if &**key == "length" || &**key == "size" {
                    return Ok(Value::Number(a.borrow().len() as f64));
                }
                if let Ok(i) = key.parse::<usize>() {
                    return Ok(a.borrow().get(i).cloned().unwrap_or(Value::Undefined));
                }
                method(target)
            }
            Value::String(s) => {
                if &**key == "length" {
                    return Ok(Value::Number(s.encode_utf16().count() as f64));
                }
                if let Ok(i) = key.parse::<usize>() {
                    let unit: Vec<u16> = s.encode_utf16().skip(i).take(1).collect();
                    return Ok(if unit.is_empty() {
                        Value::Undefined
                    } else {
                        Value::string(String::from_utf16_lossy(&unit))
                    });
                }
                method(target)
            }
            Value::Number(_) | Value::Bool(_) | Value::BigInt(_) | Value::Date(_) => method(target),
            Value::Module(id) => {
                let id = *id;
                match self.find_export(id, key, &mut Vec::new()) {
                    Some(_) => self.export_value(id, key, site),
                    None => Ok(Value::Undefined),
                }
            }
            Value::Native(n) => match &**n {
                Native::Global(Global::Date) => Ok(Value::Opaque(Rc::new(Opaque {
                    what: format!("`Date.{key}`"),
                    origin: "a run-time global whose value is not known when reading the schema"
                        .into(),
                    site,
                }))),
                _ => Ok(Value::Undefined),
            },
            Value::Function(_) => Ok(Value::Undefined),
            Value::Host(h) => H::property(self, h, key, site),
        }
    }

    /// The exports of a module as an object (`{ ...schema }`, `Object.values(schema)`).
    pub fn module_object(
        &mut self,
        module: ModuleId,
        site: Site,
    ) -> Result<Object<'a, H>, Interrupt> {
        let mut object = Object::default();
        for (name, _) in self.exported_names(module) {
            let value = self.export_value(module, name, site)?;
            object.set(name.into(), value, Some(site));
        }
        Ok(object)
    }

    fn spread_into(
        &mut self,
        object: &mut Object<'a, H>,
        v: Value<'a, H>,
        site: Site,
    ) -> Result<(), Interrupt> {
        match v {
            Value::Module(id) => {
                for p in self.module_object(id, site)?.props {
                    object.set(p.key, p.value, p.site);
                }
            }
            Value::Object(o) => {
                for p in o.borrow().props.iter() {
                    object.set(p.key.clone(), p.value.clone(), p.site);
                }
            }
            Value::Array(a) => {
                for (i, item) in a.borrow().iter().enumerate() {
                    object.set(i.to_string().into(), item.clone(), Some(site));
                }
            }
            Value::String(s) => {
                for (i, c) in s.chars().enumerate() {
                    object.set(
                        i.to_string().into(),
                        Value::string(c.to_string()),
                        Some(site),
                    );
                }
            }
            Value::Host(ref h) if let Some(entries) = h.entries() => {
                for (key, value) in entries {
                    object.set(key, value, Some(site));
                }
            }
            Value::Null | Value::Undefined | Value::Bool(_) | Value::Number(_) | Value::Poison => {}
            other => {
                let described = other.describe();
                self.fail(
                    site,
                    format!("cannot spread {described} into an object"),
                    "spread here",
                    "spread a plain object, e.g. `...timestamps`",
                );
            }
        }
        Ok(())
    }

    /// The items of an iterable value (arrays and strings); reports others.
    pub fn iterate(&mut self, v: Value<'a, H>, site: Site) -> Vec<Value<'a, H>> {
        match v {
            Value::Array(a) => a.borrow().clone(),
            Value::String(s) => s.chars().map(|c| Value::string(c.to_string())).collect(),
            Value::Poison => Vec::new(),
            other => {
                let described = other.describe();
                self.fail(
                    site,
                    format!("cannot iterate over {described}"),
                    "not an array",
                    "use an array",
                );
                Vec::new()
            }
        }
    }

    /// Where an assignment target writes.
    fn place(target: &'a AssignmentTarget<'a>) -> Option<Place<'a>> {
        match target {
            AssignmentTarget::AssignmentTargetIdentifier(id) => Some(Place::Var(id.name.as_str())),
            other => other.as_member_expression().map(Place::Member),
        }
    }

    /// Where an update expression (`i++`) writes.
    fn simple_place(target: &'a SimpleAssignmentTarget<'a>) -> Option<Place<'a>> {
        match target {
            SimpleAssignmentTarget::AssignmentTargetIdentifier(id) => {
                Some(Place::Var(id.name.as_str()))
            }
            other => other.as_member_expression().map(Place::Member),
        }
    }

    /// The current value at a place.
    fn read_place(
        &mut self,
        place: Place<'a>,
        scope: &Rc<Scope<'a, H>>,
        site: Site,
    ) -> Eval<'a, H> {
        match place {
            Place::Var(name) => self.lookup(name, scope, site),
            Place::Member(member) => self.eval_member(member.object(), member, scope),
        }
    }

    /// Stores a value at a place.
    fn write_place(
        &mut self,
        place: Place<'a>,
        value: Value<'a, H>,
        scope: &Rc<Scope<'a, H>>,
        site: Site,
    ) -> Eval<'a, H> {
        match place {
            Place::Var(name) => {
                if !scope.assign(name, value.clone()) {
                    return Ok(self.fail(
                        site,
                        "only variables declared inside a function can be reassigned",
                        "module-level variable",
                        "compute the value in its declaration instead",
                    ));
                }
                Ok(value)
            }
            Place::Member(member) => {
                let object = self.eval(member.object(), scope)?;
                let Some(key) = self.member_key(member, scope)? else {
                    return Ok(Value::Poison);
                };
                match &object {
                    Value::Object(o) => o.borrow_mut().set(key, value.clone(), Some(site)),
                    Value::Array(a) => match key.parse::<usize>() {
                        Ok(i) if i <= a.borrow().len() + 1000 => {
                            let mut items = a.borrow_mut();
                            if i >= items.len() {
                                items.resize(i + 1, Value::Undefined);
                            }
                            items[i] = value.clone();
                        }
                        _ => return Ok(self.unsupported(site, "this array assignment")),
                    },
                    Value::Poison => return Ok(Value::Poison),
                    other => {
                        let described = other.describe();
                        return Ok(self.fail(
                            site,
                            format!("cannot set a property of {described}"),
                            "assignment",
                            "only plain objects and arrays can be changed",
                        ));
                    }
                }
                Ok(value)
            }
        }
    }

    /// `a = b`, `a += b`, `a ??= b`...
    fn eval_assignment(
        &mut self,
        a: &'a oxc_ast::ast::AssignmentExpression<'a>,
        scope: &Rc<Scope<'a, H>>,
        site: Site,
    ) -> Eval<'a, H> {
        let Some(place) = Self::place(&a.left) else {
            return Ok(self.unsupported(site, "destructuring assignments"));
        };
        if a.operator == AssignmentOperator::Assign {
            let value = self.eval(&a.right, scope)?;
            return self.write_place(place, value, scope, site);
        }
        let current = self.read_place(place, scope, site)?;
        if let Some(logical) = a.operator.to_logical_operator() {
            let keep = match logical {
                LogicalOperator::Coalesce => !current.is_nullish(),
                LogicalOperator::Or => builtins::truthy(&current),
                LogicalOperator::And => !builtins::truthy(&current),
            };
            if keep {
                return Ok(current);
            }
            let value = self.eval(&a.right, scope)?;
            return self.write_place(place, value, scope, site);
        }
        let right = self.eval(&a.right, scope)?;
        let Some(op) = a.operator.to_binary_operator() else {
            return Ok(self.unsupported(site, "this assignment operator"));
        };
        let value = self.binary(op, current, right, site);
        self.charge(&value, site)?;
        self.write_place(place, value, scope, site)
    }

    /// `i++`, `--i`.
    fn eval_update(
        &mut self,
        u: &'a oxc_ast::ast::UpdateExpression<'a>,
        scope: &Rc<Scope<'a, H>>,
        site: Site,
    ) -> Eval<'a, H> {
        let Some(place) = Self::simple_place(&u.argument) else {
            return Ok(self.unsupported(site, "this update expression"));
        };
        let current = self.read_place(place, scope, site)?;
        if matches!(current, Value::Poison | Value::Opaque(_)) {
            return Ok(current);
        }
        let old = builtins::to_number(&current);
        let new = match u.operator {
            UpdateOperator::Increment => old + 1.0,
            UpdateOperator::Decrement => old - 1.0,
        };
        self.write_place(place, Value::Number(new), scope, site)?;
        Ok(Value::Number(if u.prefix { new } else { old }))
    }

    /// The truth of a condition; `None` when it cannot be known (reported).
    fn condition(&mut self, v: &Value<'a, H>, site: Site) -> Option<bool> {
        match v {
            Value::Poison => None,
            Value::Opaque(o) => {
                self.release(o);
                let described = o.describe();
                self.fail(
                    site,
                    format!("cannot decide this condition: it depends on {described}"),
                    "not known statically",
                    "it must not depend on values that are only known when the code runs: write the value out, \
                     or use `--loader node`",
                );
                None
            }
            other => Some(builtins::truthy(other)),
        }
    }

    fn unary(&mut self, op: UnaryOperator, v: Value<'a, H>, site: Site) -> Value<'a, H> {
        if let Value::Opaque(o) = &v {
            return Value::Opaque(Rc::new(o.derived("")));
        }
        if let Value::Poison = v {
            return v;
        }
        match op {
            UnaryOperator::LogicalNot => Value::Bool(!builtins::truthy(&v)),
            UnaryOperator::UnaryNegation => match v {
                Value::BigInt(b) => match b.strip_prefix('-') {
                    Some(positive) => Value::BigInt(positive.into()),
                    None => Value::BigInt(format!("-{b}").into()),
                },
                v => Value::Number(-builtins::to_number(&v)),
            },
            UnaryOperator::UnaryPlus => Value::Number(builtins::to_number(&v)),
            UnaryOperator::Typeof => Value::string(builtins::type_of(&v)),
            UnaryOperator::Void => Value::Undefined,
            UnaryOperator::BitwiseNot => Value::Number(f64::from(!builtins::to_int32(&v))),
            UnaryOperator::Delete => self.unsupported(site, "`delete`"),
        }
    }

    fn binary(
        &mut self,
        op: BinaryOperator,
        left: Value<'a, H>,
        right: Value<'a, H>,
        site: Site,
    ) -> Value<'a, H> {
        for v in [&left, &right] {
            match v {
                Value::Poison => return Value::Poison,
                Value::Opaque(o) => return Value::Opaque(Rc::new(o.derived(""))),
                _ => {}
            }
        }
        match builtins::binary(op, &left, &right) {
            Some(v) => v,
            None => self.fail(
                site,
                format!(
                    "cannot apply `{}` to {} and {}",
                    op.as_str(),
                    left.describe(),
                    right.describe()
                ),
                "here",
                "use numbers or strings",
            ),
        }
    }

    // ----- calls -----

    fn eval_args(
        &mut self,
        arguments: &'a [Argument<'a>],
        scope: &Rc<Scope<'a, H>>,
    ) -> Result<Vec<Arg<'a, H>>, Interrupt> {
        let mut args = Vec::with_capacity(arguments.len());
        for a in arguments {
            match a {
                Argument::SpreadElement(s) => {
                    let v = self.eval(&s.argument, scope)?;
                    let site = Self::site(scope, s.span);
                    for value in self.iterate(v, site) {
                        args.push(Arg { value, site });
                    }
                }
                other => {
                    if let Some(e) = other.as_expression() {
                        let value = self.eval(e, scope)?;
                        args.push(Arg {
                            value,
                            site: Self::site(scope, e.span()),
                        });
                    }
                }
            }
        }
        Ok(args)
    }

    fn eval_call(&mut self, call: &'a CallExpression<'a>, scope: &Rc<Scope<'a, H>>) -> Eval<'a, H> {
        let site = Self::site(scope, call.span);
        let callee = call.callee.get_inner_expression();
        let function = match callee.as_member_expression() {
            // Builder chains (`.notNull().default(0)`) call methods directly.
            Some(oxc_ast::ast::MemberExpression::StaticMemberExpression(m)) if !m.optional => {
                let receiver = self.eval(&m.object, scope)?;
                if let Value::Host(h) = &receiver
                    && h.chains()
                {
                    let args = self.eval_args(&call.arguments, scope)?;
                    self.enter(site)?;
                    let name: Rc<str> = m.property.name.as_str().into();
                    let result = H::method(self, h, &name, args, site);
                    self.depth -= 1;
                    return result;
                }
                let key: Rc<str> = m.property.name.as_str().into();
                self.get_property(&receiver, &key, Self::site(scope, m.span))?
            }
            Some(m) => self.eval_member(m.object(), m, scope)?,
            None => self.eval(callee, scope)?,
        };
        if call.optional && function.is_nullish() {
            return Err(Interrupt::ShortCircuit);
        }
        let args = self.eval_args(&call.arguments, scope)?;
        self.call(&function, args, site)
    }

    /// Calls a value with arguments; `site` is the whole call.
    pub fn call(
        &mut self,
        function: &Value<'a, H>,
        args: Vec<Arg<'a, H>>,
        site: Site,
    ) -> Eval<'a, H> {
        self.enter(site)?;
        let result = self.call_inner(function, args, site);
        self.depth -= 1;
        result
    }

    fn call_inner(
        &mut self,
        function: &Value<'a, H>,
        args: Vec<Arg<'a, H>>,
        site: Site,
    ) -> Eval<'a, H> {
        match function {
            Value::Function(c) => self.call_closure(c, args, site),
            Value::Native(n) => match &**n {
                Native::Global(g) => builtins::call_global(self, *g, args, site),
                Native::Method { receiver, name } => self.call_method(receiver, name, args, site),
                Native::Require(module) => {
                    let module = *module;
                    let specifier = match arg(&args, 0) {
                        Value::String(s) => s,
                        _ => return Ok(self.not_evaluated(site, "a `require` of a computed name")),
                    };
                    match self.modules[module].requires.get(&*specifier).cloned() {
                        Some(target) => {
                            let import = Import {
                                target,
                                name: ImportName::Namespace,
                                site,
                            };
                            self.import_value(&import, site)
                        }
                        None => {
                            Ok(self.not_evaluated(site, "a `require` the reader did not resolve"))
                        }
                    }
                }
            },
            Value::Host(h) => H::call(self, h, args, site),
            Value::Opaque(o) => Ok(Value::Opaque(Rc::new(o.derived("()")))),
            Value::Poison => Ok(Value::Poison),
            other => {
                let described = other.describe();
                Ok(self.not_callable(site, &described))
            }
        }
    }

    /// Reports a call of a value that is not a function (`described`);
    /// `site` is the whole call.
    pub fn not_callable(&mut self, site: Site, described: &str) -> Value<'a, H> {
        let text = self.snippet(site).to_string();
        let callee = text.split('(').next().unwrap_or("").trim().to_string();
        self.fail(
            site,
            format!("`{callee}` is not a function: it is {described}"),
            "called here",
            "check the name; only functions can be called",
        )
    }

    fn call_method(
        &mut self,
        receiver: &Value<'a, H>,
        name: &Rc<str>,
        args: Vec<Arg<'a, H>>,
        site: Site,
    ) -> Eval<'a, H> {
        match receiver {
            Value::Array(a) => builtins::array_method(self, a, name, args, site),
            Value::String(s) => builtins::string_method(self, s, name, args, site),
            Value::Number(_) | Value::Bool(_) | Value::BigInt(_) => {
                builtins::primitive_method(self, receiver, name, args, site)
            }
            Value::Date(ms) => builtins::date_method(self, *ms, name, site),
            Value::Host(h) => H::method(self, h, name, args, site),
            _ => Ok(Value::Undefined),
        }
    }

    fn call_closure(
        &mut self,
        closure: &Rc<Closure<'a, H>>,
        args: Vec<Arg<'a, H>>,
        site: Site,
    ) -> Eval<'a, H> {
        let (is_async, is_generator) = match closure.syntax {
            FunctionSyntax::Arrow(f) => (f.r#async, false),
            FunctionSyntax::Function(f) => (f.r#async, f.generator),
        };
        if is_async || is_generator {
            return Ok(self.unsupported(site, "calls of async or generator functions"));
        }
        let scope = Scope::child(&closure.scope);
        let (params, body) = match closure.syntax {
            FunctionSyntax::Arrow(f) => (&f.params, Some(&f.body)),
            FunctionSyntax::Function(f) => (&f.params, None),
        };
        let mut args = args.into_iter();
        for param in &params.items {
            let mut value = args.next().map_or(Value::Undefined, |a| a.value);
            if matches!(value, Value::Undefined)
                && let Some(init) = &param.initializer
            {
                value = self.eval(init, &scope)?;
            }
            self.bind_pattern(&param.pattern, value, &scope)?;
        }
        if let Some(rest) = &params.rest {
            let remaining: Vec<Value<'a, H>> = args.map(|a| a.value).collect();
            self.bind_pattern(&rest.rest.argument, Value::array(remaining), &scope)?;
        }
        let statements = match (closure.syntax, body) {
            (FunctionSyntax::Arrow(_), Some(ArrowFunctionBody::FunctionBody(b))) => &b.statements,
            (FunctionSyntax::Arrow(_), Some(body)) => {
                return match body.as_expression() {
                    Some(e) => self.eval(e, &scope),
                    None => Ok(Value::Undefined),
                };
            }
            (FunctionSyntax::Function(f), _) => match &f.body {
                Some(b) => &b.statements,
                None => return Ok(self.unsupported(site, "functions without a body")),
            },
            (FunctionSyntax::Arrow(_), None) => return Ok(Value::Undefined),
        };
        match self.exec_block(statements, &scope)? {
            Flow::Return(v) => Ok(v),
            _ => Ok(Value::Undefined),
        }
    }

    /// Binds a destructuring pattern to a value in a scope.
    fn bind_pattern(
        &mut self,
        pattern: &'a BindingPattern<'a>,
        value: Value<'a, H>,
        scope: &Rc<Scope<'a, H>>,
    ) -> Result<(), Interrupt> {
        match pattern {
            BindingPattern::BindingIdentifier(id) => scope.declare(id.name.as_str(), value),
            BindingPattern::AssignmentPattern(p) => {
                let value = match value {
                    Value::Undefined => self.eval(&p.right, scope)?,
                    v => v,
                };
                self.bind_pattern(&p.left, value, scope)?;
            }
            BindingPattern::ObjectPattern(o) => {
                let site = Self::site(scope, o.span);
                let mut used = Vec::new();
                for p in &o.properties {
                    let key: Rc<str> = if p.computed {
                        let Some(key_expr) = p.key.as_expression() else {
                            continue;
                        };
                        let k = self.eval(key_expr, scope)?;
                        match self.property_key(&k, site) {
                            Some(k) => k,
                            None => continue,
                        }
                    } else {
                        match p.key.static_name() {
                            Some(n) => n.as_ref().into(),
                            None => continue,
                        }
                    };
                    let v = self.get_property(&value, &key, site)?;
                    used.push(key);
                    self.bind_pattern(&p.value, v, scope)?;
                }
                if let Some(rest) = &o.rest {
                    let mut remaining = Object::default();
                    if let Value::Object(obj) = &value {
                        for p in obj.borrow().props.iter().filter(|p| !used.contains(&p.key)) {
                            remaining.props.push(p.clone());
                        }
                    }
                    self.bind_pattern(&rest.argument, Value::object(remaining), scope)?;
                }
            }
            BindingPattern::ArrayPattern(a) => {
                let site = Self::site(scope, a.span);
                let items = self.iterate(value, site);
                for (i, element) in a.elements.iter().enumerate() {
                    if let Some(p) = element {
                        let v = items.get(i).cloned().unwrap_or(Value::Undefined);
                        self.bind_pattern(p, v, scope)?;
                    }
                }
                if let Some(rest) = &a.rest {
                    let remaining = items
                        .get(a.elements.len()..)
                        .map(<[_]>::to_vec)
                        .unwrap_or_default();
                    self.bind_pattern(&rest.argument, Value::array(remaining), scope)?;
                }
            }
        }
        Ok(())
    }

    // ----- statements -----

    fn exec_block(
        &mut self,
        statements: &'a [Statement<'a>],
        scope: &Rc<Scope<'a, H>>,
    ) -> Result<Flow<'a, H>, Interrupt> {
        for s in statements {
            if let Statement::FunctionDeclaration(f) = s
                && let (Some(id), Some(_)) = (&f.id, &f.body)
            {
                let closure = Value::Function(Rc::new(Closure {
                    syntax: FunctionSyntax::Function(f),
                    scope: scope.clone(),
                }));
                scope.declare(id.name.as_str(), closure);
            }
        }
        for s in statements {
            match self.exec(s, scope)? {
                Flow::Normal => {}
                other => return Ok(other),
            }
        }
        Ok(Flow::Normal)
    }

    fn declare_variables(
        &mut self,
        v: &'a VariableDeclaration<'a>,
        scope: &Rc<Scope<'a, H>>,
    ) -> Result<(), Interrupt> {
        for d in &v.declarations {
            let value = match &d.init {
                Some(init) => self.eval(init, scope)?,
                None => Value::Undefined,
            };
            self.bind_pattern(&d.id, value, scope)?;
        }
        Ok(())
    }

    fn exec(
        &mut self,
        statement: &'a Statement<'a>,
        scope: &Rc<Scope<'a, H>>,
    ) -> Result<Flow<'a, H>, Interrupt> {
        let site = Self::site(scope, statement.span());
        self.enter(site)?;
        let result = self.exec_inner(statement, scope, site);
        self.depth -= 1;
        result
    }

    fn exec_inner(
        &mut self,
        statement: &'a Statement<'a>,
        scope: &Rc<Scope<'a, H>>,
        site: Site,
    ) -> Result<Flow<'a, H>, Interrupt> {
        match statement {
            Statement::VariableDeclaration(v) => {
                self.declare_variables(v, scope)?;
                Ok(Flow::Normal)
            }
            Statement::ExpressionStatement(e) => {
                self.eval(&e.expression, scope)?;
                Ok(Flow::Normal)
            }
            Statement::ReturnStatement(r) => Ok(Flow::Return(match &r.argument {
                Some(e) => self.eval(e, scope)?,
                None => Value::Undefined,
            })),
            Statement::IfStatement(i) => {
                let test = self.eval(&i.test, scope)?;
                match self.condition(&test, Self::site(scope, i.test.span())) {
                    Some(true) => self.exec(&i.consequent, &Scope::child(scope)),
                    Some(false) => match &i.alternate {
                        Some(alternate) => self.exec(alternate, &Scope::child(scope)),
                        None => Ok(Flow::Normal),
                    },
                    None => Ok(Flow::Return(Value::Poison)),
                }
            }
            Statement::BlockStatement(b) => self.exec_block(&b.body, &Scope::child(scope)),
            Statement::ForOfStatement(f) => {
                if f.r#await {
                    self.unsupported(site, "`for await`");
                    return Ok(Flow::Normal);
                }
                let iterable = self.eval(&f.right, scope)?;
                let items = self.iterate(iterable, Self::site(scope, f.right.span()));
                self.run_each(&f.left, items, &f.body, scope, site)
            }
            Statement::ForInStatement(f) => {
                let object = self.eval(&f.right, scope)?;
                let keys = match &object {
                    Value::Object(o) => o
                        .borrow()
                        .props
                        .iter()
                        .map(|p| Value::String(p.key.clone()))
                        .collect(),
                    Value::Array(a) => (0..a.borrow().len())
                        .map(|i| Value::string(i.to_string()))
                        .collect(),
                    _ => Vec::new(),
                };
                self.run_each(&f.left, keys, &f.body, scope, site)
            }
            Statement::ForStatement(f) => {
                let inner = Scope::child(scope);
                match &f.init {
                    Some(ForStatementInit::VariableDeclaration(v)) => {
                        self.declare_variables(v, &inner)?;
                    }
                    Some(init) => {
                        if let Some(e) = init.as_expression() {
                            self.eval(e, &inner)?;
                        }
                    }
                    None => {}
                }
                loop {
                    if let Some(test) = &f.test {
                        let t = self.eval(test, &inner)?;
                        match self.condition(&t, Self::site(scope, test.span())) {
                            Some(true) => {}
                            Some(false) => break,
                            None => return Ok(Flow::Return(Value::Poison)),
                        }
                    }
                    match self.exec(&f.body, &Scope::child(&inner))? {
                        Flow::Break => break,
                        Flow::Return(v) => return Ok(Flow::Return(v)),
                        Flow::Normal | Flow::Continue => {}
                    }
                    if let Some(update) = &f.update {
                        self.eval(update, &inner)?;
                    }
                }
                Ok(Flow::Normal)
            }
            Statement::WhileStatement(w) => {
                loop {
                    let t = self.eval(&w.test, scope)?;
                    match self.condition(&t, Self::site(scope, w.test.span())) {
                        Some(true) => {}
                        Some(false) => break,
                        None => return Ok(Flow::Return(Value::Poison)),
                    }
                    match self.exec(&w.body, &Scope::child(scope))? {
                        Flow::Break => break,
                        Flow::Return(v) => return Ok(Flow::Return(v)),
                        Flow::Normal | Flow::Continue => {}
                    }
                }
                Ok(Flow::Normal)
            }
            Statement::BreakStatement(b) if b.label.is_none() => Ok(Flow::Break),
            Statement::ContinueStatement(c) if c.label.is_none() => Ok(Flow::Continue),
            Statement::ThrowStatement(t) => {
                let v = self.eval(&t.argument, scope)?;
                let message = match &v {
                    Value::Object(o) => o.borrow().get("message").cloned(),
                    _ => None,
                };
                let v = message.unwrap_or(v);
                let text = builtins::to_js_string(&v).unwrap_or_else(|| v.describe());
                self.fail(
                    site,
                    format!("the code throws an error: {text}"),
                    "thrown here",
                    "fix the condition that leads here",
                );
                Ok(Flow::Return(Value::Poison))
            }
            Statement::EmptyStatement(_)
            | Statement::FunctionDeclaration(_)
            | Statement::TSTypeAliasDeclaration(_)
            | Statement::TSInterfaceDeclaration(_) => Ok(Flow::Normal),
            Statement::TSEnumDeclaration(e) => {
                let value = self.eval_enum(e, scope)?;
                scope.declare(e.id.name.as_str(), value);
                Ok(Flow::Normal)
            }
            Statement::SwitchStatement(sw) => {
                let d = self.eval(&sw.discriminant, scope)?;
                if matches!(d, Value::Opaque(_) | Value::Poison) {
                    self.condition(&d, Self::site(scope, sw.discriminant.span()));
                    return Ok(Flow::Return(Value::Poison));
                }
                let inner = Scope::child(scope);
                let mut start = None;
                for (i, case) in sw.cases.iter().enumerate() {
                    if let Some(test) = &case.test {
                        let t = self.eval(test, &inner)?;
                        if builtins::strict_equals(&d, &t) {
                            start = Some(i);
                            break;
                        }
                    }
                }
                let start = start.or_else(|| sw.cases.iter().position(|c| c.test.is_none()));
                if let Some(start) = start {
                    // Falls through from the matching case until a `break`.
                    for case in &sw.cases[start..] {
                        for statement in &case.consequent {
                            match self.exec(statement, &inner)? {
                                Flow::Normal => {}
                                Flow::Break => return Ok(Flow::Normal),
                                other => return Ok(other),
                            }
                        }
                    }
                }
                Ok(Flow::Normal)
            }
            Statement::TryStatement(t) => {
                // Schemas use `try` around code that does not throw while reading them.
                let flow = self.exec_block(&t.block.body, &Scope::child(scope))?;
                if let Some(finalizer) = &t.finalizer {
                    match self.exec_block(&finalizer.body, &Scope::child(scope))? {
                        Flow::Normal => {}
                        other => return Ok(other),
                    }
                }
                Ok(flow)
            }
            _ => {
                self.unsupported(site, "this kind of statement");
                Ok(Flow::Return(Value::Poison))
            }
        }
    }

    /// Runs a loop body once per item, binding the loop variable.
    fn run_each(
        &mut self,
        left: &'a ForStatementLeft<'a>,
        items: Vec<Value<'a, H>>,
        body: &'a Statement<'a>,
        scope: &Rc<Scope<'a, H>>,
        site: Site,
    ) -> Result<Flow<'a, H>, Interrupt> {
        for item in items {
            let inner = Scope::child(scope);
            match left {
                ForStatementLeft::VariableDeclaration(v) => {
                    if let Some(d) = v.declarations.first() {
                        self.bind_pattern(&d.id, item, &inner)?;
                    }
                }
                other => match other.as_assignment_target().and_then(Self::place) {
                    Some(place) => {
                        self.write_place(place, item, &inner, site)?;
                    }
                    None => {
                        self.unsupported(site, "this loop variable");
                        return Ok(Flow::Normal);
                    }
                },
            }
            match self.exec(body, &inner)? {
                Flow::Break => break,
                Flow::Return(v) => return Ok(Flow::Return(v)),
                Flow::Normal | Flow::Continue => {}
            }
        }
        Ok(Flow::Normal)
    }

    /// The value of a global function (`Object.values`...).
    pub fn global_function(g: Global) -> Value<'a, H> {
        Value::native(Native::Global(g))
    }
}

/// How a value from an unresolved import is described.
fn external_origin(specifier: &str) -> String {
    if specifier.starts_with("node:") || is_node_builtin(specifier) {
        format!("imported from Node's `{specifier}` module")
    } else if specifier.starts_with("@/")
        || specifier.starts_with("~/")
        || specifier.starts_with('~')
        || specifier.starts_with('#')
    {
        format!(
            "imported from `{specifier}`, which is neither a file of the project, a `paths` alias in \
             tsconfig.json nor a workspace package"
        )
    } else {
        let package = match specifier.strip_prefix('@') {
            Some(scoped) => {
                let mut parts = scoped.splitn(3, '/');
                let scope = parts.next().unwrap_or("");
                let name = parts.next().unwrap_or("");
                format!("@{scope}/{name}")
            }
            None => specifier.split('/').next().unwrap_or(specifier).to_string(),
        };
        format!("imported from npm package `{package}`")
    }
}

fn is_node_builtin(specifier: &str) -> bool {
    matches!(
        specifier.split('/').next().unwrap_or(""),
        "crypto"
            | "fs"
            | "path"
            | "os"
            | "url"
            | "util"
            | "process"
            | "buffer"
            | "events"
            | "stream"
    )
}
