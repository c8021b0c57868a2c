#!/usr/bin/env bash
# Make podman usable for the container tests, or say why it is not.
#
# Idempotent. When podman and runc already work, it only (re)writes the
# containers.conf the tests use. Otherwise, as root with apt available, it
# installs podman, runc and debootstrap. It always exits 0: without podman the
# container tests run their commands on the host instead, and say so.
#
# stdout: one line `CONTAINERS_CONF=<path>` when podman is usable, nothing otherwise.
# stderr: what it did, prefixed with `ensure-podman:`.
#
# Usage: scripts/ensure-podman.sh [--no-install]
set -uo pipefail

install=1
for arg in "$@"; do
    case "$arg" in
        --no-install) install=0 ;;
        -h | --help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "ensure-podman: unknown argument $arg (try --help)" >&2; exit 2 ;;
    esac
done

say() { echo "ensure-podman: $*" >&2; }

home="${HOME:-$(getent passwd "$(id -u)" | cut -d: -f6)}"
conf_dir="${AXL_TESTS_CONFIG_DIR:-${XDG_CONFIG_HOME:-$home/.config}/axl-tests}"
conf="$conf_dir/containers.conf"

# Podman's default ulimits exceed what a sandboxed kernel may allow: ask for
# at most the hard limits this shell has.
write_conf() {
    local nofile nproc pid_max
    nofile="$(ulimit -Hn)"
    if [ "$nofile" = unlimited ] || [ "$nofile" -gt 1048576 ]; then nofile=1048576; fi
    nproc=4096
    pid_max="$(cat /proc/sys/kernel/pid_max 2>/dev/null || echo 32768)"
    if [ "$pid_max" -lt "$nproc" ]; then nproc="$pid_max"; fi
    mkdir -p "$conf_dir"
    local tmp="$conf.$$"
    cat >"$tmp" <<CONF
# Written by scripts/ensure-podman.sh; rewritten on every run.
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]

[engine]
# crun cannot start containers on hybrid-cgroup hosts; runc can.
runtime = "runc"
CONF
    mv -f "$tmp" "$conf"
}

podman_works() {
    command -v podman >/dev/null 2>&1 && command -v runc >/dev/null 2>&1 &&
        CONTAINERS_CONF="$conf" podman info >/dev/null 2>&1
}

write_conf
if ! podman_works; then
    if [ "$install" = 0 ]; then
        say "podman or runc is missing or broken (not installing: --no-install)"
        exit 0
    fi
    if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
        say "podman or runc is missing and cannot be installed here (needs root and apt-get);" \
            "container tests will run on the host instead"
        exit 0
    fi
    say "installing podman, runc and debootstrap with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    apt_install() { apt-get install -y -qq podman runc debootstrap >/dev/null 2>&1; }
    if ! apt_install; then
        apt-get update -qq >/dev/null 2>&1
        if ! apt_install; then
            say "apt-get could not install podman; container tests will run on the host instead"
            exit 0
        fi
    fi
    if ! podman_works; then
        say "podman is installed but 'podman info' fails; container tests will run on the host instead"
        exit 0
    fi
fi
if ! command -v debootstrap >/dev/null 2>&1; then
    say "debootstrap is missing: the base image can only be reused, not built"
fi
say "podman $(podman --version 2>/dev/null | awk '{print $3}') is ready"
echo "CONTAINERS_CONF=$conf"
