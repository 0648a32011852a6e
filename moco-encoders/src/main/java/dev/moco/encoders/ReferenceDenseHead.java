package dev.moco.encoders;

import dev.moco.api.Encoder;
import dev.moco.encoders.nn.ElementwiseSum;
import dev.moco.encoders.nn.Layer;
import dev.moco.encoders.nn.LayerPass;
import dev.moco.encoders.nn.Merge;
import dev.moco.encoders.nn.ParameterBank;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The reference {@link DenseHead}: the {@link DenseHeadTopology} as moco-encoders' reference
 * layers ({@link DenseHeadLayers}), so its backward is the finite-difference-checked one of each
 * layer; in any data type (DOUBLE for gradient checks and as the fast head's ground truth).
 * Its parameters live in its own {@link ParameterBank}.
 */
public final class ReferenceDenseHead implements DenseHead {

    private final DenseHeadTopology topology;
    private final ParameterBank bank = new ParameterBank();
    private final int[] readStages;
    private final List<Layer> laterals;
    private final Layer tower;
    private final Merge sum = new ElementwiseSum();

    /** A head of {@code topology} initialised from {@code seed} (the fast head's initial values for the same seed). */
    public ReferenceDenseHead(DenseHeadTopology topology, long seed, DataType dataType) {
        this.topology = topology;
        this.readStages = topology.readStages();
        DenseHeadLayers layers = DenseHeadLayers.build(topology, bank);
        this.laterals = layers.laterals();
        this.tower = layers.tower();
        bank.allocate(dataType, seed);
    }

    @Override
    public DenseHeadTopology topology() {
        return topology;
    }

    @Override
    public INDArray parameters() {
        return bank.parameters();
    }

    @Override
    public INDArray gradients() {
        return bank.gradients();
    }

    @Override
    public void zeroGradients() {
        bank.gradients().assign(0);
    }

    @Override
    public INDArray buffers() {
        return bank.buffers();
    }

    @Override
    public Map<String, INDArray> namedTensors() {
        return bank.valuesByName();
    }

    @Override
    public Map<String, INDArray> namedGradients() {
        return bank.trainableViewsOf(bank.gradients());
    }

    @Override
    public Pass forward(List<INDArray> featureMaps, Encoder.Mode mode, int normalizationGroups) {
        int stageCount = topology.stageStrides().length;
        if (featureMaps.size() != stageCount) {
            throw new IllegalArgumentException("the head was built for " + stageCount + " stages but got "
                    + featureMaps.size() + " feature maps");
        }
        List<LayerPass> lateralPasses = new ArrayList<>(readStages.length);
        List<INDArray> lateralOutputs = new ArrayList<>(readStages.length);
        for (int i = 0; i < readStages.length; i++) {
            LayerPass p = laterals.get(i).forward(featureMaps.get(readStages[i]), mode, normalizationGroups);
            lateralPasses.add(p);
            lateralOutputs.add(p.output());
        }
        Merge.Pass merged = sum.forward(lateralOutputs);
        LayerPass top = tower.forward(merged.output(), mode, normalizationGroups);
        return new Pass() {
            @Override
            public INDArray output() {
                return top.output();
            }

            @Override
            public List<INDArray> backward(INDArray outputGradient) {
                List<INDArray> perLateral = merged.backward(top.backward(outputGradient));
                List<INDArray> perStage = new ArrayList<>(Collections.nCopies(stageCount, (INDArray) null));
                for (int i = 0; i < readStages.length; i++) {
                    perStage.set(readStages[i], lateralPasses.get(i).backward(perLateral.get(i)));
                }
                return perStage;
            }
        };
    }

    @Override
    public String toString() {
        return "ReferenceDenseHead(" + topology + ")";
    }
}
