#!/usr/bin/env bash
# Side-by-side benchmark of the qrs library against its floors and the Node
# library qlik-repo-api, in one run, against the same fake QRS site.
# BENCHMARKS.md tells what it measures and holds the figures.
#
#   bench/run.sh                  100,000 sheets (1,000 apps), then 1,000,000 (10,000 apps)
#   bench/run.sh --small          2,000 sheets (20 apps), once each, in seconds: for CI
#   bench/run.sh --sizes 100000   chosen sizes only (apps: one per hundred sheets)
#
# Options:
#   --reps N          runs of each contender per size; the median wall time is
#                     reported, with the largest peak RSS of the runs (default 3,
#                     1 with --small)
#   --timeout S       limit of each run in seconds (default 600): a run that
#                     reaches it is killed and marked FAILED (timeout)
#   --node-heap MB    also run the Node contender with --max-old-space-size=MB
#   --no-node         leave the Node contender out
#   --qrs-env VAR=V   also run the qrs contender with this environment, e.g.
#                     GOGC=400 or GOMEMLIMIT=48MiB (repeatable; one row each)
#   --quiet N         before each run, wait up to N seconds (default 120, 0
#                     with --small) for the machine to be idle: under 15% of
#                     its CPU busy over one second (/proc/stat: this counts
#                     work in other containers on the same VM, which ps and
#                     top do not show)
#   --retry N         re-run a run up to N times (default 2, 0 with --small)
#                     when other work used more than a tenth of a core during
#                     it: the "other CPU" column, the machine's busy time
#                     (/proc/stat) less the contender's and fakeqrs's
#   --out DIR         keep the logs and results there (default: a temp dir,
#                     removed at the end unless --keep)
#   --keep            keep the temp dir
#
# Contenders, each run under /usr/bin/time -v (wall time from the shell, peak
# RSS and CPU from time), each reporting the count it saw:
#   qrs          examples/inventory -kinds visualization -url ... -progress -v > /dev/null
#                (Visualizations: apps, then sheets, through /full)
#   qrs-table    the same with -listing table: POST /table, the needed columns only, in
#                pages of 10,000 rows
#   catalog      examples/inventory -kinds all ...: Catalog, the whole site (streams, apps,
#                data connections, reload tasks and triggers, visualizations, master
#                items, then every app's data model), counted by its visualizations
#   floor-curl   curl reads the sheet listing raw to /dev/null: transfer floor
#   floor-raw    bench/tokenscan -mode raw: the same with Go's net/http + TLS
#   floor-tokens bench/tokenscan: every JSON token scanned, nothing decoded:
#                the decoding floor
#   node         bench/node/list-sheets.mjs: qlik-repo-api's
#                appObjects.getFilter({ filter: "objectType eq 'sheet'" })
# A run that exits non-zero, times out, or counts other than the expected
# number of sheets (bytes, for the floors) is FAILED, never timed as a success.
# Every run also reports the bytes fakeqrs sent during it (its write
# syscalls, /proc/PID/io wchar: TLS records and HTTP headers included) and
# the requests it took (the qrs contenders' -v log; one for the others).
#
# Needs: go, curl, GNU time (Debian package "time": installed with apt-get when
# /usr/bin/time is missing and we are root), and node + npm for the Node
# contender (skipped with a note in --small mode when missing).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)

sizes=(100000 1000000)
reps=
timeout_s=600
node_heap=
qrs_envs=()
quiet=
retry=
with_node=1
small=
out=
keep=
while [[ $# -gt 0 ]]; do
	case $1 in
	--small) small=1 sizes=(2000) ;;
	--sizes) read -r -a sizes <<<"${2:?--sizes needs a value}"; shift ;;
	--reps) reps=${2:?--reps needs a value}; shift ;;
	--timeout) timeout_s=${2:?--timeout needs a value}; shift ;;
	--node-heap) node_heap=${2:?--node-heap needs a value}; shift ;;
	--no-node) with_node= ;;
	--qrs-env) qrs_envs+=("${2:?--qrs-env needs VAR=VALUE}"); shift ;;
	--quiet) quiet=${2:?--quiet needs a value}; shift ;;
	--retry) retry=${2:?--retry needs a value}; shift ;;
	--out) out=${2:?--out needs a value}; shift ;;
	--keep) keep=1 ;;
	-h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) echo "run.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
	esac
	shift
