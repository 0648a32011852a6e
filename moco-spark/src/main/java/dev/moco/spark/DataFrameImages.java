package dev.moco.spark;

import dev.moco.core.data.ImageFile;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.apache.spark.SparkException;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * A Spark DataFrame of images, written by the executors as an image folder that every worker
 * reads as it reads any other: {@code <directory>/images/<partition>-<row>.png}, nine digits
 * each, whose names sort as the images' paths do (the rows are sorted by path, and a sort's
 * partitions hold consecutive ranges), all of class 0. One ordinary Spark job decodes every image where its row is and
 * stores it as PNG, lossless, at its own size; the workers then resize and convert it exactly as
 * for a directory of the same files, so a DataFrame run is the directory run.
 *
 * <p>Two layouts are recognised by their columns: the {@code binaryFile} data source's
 * ({@code path}, {@code content}: the file's bytes, decoded with {@link ImageFile}) and the
 * {@code image} data source's ({@code image}: a struct of {@code origin}, {@code height},
 * {@code width}, {@code nChannels}, {@code mode}, {@code data}: the decoded BGR or BGRA bytes,
 * taken as they are). An image that cannot be decoded stops the run with a message naming its path.
 */
final class DataFrameImages {

    /** The subdirectory of the checkpoint directory the images are written to. */
    static final String DIRECTORY = "dataframe-images";
    /** The image folder's one class directory. */
    static final String CLASS_DIRECTORY = "images";

    private static final int DIGITS = 9;
    /** The files this class writes (and removes before writing again), temporaries included. */
    private static final Pattern WRITTEN = Pattern.compile("\\d{" + DIGITS + "}-\\d{" + DIGITS + "}\\.png(\\.tmp)?");

    private DataFrameImages() {
    }

