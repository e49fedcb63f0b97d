//! drizzle-kit's config file (`drizzle.config.ts` and its relatives),
//! evaluated with the schema reader's interpreter: `defineConfig`,
//! `process.env.X` (with `.env` loaded first), `||`/`??` defaults, top-level
//! `if`/`throw`, CommonJS `module.exports`. JSON configs are parsed as JSON.
//!
//! A setting whose value is not known statically (it comes from an npm
//! package) is kept aside with its problem and only reported when the
//! setting is needed: `db-migrate.toml` or a flag may provide it instead.

use std::path::{Path, PathBuf};

use oxc_allocator::Allocator;

use super::js::Site;
use super::js::diagnostics::{Problem, SourceFile};
use super::js::modules::Loader;
use super::orm::value::Drizzle;
use super::orm::{Interp, Value};
use super::{SchemaError, on_reader_stack};

/// drizzle-kit's config file names, in the order they are looked for.
pub const CONFIG_FILES: [&str; 6] = [
    "drizzle.config.ts",
    "drizzle.config.mts",
    "drizzle.config.js",
    "drizzle.config.mjs",
    "drizzle.config.cjs",
    "drizzle.config.json",
];

/// The drizzle-kit config file in a folder, if there is one.
pub fn find_config(dir: &Path) -> Option<PathBuf> {
    CONFIG_FILES
        .iter()
        .map(|name| dir.join(name))
        .find(|p| p.is_file())
}

/// The database credentials of a config: a URL, or its parts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Credentials {
    /// `url`.
    pub url: Option<String>,
    /// `host`.
    pub host: Option<String>,
    /// `port`.
    pub port: Option<String>,
    /// `user`.
    pub user: Option<String>,
    /// `password`.
    pub password: Option<String>,
    /// `database`.
    pub database: Option<String>,
    /// `ssl` as an sslmode (`require`, `disable`, `prefer`...).
    pub ssl: Option<String>,
}

/// The settings of a drizzle-kit config that db-migrate uses.
#[derive(Debug, Clone, Default)]
pub struct DrizzleConfig {
    /// The file.
    pub path: PathBuf,
    /// `dialect` (`postgresql`, `sqlite`...).
    pub dialect: Option<String>,
    /// `schema`: files, folders or globs.
    pub schema: Option<Vec<String>>,
    /// `casing` (`snake_case`, `camelCase`).
    pub casing: Option<String>,
    /// `schemaFilter`.
    pub schema_filter: Vec<String>,
    /// `tablesFilter` (globs, `!` negates).
    pub tables_filter: Vec<String>,
    /// `dbCredentials`.
    pub credentials: Option<Credentials>,
    /// `migrations.table`.
    pub migrations_table: Option<String>,
    /// `migrations.schema`.
    pub migrations_schema: Option<String>,
    /// `out`: drizzle-kit's migrations folder.
    pub out: Option<String>,
    unknown: Vec<(String, Problem)>,
    files: Vec<SourceFile>,
}

impl DrizzleConfig {
    /// The problem with a setting whose value is not known statically
    /// (`schema`, `casing`, `dialect`, `dbCredentials`...), if it has one.
    pub fn unknown(&self, key: &str) -> Option<SchemaError> {
        let problems: Vec<Problem> = self
            .unknown
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, p)| p.clone())
            .collect();
        (!problems.is_empty())
            .then(|| SchemaError::new(problems, &self.files).about("the drizzle config"))
    }
}

/// Reads a drizzle-kit config file; `env` is `process.env` as it sees it.
pub fn read_config(path: &Path, env: &[(String, String)]) -> Result<DrizzleConfig, SchemaError> {
    let result = if path.extension().is_some_and(|e| e == "json") {
        read_json(path)
    } else {
        on_reader_stack(|| read_script(path, env))
    };
    result.map_err(|e| e.about("the drizzle config"))
}

