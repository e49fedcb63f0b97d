//! Module resolution: tsconfig paths, workspaces, package entry points.

use super::*;

const PG: &str = "import { pgTable, integer, text } from 'drizzle-orm/pg-core';\n";

fn table_names(s: &Schema) -> Vec<String> {
    s.tables.iter().map(|t| t.name.clone()).collect()
}

#[test]
fn tsconfig_paths_follow_extends_and_base_url() {
    let s = Project::new()
        .file(
            "tsconfig.json",
            "{\n  // comments and trailing commas are allowed\n  \"extends\": \"./config/base\",\n  \"compilerOptions\": { \"strict\": true, },\n}\n",
        )
        .file(
            "config/base.json",
            r#"{ "compilerOptions": { "baseUrl": "..", "paths": { "@/db/*": ["src/db/*"], "~limits": ["src/limits.ts"] } } }"#,
        )
        .file("src/limits.ts", "export const NAME_MAX = 80;\n")
        .file(
            "src/db/columns.ts",
            &format!("{PG}export const id = () => integer('id').primaryKey();\n"),
        )
        .file(
            "src/db/schema.ts",
            &format!(
                "{PG}import {{ id }} from '@/db/columns';\nimport {{ NAME_MAX }} from '~limits';\nimport {{ varchar }} from 'drizzle-orm/pg-core';\nexport const t = pgTable('t', {{ id: id(), name: varchar('name', {{ length: NAME_MAX }}) }});\n"
            ),
        )
        .schema(&["src/db/schema.ts"]);
    let t = &s.tables[0];
    assert_eq!(
        t.columns[1].ty,
        crate::schema::ColumnType::sql("varchar(80)")
    );
}

