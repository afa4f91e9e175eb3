#!/usr/bin/env bash
# Validates every state machine with the npm asl-validator (the schema AWS publishes, paths,
# transitions, reachability). Task resources are Terraform placeholders, hence --no-arn-check.
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
for definition in functions/state-machines/*.asl.json; do
  npx --yes asl-validator@4.0.0 --json-path "$definition" --no-arn-check || status=1
done
exit $status
