#!/bin/bash
# Peak RSS and throughput of the three benchmark rows, in one run, per row: a Java build to compare
# against (BEFORE_JAR), this checkout's build, PyTorch; then this build's breakdowns.
#   BEFORE_JAR=/path/to/other/moco-bench-*-all.jar bash results/memory/peak-rss-vs-pytorch.sh
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export JAVA_OPTS_S="-Xmx3g -Dorg.bytedeco.javacpp.maxbytes=18g"
BEFORE=${BEFORE_JAR:?set BEFORE_JAR to the runnable jar of the build to compare against}
AFTER=$(ls "$root"/moco-bench/target/moco-bench-*-all.jar | head -n 1)
PY="$root/moco-bench/src/main/python/torch_moco_step.py"
R20="--steps 10 --warmup 3"
R18="--encoder resnet18 --channels 3 --image-size 64 --batch 128 --queue-size 16384 --shuffle-groups 8 --steps 5 --warmup 2"
R50="--encoder resnet50 --channels 3 --image-size 224 --batch 32 --queue-size 16384 --shuffle-groups 4 --steps 3 --warmup 1"
grep -m1 'model name' /proc/cpuinfo; date -u
for row in R20 R18 R50; do
  args=${!row}
  pyargs=${args/--shuffle-groups/--groups}
  for who in before after torch; do
    echo "=== $row $who $(date -u +%H:%M:%S) load $(cut -d' ' -f1 /proc/loadavg)"
    case $who in
      before) /usr/bin/time -f "maxrss_kb %M" java -Djava.awt.headless=true $JAVA_OPTS_S -jar $BEFORE bench throughput $args 2>&1 | grep -E 'throughput:|peak resident|maxrss_kb' ;;
      after)  /usr/bin/time -f "maxrss_kb %M" java -Djava.awt.headless=true $JAVA_OPTS_S -jar $AFTER bench throughput $args 2>&1 | grep -E 'throughput:|peak resident|maxrss_kb' ;;
      torch)  /usr/bin/time -f "maxrss_kb %M" /usr/bin/python3 $PY $pyargs 2>&1 | grep -E 'throughput:|peak resident|maxrss_kb' ;;
    esac
  done
done
echo "=== breakdowns (after) $(date -u +%H:%M:%S)"
for row in R20 R18 R50; do
  args=${!row}; args=${args/--steps */}
  echo "--- $row"
  java -Djava.awt.headless=true $JAVA_OPTS_S -Xmn1g -jar $AFTER bench allocations $args --warmup 2 --steps 2 2>&1 | grep -v INFO | sed -n '/buffers created/,$p'
done
date -u
