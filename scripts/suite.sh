#!/usr/bin/env bash
# One suite of `make test`: runs the command as is, and records in DIR its exit code (NAME.rc), wall
# and CPU seconds, children included (NAME.time: "wall user sys"); pytest's proof counts go to
# NAME.json (tests/proof.py). Always exits 0: scripts/test_summary.py fails the run at the end, so
# every suite reports even when an earlier one failed.
set -u
dir=$1 name=$2
shift 2
mkdir -p "$dir"
export WOLKVOX_PROOF_FILE="$dir/$name.json"
exec 3>&2
TIMEFORMAT="%R %U %S"
{ time { "$@" 2>&3; echo $? > "$dir/$name.rc"; }; } 2> "$dir/$name.time"
echo "== $name: exit $(cat "$dir/$name.rc"), wall/user/sys $(cat "$dir/$name.time") s"
