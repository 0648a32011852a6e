#!/bin/bash
# Peak RSS of each kind of run the transfer experiment's JVM holds, each alone in its own JVM started by
# ./moco (its heap bounds): the denominators of the experiment JVM's ratio (docs/memory.md).
#   ENCODER=results/runs/transfer/full/encoders/supervised-same/latest.zip bash results/memory/transfer-runs-alone.sh [OUT_DIR]
# One epoch of each fine-tuning and of pretraining, five of the linear probe: each reaches its peak in the first
# (the step's workspace, the test evaluation, the checkpoint), which the runs' sampled curves show.
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
data=${DATA:-/usr/share/datasets/fashion-mnist}
encoder=${ENCODER:?set ENCODER to a checkpoint, e.g. the supervised encoder of the transfer experiment}
out=${1:-$(mktemp -d)}
mkdir -p "$out"
grep -m1 'model name' /proc/cpuinfo; date -u
alone() {
  local name=$1; shift
  python3 "$root"/results/memory/sampled-rss.py --every 2 --csv "$out/$name.csv" -- \
      "$root"/moco "$@" > "$out/$name.log" 2>&1
  printf '%-40s %s\n' "$name" "$(tail -n 1 "$out/$name.log")"
}
alone "transfer instances (1 epoch)" transfer instances --init "$encoder" --data "$data" --epochs 1 --out "$out/instances"
alone "transfer segment (1 epoch)" transfer segment --init "$encoder" --data "$data" --epochs 1 --out "$out/segment"
alone "eval knn" eval knn --checkpoint "$encoder" --data "$data"
alone "eval linear (5 epochs)" eval linear --checkpoint "$encoder" --data "$data" --set epochs=5 --set milestones=3
alone "pretrain (1 epoch, K=4096, batch 256)" pretrain --data "$data" --epochs 1 --held-out 0 --set queue.size=4096 \
    --set batch.size=256 --no-progress --out "$out/pretrain"
alone "train-supervised (1 epoch, batch 256)" train-supervised --data "$data" --epochs 1 --batch-size 256 --out "$out/supervised"
