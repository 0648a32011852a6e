package com.example.moco;

import dev.moco.core.run.DistributedPretrainingResult;
import dev.moco.core.run.PretrainedEncoder;
import dev.moco.spark.SparkPretraining;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Pretrains the project's ResNet-20 on two Spark workers of {@code local[2]}: the example's
 * images are written as an image folder (a path every worker reads), the run is handed to
 * moco-spark's {@link SparkPretraining}, and the trained encoder is loaded from the checkpoint
 * worker 0 wrote. On a cluster only the master changes, and both paths must be on a file system
 * every executor shares.
 */
public final class SparkPretrainExample {

    private SparkPretrainExample() {}

    /** @param args the run directory (default {@code target/spark-run}) */
    public static void main(String[] args) {
        Path runDirectory = Path.of(args.length > 0 ? args[0] : "target/spark-run");
        Path images = writeImageFolder(ToyImages.generate(64, 7), runDirectory.resolve("images"));

        SparkConf conf = new SparkConf().setMaster("local[2]").setAppName("moco example").set("spark.ui.enabled", "false");
        try (JavaSparkContext spark = new JavaSparkContext(conf)) {
            spark.setLogLevel("WARN");
            // readme:begin spark
            DistributedPretrainingResult result = SparkPretraining.on(spark)
                    .workers(2)                                  // batch.size and the BN groups split over them
                    .preset("moco-v2").encoder("resnet20")
                    .set("batch.size", "16").set("query.bn-groups", "2").set("queue.size", "64").set("image.size", "16")
                    .epochs(2).seed(7)
                    .data(images)                                // every worker reads this path
                    .checkpoints(runDirectory.resolve("checkpoints"))
                    .maxRestarts(2)
                    .run();
            PretrainedEncoder trained = PretrainedEncoder.load(result.lastCheckpoint().orElseThrow());
            // readme:end spark
            INDArray features = trained.features(ToyImages.generate(4, 8).get(0).reshape(1, 1, 16, 16));
            System.out.printf("spark: %d workers, %d steps, final loss %.3f, %d restarts, features %s from %s%n",
                    result.workers(), result.end().globalStep(), result.finalLoss(), result.restarts(),
                    java.util.Arrays.toString(features.shape()), result.lastCheckpoint().orElseThrow());
        }
    }

    /** The images as PNG files in one subdirectory per class, the layout an image folder has. */
    static Path writeImageFolder(List<INDArray> images, Path folder) {
        try {
            for (int i = 0; i < images.size(); i++) {
                Path classDirectory = folder.resolve(i % 2 == 0 ? "square" : "ring");
                Files.createDirectories(classDirectory);
                float[] pixels = images.get(i).data().asFloat();
                BufferedImage png = new BufferedImage(ToyImages.SIZE, ToyImages.SIZE, BufferedImage.TYPE_BYTE_GRAY);
                for (int p = 0; p < pixels.length; p++) {
                    png.getRaster().setSample(p % ToyImages.SIZE, p / ToyImages.SIZE, 0, Math.round(pixels[p] * 255));
                }
                ImageIO.write(png, "png", classDirectory.resolve(i + ".png").toFile());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the example's images to " + folder, e);
        }
        return folder;
    }
}
