#!/usr/bin/env bash
# Make the programs some tests drive available, or say why not: Graphviz's dot
# (axl graph --format svg|png) and headless Chromium (the run report's browser test).
#
# Idempotent. A program that already works is left alone. Otherwise, with apt
# available, as root (or with passwordless sudo), it installs Debian's graphviz
# and chromium packages.
# It always exits 0: without a program the tests that need it are skipped, and say so.
#
# stdout: the path of the Chromium binary when one is usable, nothing otherwise.
# stderr: what it did, prefixed with `ensure-test-tools:`.
#
# Usage: scripts/ensure-test-tools.sh [--no-install]
set -uo pipefail

install=1
for arg in "$@"; do
    case "$arg" in
        --no-install) install=0 ;;
        -h | --help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "ensure-test-tools: unknown argument $arg (try --help)" >&2; exit 2 ;;
    esac
done

say() { echo "ensure-test-tools: $*" >&2; }

# The names tests/report/chromium.py looks for, in its order.
find_chromium() {
    local name
    for name in chromium chromium-browser google-chrome google-chrome-stable; do
        if command -v "$name" >/dev/null 2>&1; then
            command -v "$name"
            return 0
        fi
    done
    return 1
}

chromium_works() {
    local binary
    binary="$(find_chromium)" || return 1
    timeout 60 "$binary" --version >/dev/null 2>&1
}

as_root=()
if [ "$(id -u)" != 0 ]; then
    as_root=(sudo -n)  # a CI runner's passwordless sudo
fi

can_install() {
    command -v apt-get >/dev/null 2>&1 && "${as_root[@]}" true >/dev/null 2>&1
}

apt_install() {
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq --no-install-recommends "$@" >/dev/null 2>&1
}

if ! command -v dot >/dev/null 2>&1; then
    if [ "$install" = 1 ] && can_install; then
        say "installing graphviz with apt-get"
        apt_install graphviz || { "${as_root[@]}" apt-get update -qq >/dev/null 2>&1; apt_install graphviz; }
    fi
    command -v dot >/dev/null 2>&1 || say "Graphviz's dot is missing; the svg/png graph tests will be skipped"
fi

if ! chromium_works; then
    if [ "$install" = 0 ]; then
        say "Chromium is missing or broken (not installing: --no-install); the browser test will be skipped"
        exit 0
    fi
    if ! can_install; then
        say "Chromium is missing and cannot be installed here (needs apt-get, as root or" \
            "with passwordless sudo); the browser test will be skipped"
        exit 0
    fi
    say "installing chromium with apt-get"
    if ! apt_install chromium; then
        "${as_root[@]}" apt-get update -qq >/dev/null 2>&1
        if ! apt_install chromium; then
            say "apt-get could not install chromium; the browser test will be skipped"
            exit 0
        fi
    fi
    if ! chromium_works; then
        say "chromium is installed but does not start; the browser test will be skipped"
        exit 0
    fi
fi
binary="$(find_chromium)"
say "$(timeout 60 "$binary" --version 2>/dev/null | head -n 1) is ready"
echo "$binary"
