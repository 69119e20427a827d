#!/bin/sh
# The exposition end to end, with the real parts: pmstat writes its file
# into the textfile directory of a real prometheus-node-exporter (as the
# man page's pattern does: a temporary file, then a rename), /metrics is
# scraped over HTTP with curl, and a real Prometheus server scraping that
# node_exporter every second answers a PromQL query with the value pmstat
# wrote. Servers listen on 127.0.0.1 only, on free ports, and are stopped by
# their PIDs, whatever happens. Run by make check with PMSTAT, JSONQ and
# PROMTARGET set; prints TAP, and a skip with its reason where the Debian
# packages prometheus, prometheus-node-exporter or curl are missing.

: "${PMSTAT:?PMSTAT must name the pmstat binary}"
: "${JSONQ:?JSONQ must name the tests/jsonq helper}"
: "${PROMTARGET:?PROMTARGET must name the tests/promtarget helper}"

missing=""
for p in prometheus-node-exporter prometheus curl; do
	command -v "$p" >/dev/null 2>&1 || missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "1..0 # SKIP not installed:$missing (Debian packages prometheus-node-exporter, prometheus, curl)"
	exit 0
fi

# make check-vm's guest sees the host's programs (its root is an overlay of
# the host's) but has no network: not even the loopback interface is up.
lo=$(cat /sys/class/net/lo/flags 2>/dev/null)
if [ -z "$lo" ] || [ $((lo & 1)) = 0 ]; then
	echo "1..0 # SKIP the loopback interface is not up: no server can listen on 127.0.0.1"
	exit 0
fi

. "$(dirname "$0")/tap.sh"
tap_begin e2e

