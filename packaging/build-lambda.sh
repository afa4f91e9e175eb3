#!/usr/bin/env bash
# Builds the function.zip to deploy (JVM) into target/lambda/, from within `./mvnw verify` (package
# phase), so that the integration tests (LambdaPackageIT) run what would reach AWS. The same as
# `./mvnw package -Dlambda` by hand.
set -euo pipefail
cd "$(dirname "$0")/.."
log=target/lambda-build.log
mkdir -p target
if ! ./mvnw -B -q package -Dlambda >"$log" 2>&1; then
  tail -60 "$log" >&2
  echo "build-lambda: ./mvnw package -Dlambda failed (log: $log)" >&2
  exit 1
fi
echo "build-lambda: target/lambda/function.zip ($(($(stat -c %s target/lambda/function.zip) / 1024 / 1024)) MB)"
