#!/usr/bin/env bash
# Kills every writer with SIGKILL at random instants over its run and checks, after each
# kill, that the target is entirely the old one or entirely the new one (never a mix),
# then that the next run of the same command leaves the new one and nothing beside it.
# Not a test (it takes minutes and uses wall-clock randomness): a report anyone can run.
#
#   bench/kill-sweep.sh                 50 kills per writer
#   bench/kill-sweep.sh --kills N       N kills per writer
#   bench/kill-sweep.sh --only NAME     one writer (see the names in the table)
#
# One line per writer: kills, how many left the old state, the new state, a mixed
# state, and leftovers after the re-run. Exit status 1 if any mixed state or leftover.
set -euo pipefail
cd "$(dirname "$0")/.."
kills=50
only=""
while [ $# -gt 0 ]; do
    case "$1" in
        --kills) kills="$2"; shift ;;
        --only) only="$2"; shift ;;
        -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
        *) echo "bench/kill-sweep.sh: unknown argument $1" >&2; exit 2 ;;
    esac
    shift
done

cargo build --release --quiet
bin=$PWD/target/release/catstage
w=$(mktemp -d "${TMPDIR:-/tmp}/kill-sweep.XXXXXX")
trap 'rm -rf "$w"' EXIT
def=$PWD/fixtures/sync/slab-a-daily-csv.toml

# The inputs, made once.
"$bin" generate -o "$w/a" --volumes 400 --diskfiles 300 --seed 7 > /dev/null
"$bin" generate --from "$w/a" -o "$w/b" --full --update 40 > /dev/null
"$bin" pack "$w/a" -o "$w/a.tar.zst" > /dev/null
"$bin" pack "$w/b" -o "$w/b.tar.zst" > /dev/null
"$bin" pack "$w/b" -o "$w/inc.tar.zst" --base "$w/a.tar.zst" > /dev/null
"$bin" unpack "$w/a.tar.zst" --into "$w/a-unpacked" > /dev/null
"$bin" pack "$w/a" -o "$w/old.tar.zst" --level 1 > /dev/null
python3 bench/make-listing.py 300 300 0 > "$w/l0.csv"
python3 bench/make-listing.py 300 300 1 > "$w/l1.csv"
"$bin" sync --definition "$def" --source "$w/l0.csv" "$w/s0" --type full --created 2022-01-05T17:44:48-05:00 > /dev/null
cp -a "$w/a" "$w/edited"
seal_files=""
for f in $(ls "$w/edited" | grep '^V' | head -n 100); do
    sed -i '0,/status=VALID/s//status=INVALID/' "$w/edited/$f"
    seal_files="$seal_files $f"
done

# state PATH: one digest of a directory's names, types and contents (or a file's content).
state() {
    if [ -d "$1" ]; then
        (cd "$1" && { find . -mindepth 1 -printf '%P %y\n' | LC_ALL=C sort
                      find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum; }) | sha256sum | cut -c1-16
    elif [ -e "$1" ]; then
        sha256sum < "$1" | cut -c1-16
    else
        echo absent
    fi
}

# leftovers PATH: what catstage keeps beside a target (and legacy temporaries inside one).
leftovers() {
    local name; name=$(basename "$1")
    { ls -A "$(dirname "$1")" | grep -E "^\.${name//./\\.}\.catstage-|^\.catstage-tmp-" || true
      [ -d "$1" ] && { ls -A "$1" | grep -E '^\.' || true; }; } | wc -l
}

