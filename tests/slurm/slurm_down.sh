#!/usr/bin/env bash
# Stop the daemons that slurm_up.sh started under DIR, by the PIDs in their pid files only.
set -u
dir="$1"
for d in slurmd slurmctld munged; do
  f="$dir/run/$d.pid"
  [[ -s "$f" ]] || continue
  pid=$(cat "$f")
  kill -TERM "$pid" 2>/dev/null || continue
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
done
exit 0
