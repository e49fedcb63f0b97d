#!/usr/bin/env node
// db-migrate's npm launcher: runs the binary from the platform package npm
// installed next to this one (an optionalDependency chosen by os/cpu/libc),
// passing arguments, stdio, signals and the exit code through.
"use strict";

const { spawn } = require("node:child_process");
const path = require("node:path");

const SCOPE = "@db-migrate-rs";

function libc() {
  if (process.platform !== "linux") return "";
  const report = process.report && process.report.getReport ? process.report.getReport() : null;
  const glibc = report && report.header && report.header.glibcVersionRuntime;
  return glibc ? "-gnu" : "-musl";
}

const platformPackage = `${SCOPE}/${process.platform}-${process.arch}${libc()}`;
const exe = process.platform === "win32" ? "db-migrate.exe" : "db-migrate";

let binary;
try {
  binary = require.resolve(`${platformPackage}/bin/${exe}`);
} catch {
  process.stderr.write(
    `db-migrate: no binary for this platform: the package ${platformPackage} is not installed.\n` +
      `It is an optional dependency of ${SCOPE}/cli; reinstall without --no-optional / --omit=optional,\n` +
      `or check that ${process.platform}-${process.arch} is a supported platform.\n`,
  );
  process.exit(2);
}

const child = spawn(binary, process.argv.slice(2), { stdio: "inherit" });
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(signal, () => {
    if (!child.killed) child.kill(signal);
  });
}
child.on("error", (error) => {
  process.stderr.write(`db-migrate: could not run ${binary}: ${error.message}\n`);
  process.exit(2);
});
child.on("exit", (code, signal) => {
  if (signal) {
    // Exit as the binary did: 128 + the signal's number.
    const numbers = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15, SIGKILL: 9 };
    process.exit(128 + (numbers[signal] || 1));
  }
  process.exit(code === null ? 1 : code);
});