done
if [[ -n $small ]]; then
	: "${reps:=1}" "${quiet:=0}" "${retry:=0}"
else
	: "${reps:=3}" "${quiet:=120}" "${retry:=2}"
fi
for n in "${sizes[@]}" "$reps" "$timeout_s" ${node_heap:+"$node_heap"}; do
	if ! [[ $n =~ ^[1-9][0-9]*$ ]]; then
		echo "run.sh: $n is not a positive whole number" >&2
		exit 2
	fi
done
for n in "$quiet" "$retry"; do
	if ! [[ $n =~ ^[0-9]+$ ]]; then
		echo "run.sh: $n is not a whole number" >&2
		exit 2
	fi
done
for e in "${qrs_envs[@]}"; do
	if ! [[ $e =~ ^[A-Z_][A-Z0-9_]*=[^[:space:]]*$ ]]; then
		echo "run.sh: --qrs-env $e is not VAR=VALUE" >&2
		exit 2
	fi
done

say() { echo "run.sh: $*" >&2; }

# GNU time reports the peak RSS (ru_maxrss, which covers the reaped children:
# the command under timeout); bash's time keyword does not.
if [[ ! -x /usr/bin/time ]]; then
	if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
		say "installing GNU time (Debian package time)"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q time >/dev/null ||
			{ apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q time >/dev/null; }
	fi
	[[ -x /usr/bin/time ]] || { say "needs GNU time at /usr/bin/time (apt-get install time)"; exit 1; }
fi
for cmd in go curl timeout; do
	command -v "$cmd" >/dev/null || { say "needs $cmd"; exit 1; }
done

if [[ -n $with_node ]] && ! { command -v node >/dev/null && command -v npm >/dev/null; }; then
	if [[ -n $small ]]; then
		say "SKIP node contender: node or npm is missing"
		with_node=
	else
		say "needs node and npm for the Node contender (or --no-node)"
		exit 1
	fi
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/qrs-bench.XXXXXX")
[[ -z $out ]] && out=$work/out
mkdir -p "$out"
server_pid=
cleanup() {
	if [[ -n $server_pid ]]; then
		kill "$server_pid" 2>/dev/null || true
		wait "$server_pid" 2>/dev/null || true
	fi
	if [[ -z $keep ]]; then
		rm -rf "$work"
	else
		say "kept $work"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say "building into $work"
(cd "$root" && go build -o "$work/" ./examples/inventory ./examples/fakeqrs ./bench/tokenscan)
if [[ -n $with_node ]]; then
	if [[ ! -d $here/node/node_modules/qlik-repo-api ]]; then
		say "npm ci in bench/node"
		(cd "$here/node" && npm ci --no-audit --no-fund --loglevel=error >&2)
	fi
	node_version=$(node --version)
	api_version=$(sed -n 's/^[[:space:]]*"version": *"\([^"]*\)".*/\1/p' "$here/node/node_modules/qlik-repo-api/package.json" | head -1)
fi

# kib_mib KiB: MiB with one decimal.
kib_mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
# timev FILE FIELD: a field of /usr/bin/time -v's report.
timev() { sed -n "s/^[[:space:]]*$2: //p" "$1" | head -1; }
# proc_hwm PID: the peak RSS of a running process in KiB.
proc_hwm() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }

start_server() { # apps sheets
	local url_file=$work/server.url
	: >"$url_file"
	"$work/fakeqrs" -apps "$1" -sheets "$2" -seed 1 -prefix hdr -header hdr-usr \
		-ca-out "$work/ca.pem" >"$url_file" 2>"$out/fakeqrs-$2.log" &
	server_pid=$!
	local i
	for ((i = 0; i < 600; i++)); do
		if [[ -s $url_file ]]; then
			site_url=$(head -1 "$url_file")
			return 0
		fi
		kill -0 "$server_pid" 2>/dev/null || break
		sleep 0.1
	done
	say "fakeqrs did not start:"
	cat "$out/fakeqrs-$2.log" >&2
	exit 1
}

stop_server() {
	kill "$server_pid" 2>/dev/null || true
	wait "$server_pid" 2>/dev/null || true
	server_pid=
}

# busy_ticks: CPU time used by the whole machine so far, in clock ticks
# (user nice system irq softirq steal of /proc/stat's cpu line).
busy_ticks() { awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat; }
# proc_wchar PID: the bytes a process has written so far (sockets included).
proc_wchar() { awk '$1 == "wchar:" { print $2 }' "/proc/$1/io" 2>/dev/null || echo 0; }
# proc_ticks PID: user + system clock ticks of a process.
proc_ticks() { sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | awk '{ print $12 + $13 }' || echo 0; }
hz=$(getconf CLK_TCK)

