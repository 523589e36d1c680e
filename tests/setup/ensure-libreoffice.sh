#!/usr/bin/env bash
# Make sure LibreOffice (headless Calc) is here before the tests run: the suite uses it as the
# real spreadsheet application. Installs it when it can (apt-get as root, `sudo -n apt-get`,
# Homebrew on macOS); otherwise stops at once with one line naming the command to run.
set -euo pipefail
. "$(dirname "$0")/apt-install.sh"

if command -v soffice >/dev/null 2>&1 || [ -x /Applications/LibreOffice.app/Contents/MacOS/soffice ]; then
  exit 0
fi

debian_packages="libreoffice-calc-nogui poppler-utils fonts-crosextra-carlito"

if command -v apt-get >/dev/null 2>&1; then
  apt_install "LibreOffice" $debian_packages
elif [ "$(uname -s)" = Darwin ] && command -v brew >/dev/null 2>&1; then
  echo "Installing LibreOffice for the tests (brew install --cask libreoffice)..." >&2
  brew install --cask libreoffice >/dev/null
else
  echo "make test: LibreOffice is missing; install LibreOffice so that 'soffice' is on PATH, then rerun make test" >&2
  exit 1
fi

command -v soffice >/dev/null 2>&1 || [ -x /Applications/LibreOffice.app/Contents/MacOS/soffice ] || {
  echo "make test: LibreOffice was installed but 'soffice' is not on PATH; add it and rerun make test" >&2
  exit 1
}
