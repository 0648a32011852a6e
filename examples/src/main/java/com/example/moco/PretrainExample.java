package com.example.moco;

import dev.moco.api.Encoder;
import dev.moco.core.run.Pretraining;
import dev.moco.core.run.PretrainingResult;
import dev.moco.core.run.TrainingImages;
import java.nio.file.Path;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Pretrains a small DL4J ComputationGraph on 320 images of the example's own with moco's
 * facade, first with the MoCo queue, then with a dictionary of the example's own selected by
 * name.
 */
public final class PretrainExample {

    private PretrainExample() {}

    public static void main(String[] args) {
        Path runDirectory = Path.of(args.length > 0 ? args[0] : "target/run");
        List<INDArray> images = ToyImages.generate(320, 7);
        Encoder encoder = SmallConvNet.create(1);

        // readme:begin
        PretrainingResult result = Pretraining.preset("moco-v2")
                .dictionary("queue")
                .set("queue.size", "256").set("batch.size", "32").set("feature.dim", "32").set("image.size", "16")
                .encoder(encoder)
                .data(TrainingImages.of(images.iterator()))
                .epochs(2)
                .afterEpoch(epoch -> System.out.printf("epoch %d: loss %.3f%n", epoch.epoch(), epoch.meanLoss()))
                .run();
        Encoder trained = result.queryEncoder();
        // readme:end
        System.out.printf("queue: %d epochs, final loss %.3f, %d parameters trained%n",
                result.epochs().size(), result.finalLoss(), trained.parameters().length());

        PretrainingResult own = Pretraining.preset("moco-v2")
                .dictionary("previous-batch")
                .set("batch.size", "32").set("feature.dim", "32").set("image.size", "16")
                .encoder(SmallConvNet.create(2))
                .data(TrainingImages.of(images.iterator()))
                .epochs(1)
                .run();
        System.out.printf("previous-batch (the example's own dictionary): final loss %.3f%n", own.finalLoss());
    }
}
