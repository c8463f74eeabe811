#!/usr/bin/env bash
# Benchmarks catstage against the tools an operator would otherwise use on the same files.
# Not a test: it prints a table (median wall time of N runs, peak RSS, ratio to the peer
# measured in the same invocation), with a warm page cache.
#
#   bench/run.sh            ~1.5 GB workload (--volumes 5000 --diskfiles 2000), 5 runs
#   bench/run.sh --quick    small workload, 3 runs: a couple of minutes at most
#   bench/run.sh --runs N   N runs per command
#   bench/run.sh --only images   only the rows of one group (images: catstage images
#                                over 100,000 volumes on 4 data paths, beside find;
#                                many: validate --recursive over 20 areas of 250
#                                volumes, beside the 20 single runs one after another;
#                                scale: 100,000 volumes of one disk file each, every
#                                reading command beside its peer;
#                                hostile: records of 10,000 unknown keys each, beside
#                                inputs of the same size without them)
#
# The workload is generated once under bench/out/ (or $CATSTAGE_BENCH_DIR) and reused.
set -euo pipefail
cd "$(dirname "$0")/.."

quick=0
runs=5
only=""
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) quick=1; runs=3 ;;
        --runs) runs="$2"; shift ;;
        --only)
            only="$2"; shift
            case "$only" in images|many|scale|hostile) ;; *) echo "bench/run.sh: --only takes: images, many, scale, hostile" >&2; exit 2 ;; esac ;;
        -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
        *) echo "bench/run.sh: unknown argument $1" >&2; exit 2 ;;
    esac
    shift
done

if [ "$quick" = 1 ]; then volumes=1000; diskfiles=500; else volumes=5000; diskfiles=2000; fi
work="${CATSTAGE_BENCH_DIR:-bench/out}/v${volumes}-d${diskfiles}"
bin=target/release/catstage

cargo build --release --quiet
mkdir -p "$(dirname "$work")" bench/out
if [ -z "$only" ]; then
if [ ! -f "$work/FULL" ]; then
    rm -rf "$work" "$work.toml"
    echo "generating $work ..." >&2
    "$bin" generate -o "$work" --volumes "$volumes" --diskfiles "$diskfiles" \
        --secondary-config "$work.toml" --secondary-node '\DRSITE' > /dev/null
fi
# Another data store's staging area, for the uniqueness checks (--against).
other="$work-other"
if [ ! -f "$other/FULL" ]; then
    rm -rf "$other"
    "$bin" generate -o "$other" --volumes "$volumes" --diskfiles 20 --label-prefix H --store OTHER-STORE > /dev/null
fi
# The next export: an UPDATE that changed 1% of the volumes.
next="$work-next"
if [ ! -f "$next/FULL" ]; then
    rm -rf "$next"
    "$bin" generate --from "$work" -o "$next" --update $((volumes / 100)) > /dev/null
fi
bytes=$(du -sb "$work" | cut -f1)
fi

