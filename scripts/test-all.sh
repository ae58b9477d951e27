#!/usr/bin/env bash
# The whole test suite: unit tests of every package, the README examples, then the shared gradient
# vectors through the real `snn gradcheck` binary (when ../shared/vectors exists beside the checkout).
# Ends with one line "tests: N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."
PNPM_VERSION="$(node -p "require('./package.json').packageManager.split('@')[1]")"
if command -v pnpm >/dev/null 2>&1 && [ "$(pnpm --version 2>/dev/null)" = "$PNPM_VERSION" ]; then
  PNPM=(pnpm)
else
  PNPM=(npx --yes "pnpm@$PNPM_VERSION")
fi
rm -f packages/*/.vitest-report.json examples/*/.vitest-report.json
"${PNPM[@]}" exec turbo run test --concurrency=1 --output-logs=new-only -- --reporter=default --reporter=json --outputFile.json=.vitest-report.json
GRADCHECK=()
VECTORS="${SNN_VECTORS:-../shared/vectors}"
if [ -d "$VECTORS" ]; then
  # Top-level vectors plus the cell-variant vectors in cells/ (string/boolean cellOptions) and the
  # feed-forward ones in ff/ (vectors.md, "Feed-forward LIF networks").
  FILES=("$VECTORS"/*.json)
  if compgen -G "$VECTORS/cells/*.json" >/dev/null; then FILES+=("$VECTORS"/cells/*.json); fi
  if compgen -G "$VECTORS/ff/*.json" >/dev/null; then FILES+=("$VECTORS"/ff/*.json); fi
  for dtype in f32 f64; do
    echo "== snn gradcheck --dtype $dtype over $VECTORS"
    node packages/cli/dist/bin.cjs gradcheck --skip-unsupported --json --dtype "$dtype" "${FILES[@]}" > ".gradcheck-$dtype.jsonl" || true
    node packages/cli/dist/bin.cjs gradcheck --skip-unsupported --dtype "$dtype" "${FILES[@]}" | grep -v UNSUPPORTED || true
    counts="$(node -e '
      const lines = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").filter(Boolean).map(JSON.parse);
      const pass = lines.filter((l) => l.status === "pass").length;
      const bad = lines.filter((l) => l.status === "fail" || l.status === "error").length;
      console.log(pass + ":" + bad);' ".gradcheck-$dtype.jsonl")"
    GRADCHECK+=("$counts")
  done
  rm -f .gradcheck-*.jsonl
else
  echo "== $VECTORS not found: gradient vectors skipped"
fi
node scripts/summarize-tests.mjs "${GRADCHECK[@]}"
