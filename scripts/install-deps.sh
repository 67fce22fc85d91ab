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
  python3-aiosmtpd           # tests/support/smtp_server.py: the SMTP server tests read back
  postfix                    # smtp-sink and smtp-source for bench/smtp (the daemon stays off)
  util-linux                 # taskset, to pin bench/smtp to one core
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
# Postfix is wanted for its test tools only: "No configuration" leaves its daemon unset and
# stopped (no mail system is configured on the machine).
if printf '%s\n' "${missing[@]}" | grep -qx postfix; then
  echo "postfix postfix/main_mailer_type select No configuration" |
    "${sudo_cmd[@]}" debconf-set-selections
fi
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
