//! The values the evaluator computes: plain JavaScript values, closures over
//! the syntax tree, built-in functions, and the host's own values (`H`).

use std::cell::RefCell;
use std::rc::Rc;

use oxc_ast::ast::{ArrowFunctionExpression, Function};
use oxc_span::Span;

use super::Host;

/// Index of a loaded module.
pub type ModuleId = usize;

/// A place in a source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Site {
    /// The module the span is in.
    pub module: ModuleId,
    /// Byte range in that module's text.
    pub span: Span,
}

/// A value of the evaluated program.
#[derive(Debug, Clone)]
pub enum Value<'a, H> {
    /// `undefined`.
    Undefined,
    /// `null`.
    Null,
    /// A boolean.
    Bool(bool),
    /// A number.
    Number(f64),
    /// A `bigint`, as its decimal digits.
    BigInt(Rc<str>),
    /// A string.
    String(Rc<str>),
    /// A `Date`, as milliseconds since the Unix epoch (UTC).
    Date(f64),
    /// An array (shared and mutable, as in JavaScript).
    Array(Rc<RefCell<Vec<Value<'a, H>>>>),
    /// An object with its properties in insertion order.
    Object(Rc<RefCell<Object<'a, H>>>),
    /// A function or arrow function of the program.
    Function(Rc<Closure<'a, H>>),
    /// A built-in function.
    Native(Rc<Native<'a, H>>),
    /// The exports of one of the program's modules (`import * as s from './s'`).
    Module(ModuleId),
    /// A value of the host: what its native modules export and their
    /// functions build (see [`Host`](super::Host)).
    Host(H),
    /// A value the reader cannot know statically (from an npm package, the
    /// environment...). Fine where Drizzle ignores it, an error where it reaches DDL.
    Opaque(Rc<Opaque>),
    /// The result of an expression whose problem has already been reported.
    Poison,
}

impl<'a, H: Host<'a>> Value<'a, H> {
    /// A string value.
    pub fn string(s: impl Into<Rc<str>>) -> Value<'a, H> {
        Value::String(s.into())
    }

    /// A new array.
    pub fn array(items: Vec<Value<'a, H>>) -> Value<'a, H> {
        Value::Array(Rc::new(RefCell::new(items)))
    }

    /// A new object.
    pub fn object(object: Object<'a, H>) -> Value<'a, H> {
        Value::Object(Rc::new(RefCell::new(object)))
    }

    /// A built-in function.
    pub fn native(native: Native<'a, H>) -> Value<'a, H> {
        Value::Native(Rc::new(native))
    }

    /// True for `null` and `undefined`.
    pub fn is_nullish(&self) -> bool {
        matches!(self, Value::Null | Value::Undefined)
    }

    /// What the value is, for messages ("a string", "a table"...).
    pub fn describe(&self) -> String {
        match self {
            Value::Undefined => "undefined".into(),
            Value::Null => "null".into(),
            Value::Bool(_) => "a boolean".into(),
            Value::Number(_) => "a number".into(),
            Value::BigInt(_) => "a bigint".into(),
            Value::String(_) => "a string".into(),
            Value::Date(_) => "a Date".into(),
            Value::Array(_) => "an array".into(),
            Value::Object(_) => "an object".into(),
            Value::Function(_) | Value::Native(_) => "a function".into(),
            Value::Module(_) => "a module namespace".into(),
            Value::Host(h) => h.describe(),
            Value::Opaque(o) => o.describe(),
            Value::Poison => "an invalid value".into(),
        }
    }
}

/// An object's properties in insertion order.
#[derive(Debug, Clone)]
pub struct Object<'a, H> {
    /// The properties.
    pub props: Vec<Property<'a, H>>,
}

/// One property of an object.
#[derive(Debug, Clone)]
pub struct Property<'a, H> {
    /// The key.
    pub key: Rc<str>,
    /// The value.
    pub value: Value<'a, H>,
    /// Where the value was written, when known.
    pub site: Option<Site>,
}

impl<H> Default for Object<'_, H> {
    fn default() -> Self {
        Object { props: Vec::new() }
    }
}

impl<'a, H: Host<'a>> Object<'a, H> {
    /// The value of a property.
    pub fn get(&self, key: &str) -> Option<&Value<'a, H>> {
        self.props.iter().find(|p| &*p.key == key).map(|p| &p.value)
    }

    /// The property with this key.
    pub fn property(&self, key: &str) -> Option<&Property<'a, H>> {
        self.props.iter().find(|p| &*p.key == key)
    }

    /// Sets a property, keeping its position when it exists.
    pub fn set(&mut self, key: Rc<str>, value: Value<'a, H>, site: Option<Site>) {
        match self.props.iter_mut().find(|p| p.key == key) {
            Some(p) => {
                p.value = value;
                p.site = site;
            }
            None => self.props.push(Property { key, value, site }),
        }
    }
}

/// The syntax of a function value.
#[derive(Debug, Clone, Copy)]
pub enum FunctionSyntax<'a> {
    /// `(x) => ...`
    Arrow(&'a ArrowFunctionExpression<'a>),
    /// `function f(x) { ... }`
    Function(&'a Function<'a>),
}

