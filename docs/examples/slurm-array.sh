#!/bin/bash
# Example Slurm job array: run one suite split over 8 GPU jobs, then merge.
#
#   sbatch docs/examples/slurm-array.sh configs/paper.toml
#
# Each array task runs the jobs of its shard: --shard auto reads
# SLURM_ARRAY_TASK_ID (minus SLURM_ARRAY_TASK_MIN) and SLURM_ARRAY_TASK_COUNT.
# The assignment depends only on the suite, so every task computes the same
# split; jobs of one model and dataset stay together (they share features).
#SBATCH --job-name=evalclip
#SBATCH --array=0-7
#SBATCH --gpus=1
#SBATCH --cpus-per-task=16
#SBATCH --time=04:00:00
#SBATCH --output=logs/evalclip-%A_%a.out
set -euo pipefail

SUITE=${1:?usage: sbatch slurm-array.sh SUITE}
OUT=runs/${SLURM_ARRAY_JOB_ID}

bin/evalclip run --shard auto --out "$OUT/shard-${SLURM_ARRAY_TASK_ID}" "$SUITE"

# After the array finishes (for example in a job submitted with
# --dependency=afterok:$SLURM_ARRAY_JOB_ID), combine the shards. merge
# refuses results of another suite, a shard given twice and missing shards:
#
#   bin/evalclip merge --out runs/$SLURM_ARRAY_JOB_ID/merged runs/$SLURM_ARRAY_JOB_ID/shard-*
