#!/usr/bin/env bash
# The fault run: the short pretraining of short-run.sh on a standalone cluster of two one-core workers
# (standalone.sh), a checkpoint every 8 steps, and worker 0's executor JVM killed with kill -9 once it has printed
# step 10. Spark fails the barrier stage, the driver starts it again from the newest checkpoint, the standalone
# worker starts a new executor, and the run finishes. Checks that the run finished after one restart and that its
# final checkpoint loads and equals the uninterrupted run's (CheckpointComparison); prints the steps redone.
#
#   moco-spark/cluster/fault-run.sh [--reference CHECKPOINT] [WORK_DIR]
#
# --reference: the final checkpoint of the same run without a fault (ci-stage.sh passes its cluster run's); without
# it the uninterrupted run is made first, on the same cluster. WORK_DIR (default: a new temporary directory) keeps
# the runs. MOCO_CLUSTER_DIR, MOCO_CLUSTER_PORT and MOCO_MAVEN_ARGS are standalone.sh's.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=short-run.sh
source "$here/short-run.sh"
reference=""
if [[ "${1:-}" == "--reference" ]]; then
    reference="${2:?--reference needs the checkpoint of the uninterrupted run}"
    shift 2
fi
work="${1:-$(mktemp -d -t moco-fault-run.XXXXXX)}"
mkdir -p "$work"
jar="$(moco_spark_jar)"
cluster_dir="${MOCO_CLUSTER_DIR:-/tmp/moco-spark-cluster}"
checkpoint_every=8
kill_after=10
submit=""
# the driver too, if this script stops while it runs
trap '[[ -z "$submit" ]] || kill "$submit" 2>/dev/null || true; "$here/standalone.sh" stop' EXIT

fashion_mnist_subset "$work/data" "$short_run_images"
run=("${short_run[@]}" --data "$work/data")
echo "fault run: $short_run_steps steps, a checkpoint every $checkpoint_every, worker 0's executor killed once it has printed step $kill_after; in $work"
"$here/standalone.sh" start 2

if [[ -z "$reference" ]]; then
    start=$(date +%s)
    logged "$work/uninterrupted" "$here/standalone.sh" submit "${short_run_spark[@]}" \
        --class dev.moco.spark.SparkPretrainCommand "$jar" "${run[@]}" --checkpoints "$work/uninterrupted"
    echo "uninterrupted: $(( $(date +%s) - start )) s"
    reference="$work/uninterrupted"
fi

# the applications the cluster ran before this one: this one's executors are in the directory that is new
apps_before="$(ls -d "$cluster_dir"/work/worker-*/app-* 2>/dev/null || true)"
start=$(date +%s)
"$here/standalone.sh" submit "${short_run_spark[@]}" --class dev.moco.spark.SparkPretrainCommand "$jar" "${run[@]}" \
    --checkpoints "$work/killed" --checkpoint-every "$checkpoint_every" --log-every 1 --max-restarts 1 \
    >"$work/fault.out" 2>"$work/fault.err" &
submit=$!

# worker 0 prints "step S/T: ..." to its executor's stdout after every step; the executor's working directory is
# the directory of that stdout
last_step() { sed -n 's:^step \([0-9]*\)/.*:\1:p' "$1" | tail -n 1; }
victim_stdout=""
while kill -0 "$submit" 2>/dev/null; do
    for out in "$cluster_dir"/work/worker-*/app-*/*/stdout; do
        [[ -f "$out" ]] || continue
        grep -qxF "$(dirname "$(dirname "$out")")" <<<"$apps_before" && continue
        if [[ "$(last_step "$out")" -ge "$kill_after" ]] 2>/dev/null; then
            victim_stdout="$out"
            break 2
        fi
    done
    sleep 0.1
done
if [[ -z "$victim_stdout" ]]; then
    echo "fault run: the run ended before worker 0 printed step $kill_after; see $work/fault.err" >&2
    wait "$submit" || true
    submit=""
    exit 1
fi
victim=""
for pid in $("$here/standalone.sh" executors); do
    if [[ "$(readlink "/proc/$pid/cwd" 2>/dev/null)" == "$(dirname "$victim_stdout")" ]]; then
        victim="$pid"
    fi
done
[[ -n "$victim" ]] || { echo "fault run: no executor JVM runs in $(dirname "$victim_stdout")" >&2; exit 1; }
kill -9 "$victim"
killed_at=$(( $(date +%s) - start ))
sleep 0.5    # what the JVM wrote before it died is in its stdout; it writes nothing more
done_before="$(last_step "$victim_stdout")"
echo "killed executor $victim (worker 0) with kill -9 ${killed_at} s into the run, after step $done_before of $short_run_steps"

finished=0
wait "$submit" || finished=$?
submit=""
if [[ "$finished" -ne 0 ]]; then
    echo "fault run: the run did not finish after the kill; the last lines of $work/fault.err:" >&2
    tail -n 40 "$work/fault.err" >&2
    exit 1
fi
echo "finished $(( $(date +%s) - start )) s after its start"
grep -v '^\[' "$work/fault.out"    # the driver's lines, without the tracker's
resumed_at="$(sed -n 's:^resumed from .* at step \([0-9]*\) after a failure.*:\1:p' "$work/fault.out")"
[[ -n "$resumed_at" ]] || { echo "fault run: the driver did not say where it resumed" >&2; exit 1; }
grep -q ' on 2 workers after 1 restarts$' "$work/fault.out" \
    || { echo "fault run: the run did not end after exactly one restart" >&2; exit 1; }
redone=$(( done_before - resumed_at ))
if [[ "$redone" -gt 0 ]]; then
    echo "steps redone: $redone (steps $(( resumed_at + 1 ))-$done_before: finished before the kill, trained again from the checkpoint at step $resumed_at)"
else
    echo "steps redone: 0 (the checkpoint at step $resumed_at was the last step finished before the kill)"
fi

echo "the final checkpoint against the uninterrupted run's:"
logged "$work/comparison" "$here/standalone.sh" local 1 --class dev.moco.spark.CheckpointComparison \
    "$jar" "$work/killed" "$reference"