    /**
     * Writes the images of {@code images} as an image folder in {@code directory}, replacing the
     * images written there before.
     *
     * @param images a DataFrame of the {@code binaryFile} or the {@code image} data source
     * @param directory where every worker can read (a shared file system)
     * @return the number of images written
     * @throws IllegalArgumentException if the DataFrame has neither layout, holds no images, or
     *     an image cannot be decoded (naming its path)
     */
    static long write(Dataset<Row> images, Path directory) {
        List<String> columns = Arrays.asList(images.columns());
        Dataset<Row> ordered;
        boolean encoded;
        if (columns.contains("path") && columns.contains("content")) {
            ordered = images.select("path", "content");
            encoded = true;
        } else if (columns.contains("image")) {
            ordered = images.selectExpr("image.origin AS path", "image");
            encoded = false;
        } else {
            throw new IllegalArgumentException("a DataFrame of images needs the columns of the binaryFile data source (path,"
                    + " content) or of the image data source (image), got " + columns);
        }
        Path folder = directory.resolve(CLASS_DIRECTORY);
        clear(folder);
        try {
            Files.createDirectories(folder);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + folder + " for the DataFrame's images", e);
        }
        long count;
        try {
            count = ordered.orderBy("path").javaRDD().mapPartitionsWithIndex(new Store(folder.toString(), encoded), false)
                    .fold(0L, Long::sum);
        } catch (Exception e) {      // SparkException is checked, and thrown undeclared by Scala
            if (e instanceof SparkException failure) {
                Optional<String> refusal = SparkPretraining.refusal(failure);
                if (refusal.isPresent()) {
                    throw new IllegalArgumentException(refusal.get(), failure);
                }
                throw new IllegalStateException("writing the DataFrame's images to " + folder + " failed ("
                        + SparkPretraining.reason(failure) + ")", failure);
            }
            throw e instanceof RuntimeException runtime ? runtime : new IllegalStateException(e);
        }
        if (count == 0) {
            throw new IllegalArgumentException("the DataFrame of images holds no rows");
        }
        return count;
    }

    /** Removes the images a previous run wrote into {@code folder}; refuses a folder holding anything else. */
    private static void clear(Path folder) {
        if (!Files.isDirectory(folder)) {
            return;
        }
        try (Stream<Path> entries = Files.list(folder)) {
            for (Path entry : entries.sorted().toList()) {
                if (!WRITTEN.matcher(entry.getFileName().toString()).matches()) {
                    throw new IllegalArgumentException(folder + " holds " + entry.getFileName() + ", which this run did not"
                            + " write: it keeps the images of a DataFrame there (move the file, or use other checkpoints)");
                }
                Files.delete(entry);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove the images written before in " + folder, e);
        }
    }

    /** Decodes the rows of one partition on its executor and writes them as {@code <partition>-<row>.png}; counts them. */
    private record Store(String folder, boolean encoded) implements Function2<Integer, Iterator<Row>, Iterator<Long>> {

        private static final long serialVersionUID = 1L;

        @Override
        public Iterator<Long> call(Integer partition, Iterator<Row> rows) throws IOException {
            long written = 0;
            while (rows.hasNext()) {
                store(rows.next(), String.format(Locale.ROOT, "%0" + DIGITS + "d-%0" + DIGITS + "d.png", partition, written));
                written++;
            }
            return List.of(written).iterator();
        }

        private void store(Row row, String name) throws IOException {
            String path = row.getString(0);
            BufferedImage image = encoded ? decode(path, row.getAs(1)) : fromImageRow(path, row.getStruct(1));
            ByteArrayOutputStream png = new ByteArrayOutputStream();
            if (!ImageIO.write(image, "png", png)) {
                throw new RunRefusedException("the image " + path + " cannot be stored as PNG (an 8- or 16-bit grey, RGB"
                        + " or indexed image can): convert it");
            }
            Path file = Path.of(folder, name);
            Path temporary = Path.of(folder, name + ".tmp");
            Files.write(temporary, png.toByteArray());
            Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
    }

    /** A {@code binaryFile} row's content, decoded as a file of an image folder is. */
    static BufferedImage decode(String path, byte[] content) {
        if (content == null || content.length == 0) {
            throw new RunRefusedException("the image " + path + " is empty (remove it from the DataFrame)");
        }
        try {
            return ImageFile.read(content, path, ImageFile.maxPixels());
        } catch (ImageFile.ImageTooLargeException e) {   // on a cluster the executors' limit: spark.executor.extraJavaOptions
            throw new RunRefusedException("image " + e.getMessage() + "; remove or shrink the file");
        } catch (IOException e) {
            throw new RunRefusedException("unreadable image " + e.getMessage() + " (remove or convert the file)");
        }
    }

    /**
     * An {@code image} data source row's pixels as they are: {@code data} holds the rows of
     * {@code height} × {@code width} pixels of {@code nChannels} bytes, B G R (A) for colour.
     */
    static BufferedImage fromImageRow(String origin, Row image) {
        int height = image.getAs("height");
        int width = image.getAs("width");
        int channels = image.getAs("nChannels");
        byte[] data = image.getAs("data");
        if (height < 1 || width < 1 || data == null || data.length == 0) {
            throw new RunRefusedException("the image data source could not decode " + origin + " (height " + height
                    + ", width " + width + "): remove it, or read the directory with dropInvalid true");
        }
        try {
            ImageFile.requireWithin(origin, width, height, ImageFile.maxPixels());
        } catch (IllegalArgumentException e) {
            throw new RunRefusedException(e.getMessage());
        }
        int type = switch (channels) {
            case 1 -> BufferedImage.TYPE_BYTE_GRAY;
            case 3 -> BufferedImage.TYPE_3BYTE_BGR;
            case 4 -> BufferedImage.TYPE_4BYTE_ABGR;
            default -> throw new RunRefusedException(origin + " has " + channels + " channels; the image data source's"
                    + " images have 1, 3 or 4");
        };
        if ((long) height * width * channels != data.length) {
            throw new RunRefusedException(origin + " holds " + data.length + " bytes of data but its height " + height
                    + ", width " + width + " and " + channels + " channels make " + (long) height * width * channels);
        }
        BufferedImage decoded = new BufferedImage(width, height, type);
        byte[] samples = ((DataBufferByte) decoded.getRaster().getDataBuffer()).getData();
        if (channels == 4) {        // B G R A to the raster's A B G R
            for (int p = 0; p < data.length; p += 4) {
                samples[p] = data[p + 3];
                samples[p + 1] = data[p];
                samples[p + 2] = data[p + 1];
                samples[p + 3] = data[p + 2];
            }
        } else {                    // the raster's byte order is the data source's: grey, or B G R
            System.arraycopy(data, 0, samples, 0, data.length);
        }
        return decoded;
    }
}
