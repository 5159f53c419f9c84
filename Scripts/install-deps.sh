#!/usr/bin/env bash
# Installs the Debian packages MixLab builds against, when they are missing.
# Uses apt-get directly as root, sudo otherwise; says what to run when neither works.
set -euo pipefail

# unzip, bzip2 and dpkg-deb (always on Debian) unpack the dataset artifacts of `mixlab data fetch`.
# Open MPI (libopenmpi-dev, openmpi-bin) is for data-parallel training only: MixLab opens libmpi at run time,
# so building and single-process training work without it (`make test-mpi` uses mpirun).
packages=(libfftw3-dev libgsl-dev libopenblas-dev libopenmpi-dev openmpi-bin pkg-config unzip bzip2)
missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "MixLab: installing missing Debian packages: ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then
  apt_get=(apt-get)
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  apt_get=(sudo apt-get)
else
  echo "MixLab: cannot install packages: not root, and sudo is unavailable or needs a password." >&2
  echo "Run this once, then retry:" >&2
  echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${apt_get[@]}" update -qq
"${apt_get[@]}" install -y -qq "${missing[@]}"
