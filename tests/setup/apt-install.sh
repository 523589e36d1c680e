# Sourced by the ensure-*.sh scripts: install Debian packages for the tests when this user can
# (apt-get as root, `sudo -n apt-get` otherwise); else stop with one line naming the command.
# Usage: apt_install "what they are for" package...
apt_install() {
  local purpose=$1
  shift
  local sudo=""
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
      sudo="sudo -n"
    else
      echo "make test: $purpose is missing; run: sudo apt-get install --no-install-recommends $*" >&2
      exit 1
    fi
  fi
  echo "Installing $purpose for the tests ($*)..." >&2
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}
