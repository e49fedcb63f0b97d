//! Module resolution as TypeScript tooling does it for a project: relative
//! paths (with or without extensions, `.js` written for `.ts`, `index`
//! files), tsconfig `paths` and `baseUrl` (following `extends`), package.json
//! `imports` (`#alias`), workspace packages (npm/yarn `workspaces`,
//! `pnpm-workspace.yaml`), packages in `node_modules` whose entry point is
//! TypeScript source, and published packages built on drizzle-orm (their
//! compiled JavaScript, ES modules preferred over CommonJS). Everything else
//! is an npm package whose values the reader does not know.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

use serde_json::Value as Json;

/// Extensions tried, in order, for a specifier without one.
const EXTENSIONS: [&str; 8] = [".ts", ".tsx", ".mts", ".cts", ".js", ".mjs", ".cjs", ".jsx"];

/// The most `extends` links followed from one tsconfig.
const MAX_EXTENDS: usize = 16;

/// Package.json `exports`/`imports` conditions that can lead to source code,
/// in no particular order: the object's own key order decides.
const CONDITIONS: [&str; 10] = [
    "types",
    "typescript",
    "source",
    "development",
    "import",
    "module",
    "node",
    "require",
    "default",
    "bun",
];

/// Where a specifier leads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    /// A file of the program, to be evaluated.
    File(PathBuf),
    /// An npm package (or Node built-in) whose values are not known.
    External,
    /// A specifier that should name a file of the program but does not.
    Missing {
        /// What went wrong.
        message: String,
        /// What to do about it.
        help: String,
    },
}

/// `compilerOptions.paths`: patterns and their targets, in order.
type PathPatterns = Vec<(String, Vec<String>)>;

/// The parts of a tsconfig that matter for resolution, with `extends` applied.
#[derive(Debug, Clone, Default)]
struct TsConfig {
    /// The file it came from (for messages).
    path: PathBuf,
    /// `compilerOptions.baseUrl`, absolute.
    base_url: Option<PathBuf>,
    /// `compilerOptions.paths` with the folder its targets are relative to.
    paths: Option<(PathPatterns, PathBuf)>,
}

/// A package of the project: a workspace member or a folder in `node_modules`.
#[derive(Debug, Clone)]
struct PackageInfo {
    dir: PathBuf,
    manifest: Json,
}

/// Resolves import specifiers; caches what it reads from disk.
#[derive(Debug, Default)]
pub struct Resolver {
    root: PathBuf,
    tsconfigs: HashMap<PathBuf, Option<TsConfig>>,
    manifests: HashMap<PathBuf, Option<Json>>,
    workspace: Option<HashMap<String, PathBuf>>,
}

impl Resolver {
    /// A resolver for a project whose configuration lives in `root`.
    pub fn new(root: &Path) -> Resolver {
        Resolver {
            root: root.to_path_buf(),
            ..Resolver::default()
        }
    }

