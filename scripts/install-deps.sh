#!/usr/bin/env bash
# Installs the Debian 12 packages cadent needs to build, test and run.
# A no-op when everything is present; uses sudo when not root.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git
  clang clang-format clang-tidy libclang-rt-14-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libabsl-dev libfmt-dev libspdlog-dev libcli11-dev nlohmann-json3-dev
  libsqlite3-dev sqlite3 libcurl4-openssl-dev
  libidn2-dev libpsl-dev libphonenumber-dev libutf8proc-dev libicu-dev
  libboost-dev libboost-system-dev
  libsodium-dev libhowardhinnant-date-dev tzdata
  libyaml-cpp-dev libgmime-3.0-dev libssl-dev
  dovecot-imapd openssl
  python3 time
  python3-dkim python3-nacl  # tests/support/dkim_verify.py: the independent DKIM verifier
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then
  sudo_cmd=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