fn read_json(path: &Path) -> Result<DrizzleConfig, SchemaError> {
    let name = path
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().to_string());
    let fail = |message: String| {
        SchemaError::new(
            vec![Problem::general(message).with_help("drizzle.config.json must be a JSON object")],
            &[],
        )
    };
    let text =
        std::fs::read_to_string(path).map_err(|e| fail(format!("cannot read {name}: {e}")))?;
    let json: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| fail(format!("{name} is not valid JSON: {e}")))?;
    let serde_json::Value::Object(map) = json else {
        return Err(fail(format!("{name} must hold an object")));
    };
    let strings = |v: Option<&serde_json::Value>| -> Option<Vec<String>> {
        match v? {
            serde_json::Value::String(s) => Some(vec![s.clone()]),
            serde_json::Value::Array(a) => Some(
                a.iter()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect(),
            ),
            _ => None,
        }
    };
    let string = |v: Option<&serde_json::Value>| match v? {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        serde_json::Value::Bool(b) => Some(b.to_string()),
        _ => None,
    };
    let credentials = map.get("dbCredentials").map(|c| Credentials {
        url: string(c.get("url")),
        host: string(c.get("host")),
        port: string(c.get("port")),
        user: string(c.get("user")),
        password: string(c.get("password")),
        database: string(c.get("database")),
        ssl: ssl_mode_json(c.get("ssl")),
    });
    let migrations = map.get("migrations");
    Ok(DrizzleConfig {
        path: path.to_path_buf(),
        dialect: string(map.get("dialect")),
        schema: strings(map.get("schema")),
        casing: string(map.get("casing")),
        schema_filter: strings(map.get("schemaFilter")).unwrap_or_default(),
        tables_filter: strings(map.get("tablesFilter")).unwrap_or_default(),
        credentials,
        migrations_table: string(migrations.and_then(|m| m.get("table"))),
        migrations_schema: string(migrations.and_then(|m| m.get("schema"))),
        out: string(map.get("out")),
        unknown: Vec::new(),
        files: Vec::new(),
    })
}

fn ssl_mode_json(v: Option<&serde_json::Value>) -> Option<String> {
    match v? {
        serde_json::Value::Bool(true) => Some("require".into()),
        serde_json::Value::Bool(false) => Some("disable".into()),
        serde_json::Value::String(s) => Some(s.clone()),
        _ => None,
    }
}

fn read_script(path: &Path, env: &[(String, String)]) -> Result<DrizzleConfig, SchemaError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let allocator = Allocator::default();
    let mut loader = Loader::new::<Drizzle>(&allocator, dir);
    let entry = loader.load_entry(path);
    let files: Vec<SourceFile> = loader.modules.iter().map(|m| m.file.clone()).collect();
    let Some(entry) = entry else {
        return Err(SchemaError::new(loader.problems.into_vec(), &files));
    };
    if !loader.problems.is_empty() {
        return Err(SchemaError::new(loader.problems.into_vec(), &files));
    }
    let mut interp = Interp::new(loader.modules);
    interp.set_environment(env);
    let mut config = DrizzleConfig {
        path: path.to_path_buf(),
        files,
        ..DrizzleConfig::default()
    };
    let whole = Site {
        module: entry,
        span: interp.modules[entry].program.span,
    };
    let value = evaluate(&mut interp, entry, whole);
    if let Some(value) = value {
        let mut reader = Reader {
            interp: &mut interp,
            config: &mut config,
            site: whole,
        };
        reader.settings(value);
    }
    let problems = std::mem::take(&mut interp.problems).into_vec();
    if problems.is_empty() {
        Ok(config)
    } else {
        Err(SchemaError::new(problems, &config.files))
    }
}

/// The config object: the default export, else `module.exports` (and its `default`).
fn evaluate<'a>(interp: &mut Interp<'a>, entry: usize, whole: Site) -> Option<Value<'a>> {
    let exports = interp.run_module(entry).ok()?;
    let has_default = interp
        .exported_names(entry)
        .iter()
        .any(|(n, _)| *n == "default");
    let value = if has_default {
        interp.export_value(entry, "default", whole).ok()?
    } else {
        match &exports {
            Value::Object(o) => o
                .borrow()
                .get("default")
                .cloned()
                .unwrap_or(exports.clone()),
            _ => exports,
        }
    };
    let empty = matches!(&value, Value::Object(o) if o.borrow().props.is_empty());
    if empty && !has_default {
        interp.fail(
            whole,
            "the config file exports nothing",
            "no default export",
            "export the config: `export default defineConfig({ ... })`",
        );
        return None;
    }
    Some(value)
}

/// Reads settings out of the evaluated config object.
struct Reader<'i, 'a> {
    interp: &'i mut Interp<'a>,
    config: &'i mut DrizzleConfig,
    site: Site,
}

/// A setting's value: known, unknown (deferred), or wrong (reported).
enum Setting<'a> {
    Missing,
    Known(Value<'a>, Site),
    Unknown,
}