    /// Resolves `specifier` imported from the file `from`.
    pub fn resolve(&mut self, from: &Path, specifier: &str) -> Resolution {
        let dir = from.parent().map(Path::to_path_buf).unwrap_or_default();
        if is_relative(specifier) {
            return match resolve_file(&dir.join(specifier)) {
                Some(path) => Resolution::File(path),
                None => Resolution::Missing {
                    message: format!("cannot find module `{specifier}`"),
                    help:
                        "check the path; db-migrate tries the `.ts`, `.tsx`, `.js` extensions and \
                           `index` files, as TypeScript does"
                            .into(),
                },
            };
        }
        if specifier.starts_with("node:") {
            return Resolution::External;
        }
        let mut alias_miss = None;
        if let Some(config) = self.tsconfig_for(&dir) {
            if let Some((paths, base)) = &config.paths
                && let Some((pattern, targets)) = match_paths(paths, specifier)
            {
                for target in &targets {
                    if let Some(path) = resolve_file(&base.join(target)) {
                        return Resolution::File(path);
                    }
                }
                alias_miss = Some((config.path.clone(), pattern, targets));
            }
            if let Some(base) = &config.base_url
                && let Some(path) = resolve_file(&base.join(specifier))
            {
                return Resolution::File(path);
            }
        }
        if specifier.starts_with('#') {
            return self.resolve_subpath_import(&dir, specifier);
        }
        if let Some(resolution) = self.resolve_package(&dir, specifier) {
            return resolution;
        }
        if let Some((config, pattern, targets)) = alias_miss {
            return Resolution::Missing {
                message: format!(
                    "cannot find module `{specifier}`: it matches `{pattern}` in the `paths` of {}, but none of {} names a file",
                    self.shown(&config),
                    targets
                        .iter()
                        .map(|t| format!("`{t}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                help: "check the path alias in tsconfig.json and the file name".into(),
            };
        }
        Resolution::External
    }

    fn shown(&self, path: &Path) -> String {
        let shown = path.strip_prefix(&self.root).unwrap_or(path);
        shown.to_string_lossy().replace('\\', "/")
    }

    // ----- tsconfig -----

    /// The tsconfig that applies to files in `dir`: the nearest `tsconfig.json` above it.
    fn tsconfig_for(&mut self, dir: &Path) -> Option<TsConfig> {
        if let Some(found) = self.tsconfigs.get(dir) {
            return found.clone();
        }
        let candidate = dir.join("tsconfig.json");
        let found = if candidate.is_file() {
            Some(read_tsconfig(&candidate, 0).unwrap_or_else(|| TsConfig {
                path: candidate,
                ..TsConfig::default()
            }))
        } else {
            match dir.parent() {
                Some(parent) if parent != dir => self.tsconfig_for(parent),
                _ => None,
            }
        };
        self.tsconfigs.insert(dir.to_path_buf(), found.clone());
        found
    }

    // ----- packages -----

    fn manifest(&mut self, dir: &Path) -> Option<Json> {
        if let Some(m) = self.manifests.get(dir) {
            return m.clone();
        }
        let manifest = std::fs::read_to_string(dir.join("package.json"))
            .ok()
            .and_then(|text| serde_json::from_str::<Json>(&text).ok());
        self.manifests.insert(dir.to_path_buf(), manifest.clone());
        manifest
    }

    /// Workspace packages by name, found from the project folder upwards.
    fn workspace_packages(&mut self) -> HashMap<String, PathBuf> {
        if let Some(w) = &self.workspace {
            return w.clone();
        }
        let mut packages = HashMap::new();
        let mut dir = Some(self.root.clone());
        while let Some(d) = dir {
            let mut patterns = Vec::new();
            if let Some(manifest) = self.manifest(&d) {
                let list = match manifest.get("workspaces") {
                    Some(Json::Array(a)) => a.clone(),
                    Some(Json::Object(o)) => match o.get("packages") {
                        Some(Json::Array(a)) => a.clone(),
                        _ => Vec::new(),
                    },
                    _ => Vec::new(),
                };
                patterns.extend(list.iter().filter_map(|v| v.as_str().map(str::to_string)));
            }
            if let Ok(text) = std::fs::read_to_string(d.join("pnpm-workspace.yaml")) {
                patterns.extend(pnpm_packages(&text));
            }
            if !patterns.is_empty() {
                for dir in expand_workspace(&d, &patterns) {
                    if let Some(name) = self
                        .manifest(&dir)
                        .and_then(|m| m.get("name").and_then(Json::as_str).map(str::to_string))
                    {
                        packages.entry(name).or_insert(dir);
                    }
                }
                break;
            }
            dir = d.parent().map(Path::to_path_buf);
        }
        self.workspace = Some(packages.clone());
        packages
    }

    /// The package a bare specifier names: a workspace member, else a folder
    /// in the nearest `node_modules` above `dir`.
    fn find_package(&mut self, dir: &Path, name: &str) -> Option<(PackageInfo, bool)> {
        if let Some(pkg_dir) = self.workspace_packages().get(name).cloned() {
            let manifest = self.manifest(&pkg_dir).unwrap_or(Json::Null);
            return Some((
                PackageInfo {
                    dir: pkg_dir,
                    manifest,
                },
                true,
            ));
        }
        let mut current = Some(dir.to_path_buf());
        while let Some(d) = current {
            let candidate = d.join("node_modules").join(name);
            if candidate.is_dir() {
                let real = candidate.canonicalize().unwrap_or(candidate);
                let manifest = self.manifest(&real).unwrap_or(Json::Null);
                // A symlink out of node_modules is a local package (a workspace member).
                let local = !in_node_modules(&real);
                return Some((
                    PackageInfo {
                        dir: real,
                        manifest,
                    },
                    local,
                ));
            }
            current = d.parent().map(Path::to_path_buf);
        }
        None
    }

    /// A bare specifier: `None` when no package of that name is around.
    fn resolve_package(&mut self, dir: &Path, specifier: &str) -> Option<Resolution> {
        let (name, subpath) = split_package(specifier)?;
        let (package, local) = self.find_package(dir, name)?;
        let entry = package_entry(&package, &subpath);
        Some(match entry {
            Some(path) if local || is_typescript_source(&path) => Resolution::File(path),
            // A published package built on drizzle-orm (column helpers, `timestamps()`):
            // its compiled JavaScript is read like the project's own files.
            Some(path) if builds_on_drizzle(&package.manifest) && small_enough(&path) => {
                Resolution::File(path)
            }
            Some(_) => Resolution::External,
            None if local => Resolution::Missing {
                message: format!(
                    "cannot find module `{specifier}` in the workspace package `{name}` ({})",
                    self.shown(&package.dir)
                ),
                help: "check the package's `exports`, `main` and the file name".into(),
            },
            None => Resolution::External,
        })
    }

    /// `#name` through the `imports` of the nearest package.json.
    fn resolve_subpath_import(&mut self, dir: &Path, specifier: &str) -> Resolution {
        let mut current = Some(dir.to_path_buf());
        while let Some(d) = current {
            if let Some(manifest) = self.manifest(&d) {
                let Some(imports) = manifest.get("imports") else {
                    break;
                };
                let targets = map_targets(imports, specifier);
                let package = PackageInfo {
                    dir: d.clone(),
                    manifest: manifest.clone(),
                };
                return match pick_target(&package, &targets) {
                    Some(path) => Resolution::File(path),
                    None => Resolution::Missing {
                        message: format!(
                            "cannot find module `{specifier}` in the `imports` of {}",
                            self.shown(&d.join("package.json"))
                        ),
                        help: "check the `imports` map and the file name".into(),
                    },
                };
            }
            current = d.parent().map(Path::to_path_buf);
        }
        Resolution::External
    }
}

fn is_relative(specifier: &str) -> bool {
    specifier.starts_with("./")
        || specifier.starts_with("../")
        || specifier == "."
        || specifier == ".."
        || specifier.starts_with('/')
}

fn in_node_modules(path: &Path) -> bool {
    path.components()
        .any(|c| matches!(c, Component::Normal(n) if n == "node_modules"))
}

/// True for `.ts`-like files that are not declaration files.
pub fn is_typescript_source(path: &Path) -> bool {
    let name = path.to_string_lossy();
    !name.ends_with(".d.ts")
        && !name.ends_with(".d.mts")
        && !name.ends_with(".d.cts")
        && matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("ts" | "tsx" | "mts" | "cts")
        )
}

fn is_declaration(path: &Path) -> bool {
    let name = path.to_string_lossy();
    name.ends_with(".d.ts") || name.ends_with(".d.mts") || name.ends_with(".d.cts")
}

/// The file a path names, as TypeScript resolves it: the path itself, `.js`
/// written for `.ts`, an added extension, or an `index` file in a folder.
pub fn resolve_file(base: &Path) -> Option<PathBuf> {
    let text = base.to_string_lossy().to_string();
    let swaps: [(&str, &[&str]); 4] = [
        (".js", &[".ts", ".tsx"]),
        (".jsx", &[".tsx"]),
        (".mjs", &[".mts"]),
        (".cjs", &[".cts"]),
    ];
    for (js, ts) in swaps {
        if let Some(stem) = text.strip_suffix(js) {
            for ext in ts {
                let candidate = PathBuf::from(format!("{stem}{ext}"));
                if candidate.is_file() {
                    return Some(candidate);
                }
            }
        }
    }
    let has_extension = EXTENSIONS.iter().any(|e| text.ends_with(e)) || text.ends_with(".json");
    if has_extension && base.is_file() && !is_declaration(base) {
        return Some(base.to_path_buf());
    }
    for ext in EXTENSIONS {
        let candidate = PathBuf::from(format!("{text}{ext}"));
        if candidate.is_file() {
            return Some(candidate);
        }
    }
    if base.is_dir() {
        for ext in EXTENSIONS {
            let candidate = base.join(format!("index{ext}"));
            if candidate.is_file() {
                return Some(candidate);
            }
        }
    }
    None
}

/// `@scope/name/sub/path` → (`@scope/name`, `./sub/path`); `name` → (`name`, `.`).
fn split_package(specifier: &str) -> Option<(&str, String)> {
    let mut end = specifier.find('/').unwrap_or(specifier.len());
    if specifier.starts_with('@') {
        let rest = specifier.get(end + 1..)?;
        end += 1 + rest.find('/').unwrap_or(rest.len());
    }
    let name = &specifier[..end];
    if name.is_empty() || name.starts_with('.') {
        return None;
    }
    let subpath = match &specifier[end..] {
        "" => ".".to_string(),
        rest => format!(".{rest}"),
    };
    Some((name, subpath))
}

/// The file a package subpath leads to: through `exports` when the package
/// has them, else `main`/`module`/`types`, else the path inside the package.
fn package_entry(package: &PackageInfo, subpath: &str) -> Option<PathBuf> {
    if let Some(exports) = package.manifest.get("exports") {
        let targets = map_targets(exports, subpath);
        if let Some(path) = pick_target(package, &targets) {
            return Some(path);
        }
    }
    if subpath == "." {
        let fields = ["main", "module", "types", "typings", "source"];
        let targets: Vec<String> = fields
            .iter()
            .filter_map(|f| package.manifest.get(*f).and_then(Json::as_str))
            .map(str::to_string)
            .collect();
        if let Some(path) = pick_target(package, &targets) {
            return Some(path);
        }
        return resolve_file(&package.dir.join("index"));
    }
    resolve_file(&package.dir.join(subpath))
}

/// The first target that names a file: TypeScript sources first, then ES
/// modules, then CommonJS.
fn pick_target(package: &PackageInfo, targets: &[String]) -> Option<PathBuf> {
    let files: Vec<PathBuf> = targets
        .iter()
        .filter_map(|t| resolve_file(&package.dir.join(t)))
        .collect();
    let rank = |p: &PathBuf| {
        let name = p.to_string_lossy();
        if is_typescript_source(p) {
            0
        } else if name.ends_with(".mjs") {
            1
        } else if name.ends_with(".cjs") || name.contains("/cjs/") {
            3
        } else {
            2
        }
    };
    files.iter().min_by_key(|p| rank(p)).cloned()
}

/// Packages of drizzle's own ecosystem that never declare tables (validation
/// schemas, adapters, seeding): left unread even though they depend on drizzle-orm.
const NO_DDL_PACKAGES: [&str; 9] = [
    "drizzle-orm",
    "drizzle-kit",
    "drizzle-zod",
    "drizzle-typebox",
    "drizzle-valibot",
    "drizzle-arktype",
    "drizzle-seed",
    "drizzle-graphql",
    "@auth/drizzle-adapter",
];

/// The largest compiled file of an npm package that is read (bigger ones are
/// bundles of whole applications, not column helpers).
const MAX_PACKAGE_FILE: u64 = 2 * 1024 * 1024;

/// True for a package that depends on drizzle-orm and may declare columns or tables.
fn builds_on_drizzle(manifest: &Json) -> bool {
    let name = manifest.get("name").and_then(Json::as_str).unwrap_or("");
    if NO_DDL_PACKAGES.contains(&name) {
        return false;
    }
    ["dependencies", "peerDependencies", "optionalDependencies"]
        .iter()
        .any(|field| {
            manifest
                .get(*field)
                .and_then(|d| d.get("drizzle-orm"))
                .is_some()
        })
}

fn small_enough(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.len() <= MAX_PACKAGE_FILE)
}

/// The targets an `exports`/`imports` map gives for a key (`.`, `./ids`, `#db`).
fn map_targets(map: &Json, key: &str) -> Vec<String> {
    let is_subpath_map = match map {
        Json::Object(o) => o.keys().any(|k| k.starts_with('.') || k.starts_with('#')),
        _ => false,
    };
    if !is_subpath_map {
        return if key == "." {
            condition_targets(map, 0)
        } else {
            Vec::new()
        };
    }
    let Json::Object(o) = map else {
        return Vec::new();
    };
    if let Some(v) = o.get(key) {
        return condition_targets(v, 0);
    }
    // The longest pattern with a `*` that matches.
    let mut best: Option<(&str, &str, &Json)> = None;
    for (pattern, v) in o {
        let Some((prefix, suffix)) = pattern.split_once('*') else {
            continue;
        };
        if key.len() >= prefix.len() + suffix.len()
            && key.starts_with(prefix)
            && key.ends_with(suffix)
            && best.is_none_or(|(p, _, _)| prefix.len() > p.len())
        {
            best = Some((prefix, suffix, v));
        }
    }
    match best {
        Some((prefix, suffix, v)) => {
            let star = &key[prefix.len()..key.len() - suffix.len()];
            condition_targets(v, 0)
                .into_iter()
                .map(|t| t.replace('*', star))
                .collect()
        }
        None => Vec::new(),
    }
}

/// The paths a target (string, array, or conditions object) lists, in order.
fn condition_targets(v: &Json, depth: usize) -> Vec<String> {
    if depth > 8 {
        return Vec::new();
    }
    match v {
        Json::String(s) => vec![s.clone()],
        Json::Array(items) => items
            .iter()
            .flat_map(|i| condition_targets(i, depth + 1))
            .collect(),
        Json::Object(o) => o
            .iter()
            .filter(|(k, _)| CONDITIONS.contains(&k.as_str()))
            .flat_map(|(_, v)| condition_targets(v, depth + 1))
            .collect(),
        _ => Vec::new(),
    }
}

/// The package globs of a `pnpm-workspace.yaml` (`packages:` list).
fn pnpm_packages(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_packages = false;
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        if !line.starts_with(' ') && !line.starts_with('\t') && !line.starts_with('-') {
            in_packages = trimmed.starts_with("packages:");
            continue;
        }
        if in_packages && let Some(item) = trimmed.strip_prefix('-') {
            let item = item.split(" #").next().unwrap_or("").trim();
            let item = item.trim_matches(|c| c == '"' || c == '\'');
            if !item.is_empty() {
                out.push(item.to_string());
            }
        }
    }
    out
}

