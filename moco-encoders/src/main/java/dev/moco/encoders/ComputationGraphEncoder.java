package dev.moco.encoders;

import dev.moco.api.Encoder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.normalization.BatchNormalization;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Makes a user-supplied DL4J {@link ComputationGraph} (one input, one output, no loss layer:
 * the output vertex is e.g. a {@code DenseLayer} with identity activation) a MoCo
 * {@link Encoder}.
 *
 * <p>How it maps onto DL4J:
 * <ul>
 *   <li>Workspaces are switched off ({@link WorkspaceMode#NONE} for training and inference),
 *       so activations and gradients handed out are plain arrays that stay valid.</li>
 *   <li>{@link #parameters()} is {@code graph.params()}, the graph's own flat view (as a
 *       rank-1 vector).
 *       {@link #gradients()} is a separate vector of the same layout into which every
 *       {@link Encoder.Pass#backward} adds {@code graph.backpropGradient(ε)}'s gradient.</li>
 *   <li>DL4J keeps batch-normalisation running statistics ({@code mean}, {@code var} or
 *       {@code log10stdev}) inside {@code params()} and updates them through the gradient
 *       ("param −= gradient") instead of in the forward pass. This adapter applies that update
 *       itself during {@code backward} and leaves zeros in those slots of {@link #gradients()};
 *       {@link #trainableMask()} marks them (0) so an optimizer can skip them (e.g. for weight
 *       decay). {@link #buffers()} is therefore empty. A graph run only forward (the MoCo key
 *       encoder) keeps its DL4J running statistics unchanged.</li>
 *   <li>A graph holds only the activations of its latest forward. A pass whose activations are
 *       no longer in the graph (another forward ran since, or normalisation groups &gt; 1)
 *       re-runs its forward in training mode before back-propagating (recomputation). This is
 *       exact for deterministic graphs; with dropout the recomputed mask differs.</li>
 *   <li>Normalisation groups G &gt; 1: the G chunks run through the graph one after the other,
 *       so batch normalisation sees each chunk's statistics.</li>
 * </ul>
 *
 * <pre>{@code
 * ComputationGraph graph = new ComputationGraph(conf);   // ... "pool" → DenseLayer "out"
 * graph.init();
 * Encoder encoder = new ComputationGraphEncoder(graph, "pool", 64, 128);
 * }</pre>
 */
public final class ComputationGraphEncoder implements Encoder {

    private final ComputationGraph graph;
    private final String representationVertex;
    private final int representationDimension;
    private final int outputDimension;
    private final String outputName;
    private final INDArray parameters;
    private final INDArray gradients;
    private final INDArray trainableMask;
    private final List<long[]> statisticRanges;
    private Object activationsOwner;

    /**
     * @param graph an initialised graph with one input and one output
     * @param representationVertex the vertex whose activations {@link #represent} returns
     *     (e.g. the global pooling layer); {@code null} for the graph's output
     * @param representationDimension width of that vertex's activations
     * @param outputDimension width of the graph's output
     */
    public ComputationGraphEncoder(ComputationGraph graph, String representationVertex, int representationDimension,
            int outputDimension) {
        if (graph.getConfiguration().getNetworkInputs().size() != 1 || graph.getConfiguration().getNetworkOutputs().size() != 1) {
            throw new IllegalArgumentException("the graph must have exactly one input and one output, it has inputs "
                    + graph.getConfiguration().getNetworkInputs() + " and outputs " + graph.getConfiguration().getNetworkOutputs());
        }
        if (graph.params() == null) {
            throw new IllegalArgumentException("the graph is not initialised: call graph.init() first");
        }
        this.outputName = graph.getConfiguration().getNetworkOutputs().get(0);
        if (representationVertex != null && graph.getVertex(representationVertex) == null) {
            throw new IllegalArgumentException("the graph has no vertex '" + representationVertex + "'");
        }
        graph.getConfiguration().setTrainingWorkspaceMode(WorkspaceMode.NONE);
        graph.getConfiguration().setInferenceWorkspaceMode(WorkspaceMode.NONE);
        this.graph = graph;
        this.representationVertex = representationVertex == null ? outputName : representationVertex;
        this.representationDimension = representationDimension;
        this.outputDimension = outputDimension;
        INDArray params = graph.params();
        this.parameters = params.reshape(params.length());
        this.gradients = Nd4j.zeros(params.dataType(), params.length());
        this.statisticRanges = statisticRanges(graph);
        this.trainableMask = Nd4j.ones(params.dataType(), params.length());
        for (long[] range : statisticRanges) {
            trainableMask.get(NDArrayIndex.interval(range[0], range[1])).assign(0);
        }
    }

    /** [from, to) index ranges of DL4J batch-normalisation statistics in {@code graph.params()}. */
    private static List<long[]> statisticRanges(ComputationGraph graph) {
        long base = graph.params().offset();
        List<long[]> ranges = new ArrayList<>();
        for (Layer layer : graph.getLayers()) {
            if (!(layer instanceof BatchNormalization)) {
                continue;
            }
            for (Map.Entry<String, INDArray> e : layer.paramTable().entrySet()) {
                String key = e.getKey();
                if (key.equals(BatchNormalizationParamInitializer.GLOBAL_MEAN)
                        || key.equals(BatchNormalizationParamInitializer.GLOBAL_VAR)
                        || key.equals(BatchNormalizationParamInitializer.GLOBAL_LOG_STD)) {
                    long from = e.getValue().offset() - base;
                    ranges.add(new long[] {from, from + e.getValue().length()});
                }
            }
        }
        return ranges;
    }

    /** The wrapped graph. */
    public ComputationGraph graph() {
        return graph;
    }

    /** 1 for trainable entries of {@link #parameters()}, 0 for DL4J's BN running statistics. */
    public INDArray trainableMask() {
        return trainableMask;
    }

    /**
     * DL4J's graph manages its own workspaces and refuses to run inside another: a caller's
     * (the training step's) is scoped out around every call into the graph, so the arrays the
     * graph returns are detached and freed by the collector.
     */
    private static MemoryWorkspace outsideCallerWorkspaces() {
        return Nd4j.getWorkspaceManager().scopeOutOfWorkspaces();
    }

    @Override
    public Pass forward(INDArray input, Mode mode, int normalizationGroups) {
        try (MemoryWorkspace detached = outsideCallerWorkspaces()) {
            return forwardDetached(input, mode, normalizationGroups);
        }
    }

    private Pass forwardDetached(INDArray input, Mode mode, int normalizationGroups) {
        INDArray x = input.dataType() == graph.params().dataType() ? input : input.castTo(graph.params().dataType());
        if (mode == Mode.INFERENCE) {
            activationsOwner = null;
            // feedForward, not output(): output() refuses to run while a caller's workspace is open, even scoped out
            INDArray output = checkedWidth(graph.feedForward(new INDArray[] {x}, false, false).get(outputName), outputDimension,
                    "output");
            return new GraphPass(output, null, 1);
        }
        Encoder.requireGroupsDivideBatch(normalizationGroups, x.size(0));
        long chunk = x.size(0) / normalizationGroups;
        INDArray[] outputs = new INDArray[normalizationGroups];
        for (int g = 0; g < normalizationGroups; g++) {
            outputs[g] = trainingForward(chunk(x, g, chunk, normalizationGroups)).dup();
        }
        INDArray output = normalizationGroups == 1 ? outputs[0] : Nd4j.concat(0, outputs);
        GraphPass pass = new GraphPass(checkedWidth(output, outputDimension, "output"), x, normalizationGroups);
        activationsOwner = normalizationGroups == 1 ? pass : null;
        return pass;
    }

    private INDArray trainingForward(INDArray x) {
        Map<String, INDArray> activations = graph.feedForward(new INDArray[] {x}, true, false);
        return activations.get(outputName);
    }

    private static INDArray chunk(INDArray x, int g, long chunk, int groups) {
        return groups == 1 ? x : x.get(NDArrayIndex.interval(g * chunk, (g + 1) * chunk)).dup();
    }

    private static INDArray checkedWidth(INDArray a, int expected, String what) {
        if (a.rank() != 2 || a.size(1) != expected) {
            throw new IllegalStateException("the graph's " + what + " has shape " + Arrays.toString(a.shape())
                    + " but this encoder was declared with width " + expected);
        }
        return a;
    }

    private final class GraphPass implements Pass {
        private final INDArray output;
        private final INDArray input;
        private final int groups;
        private boolean done;

        GraphPass(INDArray output, INDArray input, int groups) {
            this.output = output;
            this.input = input;
            this.groups = groups;
        }

        @Override
        public INDArray output() {
            return output;
        }

        @Override
        public void backward(INDArray outputGradient) {
            if (input == null) {
                throw new IllegalStateException("this pass ran in INFERENCE mode and cannot be back-propagated");
            }
            if (done) {
                throw new IllegalStateException("this pass was already back-propagated; run a new forward");
            }
            if (!Arrays.equals(outputGradient.shape(), output.shape())) {
                throw new IllegalArgumentException("output gradient has shape " + Arrays.toString(outputGradient.shape())
                        + " but the output is " + Arrays.toString(output.shape()));
            }
            done = true;
            try (MemoryWorkspace detached = outsideCallerWorkspaces()) {
                backpropagate(outputGradient);
            }
        }

        private void backpropagate(INDArray outputGradient) {
            INDArray epsilon = outputGradient.castTo(output.dataType());
            long chunk = input.size(0) / groups;
            for (int g = 0; g < groups; g++) {
                if (activationsOwner != this) {
                    trainingForward(chunk(input, g, chunk, groups));
                }
                activationsOwner = null;
                graph.backpropGradient(chunk(epsilon, g, chunk, groups));
                accumulate(graph.getFlattenedGradients());
            }
        }
    }

    /** Adds a DL4J gradient into {@link #gradients}, applying the BN statistics "gradient" to the parameters. */
    private void accumulate(INDArray dl4jGradient) {
        INDArray flat = dl4jGradient.reshape(dl4jGradient.length());
        for (long[] range : statisticRanges) {
            INDArray update = flat.get(NDArrayIndex.interval(range[0], range[1]));
            parameters.get(NDArrayIndex.interval(range[0], range[1])).subi(update);
            update.assign(0);
        }
        gradients.addi(flat);
    }

    @Override
    public INDArray represent(INDArray input) {
        try (MemoryWorkspace detached = outsideCallerWorkspaces()) {
            return representDetached(input);
        }
    }

    private INDArray representDetached(INDArray input) {
        activationsOwner = null;
        INDArray x = input.dataType() == graph.params().dataType() ? input : input.castTo(graph.params().dataType());
        INDArray r = graph.feedForward(new INDArray[] {x}, false, true).get(representationVertex);
        return checkedWidth(r.rank() == 2 ? r : r.reshape(r.size(0), r.length() / r.size(0)), representationDimension,
                "representation '" + representationVertex + "'");
    }

    @Override
    public int outputDimension() {
        return outputDimension;
    }

    @Override
    public int representationDimension() {
        return representationDimension;
    }

    @Override
    public INDArray parameters() {
        return parameters;
    }

    @Override
    public INDArray gradients() {
        return gradients;
    }

    @Override
    public void zeroGradients() {
        gradients.assign(0);
    }

    /** Empty: DL4J keeps the BN statistics inside {@link #parameters()} (see the class comment). */
    @Override
    public INDArray buffers() {
        return Nd4j.empty(graph.params().dataType());
    }

    @Override
    public ComputationGraphEncoder copy() {
        return new ComputationGraphEncoder(graph.clone(), representationVertex, representationDimension, outputDimension);
    }
}
