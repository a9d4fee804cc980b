#!/bin/bash
# A qnnlab sweep as a Slurm batch job (docs/SWEEPS.md). Submit with
#   sbatch docs/sweep-job.sh
# and, when the time limit stopped it, submit it again: the sweep goes on
# from the instances in OUT. PBS/Torque: replace the #SBATCH lines with
#   #PBS -l nodes=4:ppn=32,walltime=04:00:00
# and srun with `mpirun --map-by ppr:1:node --bind-to none`.
#SBATCH --job-name=qnnlab-sweep
#SBATCH --nodes=4
#SBATCH --ntasks-per-node=1          # one rank per node ...
#SBATCH --cpus-per-task=32           # ... with a worker thread per core
#SBATCH --time=04:00:00
#SBATCH --signal=TERM@120            # SIGTERM 2 minutes before the limit: finished instances are kept
#SBATCH --output=qnnlab-sweep-%j.log
set -euo pipefail

OUT=${OUT:-$SLURM_SUBMIT_DIR/k-vs-L}
export OPENBLAS_NUM_THREADS=1        # the engine's parallelism is over instances

# srun starts the ranks through Slurm's PMIx plug-in (OpenMPI needs it);
# `mpirun qnnlab sweep ...` inside the allocation works as well.
status=0
srun --mpi=pmix qnnlab sweep liu23-fig1 \
    --grid L=2,4,8,16,32,64,128 --instances 1000 \
    --threads "${SLURM_CPUS_PER_TASK:-1}" --quiet --out "$OUT" || status=$?
echo "qnnlab sweep ended with status $status; results in $OUT"
exit "$status"
