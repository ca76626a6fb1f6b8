#!/usr/bin/env bash
# Starts the demo: the cloud collector (embedded MQTT broker + SQLite), a
# site gateway for the supermarket and three simulated checkpoint units on
# two sites. Ctrl-C stops everything,
# units first, then the collector, each shutting down cleanly.
set -euo pipefail
bin=${1:-bin}
cd "$(dirname "$0")/.."
mkdir -p .demo
pids=()
stop() {
	trap - INT TERM
	echo; echo "stopping…"
	for ((i=${#pids[@]}-1; i>=0; i--)); do
		kill -TERM "${pids[i]}" 2>/dev/null || true
		wait "${pids[i]}" 2>/dev/null || true
	done
	echo "stopped; data kept in .demo/ (make clean removes it)"
	exit 0
}
trap stop INT TERM

"$bin/kakou-cloud" -config configs/cloud.toml 2>>.demo/cloud.log &
pids+=($!)
for _ in $(seq 50); do
	(exec 3<>/dev/tcp/127.0.0.1/18080) 2>/dev/null && break
	sleep 0.2
done
# The supermarket's units speak to its site gateway, which counts people
# across its doors and forwards to the cloud; the community gate has none.
"$bin/kakou-gateway" -config configs/gateway-riverside-market.toml 2>>.demo/gateway.log &
pids+=($!)
for _ in $(seq 50); do
	(exec 3<>/dev/tcp/127.0.0.1/18840) 2>/dev/null && break
	sleep 0.2
done
# The provincial health-code service the east gate asks (simulated).
"$bin/kakou-unit" healthsim -listen 127.0.0.1:18099 >>.demo/healthsim.log 2>&1 &
pids+=($!)
for u in community-gate supermarket-entrance supermarket-exit provincial-health; do
	"$bin/kakou-unit" -config "configs/unit-$u.toml" 2>>".demo/unit-$u.log" &
	pids+=($!)
done
cat <<MSG

  Kakou demo is running.
    dashboard:  http://127.0.0.1:18080/  (demo logins: monitor / kakou-monitor,
                tracer / kakou-tracer, manager / kakou-manager, guard / kakou-guard)
    API:        http://127.0.0.1:18080/api/v1/units  (after logging in, in the same browser)
                http://127.0.0.1:18080/api/v1/entries?site=riverside-market&limit=20
    MQTT:       tcp://127.0.0.1:18830 (embedded broker)
    province:   http://127.0.0.1:18099/ (simulated health-code service; codes in .demo/healthsim.log)
    gateway:    tcp://127.0.0.1:18840 (Riverside Market's units)
                entrance page http://127.0.0.1:18091/ (corrections: site manager wang, PIN 2468)
    guard consoles: http://127.0.0.1:18081/ (community gate)
                    http://127.0.0.1:18082/ (supermarket entrance)
                    http://127.0.0.1:18083/ (supermarket exit)
                    http://127.0.0.1:18085/ (east gate: provincial health codes, ID cards)
                    sign in as guard demo, PIN 1234 (or wang / 2468)
    logs/data:  .demo/

  Ctrl-C to stop.
MSG
wait
