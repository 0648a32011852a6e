package com.example.moco;

import dev.moco.api.Encoder;
import dev.moco.core.run.PretrainedEncoder;
import dev.moco.core.run.Pretraining;
import dev.moco.core.run.PretrainingResult;
import dev.moco.core.run.TrainingImages;
import dev.moco.encoders.EncoderImplementation;
import dev.moco.encoders.EncoderSpec;
import java.nio.file.Path;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Pretrains a small DL4J ComputationGraph on 320 images of the example's own with moco's
 * facade: with the MoCo queue, checkpointing; resumed from that checkpoint for one more epoch;
 * then with a dictionary of the example's own, selected by name; and extracts features with
 * the encoder loaded from the checkpoint; and pretrains the project's ResNet-20 for one epoch
 * and loads it back from its checkpoint alone.
 */
public final class PretrainExample {

    private PretrainExample() {}

    /** @param args the run directory (default {@code target/run}) */
    public static void main(String[] args) {
        Path runDirectory = Path.of(args.length > 0 ? args[0] : "target/run");
        List<INDArray> images = ToyImages.generate(320, 7);
        Encoder encoder = SmallConvNet.create(1);

        // readme:begin pretrain
        PretrainingResult result = Pretraining.preset("moco-v2")
                .dictionary("queue")
                .negatives(256).batchSize(32).set("feature.dim", "32").set("image.size", "16")
                .encoder(encoder)
                .data(TrainingImages.of(images.iterator()))
                .epochs(2)
                .checkpoints(runDirectory.resolve("checkpoints"))
                .afterEpoch(epoch -> System.out.printf("epoch %d: loss %.3f%n", epoch.epoch(), epoch.meanLoss()))
                .run();
        Encoder trained = result.queryEncoder();
        // readme:end pretrain
        System.out.printf("queue: %d steps, final loss %.3f, %d parameters trained, checkpoint %s%n",
                result.end().globalStep(), result.finalLoss(), trained.parameters().length(),
                result.lastCheckpoint().orElseThrow());

        // readme:begin resume
        PretrainingResult resumed = Pretraining.preset("moco-v2")
                .dictionary("queue")
                .negatives(256).batchSize(32).set("feature.dim", "32").set("image.size", "16")
                .encoder(SmallConvNet.create(1))
                .data(TrainingImages.of(images.iterator()))
                .epochs(3)
                .resumeFrom(runDirectory.resolve("checkpoints"))
                .run();
        // readme:end resume
        System.out.printf("resumed at step %d, ended at step %d%n",
                resumed.end().globalStep() - resumed.epochs().get(0).steps(), resumed.end().globalStep());

        PretrainingResult own = Pretraining.preset("moco-v2")
                .dictionary("previous-batch")
                .set("batch.size", "32").set("feature.dim", "32").set("image.size", "16")
                .encoder(SmallConvNet.create(2))
                .data(TrainingImages.of(images.iterator()))
                .epochs(1)
                .run();
        System.out.printf("previous-batch (the example's own dictionary): %d steps, final loss %.3f%n",
                own.end().globalStep(), own.finalLoss());

        INDArray myImages = Nd4j.stack(0, images.subList(0, 8).toArray(INDArray[]::new));   // [8, 1, 16, 16]
        // readme:begin features
        PretrainedEncoder pretrained = PretrainedEncoder.load(runDirectory.resolve("checkpoints"), SmallConvNet.create(3));
        INDArray features = pretrained.features(myImages);                                   // [8, 16]
        // readme:end features
        System.out.println("features of 8 images from the checkpoint: " + java.util.Arrays.toString(features.shape()));

        // readme:begin resnet
        EncoderSpec resnet20 = EncoderSpec.of("resnet20").withInputChannels(1);
        Pretraining.preset("moco-v2").dictionary("queue").negatives(256).batchSize(32).set("image.size", "16")
                .encoder(EncoderImplementation.choose(resnet20, "auto").create(resnet20))
                .data(TrainingImages.of(images.iterator())).epochs(1).checkpoints(runDirectory.resolve("resnet20")).run();
        PretrainedEncoder loaded = PretrainedEncoder.load(runDirectory.resolve("resnet20"));   // architecture from the checkpoint
        INDArray resnetFeatures = loaded.features(myImages);                                 // [8, 64]
        // readme:end resnet
        System.out.println("resnet20 features of 8 images, " + loaded.description() + ": "
                + java.util.Arrays.toString(resnetFeatures.shape()));
    }
}