# wait_quiet: waits up to $quiet seconds for a second in which less than
# 15% of the machine's CPU is busy; prints the busy share last seen.
wait_quiet() {
	local deadline=$((SECONDS + quiet)) b0 b1 pct
	while :; do
		b0=$(busy_ticks)
		sleep 1
		b1=$(busy_ticks)
		pct=$(((b1 - b0) * 100 / (hz * $(nproc))))
		if ((pct < 15 || SECONDS >= deadline)); then
			echo "$pct"
			return
		fi
	done
}

# run_one NAME SHEETS REP CMD...: runs CMD under time and timeout, and
# appends a line to $results:
#   name sheets rep status wall_s cpu_s rss_kib load seen note other_cpu_s sent_bytes requests
# A run during which other processes (neither the contender nor fakeqrs)
# used more than a tenth of a core is run again, up to $retry times.
run_one() {
	local name=$1 n=$2 rep=$3
	shift 3
	local base=$out/$name-$n-$rep try
	local load busy_before t0 t1 b0 b1 s0 s1 w0 w1 rc wall cpu rss other seen status note sent requests
	for ((try = 0; try <= retry; try++)); do
		busy_before=
		((quiet > 0)) && busy_before=$(wait_quiet)
		load=$(cut -d' ' -f1 /proc/loadavg)
		rc=0
		s0=$(proc_ticks "$server_pid")
		w0=$(proc_wchar "$server_pid")
		b0=$(busy_ticks)
		t0=$(date +%s%N)
		/usr/bin/time -v -o "$base.time" timeout "$timeout_s" "$@" >"$base.out" 2>"$base.err" || rc=$?
		t1=$(date +%s%N)
		b1=$(busy_ticks)
		s1=$(proc_ticks "$server_pid")
		w1=$(proc_wchar "$server_pid")
		wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
		cpu=$(awk -v u="$(timev "$base.time" 'User time (seconds)')" -v s="$(timev "$base.time" 'System time (seconds)')" \
			'BEGIN { printf "%.2f", u + s }')
		rss=$(timev "$base.time" 'Maximum resident set size (kbytes)')
		other=$(awk -v b="$((b1 - b0))" -v s="$((s1 - s0))" -v c="$cpu" -v hz="$hz" \
			'BEGIN { o = (b - s) / hz - c; printf "%.2f", o < 0 ? 0 : o }')
		if ((try < retry)) && awk -v o="$other" -v w="$wall" 'BEGIN { exit !(o > 0.1 * w + 0.05) }'; then
			say "$name sheets=$n rep=$rep: other processes used ${other}s of CPU in ${wall}s: again"
			continue
		fi
		break
	done
	status=ok note=
	seen=$(count_"${name%%:*}" "$base")
	if [[ $rc -eq 124 ]]; then
		status=FAILED note="timeout after ${timeout_s}s"
	elif [[ $rc -ne 0 ]]; then
		status=FAILED
		note="exit $rc: $(grep -v '^[[:space:]]*$' "$base.err" | grep -m1 -E 'Error|error|FATAL|list-sheets:|inventory:|tokenscan:|curl' ||
			tail -1 "$base.err")"
	elif [[ $seen != "$(expected_"${name%%:*}" "$n")" ]]; then
		status=FAILED note="saw $seen, want $(expected_"${name%%:*}" "$n")"
	fi
	note=${note//$'\t'/ }
	sent=$((w1 - w0))
	requests=1
	if [[ $name == qrs* || $name == catalog ]]; then
		requests=$(grep -c 'qrs: request' "$base.err" || true)
	fi
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' \
		"$name" "$n" "$rep" "$status" "$wall" "$cpu" "${rss:-0}" "$load${busy_before:+ (${busy_before}% busy)}" \
		"$seen" "${note:0:200}" "$other" "$sent" "$requests" >>"$results"
	say "$name sheets=$n rep=$rep: $status wall=${wall}s cpu=${cpu}s rss=$(kib_mib "${rss:-0}")MiB other=${other}s sent=${sent} requests=${requests} seen=$seen $note"
}