warm() { cat "$1"/* > /dev/null; }

# run_once NAME COMMAND...: runs the command once and records its wall time and peak RSS
# under NAME; measure NAME COMMAND...: runs it $runs times. Each run sees RUN=1, 2, ...
# in its environment, so that it can write to an output of its own; when $setup is set,
# it is run (untimed, with the same RUN) before each run. Outputs are removed untimed:
# deleting 1.5 GB is not part of any command. summarize NAME: the median wall time and
# the largest peak RSS, into the arrays below.
declare -A wall rss times peaks
setup=""
allow="none"
run_once() {
    local name="$1"; shift
    local t m
    [ -z "$setup" ] || bash -c "$setup"
    /usr/bin/time -f "%e %M" -o bench/out/.time "$@" > /dev/null 2>&1 || true
    # time(1) writes "Command exited with non-zero status N" or "Command terminated by
    # signal N" first; only the statuses in $allow (diff's 1: different) pass.
    if grep -q 'terminated by signal' bench/out/.time ||
        { grep -q 'non-zero status' bench/out/.time &&
            ! grep -q "non-zero status \($allow\)\$" bench/out/.time; }; then
        echo "bench/run.sh: $name failed ($(head -n 1 bench/out/.time)); run it by hand to see why" >&2
        exit 1
    fi
    read -r t m < <(tail -n 1 bench/out/.time)
    times[$name]="${times[$name]:-} $t"
    [ "$m" -gt "${peaks[$name]:-0}" ] && peaks[$name]=$m
    return 0
}
summarize() {
    wall[$1]=$(printf '%s\n' ${times[$1]} | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    rss[$1]=${peaks[$1]}
}
measure() {
    local i
    for i in $(seq "$runs"); do
        export RUN=$i
        run_once "$@"
    done
    summarize "$1"
}

ratio() { awk -v a="${wall[$1]}" -v b="${wall[$2]}" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
mib() { awk -v k="${rss[$1]}" 'BEGIN { printf "%.0f", k / 1024 }'; }

if [ -z "$only" ]; then
warm "$work"
files=("$work"/*)
measure "openssl dgst -sha256" openssl dgst -sha256 "${files[@]}"
measure "sha256sum" sha256sum "${files[@]}"
measure "catstage validate" "$bin" validate -q "$work"
measure "catstage validate --config --against" "$bin" validate -q "$work" --config "$work.toml" --against "$other"
allow=1
measure "diff -rq" diff -rq "$work" "$next"
measure "catstage diff" "$bin" diff "$work" "$next"
measure "catstage diff --verify" "$bin" diff --verify "$work" "$next"
allow="none"
measure "catstage plan --baseline" "$bin" plan "$next" --config "$work.toml" --type update --baseline "$work"
# sync: a listing of as many volumes and disk files, FULL into an empty area, then an
# UPDATE from a listing where 1% of the volumes changed.
listing="${CATSTAGE_BENCH_DIR:-bench/out}/listing-v${volumes}-d${diskfiles}"
if [ ! -f "$listing.csv" ]; then
    python3 bench/make-listing.py "$volumes" "$diskfiles" 0 > "$listing.csv"
    python3 bench/make-listing.py "$volumes" "$diskfiles" 1 > "$listing-1pct.csv"
fi
def=fixtures/sync/slab-a-daily-csv.toml
synced=bench/out/synced
# time(1) runs programs, not shell functions: the steps are bash -c scripts.
export bin def listing synced work
# The commands that write a whole staging area take turns, round by round, beside the
# floor of doing so (copy the area, then sync), and each round's outputs are removed
# before the next: all meet the same filesystem. (On ext4 without a journal, creating
# files within minutes of deleting many costs much more system time.)
rm -rf bench/out/copied.* bench/out/replaced.* bench/out/unpacked.* bench/out/peer-x.* "$synced".* "$synced"-u.*
for i in $(seq "$runs"); do
    export RUN=$i
    run_once "cp -r && sync" sh -c 'cp -r "$work" "bench/out/copied.$RUN" && sync'
    run_once "catstage sync --type full" bash -c '"$bin" sync --definition "$def" --source "$listing.csv" "$synced.$RUN" --type full --created 2022-01-05T17:44:48-05:00'
    run_once "catstage replace-nodes -o" sh -c '"$bin" replace-nodes "$work" --map "\\SYNTH=\\DRSITE" -o "bench/out/replaced.$RUN"'
    "$bin" validate -q "bench/out/replaced.$i" ||
        { echo "bench/run.sh: the replace-nodes output does not validate" >&2; exit 1; }
    # The first sync result stays, for the validation and the update below.
    rm -rf "bench/out/copied.$i" "bench/out/replaced.$i"
    [ "$i" = 1 ] || rm -rf "$synced.$i"
done
for name in "cp -r && sync" "catstage sync --type full" "catstage replace-nodes -o"; do summarize "$name"; done
measure "catstage validate (sync result)" "$bin" validate -q "$synced.1"
setup='rm -rf "$synced-u.$RUN" && cp -al "$synced.1" "$synced-u.$RUN"'
measure "catstage sync --type update (1%)" bash -c '"$bin" sync --definition "$def" --source "$listing-1pct.csv" "$synced-u.$RUN" --type update --export-id 2022-01-06_01:00:00'
setup=""
rm -rf "$synced".* "$synced"-u.*

# pack: a full package, against tar piped into zstd at the same level with every core.
pkg=bench/out/area.tar.zst
setup="rm -f bench/out/peer.tar.zst"
measure "tar -cf - | zstd -T0 -3" sh -c "tar -C '$work' -cf - . | zstd -T0 -3 -q -f -o bench/out/peer.tar.zst"
setup="rm -f '$pkg'"
measure "catstage pack" "$bin" pack -q --force "$work" -o "$pkg"
setup=""
pkg_size=$(stat -c %s "$pkg")
peer_size=$(stat -c %s bench/out/peer.tar.zst)
# unpack: verify, extract, fsync and swap, against decompress, extract and sync.
setup='rm -rf "bench/out/peer-x.$RUN"'
measure "zstd -dc | tar -x && sync" sh -c 'mkdir "bench/out/peer-x.$RUN" && zstd -dc -q bench/out/peer.tar.zst | tar -C "bench/out/peer-x.$RUN" -xf - && sync'
setup='rm -rf "bench/out/unpacked.$RUN"'
rm -rf bench/out/peer-x.*
measure "catstage unpack" sh -c '"$0" unpack -q "$1" --into "bench/out/unpacked.$RUN"' "$bin" "$pkg"
cmp -s <(cd "$work" && sha256sum -- * | sort) <(cd bench/out/unpacked.1 && sha256sum -- * | sort) ||
    { echo "bench/run.sh: the unpacked area differs from the packed one" >&2; exit 1; }
setup=""
rm -rf bench/out/unpacked.* bench/out/peer.tar.zst
# The lock files catstage keeps beside the areas it wrote.
rm -f bench/out/.*.catstage-lock

# bagit.py (pip install bagit), when installed: a bag of the same files, validated.
if command -v bagit.py > /dev/null; then
    bag="$work-bag"
    if [ ! -f "$bag/bagit.txt" ]; then
        rm -rf "$bag" && cp -al "$work" "$bag"
        bagit.py --quiet --sha256 --processes 2 "$bag" 2> /dev/null
    fi
    measure "bagit.py --validate --processes 2" bagit.py --quiet --validate --processes 2 "$bag"
fi

fi
# images: a staging area of 100,000 volumes (10,000 with --quick) and its image tree over
# 4 data paths, against find listing the same tree with the same metadata.
run_images() {
    local ivol=100000
    [ "$quick" = 1 ] && ivol=10000
    iarea="${CATSTAGE_BENCH_DIR:-bench/out}/images-v${ivol}"
    if [ ! -f "$iarea/FULL" ]; then
        rm -rf "$iarea" "$iarea-img"
        echo "generating $iarea and its images ..." >&2
        "$bin" generate -o "$iarea" --volumes "$ivol" --diskfiles 1 --images "$iarea-img" --image-paths 4 > /dev/null
    fi
    ipaths=("$iarea-img"/path1 "$iarea-img"/path2 "$iarea-img"/path3 "$iarea-img"/path4)
    find "$iarea" -type f -exec cat {} + > /dev/null
    find "${ipaths[@]}" -printf '%s %T@ %p\n' > /dev/null
    measure "find -printf (image tree)" find "${ipaths[@]}" -printf '%s %T@ %p\n'
    measure "catstage images" "$bin" images -q "$iarea" --path "${ipaths[0]}" --path "${ipaths[1]}" \
        --path "${ipaths[2]}" --path "${ipaths[3]}"
    rm -f "${CATSTAGE_BENCH_DIR:-bench/out}"/.*.catstage-lock
}

# many: 20 staging areas of 250 volumes (5 with --quick) under one directory; validate
# --recursive over all of them against the 20 single runs one after another.
run_many() {
    local n=20 mvol=250
    [ "$quick" = 1 ] && n=5
    mdir="${CATSTAGE_BENCH_DIR:-bench/out}/many-${n}x${mvol}"
    if [ ! -f "$mdir/a$n/FULL" ]; then
        rm -rf "$mdir"
        mkdir -p "$mdir"
        echo "generating $mdir ..." >&2
        "$bin" generate -o "$mdir/a1" --volumes "$mvol" --diskfiles 200 > /dev/null
        for i in $(seq 2 "$n"); do cp -r "$mdir/a1" "$mdir/a$i"; done
    fi
    find "$mdir" -type f -exec cat {} + > /dev/null
    measure "validate, 20 single runs" bash -c 'for a in "$1"/a*; do "$2" validate -q "$a"; done' _ "$mdir" "$bin"
    measure "validate --recursive (20 areas)" "$bin" validate -q --recursive "$mdir"
}

# scale: 100,000 volumes (10,000 with --quick) of one disk file each, where per-file and
# per-volume costs dominate: every reading command, and pack, beside its peer.
run_scale() {
    local svol=100000
    [ "$quick" = 1 ] && svol=10000
    s="${CATSTAGE_BENCH_DIR:-bench/out}/scale-v${svol}"
    if [ ! -f "$s/FULL" ]; then
        rm -rf "$s" "$s.toml" "$s-other" "$s-next"
        echo "generating $s ..." >&2
        "$bin" generate -o "$s" --volumes "$svol" --diskfiles 1 --secondary-config "$s.toml" \
            --secondary-node '\DRSITE' > /dev/null
        "$bin" generate -o "$s-other" --volumes "$svol" --diskfiles 1 --label-prefix H --store OTHER-STORE > /dev/null
        "$bin" generate --from "$s" -o "$s-next" --update $((svol / 100)) > /dev/null
    fi
    find "$s" "$s-next" -type f -exec cat {} + > /dev/null
    export s
    measure "openssl dgst -sha256 (scale)" bash -c 'find "$s" -type f -print0 | xargs -0 openssl dgst -sha256'
    measure "catstage validate (scale)" "$bin" validate -q "$s"
    measure "catstage validate --config --against (scale)" "$bin" validate -q "$s" --config "$s.toml" --against "$s-other"
    allow=1
    measure "diff -rq (scale)" diff -rq "$s" "$s-next"
    measure "catstage diff (scale)" "$bin" diff -q "$s" "$s-next"
    allow="none"
    measure "catstage plan --baseline (scale)" "$bin" plan -q "$s-next" --config "$s.toml" --type update --baseline "$s"
    measure "catstage status --baseline (scale)" "$bin" status -q "$s-next" --baseline "$s"
    measure "catstage keys (scale)" "$bin" keys -q "$s" --config "$s.toml"
    setup="rm -f bench/out/scale-peer.tar.zst"
    measure "tar -cf - | zstd -T0 -3 (scale)" sh -c 'tar -C "$s" -cf - . | zstd -T0 -3 -q -f -o bench/out/scale-peer.tar.zst'
    setup="rm -f bench/out/scale.tar.zst"
    measure "catstage pack (scale)" "$bin" pack -q --force "$s" -o bench/out/scale.tar.zst
    setup=""
    rm -f bench/out/scale-peer.tar.zst bench/out/scale.tar.zst
}

# hostile: a volume file and a package manifest whose records carry 10,000 distinct unknown
# keys each (legal, formats/README.md §6; before the keys were looked up, 71 s and 100 s),
# beside a volume file and a manifest as large of ordinary records (bench/make-hostile.py).
run_hostile() {
    h="${CATSTAGE_BENCH_DIR:-bench/out}/hostile"
    python3 bench/make-hostile.py "$bin" "$h"
    cat "$h"/keys-area/* "$h"/plain-area/* "$h"/*.tar.zst > /dev/null
    measure "catstage validate (plain records)" "$bin" validate -q "$h/plain-area"
    measure "catstage validate (unknown keys)" "$bin" validate -q "$h/keys-area"
    measure "catstage verify (plain records)" "$bin" verify -q "$h/plain.tar.zst"
    measure "catstage verify (unknown keys)" "$bin" verify -q "$h/keys.tar.zst"
}

[ -z "$only" ] || [ "$only" = images ] && run_images
[ -z "$only" ] || [ "$only" = many ] && run_many
[ -z "$only" ] || [ "$only" = scale ] && run_scale
[ -z "$only" ] || [ "$only" = hostile ] && run_hostile

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
echo
if [ -z "$only" ]; then
    echo "catstage bench, $(date -u +%Y-%m-%d), $(nproc) cores, ${cpu}; workload: $volumes volumes, $((bytes / 1024 / 1024)) MiB; median of $runs runs, warm page cache"
else
    echo "catstage bench (--only $only), $(date -u +%Y-%m-%d), $(nproc) cores, ${cpu}; median of $runs runs, warm page cache"
fi
echo
printf '| %-40s | %9s | %9s | %-34s |\n' "command" "wall (s)" "RSS (MiB)" "ratio"
printf '|%s|%s|%s|%s|\n' "------------------------------------------" "-----------" "-----------" "------------------------------------"
row() { printf '| %-40s | %9s | %9s | %-34s |\n' "$1" "${wall[$1]}" "$(mib "$1")" "$2"; }
if [ -z "$only" ]; then
row "openssl dgst -sha256" "peer"
row "sha256sum" "peer"
row "catstage validate" "$(ratio "catstage validate" "openssl dgst -sha256")x openssl, $(ratio "catstage validate" "sha256sum")x sha256sum"
row "catstage validate --config --against" "$(ratio "catstage validate --config --against" "catstage validate")x validate"
row "diff -rq" "peer"
row "catstage diff" "$(ratio "catstage diff" "diff -rq")x diff -rq"
row "catstage diff --verify" "$(ratio "catstage diff --verify" "catstage validate")x validate (target 1.5x)"
row "catstage plan --baseline" "$(ratio "catstage plan --baseline" "catstage validate")x validate"
row "cp -r && sync" "floor of writing the area"
row "catstage replace-nodes -o" "$(ratio "catstage replace-nodes -o" "catstage validate")x validate (target 1.5x); $(ratio "catstage replace-nodes -o" "cp -r && sync")x cp+sync"
row "catstage validate (sync result)" "peer"
row "catstage sync --type full" "$(ratio "catstage sync --type full" "catstage validate (sync result)")x validate of the result (target 1x); $(ratio "catstage sync --type full" "cp -r && sync")x cp+sync"
row "catstage sync --type update (1%)" "$(ratio "catstage sync --type update (1%)" "catstage validate (sync result)")x validate of the result (target 1x)"
row "tar -cf - | zstd -T0 -3" "peer"
row "catstage pack" "$(ratio "catstage pack" "tar -cf - | zstd -T0 -3")x tar|zstd (target 1.1x); size $(awk -v a="$pkg_size" -v b="$peer_size" 'BEGIN { printf "%.3f", a / b }')x (target 1.05x)"
row "zstd -dc | tar -x && sync" "peer"
row "catstage unpack" "$(ratio "catstage unpack" "zstd -dc | tar -x && sync")x zstd|tar (target 1.2x)"
if [ -n "${wall[bagit.py --validate --processes 2]:-}" ]; then
    row "bagit.py --validate --processes 2" "$(ratio "catstage validate" "bagit.py --validate --processes 2")x: catstage validate against it"
fi
fi
if [ -z "$only" ] || [ "$only" = images ]; then
row "find -printf (image tree)" "peer"
row "catstage images" "$(ratio "catstage images" "find -printf (image tree)")x find (target 2x, and 1 s)"
fi
if [ -z "$only" ] || [ "$only" = scale ]; then
sr() { row "$1 (scale)" "$(ratio "$1 (scale)" "$2 (scale)")x $3"; }
row "openssl dgst -sha256 (scale)" "peer"
sr "catstage validate" "openssl dgst -sha256" "openssl (target 1.2x)"
sr "catstage validate --config --against" "catstage validate" "validate"
row "diff -rq (scale)" "peer"
sr "catstage diff" "diff -rq" "diff -rq"
sr "catstage plan --baseline" "catstage validate" "validate"
sr "catstage status --baseline" "catstage validate" "validate"
sr "catstage keys" "catstage validate" "validate"
row "tar -cf - | zstd -T0 -3 (scale)" "peer"
sr "catstage pack" "tar -cf - | zstd -T0 -3" "tar|zstd"
fi
if [ -z "$only" ] || [ "$only" = hostile ]; then
row "catstage validate (plain records)" "peer: a volume file of 71 MB"
row "catstage validate (unknown keys)" "$(ratio "catstage validate (unknown keys)" "catstage validate (plain records)")x plain (target 2x)"
row "catstage verify (plain records)" "peer: a manifest of 18 MB"
row "catstage verify (unknown keys)" "$(ratio "catstage verify (unknown keys)" "catstage verify (plain records)")x plain (target 2x)"
fi
if [ -z "$only" ] || [ "$only" = many ]; then
row "validate, 20 single runs" "peer"
row "validate --recursive (20 areas)" "$(ratio "validate --recursive (20 areas)" "validate, 20 single runs")x the single runs (target 1.2x)"
fi
