#!/usr/bin/env bash
# The cluster stage of .ci/run: a short pretraining (short-run.sh) submitted to a standalone Spark cluster of two
# one-core workers on this machine (standalone.sh), the same run on local[2], their final checkpoints compared tensor
# by tensor (CheckpointComparison: every tensor within 1e-5 relative, and whether bit for bit); then the fault run
# (fault-run.sh) against the cluster's checkpoint. Needs moco-spark built (mvn -B -pl moco-spark -am install).
#
#   moco-spark/cluster/ci-stage.sh [WORK_DIR]     # WORK_DIR (default: a new temporary directory) keeps the runs
#
# MOCO_CLUSTER_DIR, MOCO_CLUSTER_PORT and MOCO_MAVEN_ARGS are standalone.sh's.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=short-run.sh
source "$here/short-run.sh"
work="${1:-$(mktemp -d -t moco-cluster-stage.XXXXXX)}"
mkdir -p "$work"
jar="$(moco_spark_jar)"
trap '"$here/standalone.sh" stop' EXIT

fashion_mnist_subset "$work/data" "$short_run_images"
run=("${short_run[@]}" --data "$work/data")
echo "cluster stage: $short_run_steps steps of ResNet-20 on $short_run_images Fashion-MNIST images, in $work"

"$here/standalone.sh" start 2
start=$(date +%s)
logged "$work/cluster" "$here/standalone.sh" submit "${short_run_spark[@]}" --class dev.moco.spark.SparkPretrainCommand \
    "$jar" "${run[@]}" --checkpoints "$work/cluster"
echo "on the standalone cluster: $(( $(date +%s) - start )) s"
"$here/standalone.sh" stop

# Spark runs an executor's native code on spark.task.cpus threads (OMP_NUM_THREADS, 1 by default); local[2]'s
# workers are threads of one JVM, given the same here
start=$(date +%s)
logged "$work/local" env OMP_NUM_THREADS=1 "$here/standalone.sh" local 2 --class dev.moco.spark.SparkPretrainCommand \
    "$jar" "${run[@]}" --checkpoints "$work/local"
echo "on local[2]: $(( $(date +%s) - start )) s"

echo "the cluster's final checkpoint against local[2]'s:"
logged "$work/comparison" "$here/standalone.sh" local 1 --class dev.moco.spark.CheckpointComparison \
    "$jar" "$work/cluster" "$work/local"

"$here/fault-run.sh" --reference "$work/cluster" "$work/fault"