/// The package folders workspace globs match (`!pattern` excludes).
fn expand_workspace(root: &Path, patterns: &[String]) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = Vec::new();
    let mut excluded: Vec<PathBuf> = Vec::new();
    for pattern in patterns {
        let (negated, pattern) = match pattern.strip_prefix('!') {
            Some(p) => (true, p),
            None => (false, pattern.as_str()),
        };
        let pattern = pattern.trim_start_matches("./").trim_end_matches('/');
        let full = root.join(pattern).to_string_lossy().to_string();
        let Ok(matches) = glob::glob(&full) else {
            continue;
        };
        for m in matches.flatten() {
            if m.is_dir() && !in_node_modules(m.strip_prefix(root).unwrap_or(&m)) {
                if negated {
                    excluded.push(m);
                } else if m.join("package.json").is_file() {
                    dirs.push(m);
                }
            }
        }
    }
    dirs.retain(|d| !excluded.contains(d));
    dirs.sort();
    dirs.dedup();
    dirs
}

/// A tsconfig pattern match: the pattern and its targets with `*` filled in.
fn match_paths(paths: &[(String, Vec<String>)], specifier: &str) -> Option<(String, Vec<String>)> {
    let mut best: Option<(usize, &String, Vec<String>)> = None;
    for (pattern, targets) in paths {
        match pattern.split_once('*') {
            None if pattern == specifier => {
                return Some((pattern.clone(), targets.clone()));
            }
            Some((prefix, suffix))
                if specifier.len() >= prefix.len() + suffix.len()
                    && specifier.starts_with(prefix)
                    && specifier.ends_with(suffix)
                    && best.as_ref().is_none_or(|(len, _, _)| prefix.len() > *len) =>
            {
                let star = &specifier[prefix.len()..specifier.len() - suffix.len()];
                let filled = targets.iter().map(|t| t.replacen('*', star, 1)).collect();
                best = Some((prefix.len(), pattern, filled));
            }
            _ => {}
        }
    }
    best.map(|(_, pattern, targets)| (pattern.clone(), targets))
}

