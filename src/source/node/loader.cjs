// db-migrate's `--loader node`: runs the project's own drizzle-kit on the
// schema files and prints drizzle-kit's snapshot JSON on stdout.
//
// The request comes in DB_MIGRATE_NODE_REQUEST as JSON:
//   { "root": <project folder>, "files": [<absolute paths>], "casing": <"snake_case"|"camelCase"|null>,
//     "dialect": <"postgresql"|"sqlite"|null> }
// On success stdout is {"snapshot": ...}; on failure it is {"error": ..., "help": ...}
// and the exit code is 1.
"use strict";

const path = require("node:path");
const { createRequire } = require("node:module");

// drizzle-kit prints warnings with console.log: keep stdout for the result.
const util = require("node:util");
for (const method of ["log", "info", "warn", "debug"]) {
  console[method] = (...args) => process.stderr.write(util.format(...args) + "\n");
}

function fail(error, help) {
  process.stdout.write(JSON.stringify({ error, help }));
  process.exit(1);
}

async function main() {
  const request = JSON.parse(process.env.DB_MIGRATE_NODE_REQUEST || "{}");
  const projectRequire = createRequire(path.join(request.root, "package.json"));

  let kitPath;
  try {
    kitPath = projectRequire.resolve("drizzle-kit/api");
  } catch (e) {
    fail(
      `drizzle-kit is not installed in ${request.root} (cannot resolve drizzle-kit/api)`,
      "install it in the project (npm install -D drizzle-kit), or read the schema without --loader node",
    );
  }
  const kit = projectRequire(kitPath);

  // drizzle-kit registers tsx to load TypeScript schema files; do the same.
  const kitRequire = createRequire(kitPath);
  let tsx;
  for (const from of [kitRequire, projectRequire]) {
    try {
      tsx = from("tsx/cjs/api");
      break;
    } catch (e) {
      // try the next place
    }
  }
  if (!tsx) {
    fail("tsx, which drizzle-kit uses to load TypeScript, cannot be found", "reinstall drizzle-kit (npm install -D drizzle-kit)");
  }
  tsx.register();

  const entityKind = Symbol.for("drizzle:entityKind");
  const imports = {};
  const seen = new Set();
  let sqlite = request.dialect === "sqlite";
  let postgres = request.dialect === "postgresql";
  let mysql = request.dialect === "mysql";
  request.files.forEach((file, i) => {
    let module;
    try {
      module = require(file);
    } catch (e) {
      fail(`cannot load ${path.relative(request.root, file)}: ${e && e.stack ? e.stack : e}`, "fix the error above; drizzle-kit would fail the same way");
    }
    for (const [name, value] of Object.entries(module)) {
      // The same entity exported from several files counts once (drizzle-kit keeps a Set).
      if (value !== null && (typeof value === "object" || typeof value === "function")) {
        if (seen.has(value)) continue;
        seen.add(value);
      }
      imports[`${i}:${name}`] = value;
      const kind = value && value.constructor && value.constructor[entityKind];
      if (!request.dialect && kind === "SQLiteTable") sqlite = true;
      if (!request.dialect && kind === "PgTable") postgres = true;
      if (!request.dialect && kind === "MySqlTable") mysql = true;
    }
  });
  if ([sqlite, postgres, mysql].filter(Boolean).length > 1) {
    fail("the schema mixes tables of several dialects", "a schema targets one database");
  }
  const casing = request.casing || undefined;
  const snapshot = sqlite
    ? await kit.generateSQLiteDrizzleJson(imports, undefined, casing)
    : mysql
      ? await kit.generateMySQLDrizzleJson(imports, undefined, casing)
      : kit.generateDrizzleJson(imports, undefined, undefined, casing);
  process.stdout.write(JSON.stringify({ snapshot }));
}

main().catch((e) => fail(String(e && e.stack ? e.stack : e), "drizzle-kit failed on this schema"));
