#!/usr/bin/env bash
# Installs everything paperclerk needs on a Debian machine: system packages and a .venv.
# Safe to run again: it skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

# dovecot-imapd: the mailbox intake's tests start their own IMAP server on a free port.
APT_PACKAGES=(tesseract-ocr tesseract-ocr-eng fonts-dejavu-core dovecot-imapd chromium)
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "setup: installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
  if [[ " ${missing[*]} " == *" dovecot-imapd "* ]]; then
    # The package starts a system dovecot on ports 143/993; nothing here needs it running.
    $SUDO systemctl disable --now dovecot >/dev/null 2>&1 \
      || $SUDO service dovecot stop >/dev/null 2>&1 || true
  fi
fi

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv"
  "$PYTHON" -m venv .venv
fi
stamp=".venv/.paperclerk-installed"
want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "setup: installing Python packages (pinned in pyproject.toml)"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e '.[dev]'
  echo "$want" > "$stamp"
fi

# PostgreSQL on 127.0.0.1:5432 for the service tests (`PAPERCLERK_TEST_DATABASE_URL`).
# Best effort: where it cannot be started, those tests skip and say why.
if command -v pg_isready >/dev/null 2>&1; then
  if ! pg_isready -q -h 127.0.0.1 -p 5432; then
    echo "setup: starting PostgreSQL"
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO service postgresql start >/dev/null 2>&1 || true
    if ! pg_isready -q -h 127.0.0.1 -p 5432 && command -v pg_ctlcluster >/dev/null 2>&1; then
      for version in $(ls /etc/postgresql 2>/dev/null); do
        $SUDO pg_ctlcluster --skip-systemctl-redirect "$version" main start >/dev/null 2>&1 || true
      done
    fi
    for _ in $(seq 1 20); do
      pg_isready -q -h 127.0.0.1 -p 5432 && break
      sleep 0.5
    done
  fi
  if pg_isready -q -h 127.0.0.1 -p 5432; then
    if ! psql -h 127.0.0.1 -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'test'" 2>/dev/null | grep -q 1; then
      createdb -h 127.0.0.1 -U postgres test 2>/dev/null || echo "setup: could not create database 'test'"
    fi
  else
    echo "setup: PostgreSQL is not reachable on 127.0.0.1:5432; PostgreSQL tests will be skipped"
  fi
fi
