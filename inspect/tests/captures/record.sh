#!/usr/bin/env bash
# Records the loopback captures the tests read (committed, so tests never capture live):
#
#   loopback.pcap        the referral server (examples/referral_server.rs) and the scripted
#                        client (testkit's msn-session) at MSNP8, MSNP15 and MSNP21, split writes
#   loopback.pcapng      the same exchange at MSNP2, MSNP13 and MSNP18, as pcapng
#   gateway.pcap         the HTTP gateway exchange of gateway_exchange.py: one session over
#                        two TCP connections, several requests per keep-alive connection
#   ../../data/loopback.pcap  the sample the tool reads with no argument: MSNP8 and MSNP18,
#                        without the malformed request
#
# Needs tcpdump, editcap (Wireshark) and python3, and the right to capture on lo (root).
# Everything runs on 127.0.0.1 and ends within seconds.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$here/../../.."
cd "$root"
cargo build --quiet --release --example referral_server
cargo build --quiet --release -p msnp-xfr-testkit --bin msn-session
server="$root/target/release/examples/referral_server"
client="$root/target/release/msn-session"
tmp="$(mktemp -d)"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$tmp"' EXIT

record() { # record OUT FILTER COMMAND...
  local out="$1" filter="$2"; shift 2
  tcpdump -i lo -U -s 0 -w "$tmp/raw.pcap" "$filter" 2>"$tmp/tcpdump.log" &
  local dump=$!
  sleep 1
  "$@"
  sleep 1
  kill -INT "$dump"; wait "$dump" || true
  mv "$tmp/raw.pcap" "$out"
}

"$server" --split --seconds 60 >"$tmp/ports" &
sleep 0.5
dispatch=$(awk '/^dispatch/ {print $2}' "$tmp/ports")
ports=$(awk '{split($2, a, ":"); print "port " a[2]}' "$tmp/ports" | paste -sd' ' | sed 's/ port/ or port/g')
record "$here/loopback.pcap" "tcp and ($ports)" "$client" "$dispatch" 8 15 21 --split
record "$tmp/ng.pcap" "tcp and ($ports)" "$client" "$dispatch" 2 13 18
editcap -F pcapng "$tmp/ng.pcap" "$here/loopback.pcapng"
record "$here/../../data/loopback.pcap" "tcp and ($ports)" "$client" "$dispatch" 8 18 --polite
python3 "$here/gateway_exchange.py" --port 18080 &
sleep 0.5
record "$here/gateway.pcap" "tcp port 18080" python3 "$here/gateway_exchange.py" --client --port 18080
ls -l "$here"/*.pcap*
