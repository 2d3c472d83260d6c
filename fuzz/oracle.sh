#!/usr/bin/env bash
# Makes fuzz/oracle/ (git-ignored): the reader of a fixed commit, for the
# differential target to compare the checked-out reader against. The crates
# fgm (package fgm-rs), fgm-derive, fgm-build and fgm-types, with the
# definitions, are taken from git (`git archive`, never copied into the
# repository) and renamed fgm-rs-oracle, fgm-derive-oracle, fgm-build-oracle
# and fgm-types-oracle, in a workspace of their own, so that Cargo can hold
# both readers in one build: two path packages of the same name and version
# cannot share a lockfile. The library names stay (`fgm`, `fgm_derive`, ...),
# so the generated code's `::fgm` still names the oracle's own runtime.
#
# Usage: ./oracle.sh [COMMIT]   (default: $FGM_ORACLE, else fd0483b, the
# reader before issue 28's). Does nothing when oracle/ already holds COMMIT.
set -euo pipefail
cd "$(dirname "$0")"
commit=${1:-${FGM_ORACLE:-fd0483b}}
top=$(git rev-parse --show-toplevel)
full=$(git -C "$top" rev-parse --verify --quiet "$commit^{commit}") || {
    echo "oracle.sh: commit $commit is not in this clone (a shallow clone? git fetch --unshallow)" >&2
    exit 1
}
if [ "$(cat oracle/COMMIT 2>/dev/null)" = "$full" ]; then
    echo "oracle: $full (up to date)"
    exit 0
fi
rm -rf oracle oracle.new
mkdir oracle.new
git -C "$top" archive "$full" Cargo.toml LICENSE definitions fgm fgm-derive fgm-build fgm-types |
    tar -x -C oracle.new

# Each crate's manifest: the package renamed; tests, examples, benches and
# their dev-dependencies dropped (only the libraries are built).
for crate in fgm fgm-derive fgm-build fgm-types; do
    manifest=oracle.new/$crate/Cargo.toml
    awk '
        /^\[/ { skip = ($0 ~ /^\[(dev-dependencies|\[example\]|\[bench\]|\[test\])/) }
        !skip
    ' "$manifest" |
        sed -E 's/^name = "(fgm-rs|fgm-derive|fgm-build|fgm-types)"$/name = "\1-oracle"/' \
            > "$manifest.new"
    mv "$manifest.new" "$manifest"
    grep -q '^name = "fgm-[a-z]*-oracle"$' "$manifest" || {
        echo "oracle.sh: could not rename the package in $crate/Cargo.toml" >&2
        exit 1
    }
done

# The workspace: its shared package fields and dependencies, the four
# crates renamed where they are named (`fgm = { package = "fgm-rs", ... }`).
{
    echo "# Made by fuzz/oracle.sh from $full: do not edit."
    echo '[workspace]'
    echo 'resolver = "3"'
    echo 'members = ["fgm", "fgm-build", "fgm-derive", "fgm-types"]'
    echo
    awk '
        /^\[/ { keep = ($0 == "[workspace.package]" || $0 == "[workspace.dependencies]") }
        keep
    ' oracle.new/Cargo.toml |
        sed -E -e 's/^fgm = \{ package = "fgm-rs",/fgm = { package = "fgm-rs-oracle",/' \
            -e 's/^(fgm-derive|fgm-build|fgm-types) = \{ path/\1 = { package = "\1-oracle", path/' \
            -e '/^fgm-spine = /d'
} > oracle.new/Cargo.toml.new
mv oracle.new/Cargo.toml.new oracle.new/Cargo.toml
for crate in fgm-rs fgm-derive fgm-build fgm-types; do
    grep -q "package = \"$crate-oracle\"" oracle.new/Cargo.toml || {
        echo "oracle.sh: could not rename $crate in the workspace's Cargo.toml" >&2
        exit 1
    }
done
echo "$full" > oracle.new/COMMIT
mv oracle.new oracle
echo "oracle: $full ($(git -C "$top" log -1 --format=%s "$full" | cut -c1-60)...)"