# writer NAME TARGET ORIGIN RERUN_WHEN_NEW COMMAND...: ORIGIN is what the target is reset
# to before each run (a path to copy, or "absent").
fails=0
printf '%-32s %6s %5s %5s %6s %10s %9s\n' writer kills old new mixed leftovers "run (s)"
writer() {
    local name="$1" target="$2" origin="$3" rerun_new="$4"; shift 4
    [ -z "$only" ] || [ "$only" = "$name" ] || return 0
    reset() {
        rm -rf "$target"
        find "$(dirname "$target")" -maxdepth 1 -name ".$(basename "$target").catstage-*" -exec rm -rf {} +
        [ "$origin" = absent ] || cp -a "$origin" "$target"
    }
    reset
    local old; old=$(state "$target")
    local t0 t1; t0=$(date +%s.%N)
    "$@" > /dev/null 2>&1
    t1=$(date +%s.%N)
    local new; new=$(state "$target")
    local run; run=$(echo "$t1 - $t0" | bc)
    local n_old=0 n_new=0 n_mixed=0 n_left=0 i
    for i in $(seq 1 "$kills"); do
        reset
        # Kill points spread over the run and a little past it.
        local delay; delay=$(awk -v r="$RANDOM" -v t="$run" 'BEGIN { printf "%.4f", (r / 32767) * t * 1.2 }')
        "$@" > /dev/null 2>&1 &
        local pid=$!
        sleep "$delay"
        kill -9 "$pid" 2> /dev/null || true
        wait "$pid" 2> /dev/null || true
        local now; now=$(state "$target")
        local was
        if [ "$now" = "$old" ]; then was=old; n_old=$((n_old + 1))
        elif [ "$now" = "$new" ]; then was=new; n_new=$((n_new + 1))
        else was=mixed; n_mixed=$((n_mixed + 1)); fi
        local status=0
        "$@" > /dev/null 2>&1 || status=$?
        local want=0
        [ "$was" = new ] && want="$rerun_new"
        if [ "$status" != "$want" ] || [ "$(state "$target")" != "$new" ] || [ "$(leftovers "$target")" != 0 ]; then
            n_left=$((n_left + 1))
        fi
    done
    printf '%-32s %6d %5d %5d %6d %10d %9.2f\n' "$name" "$kills" "$n_old" "$n_new" "$n_mixed" "$n_left" "$run"
    [ "$n_mixed" = 0 ] && [ "$n_left" = 0 ] || fails=1
}

writer "unpack (full, over an area)" "$w/t" "$w/a" 0 "$bin" unpack "$w/b.tar.zst" --into "$w/t"
writer "unpack (incremental)" "$w/t" "$w/a-unpacked" 0 "$bin" unpack "$w/inc.tar.zst" --into "$w/t"
writer "unpack (a new destination)" "$w/t" absent 0 "$bin" unpack "$w/b.tar.zst" --into "$w/t"
writer "replace-nodes --in-place" "$w/t" "$w/a" 0 "$bin" replace-nodes "$w/t" --map '\SYNTH=\DRSITE' --in-place
writer "replace-nodes -o" "$w/t" absent 2 "$bin" replace-nodes "$w/a" --map '\SYNTH=\DRSITE' -o "$w/t"
writer "sync --type full" "$w/t" "$w/s0" 0 "$bin" sync --definition "$def" --source "$w/l1.csv" "$w/t" \
    --type full --created 2022-01-06T17:44:48-05:00
writer "sync --type update" "$w/t" "$w/s0" 0 "$bin" sync --definition "$def" --source "$w/l1.csv" "$w/t" \
    --type update --created 2022-01-06T17:44:48-05:00
writer "sync --type full (a new area)" "$w/t" absent 0 "$bin" sync --definition "$def" --source "$w/l0.csv" "$w/t" \
    --type full --created 2022-01-05T17:44:48-05:00
# shellcheck disable=SC2086
writer "seal (100 files)" "$w/t" "$w/edited" 0 "$bin" seal "$w/t" $seal_files
writer "generate -o" "$w/t" absent 2 "$bin" generate -o "$w/t" --volumes 400 --diskfiles 300 --seed 7
writer "pack -o" "$w/t.tar.zst" absent 2 "$bin" pack "$w/a" -o "$w/t.tar.zst"
writer "pack -o --force (over a package)" "$w/t.tar.zst" "$w/old.tar.zst" 0 "$bin" pack "$w/a" -o "$w/t.tar.zst" --force
exit "$fails"