/// A function of the program with the scope it closes over.
#[derive(Debug)]
pub struct Closure<'a, H> {
    /// Its syntax.
    pub syntax: FunctionSyntax<'a>,
    /// The scope it was created in.
    pub scope: Rc<Scope<'a, H>>,
}

/// A scope of local variables; the module's own bindings lie beyond the outermost one.
#[derive(Debug)]
pub struct Scope<'a, H> {
    /// The variables declared in this scope.
    pub vars: RefCell<Vec<(&'a str, Value<'a, H>)>>,
    /// The enclosing scope.
    pub parent: Option<Rc<Scope<'a, H>>>,
    /// The module the code is in.
    pub module: ModuleId,
}

impl<'a, H: Host<'a>> Scope<'a, H> {
    /// A module's outermost scope.
    pub fn root(module: ModuleId) -> Rc<Scope<'a, H>> {
        Rc::new(Scope {
            vars: RefCell::new(Vec::new()),
            parent: None,
            module,
        })
    }

    /// A scope nested in `parent`.
    pub fn child(parent: &Rc<Scope<'a, H>>) -> Rc<Scope<'a, H>> {
        Rc::new(Scope {
            vars: RefCell::new(Vec::new()),
            parent: Some(parent.clone()),
            module: parent.module,
        })
    }

    /// Declares (or redeclares) a variable in this scope.
    pub fn declare(&self, name: &'a str, value: Value<'a, H>) {
        let mut vars = self.vars.borrow_mut();
        match vars.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => slot.1 = value,
            None => vars.push((name, value)),
        }
    }

    /// The value of a variable in this scope or an enclosing one.
    pub fn get(&self, name: &str) -> Option<Value<'a, H>> {
        if let Some((_, v)) = self.vars.borrow().iter().find(|(n, _)| *n == name) {
            return Some(v.clone());
        }
        self.parent.as_ref().and_then(|p| p.get(name))
    }

    /// Assigns an existing variable; false when no local scope declares it.
    pub fn assign(&self, name: &str, value: Value<'a, H>) -> bool {
        if let Some(slot) = self.vars.borrow_mut().iter_mut().find(|(n, _)| *n == name) {
            slot.1 = value;
            return true;
        }
        self.parent.as_ref().is_some_and(|p| p.assign(name, value))
    }
}

/// JavaScript's global functions that schemas use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Global {
    /// `Object.keys`.
    ObjectKeys,
    /// `Object.values`.
    ObjectValues,
    /// `Object.entries`.
    ObjectEntries,
    /// `Object.fromEntries`.
    ObjectFromEntries,
    /// `Object.assign`.
    ObjectAssign,
    /// `Object.freeze` (returns its argument).
    ObjectFreeze,
    /// `Object.defineProperty(object, key, { value })` or `{ get }` (read at once),
    /// as compiled CommonJS modules write their exports.
    ObjectDefineProperty,
    /// `JSON.stringify`.
    JsonStringify,
    /// `JSON.parse`.
    JsonParse,
    /// `Error(message)` and `new Error(message)` (and its subclasses).
    Error,
    /// `new Date(value)`.
    Date,
    /// `Array.isArray`.
    ArrayIsArray,
    /// `Object.hasOwn(object, key)`.
    ObjectHasOwn,
    /// `new Set(iterable)`: an array of its distinct items (`has`, `add`,
    /// `size`, iteration and spreading behave as on a Set).
    Set,
    /// `structuredClone(value)`: a deep copy of plain values.
    StructuredClone,
    /// `String(x)`.
    String,
    /// `Number(x)`.
    Number,
    /// `Boolean(x)`.
    Boolean,
}

/// A built-in function.
#[derive(Debug, Clone)]
pub enum Native<'a, H> {
    /// A JavaScript global function.
    Global(Global),
    /// A method read off a value and not yet called.
    Method {
        /// The value it belongs to.
        receiver: Value<'a, H>,
        /// The method's name.
        name: Rc<str>,
    },
    /// `require` in a CommonJS module.
    Require(ModuleId),
}

/// A value from code the reader does not evaluate.
#[derive(Debug, Clone)]
pub struct Opaque {
    /// The expression it stands for, e.g. "`nanoid()`".
    pub what: String,
    /// Where it comes from, as a phrase: "imported from npm package `nanoid`".
    pub origin: String,
    /// Where it entered the program.
    pub site: Site,
}

impl Opaque {
    /// "`nanoid()`, imported from npm package `nanoid`".
    pub fn describe(&self) -> String {
        format!("{}, {}", self.what, self.origin)
    }

    /// The same origin for a derived expression (`x.y`, `x()`).
    pub fn derived(&self, suffix: &str) -> Opaque {
        let what = match self.what.strip_suffix('`') {
            Some(inner) if self.what.len() < 60 => format!("{inner}{suffix}`"),
            _ => self.what.clone(),
        };
        Opaque {
            what,
            origin: self.origin.clone(),
            site: self.site,
        }
    }
}