bail() {
	echo "Bail out! $*"
	for f in "$tmp"/*.log; do
		[ -f "$f" ] && sed 's/^/# /' "$f" | tail -n 20
	done
	exit 1
}
# No proxy from the environment may stand between us and 127.0.0.1.
get() { curl -sf --noproxy '*' --max-time 5 "$@"; }

# Is TCP port $1 listened on? (/proc/net/tcp: local address, state 0A.)
in_use() {
	hex=$(printf ':%04X' "$1")
	awk -v p="$hex" '$4 == "0A" && index($2, p) { f = 1 } END { exit !f }' \
	    /proc/net/tcp /proc/net/tcp6 2>/dev/null
}

# start_server NAME URLPATH FUNC: run FUNC (which execs the server, with
# its port from $port, so that $! is the server's PID) on a free port until
# URLPATH answers; another port if it could not listen. Sets port and spid.
start_server() {
	try=0
	while [ $try -lt 8 ]; do
		try=$((try + 1))
		port=$(( $(od -An -N2 -tu2 /dev/urandom) % 30000 + 20000 ))
		in_use "$port" && continue
		"$3" >"$tmp/$1.log" 2>&1 &
		spid=$!
		children="$children $spid"
		i=0
		while [ $i -lt 100 ]; do
			get -o /dev/null "http://127.0.0.1:$port$2" && return 0
			kill -0 "$spid" 2>/dev/null || break
			sleep 0.1
			i=$((i + 1))
		done
		kill "$spid" 2>/dev/null
		wait "$spid" 2>/dev/null
	done
	return 1
}
node_exporter() {
	exec prometheus-node-exporter --web.listen-address="127.0.0.1:$port" \
	    --collector.disable-defaults --collector.textfile \
	    --collector.textfile.directory="$tmp/textfile"
}
prometheus_server() {
	exec prometheus --config.file="$tmp/prometheus.yml" \
	    --storage.tsdb.path="$tmp/tsdb" \
	    --web.listen-address="127.0.0.1:$port" --log.level=warn
}

ps=$(getconf PAGESIZE)
npages=64
want=$((npages * ps))

"$PROMTARGET" "$npages" >"$tmp/ready" &
pid=$!
children="$children $pid"
i=0
while [ ! -s "$tmp/ready" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
start=$(cat "$tmp/ready")
[ -n "$start" ] || bail "promtarget did not start"
end=$(printf '0x%x' $((start + want)))

# 1. A process with a hostile comm (ESC, quote, backslash, newline, 0xff):
# node_exporter's parser must take pmstat's file whole. Files are written
# as the textfile collector wants: beside their name, then renamed.
mkdir "$tmp/textfile" || bail "mkdir"
"$PROMTARGET" -c "$(printf 'a\033"\\\n\377z')" 1 >"$tmp/ready2" &
hpid=$!
children="$children $hpid"
i=0
while [ ! -s "$tmp/ready2" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
"$PMSTAT" --prometheus "$hpid" >"$tmp/textfile/pmstat.prom.$$" 2>>"$tmp/pmstat.log" &&
    mv "$tmp/textfile/pmstat.prom.$$" "$tmp/textfile/pmstat.prom"
check "pmstat wrote the hostile comm's textfile" test -s "$tmp/textfile/pmstat.prom"

# 2. node_exporter with only the textfile collector, on a free port.
start_server node_exporter /metrics node_exporter ||
	bail "prometheus-node-exporter did not come up"
ne_port=$port
get "http://127.0.0.1:$ne_port/metrics" >"$tmp/metrics" || bail "no /metrics"
check "node_exporter read the hostile file without error" \
    grep -q '^node_textfile_scrape_error 0$' "$tmp/metrics"
check "/metrics has the hostile comm, escaped alike" \
    grep -qF 'pmstat_present_bytes{comm="a\\x1b\"\\\\\n\\xffz",pid="'"$hpid"'"}' "$tmp/metrics"

# 3. The file replaced by one of the known layout. The range holds the
# written pages only: the series of this pid are then exactly npages pages.
prom="$tmp/textfile/pmstat.prom"
"$PMSTAT" --prometheus --by mapping --range "$start-$end" "$pid" >"$prom.$$" 2>"$tmp/pmstat.log" &&
    mv "$prom.$$" "$prom"
line=$(grep "^pmstat_pss_bytes{" "$prom")
wrote=${line##* }
check "pmstat wrote pss $wrote for the $npages pages ($want)" test "$wrote" = "$want"
get "http://127.0.0.1:$ne_port/metrics" >"$tmp/metrics" || bail "no /metrics"
check "node_exporter read the file without error" \
    grep -q '^node_textfile_scrape_error 0$' "$tmp/metrics"
# node_exporter sorts the labels by name.
series="pmstat_pss_bytes{comm=\"promtarget\",path=\"\",pid=\"$pid\",start=\"$start\"}"
check "/metrics has $series $want" grep -qxF "$series $want" "$tmp/metrics"
check "/metrics has the present bytes" \
    grep -qxF "pmstat_present_bytes{comm=\"promtarget\",path=\"\",pid=\"$pid\",start=\"$start\"} $want" "$tmp/metrics"
check "node_exporter logged no gathering error" \
    sh -c '! grep -q "error gathering" "$1"' sh "$tmp/node_exporter.log"

# 4. Prometheus, scraping node_exporter every second, storage thrown away.
cat >"$tmp/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: node
    static_configs:
      - targets: ['127.0.0.1:$ne_port']
EOF
start_server prometheus /-/ready prometheus_server ||
	bail "prometheus did not come up"
pm_port=$port

# A couple of scrape cycles: ask until the series is there (at most 20 s).
got=""
i=0
while [ $i -lt 40 ]; do
	get -G "http://127.0.0.1:$pm_port/api/v1/query" \
	    --data-urlencode "query=pmstat_pss_bytes{pid=\"$pid\"}" >"$tmp/query.json" &&
	    got=$("$JSONQ" data.result.0.value.1 <"$tmp/query.json" 2>/dev/null) &&
	    [ -n "$got" ] && break
	sleep 0.5
	i=$((i + 1))
done
check "PromQL pmstat_pss_bytes{pid=\"$pid\"} = $wrote (got '$got')" \
    awk -v a="$got" -v b="$wrote" 'BEGIN { exit !(a != "" && a + 0 == b + 0) }'
check "PromQL: one series" test "$("$JSONQ" -n 'data.result.*' <"$tmp/query.json")" = 1
check "PromQL: the series came through node_exporter" \
    test "$("$JSONQ" data.result.0.metric.job <"$tmp/query.json")" = node

tap_end
