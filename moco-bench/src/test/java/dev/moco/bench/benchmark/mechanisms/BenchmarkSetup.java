package dev.moco.bench.benchmark.mechanisms;

import dev.moco.core.run.TrainingPosition;
import dev.moco.api.Dictionary;
import dev.moco.api.Encoder;
import dev.moco.core.Batch;
import dev.moco.core.MocoTrainer;
import dev.moco.core.config.MocoConfig;
import dev.moco.core.loss.InfoNceLoss;
import dev.moco.core.optim.Optimizer;
import dev.moco.core.optim.SgdMomentum;
import dev.moco.core.wiring.ConfiguredDictionaryContext;
import dev.moco.core.wiring.DictionaryRegistry;
import dev.moco.encoders.EncoderSpec;
import dev.moco.encoders.Encoders;
import dev.moco.encoders.HeadType;
import dev.moco.encoders.fast.FastEncoder;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * What the throughput benchmark and the memory probe train: the moco-v1 preset (ResNet-20
 * with a linear 128-d head on 1×28×28 images, T = 0.07, SGD 0.03/0.9/1e-4, shuffle BN in 8
 * groups), a mechanism chosen by name through the registry, a Fashion-MNIST-sized data set
 * (60,000 samples) and synthetic images (a step's cost does not depend on pixel values).
 */
final class BenchmarkSetup {
    static final long DATASET_SIZE = 60_000;

    final String mechanism;
    final int batchSize;
    final Encoder encoder;
    final String encoderName;
    final Dictionary dictionary;
    final MocoTrainer trainer;
    private final INDArray[] views;
    private final SplittableRandom random = new SplittableRandom(1);
    private long step;
    private final long stepsPerEpoch;

    /**
     * @param encoderKind {@code fast} (oneDNN), {@code reference} (ND4J ops) or {@code auto}
     *     (fast when oneDNN loads)
     */
    BenchmarkSetup(String mechanism, int batchSize, String encoderKind) {
        this.mechanism = mechanism;
        this.batchSize = batchSize;
        EncoderSpec spec = EncoderSpec.of("resnet20").withInputChannels(1).withHead(HeadType.LINEAR);
        boolean fast = switch (encoderKind) {
            case "fast" -> true;
            case "reference" -> false;
            case "auto" -> FastEncoder.isAvailable();
            default -> throw new IllegalArgumentException("encoder must be fast, reference or auto, got " + encoderKind);
        };
        this.encoder = fast ? FastEncoder.create(spec) : Encoders.create(spec);
        this.encoderName = (fast ? "FastEncoder (oneDNN)" : "ResNetEncoder (reference ND4J)") + " resnet20, linear head, C=128";
        DictionaryRegistry registry = DictionaryRegistry.discover();
        MocoConfig config = MocoConfig.builder(registry.settings()).preset("moco-v1")
                .set(MocoConfig.DICTIONARY, mechanism)
                .set(MocoConfig.BATCH_SIZE, Integer.toString(batchSize))
                .build();
        this.dictionary = registry.create(mechanism, new ConfiguredDictionaryContext(config, encoder, DATASET_SIZE));
        this.trainer = new MocoTrainer(encoder, dictionary, new InfoNceLoss(config.getDouble(MocoConfig.TEMPERATURE)),
                new Optimizer(new SgdMomentum(config.getDouble(MocoConfig.LEARNING_RATE),
                        config.getDouble(MocoConfig.MOMENTUM), null),
                        config.getDouble(MocoConfig.WEIGHT_DECAY), encoder.parameters(), encoder.gradients()));
        this.stepsPerEpoch = DATASET_SIZE / batchSize;
        this.views = new INDArray[4];
        for (int i = 0; i < views.length; i++) {
            views[i] = Nd4j.rand(DataType.FLOAT, batchSize, 1, 28, 28);
        }
    }

    /** Runs one training step on the next synthetic batch (distinct random sample indices). */
    void step() {
        long[] indices = random.longs(DATASET_SIZE * 2, 0, DATASET_SIZE).distinct().limit(batchSize).toArray();
        int v = (int) (step % 2) * 2;
        trainer.step(new Batch(views[v], views[v + 1], indices, step),
                new TrainingPosition((int) (step / stepsPerEpoch), step % stepsPerEpoch, step, stepsPerEpoch));
        step++;
    }
}
