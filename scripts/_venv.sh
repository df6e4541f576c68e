# Shared by run.sh and test.sh: create .venv with the given requirements file, installing python3-venv on
# Debian when the interpreter lacks it. Re-installs only when the requirements file changed.
set -euo pipefail
PYTHON=${PYTHON:-python3}
VENV=${VENV:-.venv}

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "Need root (or sudo) to run: $*" >&2; return 1; fi
}

apt_install() {
  # apt_install PACKAGE... : install the Debian packages that are missing
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "Installing Debian packages: ${missing[*]}"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

ensure_venv() {
  local requirements=$1
  if [ ! -x "$VENV/bin/python" ]; then
    if ! "$PYTHON" -m venv "$VENV" 2>/dev/null; then
      rm -rf "$VENV"
      apt_install python3-venv
      "$PYTHON" -m venv "$VENV"
    fi
  fi
  # Installs come from the lock file beside the readable list (requirements.txt -> requirements.lock): every
  # package, transitive ones included, pinned with its hashes, so an install is the same everywhere. PIP_NO_INDEX=1
  # PIP_FIND_LINKS=/path/to/wheels installs it on an intranet machine from a folder of wheels (README).
  local lock="${requirements%.txt}.lock"
  local stamp="$VENV/.installed-$(basename "$lock")"
  if [ ! -f "$stamp" ] || [ "$lock" -nt "$stamp" ]; then
    "$VENV/bin/python" -m pip install -q --require-hashes --no-deps -r "$lock"
    touch "$stamp"
  fi
}
