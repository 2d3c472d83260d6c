#!/usr/bin/env bash
# Fills fuzz/corpus/<target>/ with seeds made at run time (never committed):
# the published examples from ../shared (when present) and one sample of
# each interaction from `fgm example` (and, for the json target, the same
# as FHIR JSON); the definitions target gets the
# project's definitions.
set -euo pipefail
cd "$(dirname "$0")"
for target in parse roundtrip tree differential; do
    mkdir -p "corpus/$target"
    if [ -d ../../shared/fgm-ris/examples ]; then
        cp ../../shared/fgm-ris/examples/*.xml "corpus/$target/"
    fi
done
(cd .. && cargo build -q -p fgm-cli)
for interaction in $(../target/debug/fgm example --list); do
    for target in parse roundtrip tree differential; do
        ../target/debug/fgm example "$interaction" > "corpus/$target/example-$interaction.xml"
    done
done
# The json target: each of those messages converted to FHIR JSON (those
# with no JSON form, content kept as XML, are skipped).
mkdir -p corpus/json
for file in corpus/parse/*.xml; do
    ../target/debug/fgm convert --to json "$file" > "corpus/json/$(basename "$file" .xml).json" 2>/dev/null \
        || rm -f "corpus/json/$(basename "$file" .xml).json"
done
# The structured target reads its bytes as random choices: any bytes seed it.
mkdir -p corpus/structured
for i in 1 2 3 4 5 6 7 8; do head -c 4096 /dev/urandom > "corpus/structured/random-$i"; done
# The constructors target splits its bytes at 0xFF into strings: seeds of
# boundary values, and text for the builders' slots.
mkdir -p corpus/constructors
printf '2024-02-29\xff2023-02-29T23:59:59+14:00\xff24:00:00\xff-2147483648\xffaGk=\xffurn:oid:2.16' > corpus/constructors/dates
printf 'Trust\x01\xffa b\xff\xef\xbf\xbe\xff\xed\x9f\xbf\xee\x80\x80\xffhttp://[::1]:80/x?y#z\xff12456\xff2015-06-01' > corpus/constructors/text
printf '<div xmlns="http://www.w3.org/1999/xhtml"><p>a &amp; b</p></div>\xff0.000000000000000000000000001\xff\t\r\n' > corpus/constructors/markup
# The handler target: each request sample behind its route byte (the
# index of its interaction among the requests, as fgm_spine::oracle reads it).
mkdir -p corpus/handler
route=0
for interaction in QueryV1Request QueryV2Request CreateRequest DeleteRequest; do
    { printf "\\$(printf '%03o' "$route")"; ../target/debug/fgm example "$interaction"; } > "corpus/handler/$interaction"
    route=$((route + 1))
done
mkdir -p corpus/definitions
find ../definitions -name '*.xml' -exec cp {} corpus/definitions/ \;
echo "seeded: $(ls corpus/parse | wc -l) messages, $(ls corpus/definitions | wc -l) definitions"
