#!/usr/bin/env bash
# Replays a fixed corpus through a fuzz target, several passes, and prints
# executions per second: a measure of a build's speed that does not depend
# on where a campaign's mutations wander (libFuzzer's own exec/s does).
# Each pass runs the binary once with `-runs=0`: every unit of the corpus
# executed once, no mutation. It prints the rate by the wall clock (the
# process's time, start to end) and by the CPU time the process used (user
# and system), which the machine's other work disturbs less.
#
# Usage: ./throughput.sh [--callgrind] TARGET CORPUS [PASSES]
#   TARGET   a target's name (its binary under target/, as `cargo +nightly
#            fuzz build -O TARGET` leaves it) or the path of a fuzz binary
#            (keep a copy of one build's binaries to compare it with
#            another's, alternating runs in one sitting)
#   CORPUS   a directory of inputs (never written to)
#   PASSES   how many passes (default 5)
#   --callgrind  instead, one pass under valgrind's callgrind, counting only
#            the instructions of the target itself (rust_fuzzer_test_input):
#            instructions per execution, whatever the machine's load. Needs
#            a build without AddressSanitizer, which valgrind cannot run:
#            `cargo +nightly fuzz build -O -s none --target-dir target/none
#            TARGET`, then its path, target/none/x86_64-unknown-linux-gnu/release/TARGET.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
callgrind=false
if [ "${1:-}" = "--callgrind" ]; then
    callgrind=true
    shift
fi
if [ $# -lt 2 ]; then
    sed -n '2,/^set /p' "$0" | sed '$d; s/^# \{0,1\}//'
    exit 2
fi
target=$1 corpus=$2 passes=${3:-5}
if [ -x "$target" ] && [ ! -d "$target" ]; then
    bin=$target
else
    bin=$here/target/x86_64-unknown-linux-gnu/release/$target
    [ -x "$bin" ] || { echo "throughput.sh: no binary $bin (cargo +nightly fuzz build -O $target)" >&2; exit 1; }
fi
[ -d "$corpus" ] || { echo "throughput.sh: no corpus directory $corpus" >&2; exit 1; }
units=$(find "$corpus" -maxdepth 1 -type f | wc -l)
# libFuzzer writes what it finds to its first corpus directory: give it an
# empty one, so that the corpus measured stays as it is.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
flags=(-runs=0 -print_final_stats=1 -rss_limit_mb=2048 -timeout=10)

if $callgrind; then
    valgrind --tool=callgrind --callgrind-out-file="$scratch/callgrind.out" \
        --toggle-collect='rust_fuzzer_test_input*' \
        "$bin" "${flags[@]}" "$scratch" "$corpus" > "$scratch/log" 2>&1 || {
        tail -n 20 "$scratch/log" >&2
        exit 1
    }
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$scratch/log" | grep -o '[0-9]*$')
    ir=$(grep -o '^summary: *[0-9]*' "$scratch/callgrind.out" | grep -o '[0-9]*$')
    echo "$(basename "$bin") $corpus: $runs executions, $ir instructions in the target, $((ir / runs)) per execution"
    exit 0
fi

echo "$(basename "$bin") $corpus: $units units, $passes passes"
rates=() cpu_rates=()
for pass in $(seq "$passes"); do
    /usr/bin/time -f '%e %U %S' -o "$scratch/time" \
        "$bin" "${flags[@]}" "$scratch" "$corpus" > "$scratch/log" 2>&1 || {
        # What failed: the panic or libFuzzer's report, else the log's end.
        grep -q -e 'panicked at' -e '^==[0-9]*== *ERROR' "$scratch/log" &&
            sed -n '/panicked at\|^==[0-9]*== *ERROR/,$p' "$scratch/log" | head -n 60 >&2 ||
            tail -n 20 "$scratch/log" >&2
        echo "throughput.sh: $(basename "$bin") failed on $corpus" >&2
        exit 1
    }
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$scratch/log" | grep -o '[0-9]*$')
    read -r wall user sys < "$scratch/time"
    rate=$(awk -v n="$runs" -v t="$wall" 'BEGIN { printf "%d", n / (t > 0 ? t : 0.01) }')
    cpu_rate=$(awk -v n="$runs" -v t="$user" -v s="$sys" 'BEGIN { printf "%d", n / (t + s > 0 ? t + s : 0.01) }')
    rates+=("$rate")
    cpu_rates+=("$cpu_rate")
    echo "pass $pass: $runs executions in $wall s ($user s user, $sys s system): $rate exec/s, $cpu_rate per CPU second"
done
median() { printf '%s\n' "$@" | sort -n | sed -n "$((($# + 1) / 2))p"; }
best() { printf '%s\n' "$@" | sort -n | tail -n 1; }
echo "exec/s: median $(median "${rates[@]}"), best $(best "${rates[@]}"); per CPU second: median $(median "${cpu_rates[@]}"), best $(best "${cpu_rates[@]}")"
