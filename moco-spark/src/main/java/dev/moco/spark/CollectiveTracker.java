package dev.moco.spark;

import java.util.HashMap;
import java.util.Map;
import ml.dmlc.xgboost4j.java.RabitTracker;
import ml.dmlc.xgboost4j.java.XGBoostError;

/**
 * The driver's side of XGBoost4J's collective: a {@link RabitTracker} that introduces the W
 * workers to each other (it carries no data itself), as XGBoost4J-Spark runs it beside its
 * barrier stage. The workers join with {@link #workerArgs()} through {@link RingAllReduce#join}.
 *
 * <pre>{@code
 * try (CollectiveTracker tracker = CollectiveTracker.start("127.0.0.1", workers)) {
 *     Map<String, Object> args = tracker.workerArgs();   // serialisable, goes into the task closure
 *     ... run the barrier stage ...
 * }
 * }</pre>
 */
public final class CollectiveTracker implements AutoCloseable {

    /** How long the tracker waits for all workers to connect, in seconds. */
    public static final int CONNECT_TIMEOUT_SECONDS = 300;

    private final RabitTracker tracker;
    private final String host;
    private final int workers;

    private CollectiveTracker(RabitTracker tracker, String host, int workers) {
        this.tracker = tracker;
        this.host = host;
        this.workers = workers;
    }

    /**
     * Starts a tracker for {@code workers} workers on {@code host}, at a free port.
     *
     * @param host an address every worker can reach (127.0.0.1 when they share this machine)
     * @param workers W, at least 1
     */
    public static CollectiveTracker start(String host, int workers) {
        if (workers < 1) {
            throw new IllegalArgumentException("workers must be at least 1, got " + workers);
        }
        try {
            RabitTracker tracker = new RabitTracker(workers, host, 0, CONNECT_TIMEOUT_SECONDS);
            if (!tracker.start()) {
                tracker.stop();
                throw new IllegalStateException("the collective's tracker on " + host + " did not start");
            }
            return new CollectiveTracker(tracker, host, workers);
        } catch (XGBoostError e) {
            throw new IllegalStateException("could not start the collective's tracker on " + host + " for " + workers
                    + " workers: " + e.getMessage(), e);
        }
    }

    /** What a worker needs to join: the tracker's address and port, as a serialisable map. */
    public Map<String, Object> workerArgs() {
        try {
            return new HashMap<>(tracker.getWorkerArgs());
        } catch (XGBoostError e) {
            throw new IllegalStateException("the tracker on " + host + " gave no worker arguments: " + e.getMessage(), e);
        }
    }

    public int workers() {
        return workers;
    }

    @Override
    public void close() {
        try {
            tracker.stop();
        } catch (XGBoostError e) {
            throw new IllegalStateException("could not stop the collective's tracker on " + host + ": " + e.getMessage(), e);
        }
    }
}
