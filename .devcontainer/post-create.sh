#!/usr/bin/env bash
# Runs once when the dev container is created: Jupyter from Debian, then the README's set-up
# (npm ci builds lib/ and registers the "TypeScript (streamlab)" kernel).
set -euo pipefail
sudo apt-get update -qq
sudo apt-get install -y -qq jupyter-nbconvert python3-nbclient jupyter-client jupyter-notebook chromium build-essential python3
npm ci
