#!/usr/bin/env bash
# Load and micro benchmarks: the consent gateway against a bare Caddy
# reverse proxy, side by side, in one run (`make bench`; see bench/README.md).
#
# Starts on loopback: bench/upstream, then bin/caddy twice (a bare
# reverse_proxy, and the same reverse_proxy behind `consent`), and nginx with
# sub_filter as a peer when nginx is installed. Proxies are pinned to CPU 0,
# the load generator and the upstream to CPU 1. Every process started here is
# stopped here, by PID, on success, error or Ctrl-C.
#
# Exits non-zero only when the benchmark could not run, never because a
# number is low.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)

# ---- settings (environment) -------------------------------------------------
DURATION=${BENCH_DURATION:-5}        # seconds per measured round
ROUNDS=${BENCH_ROUNDS:-5}            # rounds per scenario and configuration
WARMUP=${BENCH_WARMUP:-1}            # seconds of unmeasured warm-up per scenario and configuration
CONNS=${BENCH_CONNS:-16}             # concurrent keep-alive connections
STREAMS=${BENCH_STREAMS:-5}          # 20 MB streams per proxy
LOG_LEVEL=${BENCH_LOG_LEVEL:-WARN}   # level of Caddy's default log (both proxies; a file)
AUDIT_LEVEL=${BENCH_AUDIT_LEVEL:-INFO} # level of the gateway's audit log (its own file)
PRESETS=${BENCH_PRESETS-ga4 meta-pixel generic-pixels} # the demo's presets; empty = none
CONSENT_MODE=${BENCH_CONSENT_MODE:-1} # 1 adds consent_mode (Google Consent Mode default), as the demo does
BENCHTIME=${BENCH_BENCHTIME:-200ms}  # go test -benchtime for the microbenchmarks
MICRO=${BENCH_MICRO:-1}              # 0 skips the Go microbenchmarks
STREAM=${BENCH_STREAM:-1}            # 0 skips the 20 MB stream
SCENARIO_FILTER=${BENCH_SCENARIOS:-} # space-separated scenario ids; empty = all
PPROF=${BENCH_PPROF:-}               # scenario ids: CPU profiles of round 1 via the admin endpoint
NGINX=${BENCH_NGINX:-auto}           # auto (use nginx when installed) or 0
BLOCK_DIRECTIVE=${BENCH_BLOCK_DIRECTIVE:-} # an extra consent subdirective that blocks /pixel.gif (generic-pixels already does)
CONSENT_EXTRA=${BENCH_CONSENT_EXTRA:-}  # more consent subdirectives for the gateway
KEEP_TMP=${BENCH_KEEP_TMP:-0}        # 1 keeps the generated configs and logs
NICE=${BENCH_NICE:--10}              # nice level of every process started here (root only below 0); 0 = unchanged

CADDY=${BENCH_CADDY:-$ROOT/bin/caddy} # built when missing
BIN=$ROOT/bench/.bin
STAMP=$(date +%Y-%m-%d-%H%M%S)
RESULTS=$ROOT/bench/results
REPORT=$RESULTS/$STAMP.md
RAW=$RESULTS/$STAMP-raw
START_TIME=$SECONDS

# Fixed test keys (never use them anywhere else): 64-byte hash, 32-byte block.
HASH_KEY=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f
BLOCK_KEY=404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f

