#!/usr/bin/env bash
# msnp-inspect on a large capture against `cat FILE > /dev/null` (the floor: reading the file)
# and `tshark -r FILE -Y msnms` (Wireshark's MSNMS dissector), run in turns on the same file,
# with the median wall time and peak resident memory of each and the ratios of medians.
#
#   inspect/benches/capture.sh [MEGABYTES [TURNS]]       (default 200 MB, 5 turns)
#
# The capture is made reproducibly by testkit's big-capture (thousands of interleaved MSNP
# connections, mostly chat with command-like bodies, some XFR, a little loss and reordering)
# and kept in ${BENCH_DIR:-target/bench}. Needs tshark (apt-get install tshark) and GNU time
# (/usr/bin/time). Ratios survive a noisy machine; absolute times do not.
set -euo pipefail
cd "$(dirname "$0")/../.."

megabytes=${1:-200}
turns=${2:-5}
dir=${BENCH_DIR:-target/bench}
file="$dir/big-$megabytes.pcap"

for tool in tshark /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "capture.sh: $tool is needed" >&2; exit 2; }
done

cargo build --release --quiet -p msnp-inspect -p msnp-xfr-testkit --bin msnp-inspect --bin big-capture
mkdir -p "$dir"
if [ ! -s "$file" ]; then
  target/release/big-capture "$file" "$megabytes"
fi
inspect=target/release/msnp-inspect

# One run: "seconds kilobytes" of the command, its output thrown away. (msnp-inspect exits 1
# when a line did not decode, and GNU time then says so first: its figures are the last line.)
run() {
  /usr/bin/time -f '%e %M' -o "$dir/time.txt" "$@" >/dev/null 2>&1 || true
  tail -n 1 "$dir/time.txt"
}

declare -a cat_t cat_m ins_t ins_m tsh_t tsh_m
# A warm-up read, so that every command finds the file in the page cache.
cat "$file" >/dev/null
for ((i = 0; i < turns; i++)); do
  read -r t m < <(run sh -c "cat '$file' >/dev/null"); cat_t+=("$t"); cat_m+=("$m")
  read -r t m < <(run "$inspect" --quiet --json "$file"); ins_t+=("$t"); ins_m+=("$m")
  read -r t m < <(run tshark -r "$file" -Y msnms); tsh_t+=("$t"); tsh_m+=("$m")
  echo "turn $((i + 1)): cat ${cat_t[-1]} s, msnp-inspect ${ins_t[-1]} s, tshark ${tsh_t[-1]} s" >&2
done

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

records=$("$inspect" --quiet --json "$file" | wc -l || true)
frames=$(tshark -r "$file" -T fields -e frame.number 2>/dev/null | wc -l)
msnms=$(tshark -r "$file" -Y msnms -T fields -e frame.number 2>/dev/null | wc -l)
ct=$(median "${cat_t[@]}"); it=$(median "${ins_t[@]}"); tt=$(median "${tsh_t[@]}")
cm=$(median "${cat_m[@]}"); im=$(median "${ins_m[@]}"); tm=$(median "${tsh_m[@]}")
echo "capture: $file ($(stat -c %s "$file") bytes, $frames frames; msnp-inspect found $records XFR records, tshark $msnms MSNMS frames)"
echo "$(date -u +%Y-%m-%d), $(nproc) cores, $turns turns in turn, medians:"
printf '  %-14s %8s s  %8s MiB peak RSS\n' cat "$ct" "$(awk "BEGIN { printf \"%.1f\", $cm / 1024 }")"
printf '  %-14s %8s s  %8s MiB peak RSS\n' msnp-inspect "$it" "$(awk "BEGIN { printf \"%.1f\", $im / 1024 }")"
printf '  %-14s %8s s  %8s MiB peak RSS\n' tshark "$tt" "$(awk "BEGIN { printf \"%.1f\", $tm / 1024 }")"
awk "BEGIN { printf \"  msnp-inspect is %.1fx faster than tshark and takes %.1fx the time of cat\n\", $tt / $it, $it / ($ct > 0 ? $ct : 0.01) }"