# Each contender's count of what it saw, and what it should have seen.
count_qrs() { sed -n 's/^inventory: \([0-9]*\) visualizations in .*/\1/p' "$1.err" | tail -1; }
count_qrs-table() { count_qrs "$1"; }
count_catalog() { sed -n 's/^inventory: [0-9]* entries in .*[:,] \([0-9]*\) visualizations\(,.*\)*$/\1/p' "$1.err" | tail -1; }
count_node() { sed -n 's/^sheets=\([0-9]*\)$/\1/p' "$1.out" | tail -1; }
count_floor-tokens() { sed -n 's/^sheets=\([0-9-]*\) bytes=\([0-9]*\)$/\1/p' "$1.out"; }
count_floor-raw() { sed -n 's/^sheets=[0-9-]* bytes=\([0-9]*\)$/\1 bytes/p' "$1.out"; }
count_floor-curl() { sed -n 's/^200 \([0-9]*\)$/\1 bytes/p' "$1.out"; }
expected_qrs() { echo "$1"; }
expected_qrs-table() { echo "$1"; }
expected_catalog() { echo "$1"; }
expected_node() { echo "$1"; }
expected_floor-tokens() { echo "$1"; }
expected_floor-raw() { echo "$body_bytes bytes"; }
expected_floor-curl() { echo "$body_bytes bytes"; }

xrf=0123456789abcdef
results=$out/results.tsv
: >"$results"
{
	echo "# qrs benchmark, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo
	echo "- machine: $(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), $(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
	echo "- $(go version)"
	[[ -n $with_node ]] && echo "- node $node_version, qlik-repo-api $api_version"
	echo "- runs per contender: $reps (median wall time; largest peak RSS); timeout ${timeout_s}s each"
} >"$out/report.md"

