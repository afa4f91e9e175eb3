#!/usr/bin/env bash
# Parses every .tf file under infra-terraform with HashiCorp's own HCL parser (@cdktf/hcl2json,
# the Go hcl library compiled to WebAssembly) and prints one JSON object: file path => its HCL as
# JSON. Used by the tests that check the Terraform's structure (no provider needed, offline but for
# the one npm install, cached by npm).
set -euo pipefail
cd "$(dirname "$0")/../.."
tools=target/hcl2json
if [ ! -d "$tools/node_modules/@cdktf/hcl2json" ]; then
  npm install --silent --no-audit --no-fund --prefix "$tools" @cdktf/hcl2json@0.21.0 >&2
fi
NODE_PATH="$tools/node_modules" node infra-terraform/tools/hcl2json.cjs infra-terraform