/// Reads a tsconfig and the ones it extends.
fn read_tsconfig(path: &Path, depth: usize) -> Option<TsConfig> {
    if depth > MAX_EXTENDS {
        return None;
    }
    let text = std::fs::read_to_string(path).ok()?;
    let json: Json = serde_json::from_str(&strip_jsonc(&text)).ok()?;
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut config = TsConfig {
        path: path.to_path_buf(),
        ..TsConfig::default()
    };
    let parents: Vec<String> = match json.get("extends") {
        Some(Json::String(s)) => vec![s.clone()],
        Some(Json::Array(a)) => a
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    };
    for parent in parents {
        if let Some(parent_path) = find_extended(&dir, &parent)
            && let Some(p) = read_tsconfig(&parent_path, depth + 1)
        {
            if p.base_url.is_some() {
                config.base_url = p.base_url;
            }
            if p.paths.is_some() {
                config.paths = p.paths;
            }
        }
    }
    let options = json.get("compilerOptions");
    if let Some(base) = options
        .and_then(|o| o.get("baseUrl"))
        .and_then(Json::as_str)
    {
        config.base_url = Some(normalize(&dir.join(base)));
    }
    if let Some(Json::Object(paths)) = options.and_then(|o| o.get("paths")) {
        let list = paths
            .iter()
            .map(|(k, v)| {
                let targets = match v {
                    Json::Array(a) => a
                        .iter()
                        .filter_map(|t| t.as_str().map(str::to_string))
                        .collect(),
                    Json::String(s) => vec![s.clone()],
                    _ => Vec::new(),
                };
                (k.clone(), targets)
            })
            .collect();
        config.paths = Some((list, dir.clone()));
    }
    // Paths are relative to baseUrl when there is one, else to the file that declares them.
    if let (Some(base), Some((_, paths_dir))) = (&config.base_url, &mut config.paths) {
        *paths_dir = base.clone();
    }
    Some(config)
}

