#!/usr/bin/env python3
"""Writes a synthetic Drizzle project for benchmarks.

    gen_schema.py <out-dir> <tables> [--dialect pg|sqlite] [--files N]

The schema has varied column types, enums, indexes, foreign keys to earlier
tables and `sql` defaults, spread over N files (one by default) that import
each other like a real project. It also writes a drizzle.config.ts so
drizzle-kit reads the same files.
"""
import argparse
import os
import random

PG_COLUMNS = [
    'varchar("{n}", {{ length: 255 }})',
    'text("{n}")',
    'integer("{n}")',
    'bigint("{n}", {{ mode: "number" }})',
    'boolean("{n}").default(false)',
    'timestamp("{n}", {{ withTimezone: true }}).defaultNow()',
    'numeric("{n}", {{ precision: 12, scale: 2 }})',
    'jsonb("{n}").default({{}})',
    'uuid("{n}").defaultRandom()',
    'date("{n}")',
    'text("{n}").array()',
    'doublePrecision("{n}")',
    'integer("{n}").default(sql`0`)',
]

SQLITE_COLUMNS = [
    'text("{n}")',
    'integer("{n}")',
    'integer("{n}", {{ mode: "boolean" }}).default(false)',
    'integer("{n}", {{ mode: "timestamp" }}).default(sql`(unixepoch())`)',
    'real("{n}")',
    'blob("{n}")',
    'numeric("{n}")',
]


def table_source(i, dialect, rnd, enums):
    name = f"t{i:04d}"
    lines = []
    if dialect == "pg":
        lines.append(f'  id: integer("id").primaryKey().generatedAlwaysAsIdentity(),')
    else:
        lines.append(f'  id: integer("id").primaryKey({{ autoIncrement: true }}),')
    cols = PG_COLUMNS if dialect == "pg" else SQLITE_COLUMNS
    ncols = rnd.randint(4, 10)
    for c in range(ncols):
        tpl = rnd.choice(cols)
        expr = tpl.format(n=f"c{c}")
        if rnd.random() < 0.3:
            expr += ".notNull()"
        lines.append(f"  c{c}: {expr},")
    if dialect == "pg" and enums and rnd.random() < 0.4:
        e = rnd.choice(enums)
        lines.append(f'  status: {e}("status").notNull().default("a"),')
    refs = []
    if i > 0 and rnd.random() < 0.6:
        target = rnd.randrange(0, i)
        refs.append(target)
        lines.append(
            f'  parentId: integer("parent_id").references(() => t{target:04d}.id, {{ onDelete: "cascade" }}),'
        )
    extras = []
    if rnd.random() < 0.5:
        extras.append(f'index("{name}_c0_idx").on(t.c0)')
    if refs:
        extras.append(f'index("{name}_parent_idx").on(t.parentId)')
    if rnd.random() < 0.2:
        extras.append(f'uniqueIndex("{name}_c1_uq").on(t.c1)')
    table_fn = "pgTable" if dialect == "pg" else "sqliteTable"
    src = f'export const {name} = {table_fn}("{name}", {{\n' + "\n".join(lines) + "\n}"
    if extras:
        src += ", (t) => [\n    " + ",\n    ".join(extras) + ",\n  ]"
    src += ");\n"
    return name, src, refs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("tables", type=int)
    ap.add_argument("--dialect", default="pg", choices=["pg", "sqlite"])
    ap.add_argument("--files", type=int, default=1)
    ap.add_argument("--seed", type=int, default=42)
    args = ap.parse_args()
    rnd = random.Random(args.seed)
    schema_dir = os.path.join(args.out, "shared", "schema")
    os.makedirs(schema_dir, exist_ok=True)

    if args.dialect == "pg":
        core = "drizzle-orm/pg-core"
        imports = "pgTable, pgEnum, integer, bigint, varchar, text, boolean, timestamp, numeric, jsonb, uuid, date, doublePrecision, index, uniqueIndex"
        enums = [f"enum{k}" for k in range(max(1, args.tables // 50))]
    else:
        core = "drizzle-orm/sqlite-core"
        imports = "sqliteTable, integer, text, real, blob, numeric, index, uniqueIndex"
        enums = []

    files = max(1, args.files)
    owner = {}
    bodies = {f: [] for f in range(files)}
    deps = {f: set() for f in range(files)}
    for i in range(args.tables):
        f = i * files // args.tables
        name, src, refs = table_source(i, args.dialect, rnd, enums)
        owner[name] = f
        bodies[f].append(src)
        for r in refs:
            rf = owner[f"t{r:04d}"]
            if rf != f:
                deps[f].add((rf, f"t{r:04d}"))

    for f in range(files):
        head = [
            'import { sql } from "drizzle-orm";',
            f"import {{ {imports} }} from \"{core}\";",
        ]
        if enums:
            if f == 0:
                for e in enums:
                    head.append(f'export const {e} = pgEnum("{e}", ["a", "b", "c"]);')
            else:
                head.append(f'import {{ {", ".join(enums)} }} from "./part0";')
        by_file = {}
        for rf, name in sorted(deps[f]):
            by_file.setdefault(rf, []).append(name)
        for rf, names in sorted(by_file.items()):
            head.append(f'import {{ {", ".join(sorted(set(names)))} }} from "./part{rf}";')
        with open(os.path.join(schema_dir, f"part{f}.ts"), "w") as fh:
            fh.write("\n".join(head) + "\n\n" + "\n".join(bodies[f]))
    with open(os.path.join(schema_dir, "index.ts"), "w") as fh:
        fh.write("".join(f'export * from "./part{f}";\n' for f in range(files)))

    dialect = "postgresql" if args.dialect == "pg" else "sqlite"
    with open(os.path.join(args.out, "drizzle.config.ts"), "w") as fh:
        fh.write(
            'import { defineConfig } from "drizzle-kit";\n'
            f'export default defineConfig({{ dialect: "{dialect}", schema: "./shared/schema/index.ts", out: "./drizzle",'
            ' dbCredentials: { url: process.env.DATABASE_URL ?? "" } });\n'
        )
    with open(os.path.join(args.out, "db-migrate.toml"), "w") as fh:
        fh.write('schema = "shared/schema/index.ts"\n')


if __name__ == "__main__":
    main()
