#!/usr/bin/env bash
# Installs the coding-agent programs the agent tests drive, at pinned versions, from the npm
# registry into a cache folder OUTSIDE the project's node_modules (they are ~2 GB and no user of
# Confab downloads them: users bring their own agents). Each package goes to its own folder named
# by its version, so a folder that is there is reused and a version bump installs beside it.
#
#   CONFAB_TOOLS_DIR   where to install (default: $HOME/.cache/confab-test-tools)
#
# Tests find the binaries through test/support/agent-tools.ts (same folder, same names).
set -euo pipefail

tools_dir="${CONFAB_TOOLS_DIR:-$HOME/.cache/confab-test-tools}"
mkdir -p "$tools_dir"

# name@version, then after a "|" the npm flags it needs. Keep in step with test/support/agent-tools.ts.
# The Claude Agent SDK tracks Claude Code (0.3.332 ↔ 2.1.332); it is installed without its
# optional dependency (its own copy of the claude binary, ~200 MB: Confab points it at the one
# above) and without its peers (@anthropic-ai/sdk, @modelcontextprotocol/sdk, zod: types and
# in-process MCP servers only; sdk.mjs imports nothing but Node's built-ins).
packages=(
  "@agentclientprotocol/claude-agent-acp@0.101.0"
  "@anthropic-ai/claude-code@2.1.332"
  "@anthropic-ai/claude-agent-sdk@0.3.332|--omit=optional --legacy-peer-deps"
  "@openai/codex@0.171.0"
  "opencode-ai@1.18.33"
)

install_one() {
  local spec="${1%%|*}"
  local flags=""
  [[ "$1" == *"|"* ]] && flags="${1#*|}"
  local folder="$tools_dir/$(echo "$spec" | tr '/@' '+-' | sed 's/^-//')"
  if [ -f "$folder/.installed" ]; then
    echo "agent tools: $spec already in $folder"
    return
  fi
  echo "agent tools: installing $spec into $folder"
  rm -rf "$folder.partial"
  mkdir -p "$folder.partial"
  # Install scripts are needed: claude-code and opencode link their native binary in postinstall.
  # shellcheck disable=SC2086 # $flags is a list of flags
  npm install --prefix "$folder.partial" --no-audit --no-fund --no-save --loglevel=error $flags "$spec" >/dev/null
  touch "$folder.partial/.installed"
  rm -rf "$folder"
  mv "$folder.partial" "$folder"
}

start=$(date +%s)
pids=()
for spec in "${packages[@]}"; do
  install_one "$spec" &
  pids+=($!)
done
status=0
for pid in "${pids[@]}"; do wait "$pid" || status=1; done
echo "agent tools: done in $(( $(date +%s) - start )) s ($(du -sh "$tools_dir" | cut -f1) in $tools_dir)"
exit $status
