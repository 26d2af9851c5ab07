# Sourced by bin/run and bin/test: a virtualenv in .venv with the pinned requirements, reinstalled when they change.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PYTHON="${PYTHON:-python3.11}"
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
  .venv/bin/python -m pip install --quiet --upgrade pip
fi
want="$(cat requirements.txt requirements-dev.txt | sha256sum | cut -c1-16)-$1"
if [ "$(cat .venv/.zyparty-installed 2>/dev/null)" != "$want" ]; then
  .venv/bin/pip install --quiet --disable-pip-version-check -r "requirements${1:+-$1}.txt"
  echo "$want" > .venv/.zyparty-installed
fi
