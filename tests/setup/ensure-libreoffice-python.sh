#!/usr/bin/env bash
# Make sure LibreOffice can run Python extensions before the tests run: the Calc door's tests
# (tests/test_calc_*.py) install backoffice.oxt into a fresh profile and drive Calc over UNO.
# Debian splits that out of LibreOffice: python3-uno (pyuno, the Python component loader),
# libreoffice-script-provider-python and libreoffice-dev (unoidl-write, to recompile the add-in's
# type library). Installs them when it can (apt-get as root, `sudo -n apt-get`); otherwise stops
# with one line naming the command. macOS: LibreOffice bundles its own Python and pyuno, nothing
# to install (the SDK, for unoidl-write, is a separate download and optional).
set -euo pipefail
. "$(dirname "$0")/apt-install.sh"

if [ "$(uname -s)" = Darwin ]; then
  exit 0  # LibreOffice.app bundles Python with uno
fi

have_all() {
  /usr/bin/python3 -c "import uno" >/dev/null 2>&1 &&
    [ -e /usr/lib/libreoffice/program/pythonloader.py ] &&
    [ -e /usr/lib/libreoffice/program/pythonscript.py ] &&
    { command -v unoidl-write >/dev/null 2>&1 || [ -x /usr/lib/libreoffice/sdk/bin/unoidl-write ]; }
}
have_all && exit 0

debian_packages="python3-uno libreoffice-script-provider-python libreoffice-dev"

if command -v apt-get >/dev/null 2>&1; then
  apt_install "LibreOffice's Python support" $debian_packages
else
  echo "make test: install LibreOffice's Python support (pyuno: 'import uno' in /usr/bin/python3) and the LibreOffice SDK (unoidl-write), then rerun make test" >&2
  exit 1
fi

have_all || {
  echo "make test: $debian_packages were installed but /usr/bin/python3 still cannot import uno" >&2
  exit 1
}
