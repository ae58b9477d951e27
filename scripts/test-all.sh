#!/usr/bin/env bash
# The whole test suite: unit tests of every package, then the shared gradient vectors
# through the real `snn gradcheck` binary (when ../shared/vectors exists beside the checkout).
set -euo pipefail
cd "$(dirname "$0")/.."
PNPM_VERSION="$(node -p "require('./package.json').packageManager.split('@')[1]")"
if command -v pnpm >/dev/null 2>&1 && [ "$(pnpm --version 2>/dev/null)" = "$PNPM_VERSION" ]; then
  PNPM=(pnpm)
else
  PNPM=(npx --yes "pnpm@$PNPM_VERSION")
fi
"${PNPM[@]}" exec turbo run test --concurrency=1
VECTORS="${SNN_VECTORS:-../shared/vectors}"
if [ -d "$VECTORS" ]; then
  echo "== snn gradcheck over $VECTORS (f32, then f64)"
  node packages/cli/dist/bin.cjs gradcheck --skip-unsupported "$VECTORS"/*.json
  node packages/cli/dist/bin.cjs gradcheck --skip-unsupported --dtype f64 "$VECTORS"/*.json
else
  echo "== $VECTORS not found: gradient vectors skipped"
fi
