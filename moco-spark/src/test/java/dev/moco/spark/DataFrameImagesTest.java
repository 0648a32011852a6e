package dev.moco.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.moco.core.checkpoint.CheckpointDirectory;
import dev.moco.core.config.MocoConfig;
import dev.moco.core.run.DistributedPretrainingResult;
import dev.moco.core.run.PretrainingSpec;
import dev.moco.core.wiring.DictionaryRegistry;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.expressions.GenericRowWithSchema;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A DataFrame of images pretrains as the directory of the same images does: two workers on
 * {@code local[2]}, ResNet-20 at 3×16×16, N = 8, two steps, the checkpoints bit for bit equal,
 * with the images sorted by path into four partitions.
 */
class DataFrameImagesTest {

    private static final int WORKERS = 2;
    /** The image data source's row layout: its {@code data} holds B G R (A) bytes, row by row (OpenCV's order). */
    private static final StructType IMAGE_ROW = new StructType().add("origin", DataTypes.StringType)
            .add("height", DataTypes.IntegerType).add("width", DataTypes.IntegerType).add("nChannels", DataTypes.IntegerType)
            .add("mode", DataTypes.IntegerType).add("data", DataTypes.BinaryType);

    @TempDir
    static Path dir;

    private static SparkSession spark;
    private static MocoConfig config;

