package dev.moco.api.kit;

import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.memory.enums.ResetPolicy;
import org.nd4j.linalg.api.memory.enums.SpillPolicy;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Native memory for the arrays one step creates, reused from step to step: an ND4J workspace
 * scoped to the step. Outside a workspace every ND4J array owns a native buffer that javacpp
 * frees only when the garbage collector finds the array, so a JVM that steps for hours holds
 * the garbage of many steps; inside one, the step's temporaries are carved from one block
 * that the next step overwrites.
 *
 * <p>Rules for code that runs inside a step:
 * <ul>
 *   <li>an array created in the step is gone when the step ends: keep nothing from it;
 *       write results into arrays made beforehand ({@code assign}, {@code addi}, a view);</li>
 *   <li>state created lazily on the first step (primitives' buffers, a reused logits block)
 *       is created {@link #outside()} the workspace.</li>
 * </ul>
 * The block is sized by the first step and grows when a later step needs more; each thread
 * has its own (ND4J workspaces are per thread) and keeps it until the thread ends or
 * {@link #releaseAll()} frees it.
 *
 * <pre>{@code
 * try (MemoryWorkspace step = StepWorkspace.open(StepWorkspace.TRAINING_STEP)) {
 *     ... every temporary of the step ...
 * }
 * try (MemoryWorkspace out = StepWorkspace.outside()) {
 *     buffer = Nd4j.create(DataType.FLOAT, n, k);   // lives beyond the step
 * }
 * }</pre>
 */
public final class StepWorkspace {

    /** The pretraining step ({@code MocoTrainer.step}). */
    public static final String TRAINING_STEP = "moco-training-step";
    /** A downstream training step: fine-tuning, a linear probe's minibatch. */
    public static final String DOWNSTREAM_STEP = "moco-downstream-step";
    /** One batch of an evaluation: features of a batch of images, a kNN chunk's similarities. */
    public static final String EVALUATION_BATCH = "moco-evaluation-batch";
    /** Writing a checkpoint or an export: the contiguous copies of views, the finiteness checks. */
    public static final String SAVE = "moco-save";

    private static final WorkspaceConfiguration STEP = WorkspaceConfiguration.builder()
            .initialSize(0)
            .policyLearning(LearningPolicy.FIRST_LOOP)       // sized by the first step
            .policyAllocation(AllocationPolicy.OVERALLOCATE)
            .overallocationLimit(0.05)
            .policySpill(SpillPolicy.REALLOCATE)              // a larger step grows it for the next
            .policyReset(ResetPolicy.BLOCK_LEFT)
            .build();

    private StepWorkspace() {}

    /**
     * Opens (activates) the calling thread's workspace {@code id}; close it when the step
     * ends. Nested opens of another id are allowed.
     *
     * @param id one workspace per kind of step, e.g. {@link #TRAINING_STEP}
     * @return the workspace, to close with try-with-resources
     */
    public static MemoryWorkspace open(String id) {
        return Nd4j.getWorkspaceManager().getAndActivateWorkspace(STEP, id);
    }

    /**
     * Frees every workspace of the calling thread. Each holds a block as large as the largest
     * step of its kind so far, kept for the next step; a process that runs many runs one after
     * another on one thread (an experiment: pretraining, then evaluations, then fine-tunings)
     * calls this between them, so that one run's blocks do not stay resident through the next.
     * The next step of each kind sizes its block anew.
     *
     * @return the bytes the freed blocks held
     * @throws IllegalStateException if a workspace is open on this thread: a step is running
     */
    public static long releaseAll() {
        var manager = Nd4j.getWorkspaceManager();
        if (manager.anyWorkspaceActiveForCurrentThread()) {
            throw new IllegalStateException("cannot free the step workspaces of thread " + Thread.currentThread().getName()
                    + " while one is open; call releaseAll between runs, not inside a step");
        }
        long bytes = heldBytes();
        manager.destroyAllWorkspacesForCurrentThread();
        return bytes;
    }

    /** {@return the bytes the calling thread's workspaces hold} */
    public static long heldBytes() {
        long bytes = 0;
        for (MemoryWorkspace workspace : Nd4j.getWorkspaceManager().getAllWorkspacesForCurrentThread()) {
            bytes += workspace.getCurrentSize();
        }
        return bytes;
    }

    /**
     * Leaves any open workspace until closed: arrays created in this scope are ordinary
     * arrays that outlive the step (state created lazily, results kept by the caller).
     *
     * @return the scope, to close with try-with-resources
     */
    public static MemoryWorkspace outside() {
        return Nd4j.getWorkspaceManager().scopeOutOfWorkspaces();
    }
}
