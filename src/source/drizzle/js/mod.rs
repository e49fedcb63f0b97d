//! A JavaScript evaluator for the subset schema modules are written in:
//! modules (ES and CommonJS, resolved as Node and TypeScript do), statements,
//! expressions, patterns and the built-ins schemas use. It knows nothing of
//! Drizzle: native modules (drizzle-orm's entry points) are implemented by a
//! [`Host`], whose values the evaluator carries as [`Value::Host`].

pub mod builtins;
pub mod diagnostics;
pub mod eval;
pub mod modules;
pub mod resolve;
pub mod value;

use std::rc::Rc;

pub use eval::{Arg, Eval, Interp, Interrupt};
pub use value::{ModuleId, Native, Object, Site, Value};

/// The native side of the program: the modules the evaluator does not read
/// from files, and the values they make. Every method receives the
/// interpreter, to evaluate callbacks and to report problems.
pub trait Host<'a>: Clone + std::fmt::Debug + Sized + 'a {
    /// The namespace of a native module (`import * as p from 'drizzle-orm/pg-core'`),
    /// or `None` when the host does not implement that specifier.
    fn module(specifier: &str) -> Option<Self>;

    /// The source of a module the host carries as code rather than
    /// implementing natively (TypeScript, read like the program's own files).
    fn source(specifier: &str) -> Option<&'static str>;

    /// Reads a property of a host value.
    fn property(
        interp: &mut Interp<'a, Self>,
        this: &Self,
        key: &Rc<str>,
        site: Site,
    ) -> Eval<'a, Self>;

    /// Calls a host value as a function; `site` is the whole call.
    fn call(
        interp: &mut Interp<'a, Self>,
        this: &Self,
        args: Vec<Arg<'a, Self>>,
        site: Site,
    ) -> Eval<'a, Self>;

    /// Calls a method of a host value.
    fn method(
        interp: &mut Interp<'a, Self>,
        this: &Self,
        name: &Rc<str>,
        args: Vec<Arg<'a, Self>>,
        site: Site,
    ) -> Eval<'a, Self>;

    /// A tagged template whose tag is a host value: the template's cooked
    /// strings and the values between them.
    fn template(
        interp: &mut Interp<'a, Self>,
        tag: &Self,
        strings: Vec<Rc<str>>,
        values: Vec<Arg<'a, Self>>,
        site: Site,
    ) -> Eval<'a, Self>;

    /// True for builders whose method chains (`.notNull().default(0)`) are
    /// called directly, without reading the method as a value first.
    fn chains(&self) -> bool;

    /// What the value is, for messages ("a table").
    fn describe(&self) -> String;

    /// `typeof` the value.
    fn type_of(&self) -> &'static str;

    /// `===` between two host values.
    fn same(&self, other: &Self) -> bool;

    /// The enumerable properties, for spreads and `Object.keys`/`entries`;
    /// `None` when the value has none to offer.
    fn entries(&self) -> Option<Vec<(Rc<str>, Value<'a, Self>)>>;
}