log() { printf '[bench %3ds] %s\n' "$((SECONDS - START_TIME))" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# ---- processes: every PID started here is stopped here ----------------------
PIDS=()
TMP=""
cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	local pid i
	for pid in "${PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in "${PIDS[@]}"; do
		for ((i = 0; i < 50; i++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 "$pid" 2>/dev/null; then
			kill -KILL "$pid" 2>/dev/null || true
		fi
		wait "$pid" 2>/dev/null || true
	done
	PIDS=()
	if [[ -n $TMP && -d $TMP ]]; then
		if [[ $KEEP_TMP == 1 ]]; then
			log "kept $TMP"
		else
			rm -rf "$TMP"
		fi
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# stop_all stops the background processes before the microbenchmarks.
stop_all() {
	local pid i
	for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
	for pid in "${PIDS[@]}"; do
		for ((i = 0; i < 50; i++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	PIDS=()
}

# start_bg LOGFILE CMD... starts CMD in the background; its PID is in $LAST_PID.
start_bg() {
	local out=$1
	shift
	"$@" >"$out" 2>&1 &
	LAST_PID=$!
	PIDS+=("$LAST_PID")
}

# wait_http URL PID: until URL answers (any status), or the process died.
wait_http() {
	local url=$1 pid=$2 i
	for ((i = 0; i < 150; i++)); do
		if curl -s -o /dev/null --max-time 1 "$url"; then
			return 0
		fi
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# cpu_ticks PID: utime+stime of the whole process, in clock ticks.
cpu_ticks() {
	local s
	s=$(<"/proc/$1/stat")
	s=${s##*) }
	# shellcheck disable=SC2086
	set -- $s
	echo $((${12} + ${13}))
}

vm_kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }

# ---- tools -------------------------------------------------------------------
command -v go >/dev/null || die "go is not installed"
command -v curl >/dev/null || die "curl is not installed"
mkdir -p "$BIN" "$RESULTS" "$RAW"

if [[ ! -x $CADDY ]]; then
	log "building bin/caddy"
	go build -o "$CADDY" ./cmd/caddy
fi
log "building bench/.bin/upstream and bench/.bin/report"
go build -o "$BIN/upstream" ./bench/upstream
go build -o "$BIN/report" ./bench/report

LOADGEN=wrk
if ! command -v wrk >/dev/null; then
	log "wrk is missing; installing it with apt-get"
	if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
		DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq wrk >&2 ||
			{ apt-get -o DPkg::Lock::Timeout=300 update -qq >&2 &&
				DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq wrk >&2; } || true
	fi
	if ! command -v wrk >/dev/null; then
		log "wrk could not be installed; using the Go load generator bench/load"
		LOADGEN=load
		go build -o "$BIN/load" ./bench/load
	fi
fi

# On a shared machine a higher scheduling priority keeps other work from
# stretching the rounds; it does not change the CPU time a request costs.
PRIO=()
PRIORITY="default"
if [[ $NICE != 0 ]] && nice -n "$NICE" true 2>/dev/null && [[ $(nice -n "$NICE" nice) == $(($(nice) + NICE)) ]]; then
	PRIO=(nice -n "$NICE")
	PRIORITY="nice $NICE"
fi
PIN0=("${PRIO[@]}")
PIN1=("${PRIO[@]}")
PINNING="none (taskset missing or fewer than 2 CPUs)"
if command -v taskset >/dev/null && [[ $(nproc --all 2>/dev/null || echo 1) -ge 2 ]] &&
	taskset -c 0 true 2>/dev/null && taskset -c 1 true 2>/dev/null; then
	PIN0=(taskset -c 0 "${PRIO[@]}")
	PIN1=(taskset -c 1 "${PRIO[@]}")
	PINNING="proxies on CPU 0, load generator and upstream on CPU 1"
fi
PINNING+="; priority: $PRIORITY"

# ---- ports and configs ---------------------------------------------------------
TMP=$(mktemp -d "${TMPDIR:-/tmp}/consent-bench.XXXXXX")
export XDG_DATA_HOME=$TMP/data XDG_CONFIG_HOME=$TMP/config

BASE=${BENCH_PORT_BASE:-}
pick_base() {
	local b o
	for _ in $(seq 1 50); do
		b=$((20000 + (RANDOM % 400) * 100))
		local ok=1
		for o in 0 1 2 3 11 12; do port_free $((b + o)) || ok=0; done
		if [[ $ok == 1 ]]; then
			echo "$b"
			return 0
		fi
	done
	return 1
}
[[ -n $BASE ]] || BASE=$(pick_base) || die "no free port range found"
UP_PORT=$BASE
declare -A PORT=([bare]=$((BASE + 1)) [gateway]=$((BASE + 2)) [nginx]=$((BASE + 3)))
declare -A ADMIN=([bare]=$((BASE + 11)) [gateway]=$((BASE + 12)))
declare -A PID

# The gateway as the demo (and most operators) run it: the banner (on by
# default), the demo's presets (tag neutralization, the generic-pixels
# collector paths that block /pixel.gif), Google Consent Mode, fixed keys.
consent_block() {
	local presets="" mode=""
	[[ -z $PRESETS ]] || presets="preset $PRESETS"
	[[ $CONSENT_MODE != 1 ]] || mode="consent_mode"
	cat <<EOF
	consent {
		policy_version bench-1
		keys $HASH_KEY $BLOCK_KEY
		$presets
		$mode
		$BLOCK_DIRECTIVE
		$CONSENT_EXTRA
	}
EOF
}

# caddyfile NAME ADMIN_PORT PORT CONSENT_BLOCK (NAME probe: no admin, no log
# files). Caddy's default log goes to a file at $LOG_LEVEL for both proxies;
# the gateway's audit events (logger http.handlers.consent) go to their own
# file at $AUDIT_LEVEL, as in examples/audit-log.Caddyfile.
caddyfile() {
	local admin="admin 127.0.0.1:$2" output="output file $TMP/$1.log {
			roll_size 100MiB
			roll_keep 2
		}" audit="output file $TMP/$1-audit.log {
			roll_size 100MiB
			roll_keep 2
		}"
	if [[ $1 == probe ]]; then
		admin="admin off"
		output="output discard"
		audit="output discard"
	fi
	cat <<EOF
{
	$admin
	auto_https off
	persist_config off
	log default {
		$output
		level $LOG_LEVEL
		exclude http.handlers.consent
	}
EOF
	if [[ -n $4 ]]; then
		cat <<EOF
	log consent_audit {
		$audit
		format json
		level $AUDIT_LEVEL
		include http.handlers.consent
	}
EOF
	fi
	cat <<EOF
}

http://:$3 {
	bind 127.0.0.1
$4
	reverse_proxy 127.0.0.1:$UP_PORT
}
EOF
}

# The gateway's configuration must adapt; otherwise nothing can run.
caddyfile probe 1 1 "$(consent_block)" >"$TMP/probe.Caddyfile"
"$CADDY" adapt --config "$TMP/probe.Caddyfile" --adapter caddyfile --validate >"$TMP/probe.out" 2>&1 ||
	{ cat "$TMP/probe.out" >&2; die "the gateway Caddyfile does not adapt (BENCH_PRESETS='$PRESETS'): see above"; }
GATEWAY_DESC=$(consent_block | grep -v -e '^[[:space:]]*$' -e 'keys ' -e 'consent {' -e '^[[:space:]]*}$' | sed 's/^[[:space:]]*//' | paste -sd ';' | sed 's/;/; /g')
log "gateway: $GATEWAY_DESC"

caddyfile bare "${ADMIN[bare]}" "${PORT[bare]}" "" >"$TMP/bare.Caddyfile"
caddyfile gateway "${ADMIN[gateway]}" "${PORT[gateway]}" "$(consent_block)" >"$TMP/gateway.Caddyfile"
cp "$TMP/bare.Caddyfile" "$TMP/gateway.Caddyfile" "$RAW/"

# ---- start ---------------------------------------------------------------------
log "starting upstream on 127.0.0.1:$UP_PORT"
start_bg "$TMP/upstream.out" "${PIN1[@]}" "$BIN/upstream" -addr "127.0.0.1:$UP_PORT"
PID[upstream]=$LAST_PID
wait_http "http://127.0.0.1:$UP_PORT/health" "${PID[upstream]}" || { cat "$TMP/upstream.out" >&2; die "upstream did not start"; }

CONFIGS=(bare gateway)
for cfg in bare gateway; do
	log "starting $cfg Caddy on 127.0.0.1:${PORT[$cfg]} (admin ${ADMIN[$cfg]})"
	start_bg "$TMP/$cfg.out" "${PIN0[@]}" "$CADDY" run --config "$TMP/$cfg.Caddyfile" --adapter caddyfile
	PID[$cfg]=$LAST_PID
	wait_http "http://127.0.0.1:${PORT[$cfg]}/api" "${PID[$cfg]}" || { tail -20 "$TMP/$cfg.out" "$TMP/$cfg.log" >&2 2>/dev/null; die "$cfg Caddy did not start"; }
done

NGINX_STATUS="not installed"
if [[ $NGINX != 0 ]] && command -v nginx >/dev/null; then
	mkdir -p "$TMP/nginx/logs" "$TMP/nginx/tmp"
	cat >"$TMP/nginx/nginx.conf" <<EOF
daemon off;
master_process off;
worker_processes 1;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/logs/error.log warn;
events { worker_connections 1024; }
http {
	access_log off;
	client_body_temp_path $TMP/nginx/tmp/body;
	proxy_temp_path $TMP/nginx/tmp/proxy;
	fastcgi_temp_path $TMP/nginx/tmp/fastcgi;
	uwsgi_temp_path $TMP/nginx/tmp/uwsgi;
	scgi_temp_path $TMP/nginx/tmp/scgi;
	upstream origin { server 127.0.0.1:$UP_PORT; keepalive 32; }
	server {
		listen 127.0.0.1:${PORT[nginx]};
		location / {
			proxy_pass http://origin;
			proxy_http_version 1.1;
			proxy_set_header Connection "";
			proxy_set_header Accept-Encoding "";
			sub_filter_types text/html;
			sub_filter_once on;
			sub_filter '</body>' '<div id="cg-consent" class="cg-root"><p>We use cookies.</p><button>Accept</button><button>Reject</button></div></body>';
		}
	}
}
EOF
	start_bg "$TMP/nginx.out" "${PIN0[@]}" nginx -p "$TMP/nginx" -c "$TMP/nginx/nginx.conf"
	PID[nginx]=$LAST_PID
	if wait_http "http://127.0.0.1:${PORT[nginx]}/api" "${PID[nginx]}"; then
		CONFIGS+=(nginx)
		NGINX_STATUS="nginx $(nginx -v 2>&1 | sed 's#.*/##') with sub_filter, 1 worker"
	else
		NGINX_STATUS="installed but failed to start (see its log with BENCH_KEEP_TMP=1)"
		kill -TERM "${PID[nginx]}" 2>/dev/null || true
	fi
fi
log "configurations: ${CONFIGS[*]}"

# ---- sanity checks and the consent cookie ---------------------------------------
UA='Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'
SESSION='PHPSESSID=9f1c2d3e4b5a69788776655443322110'
TRACKING='_ga=GA1.1.1234567890.1764300000; _fbp=fb.1.1764300000000.1234567890; _hjSessionUser_123=eyJpZCI6IjEyMzQ1Njc4OTAiLCJjcmVhdGVkIjoxNzY0MzAwMDAwfQ=='
GW=http://127.0.0.1:${PORT[gateway]}
NOTES=$RAW/notes.md
: >"$NOTES"

CONSENT=""
hdrs=$(curl -s -D - -o /dev/null --max-time 5 -X POST -H "Origin: $GW" -H "User-Agent: $UA" \
	-H 'Content-Type: application/x-www-form-urlencoded' --data 'choice=accept_all' "$GW/_consent" || true)
CONSENT=$(printf '%s\n' "$hdrs" | tr -d '\r' | sed -n 's/^[Ss]et-[Cc]ookie: consent=\([^;]*\).*/\1/p' | head -1)
if [[ -z $CONSENT ]]; then
	log "warning: POST /_consent gave no consent cookie; consented scenarios are skipped"
	echo "- POST /_consent (choice=accept_all) returned no consent cookie: consented scenarios skipped." >>"$NOTES"
fi

count_set_cookie() { curl -s -D - -o /dev/null --max-time 5 "${@}" | grep -ci '^set-cookie:' || true; }
body_bytes() { curl -s --max-time 10 "$@" | wc -c; }
DOC=(-H 'Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' -H 'Sec-Fetch-Dest: document' -H 'Sec-Fetch-Mode: navigate')
{
	echo "- Set-Cookie lines on /api without consent: bare $(count_set_cookie -H "Cookie: $SESSION" "http://127.0.0.1:${PORT[bare]}/api"), gateway $(count_set_cookie -H "Cookie: $SESSION" "$GW/api")$([[ -n $CONSENT ]] && echo ", gateway with full consent $(count_set_cookie -H "Cookie: consent=$CONSENT; $SESSION; $TRACKING" "$GW/api")")."
	pb=$(body_bytes "${DOC[@]}" -H 'Accept-Encoding: identity' "http://127.0.0.1:${PORT[bare]}/page")
	pg=$(body_bytes "${DOC[@]}" -H 'Accept-Encoding: identity' -H "Cookie: $SESSION" "$GW/page")
	banner=$(curl -s "${DOC[@]}" -H 'Accept-Encoding: identity' -H "Cookie: $SESSION" "$GW/page" | grep -c 'id="cg-consent"' || true)
	line="- /page bytes: bare $pb, gateway without consent $pg (banner found: $([[ $banner -gt 0 ]] && echo yes || echo NO))"
	if [[ -n $CONSENT ]]; then
		pc=$(body_bytes "${DOC[@]}" -H 'Accept-Encoding: identity' -H "Cookie: consent=$CONSENT; $SESSION; $TRACKING" "$GW/page")
		line+=", gateway with consent $pc"
	fi
	echo "$line."
	gzb=$(body_bytes "${DOC[@]}" -H 'Accept-Encoding: gzip, deflate, br, zstd' "http://127.0.0.1:${PORT[bare]}/page-gz")
	gzg=$(body_bytes "${DOC[@]}" -H 'Accept-Encoding: gzip, deflate, br, zstd' -H "Cookie: $SESSION" "$GW/page-gz")
	echo "- /page-gz bytes on the wire: bare $gzb (gzip passed through), gateway $gzg (decoded; no \`encode\` in either config)."
	if curl -s -D - -o /dev/null -H 'Accept: image/*' -H 'Sec-Fetch-Dest: image' "$GW/pixel.gif" | grep -qi '^x-upstream:'; then
		PIXEL_BLOCKED=no
	else
		PIXEL_BLOCKED=yes
	fi
	echo "- /pixel.gif through the gateway without consent: $([[ $PIXEL_BLOCKED == yes ]] && echo "answered by the gateway (blocked)" || echo "forwarded to the upstream (NOT blocked: is generic-pixels in BENCH_PRESETS?)")."
	gwpage=$(curl -s "${DOC[@]}" -H 'Accept-Encoding: identity' -H "Cookie: $SESSION" "$GW/page")
	live=$(grep -c '<script async src="https://www.googletagmanager.com/gtag/js' <<<"$gwpage" || true)
	echo "- /page without consent through the gateway: gtag.js loader $([[ $live == 0 ]] && echo "neutralized" || echo "NOT neutralized (is ga4 in BENCH_PRESETS?)")."
} >>"$NOTES"
cat "$NOTES" >&2

# ---- meta ---------------------------------------------------------------------
{
	printf 'date\t%s\n' "$(date '+%Y-%m-%d %H:%M:%S %Z')"
	printf 'clk_tck\t%s\n' "$(getconf CLK_TCK)"
	printf 'machine\t%s, %s CPUs, load average %s\n' "$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)" "$(nproc --all)" "$(cut -d' ' -f1-3 /proc/loadavg)"
	printf 'caddy\t%s (%s; GOMAXPROCS follows the pinning)\n' "$("$CADDY" version | cut -d' ' -f1)" "${CADDY#"$ROOT"/}"
	printf 'load generator\t%s, %s connections, 1 thread, %ss rounds, %s rounds, %ss warm-up\n' \
		"$([[ $LOADGEN == wrk ]] && wrk -v 2>&1 | head -1 | cut -d' ' -f1-2 || echo 'bench/load (Go)')" "$CONNS" "$DURATION" "$ROUNDS" "$WARMUP"
	printf 'pinning\t%s\n' "$PINNING"
	printf 'logging\tCaddy default log at %s to a file (both proxies); gateway audit events at %s to their own file\n' "$LOG_LEVEL" "$AUDIT_LEVEL"
	printf 'gateway\t`consent { %s }`, banner on (the default), fixed test keys\n' "$GATEWAY_DESC"
	printf 'peer\t%s\n' "$NGINX_STATUS"
	printf 'rounds\t%s\n' "$ROUNDS"
} >"$RAW/meta.tsv"

# ---- scenarios ------------------------------------------------------------------
# id, description, target CPU ratio, note
#
# The /page scenarios send "Accept-Encoding: identity": without any
# Accept-Encoding, Go's HTTP transport inside the bare reverse_proxy would ask
# the upstream for gzip and decode it transparently, so the bare proxy would
# pay for a gzip decode the gateway (which asks for identity) does not.
SCENARIOS=(api-noconsent api-consent page-noconsent page-consent page-gz pixel)
scenario() {
	local id=$1
	H=(-H "User-Agent: $UA" -H 'Accept-Language: en-GB,en;q=0.9')
	case $id in
	api-noconsent)
		DESC='/api 1 KB JSON, 4 Set-Cookie, no consent'
		URLPATH=/api TARGET=1.10 NOTE=""
		H+=(-H 'Accept: application/json' -H "Cookie: $SESSION")
		;;
	api-consent)
		DESC='/api 1 KB JSON, 4 Set-Cookie, full consent'
		URLPATH=/api TARGET=1.10 NOTE=""
		H+=(-H 'Accept: application/json' -H "Cookie: consent=$CONSENT; $SESSION; $TRACKING")
		;;
	page-noconsent)
		DESC='/page 100 KB HTML with gtag + Meta Pixel, no consent (banner, tag neutralization)'
		URLPATH=/page TARGET=1.30 NOTE=""
		H+=("${DOC[@]}" -H 'Accept-Encoding: identity' -H "Cookie: $SESSION")
		;;
	page-consent)
		DESC='/page 100 KB HTML, full consent (settings control, tags kept)'
		URLPATH=/page TARGET=1.30 NOTE=""
		H+=("${DOC[@]}" -H 'Accept-Encoding: identity' -H "Cookie: consent=$CONSENT; $SESSION; $TRACKING")
		;;
	page-gz)
		DESC='/page-gz the same page gzip-compressed by the upstream, no consent (decode, rewrite)'
		URLPATH=/page-gz TARGET=2.0 NOTE=""
		H+=("${DOC[@]}" -H 'Accept-Encoding: gzip, deflate, br, zstd' -H "Cookie: $SESSION")
		;;
	pixel)
		DESC='/pixel.gif same-origin pixel, no consent (blocked by generic-pixels)'
		URLPATH=/pixel.gif TARGET=0.50 NOTE=""
		[[ $PIXEL_BLOCKED == yes ]] || NOTE="not blocked: pass-through"
		H+=(-H 'Accept: image/avif,image/webp,image/apng,image/*,*/*;q=0.8' -H 'Sec-Fetch-Dest: image' -H "Cookie: $SESSION")
		;;
	*) die "unknown scenario $id" ;;
	esac
}

