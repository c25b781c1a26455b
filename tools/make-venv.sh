#!/bin/sh
# Makes .venv for the Makefile (`make venv` and every target that needs it), in the current folder.
# The interpreter: $1 (the Makefile's PYTHON=...) when given, else the first of python3.13,
# python3.12, python3.11, python3 on PATH whose version the kit supports: 3.11 to 3.13, as
# pyproject.toml's requires-python says. A .venv that already works is kept.
# Debian's python3 has no ensurepip (so no venv) without the python3-venv package: as root with
# apt-get it is installed, as the Makefile installs bubblewrap; otherwise we say what to install.
set -eu

SUPPORTED="3.11 3.12 3.13"
CANDIDATES="python3.13 python3.12 python3.11 python3"
NEEDED="the kit needs Python 3.11, 3.12 or 3.13 (Debian 12's /usr/bin/python3, 3.11.2, will do)"
want=${1-}

version() {   # "3.11" for an interpreter that runs, nothing (and failure) otherwise
    "$1" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null
}
supported() {
    v=$(version "$1") || return 1
    case " $SUPPORTED " in *" $v "*) return 0 ;; esac
    return 1
}

if [ -n "$want" ] && ! supported "$want"; then
    if v=$(version "$want"); then found="is Python $v"; else found="does not run as a Python"; fi
    echo "make: PYTHON=$want $found: $NEEDED." >&2
    echo "      Pass one of those, e.g. make venv PYTHON=/usr/bin/python3.11" >&2
    exit 1
fi

if [ -x .venv/bin/python ] && .venv/bin/python -m pip --version >/dev/null 2>&1; then
    if ! supported .venv/bin/python; then
        echo "make: .venv is Python $(version .venv/bin/python || echo '?'): $NEEDED." >&2
        echo "      Remove it (rm -rf .venv) and run make again, with PYTHON=... if needed." >&2
        exit 1
    fi
    if [ -n "$want" ]; then
        echo "make: keeping the existing .venv ($(.venv/bin/python --version 2>&1)); rm -rf .venv to make it with $want"
    fi
    exit 0
fi

py=$want
if [ -z "$py" ]; then
    seen=""
    for candidate in $CANDIDATES; do
        command -v "$candidate" >/dev/null 2>&1 || continue
        if supported "$candidate"; then
            py=$(command -v "$candidate")
            break
        fi
        seen="$seen $candidate ($(version "$candidate" || echo 'does not run'))"
    done
    if [ -z "$py" ]; then
        echo "make: no supported Python on PATH (looked for $CANDIDATES; found:${seen:- none}): $NEEDED." >&2
        echo "      Install one, or pass its path: make venv PYTHON=/path/to/python3.11" >&2
        exit 1
    fi
fi
v=$(version "$py")

if ! "$py" -c 'import ensurepip' >/dev/null 2>&1; then
    # Debian's package for the default python3 is python3-venv; other versions have their own.
    package=python3-venv
    [ "$(version /usr/bin/python3 || true)" = "$v" ] || package="python$v-venv"
    real=$(readlink -f "$(command -v "$py")")
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 \
            && dpkg -S "$real" >/dev/null 2>&1; then
        echo "make: $py ($v) cannot make a venv without Debian's $package: installing it"
        apt-get update -qq && apt-get install -y -qq "$package"
    else
        echo "make: $py (Python $v) cannot make a venv: its ensurepip module is missing." >&2
        echo "      On Debian/Ubuntu: apt-get install $package (as root), or pass another" >&2
        echo "      interpreter: make venv PYTHON=/path/to/python3.11" >&2
        exit 1
    fi
fi

echo "make: creating .venv with $py (Python $v)"
if ! "$py" -m venv --clear .venv; then
    rm -rf .venv
    echo "make: '$py -m venv .venv' failed (above)." >&2
    exit 1
fi
