#!/usr/bin/env bash
# Differential test: renders difftest/corpus/*.txt with Apache Velocity 1.7 (via
# the Java shim in difftest/java) and with proscenium-vtl, and compares the
# outputs byte for byte. Installs nothing: needs java, javac and the Debian
# packages velocity, libjsonpath-java, libcommons-lang-java.
# With --bless it also records Velocity's outputs in difftest/golden.txt, which
# plain `cargo test` then uses as the reference (no Java needed there).
set -euo pipefail
bless=""
if [[ "${1:-}" == "--bless" ]]; then bless=1; fi
here="$(cd "$(dirname "$0")" && pwd)"
crate="$(dirname "$here")"
jars=/usr/share/java
need=(velocity.jar commons-collections3.jar commons-lang.jar json-path.jar json-smart.jar
      accessors-smart.jar asm.jar slf4j-api.jar slf4j-nop.jar)
missing=0
for tool in java javac; do
  command -v "$tool" >/dev/null || { echo "difftest: '$tool' not found (install a JDK)" >&2; missing=1; }
done
cp=""
for j in "${need[@]}"; do
  if [[ ! -f "$jars/$j" ]]; then echo "difftest: missing $jars/$j" >&2; missing=1; fi
  cp="$cp:$jars/$j"
done
if [[ $missing -ne 0 ]]; then
  echo "difftest: install with: apt-get install -y velocity libjsonpath-java libcommons-lang-java default-jdk-headless" >&2
  exit 2
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
javac -nowarn -cp "${cp#:}" -d "$work/classes" "$here/java/Shim.java"
java -cp "${cp#:}:$work/classes" Shim "$here/corpus" "$work/out"
cd "$crate"
VTL_DIFFTEST_BLESS="$bless" VTL_DIFFTEST_JAVA_OUT="$work/out" \
  cargo test -p proscenium-vtl --test difftest -- --nocapture
