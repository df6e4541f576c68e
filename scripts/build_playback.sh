#!/usr/bin/env bash
# Rebuild the map playback component (ui/components/playback/build/): deck.gl from npm bundled by esbuild into one
# offline file, committed so that neither CI nor a deployment needs node. Needs node 20 and npm (registry access
# only while building). Usage: scripts/build_playback.sh
set -euo pipefail
cd "$(dirname "$0")/../ui/components/playback/frontend"
npm ci --no-audit --no-fund 2>/dev/null || npm install --no-audit --no-fund
npm run build
cp src/index.html ../build/index.html
node notices.mjs  # ../build/THIRD_PARTY_NOTICES.txt: the bundled packages and their licences
ls -l ../build