#[test]
fn base_url_alone_resolves_bare_paths() {
    let s = Project::new()
        .file("tsconfig.json", r#"{ "compilerOptions": { "baseUrl": "./src" } }"#)
        .file("src/lib/names.ts", "export const TABLE = 'from_base_url';\n")
        .file(
            "src/schema.ts",
            &format!("{PG}import {{ TABLE }} from 'lib/names';\nexport const t = pgTable(TABLE, {{ id: integer('id') }});\n"),
        )
        .schema(&["src/schema.ts"]);
    assert_eq!(table_names(&s), vec!["from_base_url"]);
}

#[test]
fn an_alias_that_names_no_file_is_reported() {
    let report = Project::new()
        .file("tsconfig.json", r#"{ "compilerOptions": { "paths": { "@/*": ["./src/*"] } } }"#)
        .file(
            "schema.ts",
            &format!("{PG}import {{ id }} from '@/columns';\nexport const t = pgTable('t', {{ id: id() }});\n"),
        )
        .errors(&["schema.ts"]);
    assert!(
        report.contains("matches `@/*` in the `paths` of tsconfig.json"),
        "{report}"
    );
    assert!(report.contains("`./src/columns`"), "{report}");
}

#[test]
fn npm_workspaces_with_exports_and_subpaths() {
    let s = Project::new()
        .file("package.json", r#"{ "name": "root", "workspaces": ["packages/*"] }"#)
        .file(
            "packages/cols/package.json",
            r#"{ "name": "@acme/cols", "exports": { ".": { "types": "./dist/index.d.ts", "import": "./src/index.ts" }, "./ids": "./src/ids.ts", "./extra/*": "./src/extra/*.ts" } }"#,
        )
        .file("packages/cols/dist/index.d.ts", "export declare const x: number;\n")
        .file(
            "packages/cols/src/index.ts",
            &format!("{PG}export const name = () => text('name');\nexport * from './ids.js';\n"),
        )
        .file(
            "packages/cols/src/ids.ts",
            &format!("{PG}export const id = () => integer('id').primaryKey();\n"),
        )
        .file(
            "packages/cols/src/extra/flags.ts",
            &format!("{PG}export const flag = () => integer('flag');\n"),
        )
        .file(
            "packages/db/schema.ts",
            &format!(
                "{PG}import {{ name }} from '@acme/cols';\nimport {{ id }} from '@acme/cols/ids';\nimport {{ flag }} from '@acme/cols/extra/flags';\nexport const t = pgTable('t', {{ id: id(), name: name(), flag: flag() }});\n"
            ),
        )
        .schema(&["packages/db/schema.ts"]);
    let names: Vec<&str> = s.tables[0]
        .columns
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(names, vec!["id", "name", "flag"]);
}

#[test]
fn pnpm_workspace_main_and_deep_imports() {
    let s = Project::new()
        .file("pnpm-workspace.yaml", "packages:\n  - 'packages/*'\n")
        .file(
            "packages/utils/package.json",
            r#"{ "name": "@b/utils", "main": "src/index.ts" }"#,
        )
        .file("packages/utils/src/index.ts", "export const MAX = 12;\n")
        .file(
            "packages/utils/src/columns.ts",
            &format!("{PG}export const id = integer('id');\n"),
        )
        .file(
            "packages/db/schema.ts",
            &format!(
                "{PG}import {{ MAX }} from '@b/utils';\nimport {{ id }} from '@b/utils/src/columns';\nexport const t = pgTable('t', {{ id, n: integer('n').default(MAX) }});\n"
            ),
        )
        .schema(&["packages/db/schema.ts"]);
    assert_eq!(s.tables[0].columns[1].default.as_deref(), Some("12"));
}

#[test]
fn node_modules_packages_with_typescript_sources_are_read_and_others_are_opaque() {
    let s = Project::new()
        .file(
            "node_modules/shared-schema/package.json",
            r#"{ "name": "shared-schema", "main": "index.ts" }"#,
        )
        .file(
            "node_modules/shared-schema/index.ts",
            "export const TABLE = 'from_package';\n",
        )
        .file(
            "node_modules/compiled/package.json",
            r#"{ "name": "compiled", "main": "index.js" }"#,
        )
        .file("node_modules/compiled/index.js", "export const N = 1;\n")
        .file(
            "schema.ts",
            &format!("{PG}import {{ TABLE }} from 'shared-schema';\nimport {{ N }} from 'compiled';\nexport const t = pgTable(TABLE, {{ id: integer('id').$default(() => N) }});\n"),
        )
        .schema(&["schema.ts"]);
    assert_eq!(table_names(&s), vec!["from_package"]);

    let report = Project::new()
        .file(
            "node_modules/compiled/package.json",
            r#"{ "name": "compiled", "main": "index.js" }"#,
        )
        .file("node_modules/compiled/index.js", "export const N = 1;\n")
        .file(
            "schema.ts",
            &format!("{PG}import {{ N }} from 'compiled';\nexport const t = pgTable('t', {{ id: integer('id').default(N) }});\n"),
        )
        .errors(&["schema.ts"]);
    assert!(report.contains("package `compiled`"), "{report}");
    assert!(report.contains("--loader"), "{report}");
}

#[test]
fn package_imports_map() {
    let s = Project::new()
        .file(
            "package.json",
            r##"{ "name": "app", "imports": { "#db/*": "./src/db/*.ts" } }"##,
        )
        .file("src/db/names.ts", "export const TABLE = 'from_imports';\n")
        .file(
            "src/schema.ts",
            &format!("{PG}import {{ TABLE }} from '#db/names';\nexport const t = pgTable(TABLE, {{ id: integer('id') }});\n"),
        )
        .schema(&["src/schema.ts"]);
    assert_eq!(table_names(&s), vec!["from_imports"]);
}

#[test]
fn a_missing_workspace_file_is_reported() {
    let report = Project::new()
        .file("package.json", r#"{ "workspaces": ["packages/*"] }"#)
        .file(
            "packages/cols/package.json",
            r#"{ "name": "cols", "main": "src/index.ts" }"#,
        )
        .file(
            "schema.ts",
            &format!(
                "{PG}import {{ id }} from 'cols';\nexport const t = pgTable('t', {{ id: id() }});\n"
            ),
        )
        .errors(&["schema.ts"]);
    assert!(
        report.contains("cannot find module `cols` in the workspace package `cols`"),
        "{report}"
    );
}

/// Imports that nothing evaluated needs are never an error: a type imported
/// without `import type`, a module that does not exist or does not parse.
#[test]
fn modules_only_needed_for_types_are_not_required() {
    let schema = Project::new()
        .file(
            "schema.ts",
            "import { pgTable, integer } from 'drizzle-orm/pg-core';\nimport { User } from './types/missing';\nimport { helper } from './broken';\nexport const t = pgTable('t', { id: integer('id') });\nexport type Row = User;\n",
        )
        .file("broken.ts", "export const helper = (;\n")
        .schema(&["schema.ts"]);
    assert_eq!(schema.tables.len(), 1);

    // Once a binding of the broken module is used, its syntax error is reported.
    let report = Project::new()
        .file(
            "schema.ts",
            "import { pgTable, integer } from 'drizzle-orm/pg-core';\nimport { width } from './broken';\nexport const t = pgTable('t', { id: integer('id'), n: integer(width) });\n",
        )
        .file("broken.ts", "export const width = (;\n")
        .errors(&["schema.ts"]);
    assert!(report.contains("syntax error"), "{report}");
    assert!(report.contains("broken.ts"), "{report}");
}

/// A package from npm that depends on drizzle-orm is read from its compiled
/// JavaScript, CommonJS included; other packages stay unknown values.
#[test]
fn npm_packages_built_on_drizzle_are_read() {
    let schema = Project::new()
        .file(
            "node_modules/@acme/cols/package.json",
            r#"{ "name": "@acme/cols", "exports": { ".": { "types": "./index.d.ts", "require": "./index.cjs" } }, "peerDependencies": { "drizzle-orm": "*" } }"#,
        )
        .file(
            "node_modules/@acme/cols/index.cjs",
            "\"use strict\";\nObject.defineProperty(exports, \"__esModule\", { value: true });\nconst pg = require(\"drizzle-orm/pg-core\");\nexports.createdAt = () => (0, pg.timestamp)(\"created_at\").notNull().defaultNow();\n",
        )
        .file(
            "node_modules/left-pad/package.json",
            r#"{ "name": "left-pad", "main": "index.js" }"#,
        )
        .file("node_modules/left-pad/index.js", "module.exports = (s) => s;\n")
        .file(
            "schema.ts",
            &format!("{PG}import {{ createdAt }} from '@acme/cols';\nimport pad from 'left-pad';\nexport const t = pgTable(pad('t'), {{ id: integer('id'), at: createdAt() }});\n"),
        )
        .read(&["schema.ts"]);
    // left-pad does not build on drizzle-orm: its value is unknown, so the name is too.
    let report = match schema {
        Ok(s) => panic!("expected the unknown table name to be refused, read {s:#?}"),
        Err(e) => render(&e),
    };
    assert!(
        report.contains("it is `pad()`, imported from npm"),
        "{report}"
    );

    let schema = Project::new()
        .file(
            "node_modules/@acme/cols/package.json",
            r#"{ "name": "@acme/cols", "main": "index.cjs", "dependencies": { "drizzle-orm": "*" } }"#,
        )
        .file(
            "node_modules/@acme/cols/index.cjs",
            "const pg = require('drizzle-orm/pg-core');\nmodule.exports = { createdAt: () => pg.timestamp('created_at').notNull().defaultNow() };\n",
        )
        .file(
            "schema.ts",
            &format!("{PG}import {{ createdAt }} from '@acme/cols';\nexport const t = pgTable('t', {{ id: integer('id'), at: createdAt() }});\n"),
        )
        .schema(&["schema.ts"]);
    let at = schema.tables[0].column("created_at").expect("created_at");
    assert!(at.not_null);
    assert_eq!(at.default.as_deref(), Some("now()"));
}