/// The file an `extends` entry names: a relative path or a package's tsconfig.
fn find_extended(dir: &Path, spec: &str) -> Option<PathBuf> {
    let candidates = |base: PathBuf| {
        let text = base.to_string_lossy().to_string();
        vec![
            base.clone(),
            PathBuf::from(format!("{text}.json")),
            base.join("tsconfig.json"),
        ]
    };
    if is_relative(spec) || Path::new(spec).is_absolute() {
        return candidates(dir.join(spec)).into_iter().find(|p| p.is_file());
    }
    let mut current = Some(dir.to_path_buf());
    while let Some(d) = current {
        let base = d.join("node_modules").join(spec);
        if let Some(found) = candidates(base).into_iter().find(|p| p.is_file()) {
            return Some(found);
        }
        current = d.parent().map(Path::to_path_buf);
    }
    None
}

/// `a/./b/../c` → `a/c`, without touching the file system.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// JSON with comments and trailing commas (tsconfig's format) as plain JSON.
pub fn strip_jsonc(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let mut pending_comma: Option<usize> = None;
    while i < bytes.len() {
        let c = bytes[i];
        match c {
            b'"' => {
                let start = i;
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    if bytes[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
                i = (i + 1).min(bytes.len());
                pending_comma = None;
                out.push_str(&text[start..i]);
                continue;
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i + 1 < bytes.len() && !(bytes[i] == b'*' && bytes[i + 1] == b'/') {
                    i += 1;
                }
                i = (i + 2).min(bytes.len());
                out.push(' ');
                continue;
            }
            b',' => {
                pending_comma = Some(out.len());
                out.push(',');
            }
            b'}' | b']' => {
                if let Some(at) = pending_comma.take() {
                    out.replace_range(at..at + 1, " ");
                }
                out.push(c as char);
            }
            c if c.is_ascii_whitespace() => out.push(c as char),
            _ => {
                pending_comma = None;
                let len = text[i..].chars().next().map_or(1, char::len_utf8);
                out.push_str(&text[i..i + len]);
                i += len;
                continue;
            }
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jsonc_comments_and_trailing_commas() {
        let text = "{\n  // comment\n  \"a\": [1, 2,], /* block */ \"b\": \"//not a comment\",\n}";
        let json: Json = serde_json::from_str(&strip_jsonc(text)).expect("valid JSON");
        assert_eq!(json["a"], serde_json::json!([1, 2]));
        assert_eq!(json["b"], "//not a comment");
    }

    #[test]
    fn package_names_and_subpaths() {
        assert_eq!(split_package("nanoid"), Some(("nanoid", ".".to_string())));
        assert_eq!(
            split_package("@acme/db/schema"),
            Some(("@acme/db", "./schema".to_string()))
        );
        assert_eq!(split_package("@acme"), None);
    }

    #[test]
    fn path_patterns_prefer_the_longest_prefix() {
        let paths = vec![
            ("@/*".to_string(), vec!["src/*".to_string()]),
            ("@/db/*".to_string(), vec!["db/*".to_string()]),
            ("~c".to_string(), vec!["c.ts".to_string()]),
        ];
        assert_eq!(
            match_paths(&paths, "@/db/x"),
            Some(("@/db/*".to_string(), vec!["db/x".to_string()]))
        );
        assert_eq!(
            match_paths(&paths, "~c").map(|m| m.1),
            Some(vec!["c.ts".to_string()])
        );
        assert_eq!(match_paths(&paths, "lodash"), None);
    }

    #[test]
    fn exports_maps() {
        let exports = serde_json::json!({
            ".": { "types": "./dist/index.d.ts", "import": "./src/index.ts" },
            "./ids": "./src/ids.ts",
            "./cols/*": "./src/cols/*.ts"
        });
        let mut main = map_targets(&exports, ".");
        main.sort();
        assert_eq!(main, vec!["./dist/index.d.ts", "./src/index.ts"]);
        assert_eq!(map_targets(&exports, "./ids"), vec!["./src/ids.ts"]);
        assert_eq!(map_targets(&exports, "./cols/a"), vec!["./src/cols/a.ts"]);
        assert_eq!(
            map_targets(&serde_json::json!("./main.ts"), "."),
            vec!["./main.ts"]
        );
    }

    proptest::proptest! {
        #[test]
        fn jsonc_never_panics(text in "\\PC*") {
            let _ = strip_jsonc(&text);
            let _ = pnpm_packages(&text);
            let _ = split_package(&text);
        }
    }

    #[test]
    fn pnpm_workspace_file() {
        let text = "packages:\n  - \"packages/*\"\n  - 'apps/*' # apps\n  - '!**/test/**'\ncatalog:\n  - x\n";
        assert_eq!(
            pnpm_packages(text),
            vec!["packages/*", "apps/*", "!**/test/**"]
        );
    }
}
