#!/bin/bash -eu
# Builds every fuzz target (OSS-Fuzz / ClusterFuzzLite), with the FHIR
# dictionary next to each.
cd "$SRC/fgm-rs"
cargo fuzz build -O
for target in parse roundtrip structured constructors definitions json tree; do
    cp "fuzz/target/x86_64-unknown-linux-gnu/release/$target" "$OUT/"
    cp fuzz/fgm.dict "$OUT/$target.dict"
done
