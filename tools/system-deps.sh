#!/usr/bin/env bash
# Installs the Debian packages evalclip builds against, when they are missing.
# Each argument is PACKAGE or PACKAGE:COMMAND; with a command, the package
# counts as present when the command is on PATH (node and npm, for example,
# often come from elsewhere than Debian). As root on Debian it runs apt-get;
# otherwise it lists what is missing and carries on: the steps that need a
# package fail later with their own message, and builds fall back to pure-Go
# paths where they can.
#
#   tools/system-deps.sh gcc:gcc npm:npm libopenblas-dev ...
set -uo pipefail

missing=()
for arg in "$@"; do
  pkg=${arg%%:*}
  cmd=
  [ "$pkg" != "$arg" ] && cmd=${arg#*:}
  if [ -n "$cmd" ] && command -v "$cmd" >/dev/null 2>&1; then
    continue
  fi
  if dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    continue
  fi
  missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "system-deps: apt-get install ${missing[*]}" >&2
  if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; }; then
    echo "system-deps: warning: could not install ${missing[*]}; continuing" >&2
  fi
elif ! command -v dpkg-query >/dev/null 2>&1; then
  echo "system-deps: not a Debian system; make sure these (or their equivalents) are installed: ${missing[*]}" >&2
else
  echo "system-deps: missing Debian packages: ${missing[*]} (run as root, or: sudo apt-get install ${missing[*]})" >&2
fi
exit 0