selected() {
	[[ -z $SCENARIO_FILTER ]] && return 0
	[[ " $SCENARIO_FILTER " == *" $1 "* ]]
}

: >"$RAW/scenarios.tsv"
: >"$RAW/load.tsv"
: >"$RAW/stream.tsv"
: >"$RAW/rss.tsv"

# run_load SCENARIO CONFIG ROUND SECONDS (round 0 = warm-up, not recorded)
run_load() {
	local sc=$1 cfg=$2 round=$3 dur=$4 pid=${PID[$2]} out before after res prof=""
	local url="http://127.0.0.1:${PORT[$cfg]}$URLPATH"
	local file="$RAW/load/$sc-$cfg-$round.txt"
	mkdir -p "$RAW/load"
	if [[ $round == 1 && " $PPROF " == *" $sc "* && -n ${ADMIN[$cfg]:-} ]]; then
		curl -s -o "$RAW/pprof-$sc-$cfg.pb.gz" "http://127.0.0.1:${ADMIN[$cfg]}/debug/pprof/profile?seconds=$((dur > 2 ? dur - 1 : 1))" &
		prof=$!
	fi
	before=$(cpu_ticks "$pid")
	if [[ $LOADGEN == wrk ]]; then
		"${PIN1[@]}" wrk -t1 -c"$CONNS" -d"${dur}s" --timeout 10s --latency -s "$ROOT/bench/wrk-report.lua" "${H[@]}" "$url" >"$file" 2>&1 || true
	else
		"${PIN1[@]}" "$BIN/load" -c "$CONNS" -d "${dur}s" "${H[@]}" "$url" >"$file" 2>&1 || true
	fi
	after=$(cpu_ticks "$pid")
	[[ -z $prof ]] || wait "$prof" || true
	res=$(grep '^RESULT ' "$file" | tail -1 || true)
	if [[ -z $res ]]; then
		log "warning: $sc $cfg round $round: no result (see $file)"
		return 0
	fi
	local requests duration_us bytes p50_us p99_us errors non2xx
	eval "$(echo "${res#RESULT }" | tr ' ' '\n' | grep -E '^[a-z0-9_]+=[0-9]+$')"
	if [[ $round -gt 0 ]]; then
		printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$sc" "$cfg" "$round" "$requests" "$duration_us" "$bytes" \
			"$p50_us" "$p99_us" "$errors" "$non2xx" "$((after - before))" >>"$RAW/load.tsv"
		log "$(printf '%-15s %-8s round %d: %7.0f req/s  p50 %6.2f ms  p99 %6.2f ms  CPU %6.1f µs/req%s' "$sc" "$cfg" "$round" \
			"$(echo "$requests $duration_us" | awk '{ print $1 / ($2 / 1e6) }')" \
			"$(echo "$p50_us" | awk '{ print $1 / 1000 }')" "$(echo "$p99_us" | awk '{ print $1 / 1000 }')" \
			"$(echo "$((after - before)) $requests $(getconf CLK_TCK)" | awk '{ print ($2 > 0) ? $1 / $3 * 1e6 / $2 : 0 }')" \
			"$([[ $((errors + non2xx)) -gt 0 ]] && echo "  ($((errors + non2xx)) errors/non-2xx)")")"
	fi
}

# ---- the 20 MB stream (first, so that peak RSS reflects it) ----------------------
if [[ $STREAM == 1 ]]; then
	log "20 MB stream: $STREAMS runs per proxy"
	declare -A HWM_BEFORE
	for cfg in "${CONFIGS[@]}"; do
		HWM_BEFORE[$cfg]=$(vm_kb "${PID[$cfg]}" VmHWM)
		# Reset the peak to the current RSS (Linux ≥ 4.0; harmless if refused).
		echo 5 >"/proc/${PID[$cfg]}/clear_refs" 2>/dev/null || true
	done
	for ((run = 1; run <= STREAMS; run++)); do
		for cfg in "${CONFIGS[@]}"; do
			before=$(cpu_ticks "${PID[$cfg]}")
			t=$("${PIN1[@]}" curl -s -o /dev/null --max-time 120 -w '%{time_starttransfer} %{time_total} %{size_download}' \
				"${DOC[@]}" -H "User-Agent: $UA" -H "Cookie: $SESSION" "http://127.0.0.1:${PORT[$cfg]}/big" || true)
			after=$(cpu_ticks "${PID[$cfg]}")
			read -r ttfb total size <<<"$t"
			printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$cfg" "$run" "${ttfb:-NaN}" "${total:-NaN}" "${size:-0}" "$((after - before))" >>"$RAW/stream.tsv"
			log "$(printf 'big             %-8s run %d: TTFB %s s, total %s s, %s bytes' "$cfg" "$run" "${ttfb:-?}" "${total:-?}" "${size:-?}")"
		done
	done
	for cfg in "${CONFIGS[@]}"; do
		printf '%s\t%s\t%s\t%s\n' "$cfg" "${HWM_BEFORE[$cfg]}" "$(vm_kb "${PID[$cfg]}" VmHWM)" "$(vm_kb "${PID[$cfg]}" VmRSS)" >>"$RAW/rss.tsv"
	done
fi

# ---- load scenarios: rounds alternate between the configurations -------------------
for sc in "${SCENARIOS[@]}"; do
	selected "$sc" || continue
	scenario "$sc"
	if [[ -z $CONSENT && $sc == *-consent ]]; then
		continue
	fi
	printf '%s\t%s\t%s\t%s\n' "$sc" "$DESC" "$TARGET" "$NOTE" >>"$RAW/scenarios.tsv"
	for cfg in "${CONFIGS[@]}"; do
		run_load "$sc" "$cfg" 0 "$WARMUP"
	done
	for ((round = 1; round <= ROUNDS; round++)); do
		for cfg in "${CONFIGS[@]}"; do
			run_load "$sc" "$cfg" "$round" "$DURATION"
		done
	done
done

# Errors in the proxies' logs (the gateway logs audit events at INFO; only
# errors are worth a note here).
for cfg in bare gateway; do
	n=$(cat "$TMP/$cfg.log"* 2>/dev/null | grep -c '"level":"error"' || true)
	if [[ $n != 0 ]]; then
		echo "- $cfg Caddy logged $n errors during the run; the first: \`$(cat "$TMP/$cfg.log"* | grep -m1 '"level":"error"' | cut -c1-400)\`" >>"$RAW/notes.md"
	fi
	printf '%s\t%s\n' "log bytes $cfg" "$(cat "$TMP/$cfg.log"* 2>/dev/null | wc -c)" >>"$RAW/meta.tsv"
done
# The audit trail's cost: bytes and lines per gateway request (rotated files
# are gzip-compressed by the roller: counted decompressed, as written).
audit_cat() {
	local f
	for f in "$TMP"/gateway-audit*.log*; do
		[[ -e $f ]] || continue
		if [[ $f == *.gz ]]; then gzip -dc "$f"; else cat "$f"; fi
	done
}
greq=$(awk -F'\t' '$2 == "gateway" { n += $4 } END { print n + 0 }' "$RAW/load.tsv")
abytes=$(audit_cat | wc -c)
alines=$(audit_cat | wc -l)
printf '%s\t%s\n' "audit log gateway" "$abytes bytes, $alines lines for $greq measured requests (warm-up, stream and sanity requests add a few): $(awk -v b="$abytes" -v l="$alines" -v n="$greq" 'BEGIN { if (n > 0) printf "%.0f bytes, %.2f lines per request", b / n, l / n; else print "n/a" }')" >>"$RAW/meta.tsv"
if compgen -G "$TMP/gateway-audit*.gz" >/dev/null; then
	echo "- the audit log rotated during the run and was gzip-compressed by the log roller (its CPU is in the gateway's figures)." >>"$RAW/notes.md"
fi

stop_all

# ---- report ---------------------------------------------------------------------
"$BIN/report" "$RAW" >"$REPORT"

if [[ $MICRO == 1 ]]; then
	log "Go microbenchmarks (-benchtime=$BENCHTIME)"
	{
		echo
		echo "## Go microbenchmarks (\`go test -run '^\$' -bench . -benchmem -benchtime=$BENCHTIME ./caddymodule/...\`)"
		echo
		echo '```'
	} >>"$REPORT"
	if ! go test -run '^$' -bench . -benchmem -benchtime="$BENCHTIME" ./caddymodule/... >"$RAW/micro.txt" 2>&1; then
		echo "(go test failed; output below)" >>"$REPORT"
	fi
	grep -Ev '^(goos|goarch|cpu):|^PASS$|^\?' "$RAW/micro.txt" >>"$REPORT" || true
	echo '```' >>"$REPORT"	# The figures issue 12 tracks, from the output above. cpu-MB/s is
	# bytes per CPU-second (the htmlrewrite benchmarks report it): on a
	# shared machine wall-clock MB/s also counts waiting for a CPU.
	key() {
		awk -v what="$1" -v re="$2" '$1 ~ re {
			ns = mb = cmb = al = ""
			for (i = 2; i <= NF; i++) {
				if ($i == "ns/op") ns = $(i - 1)
				if ($i == "MB/s") mb = $(i - 1)
				if ($i == "cpu-MB/s") cmb = $(i - 1)
				if ($i == "allocs/op") al = $(i - 1)
			}
			printf "| %s | `%s` | %s | %s | %s | %s |\n", what, $1, ns, mb, cmb, al
		}' "$RAW/micro.txt"
	}
	{
		echo
		echo "Key microbenchmarks:"
		echo
		echo "| what | benchmark | ns/op | MB/s | CPU MB/s | allocs/op |"
		echo "|---|---|--:|--:|--:|--:|"
		key "HTML scanner, banner only, 100 KB page" '^BenchmarkPage-'
		key "HTML scanner, neutralization pass, 100 KB page with GA4 + Meta (target >= 2000 MB/s)" '^BenchmarkPageNeutralize-'
		key "HTML scanner, neutralization pass, the bench's 100 KB shop page (~2,600 tags)" '^BenchmarkCardPageNeutralize-'
		key "tag neutralizer with URL matching, 100 KB page" '^BenchmarkTrackerPage-'
		key "tag neutralizer with URL matching, the bench's shop page" '^BenchmarkCardPage-'
		key "the gateway's request path (/api, no upstream I/O)" '^BenchmarkRequestAPI'
		key "consent cookie verify+decode (remembered / in full)" '^BenchmarkDecode(Uncached)?-'
		key "Cookie header filtering" '^BenchmarkFilterCookieHeader'
		key "Set-Cookie name parsing" '^BenchmarkSetCookieName'
		key "policy decision" '^BenchmarkDecide'
		key "audit event encoding (as the gateway writes it)" '^BenchmarkEnforcementMarshal'
		key "gzip decode, 100 KB page" '^BenchmarkGzip100KB'
	} >>"$REPORT"
fi

echo >>"$REPORT"
echo "Raw data: bench/results/$STAMP-raw/; the whole run took $((SECONDS - START_TIME)) s." >>"$REPORT"
cat "$REPORT"
log "report written to bench/results/$STAMP.md"
