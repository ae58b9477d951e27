#!/usr/bin/env bash
# Installs what the repository needs on a machine that has only Node >= 20 and npm:
# pnpm (pinned in package.json), the workspace dependencies, and a build of every package.
set -euo pipefail
cd "$(dirname "$0")/.."
PNPM_VERSION="$(node -p "require('./package.json').packageManager.split('@')[1]")"
if command -v pnpm >/dev/null 2>&1 && [ "$(pnpm --version 2>/dev/null)" = "$PNPM_VERSION" ]; then
  PNPM=(pnpm)
else
  PNPM=(npx --yes "pnpm@$PNPM_VERSION")
fi
if [ -f pnpm-lock.yaml ]; then
  "${PNPM[@]}" install --frozen-lockfile --reporter=append-only
else
  "${PNPM[@]}" install --reporter=append-only
fi
"${PNPM[@]}" exec turbo run build --output-logs=errors-only