for n in "${sizes[@]}"; do
	apps=$((n / 100))
	((apps < 1)) && apps=1
	say "site: $apps apps, $n sheets"
	start_server "$apps" "$n"
	printf '\n## %s sheets, %s apps\n\n- load average before: %s\n' "$n" "$apps" "$(cut -d' ' -f1-3 /proc/loadavg)" >>"$out/report.md"

	# The decoding floor first: its byte count is what the raw readers must see.
	body_bytes=
	for ((r = 1; r <= reps; r++)); do
		run_one floor-tokens "$n" "$r" "$work/tokenscan" -url "$site_url" -ca "$work/ca.pem" -user "BENCH\\tokens$r"
		b=$(sed -n 's/^sheets=[0-9-]* bytes=\([0-9]*\)$/\1/p' "$out/floor-tokens-$n-$r.out")
		[[ -z $body_bytes && -n $b ]] && body_bytes=$b
	done
	for ((r = 1; r <= reps; r++)); do
		run_one floor-curl "$n" "$r" curl -sS --cacert "$work/ca.pem" \
			-H "X-Qlik-Xrfkey: $xrf" -H "hdr-usr: BENCH\\curl$r" -o /dev/null -w '%{http_code} %{size_download}\n' \
			"$site_url/qrs/app/object/full?xrfkey=$xrf&filter=objectType%20eq%20%27sheet%27"
		run_one floor-raw "$n" "$r" "$work/tokenscan" -mode raw -url "$site_url" -ca "$work/ca.pem" -user "BENCH\\raw$r"
		run_one qrs "$n" "$r" sh -c 'exec "$@" >/dev/null' sh "$work/inventory" -kinds visualization -progress -v \
			-url "$site_url" -user "BENCH\\qrs$r" -truststore "$work/ca.pem"
		run_one qrs-table "$n" "$r" sh -c 'exec "$@" >/dev/null' sh "$work/inventory" -kinds visualization -progress -v -listing table \
			-url "$site_url" -user "BENCH\\qrstable$r" -truststore "$work/ca.pem"
		run_one catalog "$n" "$r" sh -c 'exec "$@" >/dev/null' sh "$work/inventory" -kinds all -progress -v \
			-url "$site_url" -user "BENCH\\catalog$r" -truststore "$work/ca.pem"
		for ((v = 0; v < ${#qrs_envs[@]}; v++)); do
			run_one "qrs:${qrs_envs[v]}" "$n" "$r" env "${qrs_envs[v]}" sh -c 'exec "$@" >/dev/null' sh "$work/inventory" -kinds visualization -progress -v \
				-url "$site_url" -user "BENCH\\qrs$r-env$v" -truststore "$work/ca.pem"
		done
	done
	if [[ -n $with_node ]]; then
		for ((r = 1; r <= reps; r++)); do
			run_one node "$n" "$r" node "$here/node/list-sheets.mjs" "$site_url" "$work/ca.pem" "BENCH\\node$r"
			if [[ -n $node_heap ]]; then
				run_one "node:heap" "$n" "$r" node --max-old-space-size="$node_heap" \
					"$here/node/list-sheets.mjs" "$site_url" "$work/ca.pem" "BENCH\\nodeheap$r"
			fi
		done
	fi
	{
		echo "- fakeqrs peak RSS: $(kib_mib "$(proc_hwm "$server_pid")") MiB; sheet listing: $body_bytes bytes ($(awk -v b="${body_bytes:-0}" 'BEGIN { printf "%.1f MiB", b / 1048576 }'))"
		echo "- load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
		echo
	} >>"$out/report.md"
	stop_server

	# The table: per contender, the median run by wall time.
	awk -F'\t' -v n="$n" -v heap="$node_heap" '
	$2 == n {
		name = $1
		if (!(name in runs)) order[++k] = name
		runs[name]++
		wall[name, runs[name]] = $5; cpu[name, runs[name]] = $6
		if ($7 > rss[name]) rss[name] = $7
		if ($4 != "ok") { failed[name] = 1; note[name] = $10 }
		load[name] = load[name] (load[name] == "" ? "" : "; ") $8
		other[name, runs[name]] = $11
		sent[name, runs[name]] = $12; reqs[name, runs[name]] = $13
	}
	function median(name,   m, i, j, t, w) {
		m = runs[name]
		for (i = 1; i <= m; i++) w[i] = wall[name, i] + 0
		for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (w[j] < w[i]) { t = w[i]; w[i] = w[j]; w[j] = t }
		return w[int((m + 1) / 2)]
	}
	function label(name) {
		if (name == "qrs") return "qrs: Visualizations (examples/inventory -kinds visualization)"
		if (name == "catalog") return "qrs: Catalog (examples/inventory -kinds all)"
		if (name == "qrs-table") return "qrs -listing table"
		if (name ~ /^qrs:/) return "qrs, " substr(name, 5)
		if (name == "floor-curl") return "transfer floor: curl"
		if (name == "floor-raw") return "transfer floor: Go net/http"
		if (name == "floor-tokens") return "decoding floor: jsontext tokens"
		if (name == "node") return "qlik-repo-api (node, default flags)"
		if (name == "node:heap") return "qlik-repo-api (node --max-old-space-size=" heap ")"
		return name
	}
	END {
		if ("qrs" in runs && !("qrs" in failed)) { qw = median("qrs"); qr = rss["qrs"] }
		print "| contender | result | wall s | CPU s | peak RSS MiB | sent MiB | requests | sheets/s | wall vs qrs | RSS vs qrs | other CPU s | load (1 min) before each run |"
		print "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
		for (i = 1; i <= k; i++) {
			name = order[i]; w = median(name)
			c = 0; o = 0; for (j = 1; j <= runs[name]; j++) if (wall[name, j] + 0 == w) { c = cpu[name, j]; o = other[name, j]; sb = sent[name, j]; rq = reqs[name, j] }
			res = (name in failed) ? "FAILED: " note[name] : "ok"
			rate = (name in failed || w <= 0) ? "-" : sprintf("%.0f", n / w)
			wr = (qw > 0) ? sprintf("%.2fx", w / qw) : "-"
			rr = (qr > 0) ? sprintf("%.2fx", rss[name] / qr) : "-"
			if (name in failed) { wr = wr " (until failure)"; rr = rr " (until failure)" }
			printf "| %s | %s | %.2f | %.2f | %.1f | %.1f | %s | %s | %s | %s | %.2f | %s |\n", label(name), res, w, c, rss[name] / 1024, sb / 1048576, rq, rate, wr, rr, o, load[name]
		}
	}' "$results" >>"$out/report.md"
done

cat "$out/report.md"
if grep -q $'\tFAILED\t' "$results"; then
	say "some runs FAILED (see the table)"
fi
# The harness itself fails when something other than the Node contender
# failed, or anything at all with --small: the Node library failing at a
# large size is a finding, not a broken harness.
if awk -F'\t' -v small="$small" '$4 != "ok" && (small != "" || $1 !~ /^node/) { bad = 1 } END { exit !bad }' "$results"; then
	exit 1
fi
