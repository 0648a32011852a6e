package com.example.moco;

import dev.moco.api.Encoder;
import dev.moco.encoders.ComputationGraphEncoder;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;

/** The example's own encoder: a small DL4J ComputationGraph made a MoCo encoder by the adapter. */
final class SmallConvNet {

    /** Width of the pooled representation. */
    static final int REPRESENTATION = 16;
    /** Width of the output, the feature dimension C of MoCo's queries and keys. */
    static final int FEATURES = 32;

    private SmallConvNet() {}

    /** conv3×3(1→16) → BN → ReLU → conv3×3 stride 2 → BN → ReLU → global average pool → dense 32. */
    static Encoder create(long seed) {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(seed).dataType(DataType.FLOAT)
                .graphBuilder().addInputs("image")
                .addLayer("conv1", new ConvolutionLayer.Builder(3, 3).nOut(REPRESENTATION).padding(1, 1)
                        .activation(Activation.IDENTITY).build(), "image")
                .addLayer("bn1", new BatchNormalization.Builder().activation(Activation.RELU).build(), "conv1")
                .addLayer("conv2", new ConvolutionLayer.Builder(3, 3).stride(2, 2).nOut(REPRESENTATION)
                        .activation(Activation.IDENTITY).build(), "bn1")
                .addLayer("bn2", new BatchNormalization.Builder().activation(Activation.RELU).build(), "conv2")
                .addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "bn2")
                .addLayer("head", new DenseLayer.Builder().nOut(FEATURES).activation(Activation.IDENTITY).build(), "pool")
                .setOutputs("head")
                .setInputTypes(InputType.convolutional(ToyImages.SIZE, ToyImages.SIZE, 1))
                .build();
        ComputationGraph graph = new ComputationGraph(conf);
        graph.init();
        return new ComputationGraphEncoder(graph, "pool", REPRESENTATION, FEATURES);
    }
}
