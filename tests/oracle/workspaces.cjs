#!/usr/bin/env node
// Lists the workspace packages of a fixture, one "name<TAB>relative/dir" per line.
//
// Usage: node workspaces.cjs <fixture-dir>
//
// Workspaces are read from package.json ("workspaces": [...] or
// {"packages": [...]}) and from pnpm-workspace.yaml ("packages:" list).
// Patterns may be a plain folder ("packages/db") or end in "/*" (every
// folder directly below). Anything fancier is rejected, so a fixture
// cannot silently lose a package.
'use strict';

const fs = require('fs');
const path = require('path');

const root = path.resolve(process.argv[2] || '.');

function readJson(file) {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

function patterns() {
  const out = [];
  const pkgFile = path.join(root, 'package.json');
  if (fs.existsSync(pkgFile)) {
    const ws = readJson(pkgFile).workspaces;
    if (Array.isArray(ws)) out.push(...ws);
    else if (ws && Array.isArray(ws.packages)) out.push(...ws.packages);
  }
  const pnpmFile = path.join(root, 'pnpm-workspace.yaml');
  if (fs.existsSync(pnpmFile)) {
    // Only the shape pnpm documents: "packages:" followed by "  - 'glob'" items.
    let inPackages = false;
    for (const raw of fs.readFileSync(pnpmFile, 'utf8').split(/\r?\n/)) {
      const line = raw.replace(/#.*$/, '');
      if (/^packages:\s*$/.test(line)) { inPackages = true; continue; }
      if (/^\S/.test(line)) { inPackages = false; continue; }
      const m = inPackages && line.match(/^\s+-\s+['"]?([^'"]+?)['"]?\s*$/);
      if (m) out.push(m[1]);
    }
  }
  return out;
}

function expand(pattern) {
  if (pattern.startsWith('!')) return [];
  const clean = pattern.replace(/^\.\//, '').replace(/\/$/, '');
  if (clean.endsWith('/*')) {
    const base = clean.slice(0, -2);
    if (base.includes('*')) throw new Error(`unsupported workspace pattern: ${pattern}`);
    const dir = path.join(root, base);
    if (!fs.existsSync(dir)) return [];
    return fs.readdirSync(dir, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => path.posix.join(base, d.name))
      .sort();
  }
  if (clean.includes('*')) throw new Error(`unsupported workspace pattern: ${pattern}`);
  return [clean];
}

const seen = new Set();
for (const pattern of patterns()) {
  for (const rel of expand(pattern)) {
    const pkgFile = path.join(root, rel, 'package.json');
    if (!fs.existsSync(pkgFile) || seen.has(rel)) continue;
    seen.add(rel);
    const name = readJson(pkgFile).name;
    if (name) process.stdout.write(`${name}\t${rel}\n`);
  }
}
