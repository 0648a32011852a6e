package com.example.moco;

import dev.moco.core.run.DistributedPretrainingResult;
import dev.moco.spark.SparkPretraining;
import java.nio.file.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Pretrains the project's ResNet-20 on two Spark workers of {@code local[2]} from a DataFrame of
 * images, as a data lake holds them: the {@code binaryFile} data source's rows (path, content)
 * of the example's PNG files. One Spark job decodes them on the executors and writes them under
 * the checkpoint directory, which every worker reads; on a cluster the DataFrame may come from
 * {@code hdfs://} or {@code s3a://}, and the checkpoints must be on a file system every executor shares.
 */
public final class SparkDataFrameExample {

    private SparkDataFrameExample() {}

    /** @param args the run directory (default {@code target/spark-dataframe-run}) */
    public static void main(String[] args) {
        Path runDirectory = Path.of(args.length > 0 ? args[0] : "target/spark-dataframe-run");
        Path lake = SparkPretrainExample.writeImageFolder(ToyImages.generate(64, 7), runDirectory.resolve("lake"));

        try (SparkSession spark = SparkSession.builder().master("local[2]").appName("moco example")
                .config("spark.ui.enabled", "false").getOrCreate()) {
            spark.sparkContext().setLogLevel("WARN");
            // readme:begin spark-dataframe
            Dataset<Row> images = spark.read().format("binaryFile")    // columns path, content (or the image data source's image)
                    .option("pathGlobFilter", "*.png").option("recursiveFileLookup", "true")
                    .load(lake.toString());
            DistributedPretrainingResult result = SparkPretraining.on(spark.sparkContext())
                    .workers(2)
                    .preset("moco-v2").encoder("resnet20")
                    .set("batch.size", "16").set("query.bn-groups", "2").set("queue.size", "64").set("image.size", "16")
                    .epochs(1).seed(7)
                    .data(images)                                // decoded on the executors, sorted by path
                    .checkpoints(runDirectory.resolve("checkpoints"))  // every worker reads the images written here
                    .run();
            // readme:end spark-dataframe
            System.out.printf("spark dataframe: %d workers, %d steps, final loss %.3f, checkpoint %s%n",
                    result.workers(), result.end().globalStep(), result.finalLoss(), result.lastCheckpoint().orElseThrow());
        }
    }
}