impl<'a> Reader<'_, 'a> {
    fn settings(&mut self, value: Value<'a>) {
        let Value::Object(_) = &value else {
            if !matches!(value, Value::Poison) {
                let described = value.describe();
                self.interp.fail(
                    self.site,
                    format!("the config must be an object, found {described}"),
                    "config",
                    "export the config: `export default defineConfig({ ... })`",
                );
            }
            return;
        };
        self.config.dialect = self.string(&value, "dialect", "dialect");
        self.config.schema = self.strings(&value, "schema", "schema");
        self.config.casing = self.string(&value, "casing", "casing");
        self.config.schema_filter = self
            .strings(&value, "schemaFilter", "schemaFilter")
            .unwrap_or_default();
        self.config.tables_filter = self
            .strings(&value, "tablesFilter", "tablesFilter")
            .unwrap_or_default();
        self.config.out = self.string(&value, "out", "out");
        if let Setting::Known(m, _) = self.setting(&value, "migrations", "migrations") {
            self.config.migrations_table = self.string(&m, "table", "migrations");
            self.config.migrations_schema = self.string(&m, "schema", "migrations");
        }
        if let Setting::Known(c, _) = self.setting(&value, "dbCredentials", "dbCredentials") {
            let key = "dbCredentials";
            let credentials = Credentials {
                url: self.string(&c, "url", key),
                host: self.string(&c, "host", key),
                port: self.string(&c, "port", key),
                user: self.string(&c, "user", key),
                password: self.string(&c, "password", key),
                database: self.string(&c, "database", key),
                ssl: match self.setting(&c, "ssl", key) {
                    Setting::Known(Value::Bool(true), _) => Some("require".into()),
                    Setting::Known(Value::Bool(false), _) => Some("disable".into()),
                    Setting::Known(Value::String(s), _) => Some(s.to_string()),
                    _ => None,
                },
            };
            self.config.credentials = Some(credentials);
        }
    }

    /// A property of a config object; unknown values are deferred under `group`.
    fn setting(&mut self, object: &Value<'a>, key: &str, group: &str) -> Setting<'a> {
        let Value::Object(o) = object else {
            return Setting::Missing;
        };
        let Some(p) = o.borrow().property(key).cloned() else {
            return Setting::Missing;
        };
        let site = p.site.unwrap_or(self.site);
        match p.value {
            Value::Undefined | Value::Poison => Setting::Missing,
            Value::Opaque(op) => {
                let described = op.describe();
                self.config.unknown.push((
                    group.to_string(),
                    Problem::at(
                        site,
                        format!("`{key}` in the drizzle config is not known statically: it is {described}"),
                        "not known statically",
                    )
                    .with_help(
                        "db-migrate evaluates drizzle.config without running it: write the value out, read it \
                         from `process.env`, or set it in db-migrate.toml",
                    ),
                ));
                Setting::Unknown
            }
            v => Setting::Known(v, site),
        }
    }

    fn string(&mut self, object: &Value<'a>, key: &str, group: &str) -> Option<String> {
        match self.setting(object, key, group) {
            Setting::Known(Value::String(s), _) => Some(s.to_string()),
            Setting::Known(v @ (Value::Number(_) | Value::Bool(_)), _) => {
                super::js::builtins::to_js_string(&v)
            }
            Setting::Known(other, site) => {
                let described = other.describe();
                self.interp.fail(
                    site,
                    format!("`{key}` in the drizzle config must be a string, found {described}"),
                    "expected a string",
                    "write a string",
                );
                None
            }
            Setting::Missing | Setting::Unknown => None,
        }
    }

    fn strings(&mut self, object: &Value<'a>, key: &str, group: &str) -> Option<Vec<String>> {
        match self.setting(object, key, group) {
            Setting::Known(Value::String(s), _) => Some(vec![s.to_string()]),
            Setting::Known(Value::Array(items), site) => {
                let items = items.borrow().clone();
                let mut out = Vec::new();
                for item in items {
                    match item {
                        Value::String(s) => out.push(s.to_string()),
                        Value::Opaque(_) => {
                            let mut holder = super::orm::Object::default();
                            holder.set(key.into(), item, Some(site));
                            self.setting(&Value::object(holder), key, group);
                            return None;
                        }
                        Value::Poison => return None,
                        other => {
                            let described = other.describe();
                            self.interp.fail(
                                site,
                                format!("`{key}` in the drizzle config must list strings, found {described}"),
                                "expected strings",
                                "list paths or names as strings",
                            );
                            return None;
                        }
                    }
                }
                Some(out)
            }
            Setting::Known(other, site) => {
                let described = other.describe();
                self.interp.fail(
                    site,
                    format!("`{key}` in the drizzle config must be a string or an array of strings, found {described}"),
                    "expected strings",
                    "write a string or an array of strings",
                );
                None
            }
            Setting::Missing | Setting::Unknown => None,
        }
    }
}
