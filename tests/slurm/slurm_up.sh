#!/usr/bin/env bash
# Start a private SLURM cluster of one node (munged + slurmctld + slurmd) under DIR and
# write DIR/env (SLURM_CONF=...). Follows /work/shared/toolchain.md "SLURM on one machine".
#   slurm_up.sh DIR      start; wait until the node is idle (exit 1 with the logs if not)
#   slurm_down.sh DIR    stop the daemons by the PIDs in their pid files
# Ports are chosen free at start, so several clusters (CI jobs, developers) can coexist.
set -euo pipefail
dir=$(cd "$1" && pwd)
mkdir -p "$dir"/{munge,state,spool,log,run,pmix,tmp}
chmod 0700 "$dir/munge"
chmod 0755 "$dir"
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
ctld_port=$(free_port); d_port=$(free_port)
while [[ "$d_port" == "$ctld_port" ]]; do d_port=$(free_port); done
sock="$dir/munge/munge.socket"
mungekey --create --keyfile="$dir/munge/munge.key" --force
chmod 0400 "$dir/munge/munge.key"
munged --socket="$sock" --key-file="$dir/munge/munge.key" --log-file="$dir/log/munged.log" \
  --pid-file="$dir/run/munged.pid" --seed-file="$dir/munge/munge.seed" --force
# (not nproc: it honours OMP_NUM_THREADS, which the tests set to 1)
cpus=$(getconf _NPROCESSORS_ONLN)
# 80% of the memory, so slurmd never finds less than configured (the node would drain).
mem=$(awk '/MemTotal/ { printf "%d", $2 / 1024 * 0.8 }' /proc/meminfo)
cat >"$dir/slurm.conf" <<CONF
ClusterName=mstest
SlurmctldHost=localhost
SlurmctldPort=$ctld_port
SlurmdPort=$d_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$sock
CredType=cred/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/run/slurmctld.pid
SlurmdPidFile=$dir/run/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=pmix
SchedulerType=sched/backfill
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
JobAcctGatherType=jobacct_gather/none
ReturnToService=2
TmpFS=$dir/tmp
KillWait=5
MinJobAge=600
SchedulerParameters=defer_batch=0
NodeName=localhost CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=test Nodes=localhost Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
CONF
# PMIx keeps per-job directories named after the job id: under DIR, not /tmp, so that two
# private clusters (both starting at job 1) never share one.
echo "PMIxCliTmpDirBase=$dir/pmix" >"$dir/mpi.conf"
echo "export SLURM_CONF=$dir/slurm.conf" >"$dir/env"
export SLURM_CONF="$dir/slurm.conf"
slurmctld -f "$SLURM_CONF"
slurmd -f "$SLURM_CONF" -N localhost
for i in $(seq 1 60); do
  state=$(sinfo -h -n localhost -o %T 2>/dev/null || true)
  if [[ "$state" == idle* ]]; then echo "slurm_up: node idle after ${i} poll(s) ($dir)"; exit 0; fi
  sleep 0.5
done
echo "slurm_up: node not idle after 30 s (state '$state')" >&2
tail -n 30 "$dir"/log/*.log >&2
exit 1
