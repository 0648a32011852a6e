# Sourced by ci-stage.sh and fault-run.sh: the short pretraining they submit, its images and the jar.
#
# ResNet-20 (moco-v2's encoder) at 1x28x28 on the first 256 images of Fashion-MNIST's training split: N = 16 over
# W = 2 workers (8 each), G = 2 key BN groups, query BN groups = W, a queue of 64; 2 epochs of 16 steps.
# FASHION_MNIST (default /usr/share/datasets/fashion-mnist, Debian's dataset-fashion-mnist) holds the IDX files.

short_run_images=256
short_run_steps=32
short_run=(--workers 2 --epochs 2 --set batch.size=16 --set shuffle.groups=2 --set query.bn-groups=2 --set queue.size=64)
# a barrier stage waits for W free task slots, checking every 15 s by default: at start, and after a restart while
# the standalone worker replaces a lost executor
short_run_spark=(--conf spark.scheduler.barrier.maxConcurrentTasksCheck.interval=1s)

# fashion_mnist_subset DIR N: the first N training images and their labels as IDX files in DIR
fashion_mnist_subset() {
    local dir="$1" n="$2" src="${FASHION_MNIST:-/usr/share/datasets/fashion-mnist}" name
    mkdir -p "$dir"
    for name in train-images-idx3-ubyte train-labels-idx1-ubyte; do
        if [[ -f "$src/$name.gz" ]]; then
            gunzip -c "$src/$name.gz" > "$dir/$name.full"
        elif [[ -f "$src/$name" ]]; then
            cp "$src/$name" "$dir/$name.full"
        else
            echo "no $name[.gz] in $src: install dataset-fashion-mnist or set FASHION_MNIST" >&2
            return 1
        fi
    done
    # an IDX header is a magic number (0x0803: unsigned bytes, 3 dimensions), then each dimension, big-endian
    { perl -e 'print pack("N*", @ARGV)' 2051 "$n" 28 28
      head -c $((16 + n * 28 * 28)) "$dir/train-images-idx3-ubyte.full" | tail -c +17; } > "$dir/train-images-idx3-ubyte"
    { perl -e 'print pack("N*", @ARGV)' 2049 "$n"
      head -c $((8 + n)) "$dir/train-labels-idx1-ubyte.full" | tail -c +9; } > "$dir/train-labels-idx1-ubyte"
    rm -f "$dir"/*.full
}

# moco_spark_jar: moco-spark's jar for spark-submit (mvn -B -pl moco-spark -am install)
moco_spark_jar() {
    local root jar
    root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
    for jar in "$root"/moco-spark/target/moco-spark-*-all.jar; do
        [[ -f "$jar" ]] && { printf '%s\n' "$jar"; return 0; }
    done
    echo "no moco-spark/target/moco-spark-*-all.jar: build it with mvn -B -pl moco-spark -am install -DskipTests" >&2
    return 1
}

# logged LOG COMMAND...: runs COMMAND with its standard output shown and kept in LOG.out, Spark's and ND4J's log
# lines (standard error) in LOG.err; when it fails, shows the end of LOG.err and fails
logged() {
    local log="$1"
    shift
    if ! "$@" 2>"$log.err" | tee "$log.out"; then
        echo "--- the last lines of $log.err:" >&2
        tail -n 40 "$log.err" >&2
        return 1
    fi
}