    @BeforeAll
    static void start() {
        spark = SparkSession.builder().master("local[" + WORKERS + "]").appName("DataFrameImagesTest")
                .config("spark.ui.enabled", "false")
                // the sort by path leaves the images in four partitions, whose files must be read in path order
                .config("spark.sql.shuffle.partitions", "4").config("spark.sql.adaptive.coalescePartitions.enabled", "false")
                .getOrCreate();
        spark.sparkContext().setLogLevel("WARN");
        config = MocoConfig.builder(DictionaryRegistry.discover().settings()).preset("moco-v2")
                .set("encoder", "resnet20").set("batch.size", "8").set("shuffle.groups", "2").set("query.bn-groups", "2")
                .set("queue.size", "32").set("image.size", "16").set("epochs", "1").set("seed", "5").build();
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    @Test
    void aBinaryFileDataFrameOfPngsTrainsAsTheirDirectory() throws IOException {
        Path folder = writePngs(dir.resolve("pngs"), 16);
        DistributedPretrainingResult fromDirectory = SparkPretraining.on(spark.sparkContext()).workers(WORKERS)
                .spec(PretrainingSpec.of(config, folder).withCheckpoints(dir.resolve("directory"), 2, 0)).run();

        Dataset<Row> images = spark.read().format("binaryFile").option("recursiveFileLookup", "true").load(folder.toString());
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        DistributedPretrainingResult fromDataFrame = SparkPretraining.on(spark.sparkContext()).workers(WORKERS)
                .configuration(config).data(images).checkpoints(dir.resolve("dataframe")).log(new PrintStream(log, true))
                .run();

        assertThat(fromDataFrame.end().globalStep()).isEqualTo(2).isEqualTo(fromDirectory.end().globalStep());
        assertThat(log.toString()).contains("wrote the DataFrame's 16 images to " + dir.resolve("dataframe")
                .resolve(DataFrameImages.DIRECTORY));
        CheckpointComparison comparison = CheckpointComparison.of(CheckpointDirectory.load(dir.resolve("dataframe")),
                CheckpointDirectory.load(dir.resolve("directory")));
        assertThat(comparison.bitwise()).as(comparison.verdict(0)).isTrue();
        assertThat(fromDataFrame.stepLosses()).isEqualTo(fromDirectory.stepLosses());
        try (Stream<Path> written = Files.list(dir.resolve("dataframe").resolve(DataFrameImages.DIRECTORY)
                .resolve(DataFrameImages.CLASS_DIRECTORY))) {
            assertThat(written.map(f -> f.getFileName().toString().substring(0, 9)).distinct().count())
                    .as("partitions written").isGreaterThan(1);
        }
    }

    @Test
    void anUndecodableFileIsRefusedNamingItsPath() throws IOException {
        Path folder = writePngs(dir.resolve("damaged"), 4);
        Files.write(folder.resolve("a").resolve("broken.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3});
        Dataset<Row> images = spark.read().format("binaryFile").option("recursiveFileLookup", "true").load(folder.toString());

        assertThatThrownBy(() -> SparkPretraining.on(spark.sparkContext()).workers(WORKERS).configuration(config)
                .data(images).checkpoints(dir.resolve("refused")).log(new PrintStream(new ByteArrayOutputStream())).run())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("unreadable image file:")
                .hasMessageContaining(folder.resolve("a").resolve("broken.png").toString());
        assertThat(dir.resolve("refused").resolve("latest.zip")).doesNotExist();
    }

    @Test
    void anImageDataSourceRowKeepsItsBgrAndBgraPixels() {
        for (int channels : new int[] {3, 4}) {
            BufferedImage colour = colourImage(channels == 4 ? 5 : 6, 3);   // odd seeds have alpha
            int height = colour.getHeight();
            int width = colour.getWidth();
            byte[] data = new byte[height * width * channels];
            for (int y = 0, p = 0; y < height; y++) {
                for (int x = 0; x < width; x++, p += channels) {
                    int argb = colour.getRGB(x, y);
                    data[p] = (byte) argb;
                    data[p + 1] = (byte) (argb >> 8);
                    data[p + 2] = (byte) (argb >> 16);
                    if (channels == 4) {
                        data[p + 3] = (byte) (argb >>> 24);
                    }
                }
            }
            Row row = new GenericRowWithSchema(new Object[] {"file:/lake/a.png", height, width, channels,
                channels == 4 ? 24 : 16, data}, IMAGE_ROW);

            BufferedImage decoded = DataFrameImages.fromImageRow("file:/lake/a.png", row);

            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    assertThat(decoded.getRGB(x, y)).as("%d channels, pixel (%d, %d)", channels, x, y)
                            .isEqualTo(colour.getRGB(x, y));
                }
            }
        }
    }

    @Test
    void anImageDataSourceRowItCouldNotDecodeIsRefusedNamingItsOrigin() {
        Row invalid = new GenericRowWithSchema(new Object[] {"file:/lake/b.jpg", -1, -1, -1, -1, new byte[0]}, IMAGE_ROW);
        assertThatThrownBy(() -> DataFrameImages.fromImageRow("file:/lake/b.jpg", invalid))
                .isInstanceOf(RunRefusedException.class).hasMessageContaining("could not decode file:/lake/b.jpg");
    }

    @Test
    void aDataFrameOfOtherColumnsIsRefusedNamingThem() {
        Dataset<Row> other = spark.createDataFrame(List.of(RowFactory.create("x")),
                new StructType().add("name", DataTypes.StringType));

        assertThatThrownBy(() -> DataFrameImages.write(other, dir.resolve("other")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageEndingWith("got [name]");
    }

    /** {@code n} colour PNGs of 20×20 in {@code directory/a/}: noise over a bright patch that moves. */
    private static Path writePngs(Path directory, int n) throws IOException {
        Path folder = Files.createDirectories(directory.resolve("a"));
        for (int i = 0; i < n; i++) {
            ImageIO.write(colourImage(i, 20), "png", folder.resolve(String.format("%02d.png", i)).toFile());
        }
        return directory;
    }

    private static BufferedImage colourImage(int seed, int size) {
        Random random = new Random(seed);
        BufferedImage image = new BufferedImage(size, size, seed % 2 == 0 ? BufferedImage.TYPE_3BYTE_BGR
                : BufferedImage.TYPE_INT_ARGB);
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                boolean lit = (x + seed) % size < size / 2;
                int alpha = image.getColorModel().hasAlpha() ? 128 + random.nextInt(128) : 255;
                image.setRGB(x, y, alpha << 24 | (lit ? 200 : random.nextInt(90)) << 16 | random.nextInt(256) << 8
                        | random.nextInt(256));
            }
        }
        return image;
    }
}
