#!/usr/bin/env bash
# A standalone Spark cluster on this machine, from Maven artifacts alone (no downloaded Spark distribution):
# a master on 127.0.0.1 and W workers of one core each, for the cluster stage of .ci/run, the fault run and
# `bench distributed`.
#
#   moco-spark/cluster/standalone.sh start [W]        # master + W workers (default 2); prints the master URL
#   moco-spark/cluster/standalone.sh submit ARGS...   # spark-submit ARGS to it (--class ... jar ...)
#   moco-spark/cluster/standalone.sh local W ARGS...  # spark-submit ARGS on local[W] with the same Spark (no cluster)
#   moco-spark/cluster/standalone.sh executors        # PIDs of the running executor JVMs, one per line
#   moco-spark/cluster/standalone.sh stop
#
# MOCO_CLUSTER_DIR (default /tmp/moco-spark-cluster) holds SPARK_HOME (jars/ links into ~/.m2), logs and
# the workers' directories; MOCO_CLUSTER_PORT (default 7077) the master's port; MOCO_WORKER_MEMORY (default 6g)
# what each worker offers executors; MOCO_MAVEN_ARGS is passed to Maven (e.g. -o).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
dir="${MOCO_CLUSTER_DIR:-/tmp/moco-spark-cluster}"
port="${MOCO_CLUSTER_PORT:-7077}"
ui_port=$((port + 1011))
master="spark://127.0.0.1:$port"
# the driver on 127.0.0.1 too, whatever the host name resolves to: the executors reach the tracker of the collective there
export SPARK_LOCAL_IP="${SPARK_LOCAL_IP:-127.0.0.1}"
export SPARK_HOME="$dir/home"
export SPARK_SCALA_VERSION
SPARK_SCALA_VERSION="$(sed -n 's:.*<scala.binary.version>\(.*\)</scala.binary.version>.*:\1:p' "$root/pom.xml" | head -n 1)"
spark_version="$(sed -n 's:.*<spark.version>\(.*\)</spark.version>.*:\1:p' "$root/pom.xml" | head -n 1)"
# Java 17 needs these for Spark's own JVMs; the same list as the tests' (moco-spark/pom.xml)
opens="$(sed -n 's:.*<spark.jvm.options>\(.*\)</spark.jvm.options>.*:\1:p' "$root/moco-spark/pom.xml")"

spark_home() {
    # Spark's class path as Maven resolves spark-core, linked into SPARK_HOME/jars; a RELEASE file makes
    # Spark's launcher take SPARK_HOME/jars as a distribution's (the workers build executors' class path from it)
    [[ -f "$SPARK_HOME/RELEASE" ]] && return 0
    mkdir -p "$dir/resolve" "$SPARK_HOME/jars"
    cat > "$dir/resolve/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.moco.ci</groupId><artifactId>spark-home</artifactId><version>1</version><packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.spark</groupId><artifactId>spark-core_$SPARK_SCALA_VERSION</artifactId><version>$spark_version</version></dependency>
    <!-- spark-core's log4j2 binding wants SLF4J 2; Maven's nearest-wins would otherwise pick 1.7 -->
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-api</artifactId><version>2.0.7</version></dependency>
  </dependencies>
</project>
POM
    # shellcheck disable=SC2086
    mvn -B -q ${MOCO_MAVEN_ARGS:-} -f "$dir/resolve/pom.xml" dependency:build-classpath \
        -Dmdep.outputFile="$dir/resolve/classpath.txt" >"$dir/resolve/maven.log" 2>&1 \
        || { echo "standalone.sh: resolving spark-core $spark_version failed; see $dir/resolve/maven.log" >&2; exit 1; }
    tr ':' '\n' < "$dir/resolve/classpath.txt" | while read -r jar || [[ -n "$jar" ]]; do ln -sf "$jar" "$SPARK_HOME/jars/"; done
    echo "Spark $spark_version (Scala $SPARK_SCALA_VERSION) from Maven artifacts" > "$SPARK_HOME/RELEASE"
}

alive_workers() {
    curl -s "http://127.0.0.1:$ui_port/json/" 2>/dev/null | grep -c '"state" : "ALIVE"' || true
}

start() {
    local workers="${1:-2}"
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        echo "standalone.sh: 127.0.0.1:$port is in use (a master started before and not stopped?): stop it, or set" \
            "MOCO_CLUSTER_PORT to another port" >&2
        exit 1
    fi
    spark_home
    mkdir -p "$dir/logs"
    # shellcheck disable=SC2086
    setsid nohup java -Xmx512m $opens -cp "$SPARK_HOME/jars/*" org.apache.spark.deploy.master.Master \
        --host 127.0.0.1 --port "$port" --webui-port "$ui_port" >"$dir/logs/master.log" 2>&1 </dev/null &
    echo $! > "$dir/master.pid"
    for i in $(seq 1 "$workers"); do
        # shellcheck disable=SC2086
        setsid nohup java -Xmx256m $opens -cp "$SPARK_HOME/jars/*" org.apache.spark.deploy.worker.Worker "$master" \
            --host 127.0.0.1 --cores 1 --memory "${MOCO_WORKER_MEMORY:-6g}" --work-dir "$dir/work/worker-$i" \
            --webui-port 0 >"$dir/logs/worker-$i.log" 2>&1 </dev/null &
        echo $! > "$dir/worker-$i.pid"
    done
    for _ in $(seq 1 120); do
        if [[ "$(alive_workers)" -ge "$workers" ]]; then
            echo "$master"
            return 0
        fi
        sleep 1
    done
    echo "standalone.sh: $workers workers did not register with $master within 120 s; logs in $dir/logs" >&2
    stop
    exit 1
}

stop() {
    local pidfile pid stopped=()
    for pidfile in "$dir"/master.pid "$dir"/worker-*.pid; do
        [[ -f "$pidfile" ]] || continue
        pid="$(cat "$pidfile")"
        kill "$pid" 2>/dev/null && stopped+=("$pid")
        rm -f "$pidfile"
    done
    # wait for them to exit (a worker ends its executors first), so that the port is free for the next start
    for _ in $(seq 1 100); do
        for pid in "${stopped[@]}"; do
            kill -0 "$pid" 2>/dev/null && { sleep 0.2; continue 2; }
        done
        return 0
    done
}

submit() {
    # shellcheck disable=SC2086
    java -Xmx1g $opens -cp "$SPARK_HOME/jars/*" org.apache.spark.deploy.SparkSubmit --master "$master" \
        --conf "spark.executor.extraJavaOptions=$opens ${MOCO_EXECUTOR_JAVA_OPTIONS:-}" "$@"
}

submit_local() {
    # the workers are threads of spark-submit's own JVM: its heap holds what the executors' would
    local workers="$1"
    shift
    spark_home
    # shellcheck disable=SC2086
    java -Xmx2g $opens -cp "$SPARK_HOME/jars/*" org.apache.spark.deploy.SparkSubmit --master "local[$workers]" "$@"
}

executors() {
    pgrep -f "CoarseGrainedExecutorBackend.*--worker-url" || true
}

case "${1:-}" in
    start) shift; start "$@" ;;
    stop) stop ;;
    submit) shift; submit "$@" ;;
    local) shift; [[ $# -ge 1 ]] || { echo "usage: $0 local W ARGS..." >&2; exit 2; }; submit_local "$@" ;;
    executors) executors ;;
    *) echo "usage: $0 start [W] | submit ARGS... | local W ARGS... | executors | stop" >&2; exit 2 ;;
esac
