package dev.moco.core.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxDatasetTest {

    @TempDir
    Path dir;

    /** Five 2x3 images whose pixel p of image i is 10 * i + p, labels 0..4 reversed. */
    private static byte[] pixels() {
        byte[] px = new byte[5 * 2 * 3];
        for (int i = 0; i < 5; i++) {
            for (int p = 0; p < 6; p++) {
                px[i * 6 + p] = (byte) (10 * i + p + 200 * (p == 5 ? 1 : 0));
            }
        }
        return px;
    }

    private static final byte[] LABELS = {4, 3, 2, 1, 0};

    private static byte[] idx(int[] dims, byte[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        IdxFile.write(out, dims, data);
        return out.toByteArray();
    }

    private static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream gz = new GZIPOutputStream(bytes)) {
            gz.write(data);
        }
        return bytes.toByteArray();
    }

    private void writeSplit(Split split, boolean gzipped, byte[] images, byte[] labels) throws IOException {
        String suffix = gzipped ? ".gz" : "";
        Files.write(dir.resolve(split.imagesFileName() + suffix), gzipped ? gzip(images) : images);
        Files.write(dir.resolve(split.labelsFileName() + suffix), gzipped ? gzip(labels) : labels);
    }

    private static void assertContent(IdxDataset data) {
        assertThat(data.size()).isEqualTo(5);
        assertThat(data.shape()).isEqualTo(new ImageShape(1, 2, 3));
        float[] image = new float[6];
        for (int i = 0; i < 5; i++) {
            data.readImage(i, image, 0);
            for (int p = 0; p < 6; p++) {
                assertThat(image[p]).isEqualTo((pixels()[i * 6 + p] & 0xff) / 255f);
            }
            assertThat(data.label(i)).isEqualTo(4 - i);
        }
        // unsigned: pixel 5 of image 1 is 215, stored as a negative byte
        data.readImage(1, image, 0);
        assertThat(image[5]).isEqualTo(215 / 255f);
    }

    @Test
    void readsPlainAndGzippedFilesAlike() throws IOException {
        byte[] images = idx(new int[] {5, 2, 3}, pixels());
        byte[] labels = idx(new int[] {5}, LABELS);
        writeSplit(Split.TRAIN, false, images, labels);
        writeSplit(Split.TEST, true, images, labels);
        assertContent(IdxDataset.open(dir, Split.TRAIN));
        assertContent(IdxDataset.open(dir, Split.TEST));
    }

    @Test
    void detectsGzipByContentNotByName() throws IOException {
        Path images = dir.resolve("images.idx");
        Path labels = dir.resolve("labels.idx");
        Files.write(images, gzip(idx(new int[] {5, 2, 3}, pixels())));
        Files.write(labels, idx(new int[] {5}, LABELS));
        assertContent(IdxDataset.fromFiles(images, labels));
    }

    @Test
    void aTruncatedGzipFileSaysHowMuchItDecompressed() throws IOException {
        int n = 2_000;
        byte[] pixels = new byte[n * 28 * 28];
        new java.util.Random(3).nextBytes(pixels);             // incompressible: the cut falls deep into the data
        byte[] images = gzip(idx(new int[] {n, 28, 28}, pixels));
        byte[] cut = java.util.Arrays.copyOf(images, images.length / 2);
        byte[] labels = idx(new int[] {n}, new byte[n]);
        assertThatThrownBy(() -> IdxDataset.fromStreams(new ByteArrayInputStream(cut), "imgs.gz",
                new ByteArrayInputStream(labels), "lbls"))
                .isInstanceOf(MalformedDatasetException.class)
                .hasMessageContaining("truncated")
                .satisfies(e -> {
                    java.util.regex.Matcher m = java.util.regex.Pattern.compile("found (\\d+)").matcher(e.getMessage());
                    assertThat(m.find()).as(e.getMessage()).isTrue();
                    assertThat(Long.parseLong(m.group(1))).as(e.getMessage()).isGreaterThan(pixels.length / 3);
                });
    }

    @Test
    void readsFromStreamsAndClassPathResources() throws IOException {
        byte[] images = gzip(idx(new int[] {5, 2, 3}, pixels()));
        byte[] labels = idx(new int[] {5}, LABELS);
        assertContent(IdxDataset.fromStreams(new ByteArrayInputStream(images), "imgs",
                new ByteArrayInputStream(labels), "lbls"));

        Path resources = dir.resolve("res");
        Files.createDirectories(resources.resolve("datasets/tiny"));
        Files.write(resources.resolve("datasets/tiny/t10k-images-idx3-ubyte.gz"), images);
        Files.write(resources.resolve("datasets/tiny/t10k-labels-idx1-ubyte"), labels);
        try (URLClassLoader loader = new URLClassLoader(new URL[] {resources.toUri().toURL()}, null)) {
            IdxDataset data = IdxDataset.fromResources(loader, "datasets/tiny", Split.TEST);
            assertContent(data);
            assertThat(data.source()).isEqualTo("classpath:datasets/tiny/");
            assertThatThrownBy(() -> IdxDataset.fromResources(loader, "datasets/tiny", Split.TRAIN))
                    .isInstanceOf(NoSuchFileException.class)
                    .hasMessageContaining("datasets/tiny/train-images-idx3-ubyte.gz")
                    .hasMessageContaining("datasets/tiny/train-images-idx3-ubyte ");
        }
    }

    @Test
    void missingFileListsWhatWasLookedFor() throws IOException {
        Files.write(dir.resolve("train-images-idx3-ubyte.gz"), gzip(idx(new int[] {5, 2, 3}, pixels())));
        assertThatThrownBy(() -> IdxDataset.open(dir, Split.TRAIN))
                .isInstanceOf(NoSuchFileException.class)
                .hasMessageContaining("train-labels-idx1-ubyte.gz and train-labels-idx1-ubyte")
                .hasMessageContaining(dir.toString());
        assertThatThrownBy(() -> IdxDataset.open(dir.resolve("nowhere"), Split.TEST))
                .isInstanceOf(NoSuchFileException.class)
                .hasMessageContaining("nowhere");
    }

    @Test
    void wrongMagicNamesTheFileAndBothNumbers() throws IOException {
        // labels where images are expected
        writeSplit(Split.TRAIN, false, idx(new int[] {5}, LABELS), idx(new int[] {5}, LABELS));
        assertThatThrownBy(() -> IdxDataset.open(dir, Split.TRAIN))
                .isInstanceOf(MalformedDatasetException.class)
                .hasMessageContaining("train-images-idx3-ubyte")
                .hasMessageContaining("wrong magic number 0x00000801, expected 0x00000803")
                .hasMessageContaining("unsigned byte elements with 1 dimension");
        Path png = dir.resolve("picture");
        Files.write(png, new byte[] {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10});
        assertThatThrownBy(() -> IdxFile.read(png, 1))
                .isInstanceOf(MalformedDatasetException.class)
                .hasMessageContaining(png.toString())
                .hasMessageContaining("0x89504e47")
                .hasMessageContaining("not an IDX file");
    }

    @Test
    void truncatedFileSaysHowManyBytesWereExpectedAndFound() throws IOException {
        byte[] images = idx(new int[] {5, 2, 3}, pixels());
        byte[] cut = Arrays.copyOf(images, images.length - 7); // 16 header + 30 data - 7
        writeSplit(Split.TRAIN, false, cut, idx(new int[] {5}, LABELS));
        assertThatThrownBy(() -> IdxDataset.open(dir, Split.TRAIN))
                .isInstanceOf(MalformedDatasetException.class)
                .hasMessageContaining("train-images-idx3-ubyte")
                .hasMessageContaining("truncated")
                .hasMessageContaining("expected 46 bytes, found 39");

        // a gzip stream cut short
        byte[] gz = gzip(images);
        Path cutGz = dir.resolve("cut.gz");
        Files.write(cutGz, Arrays.copyOf(gz, gz.length - 12));
        assertThatThrownBy(() -> IdxFile.read(cutGz, 3))
                .isInstanceOf(MalformedDatasetException.class)
                .hasMessageContaining("cut.gz")
                .hasMessageContaining("truncated")
                .hasMessageContaining("expected 46 bytes");

        // header cut short
        Path stub = dir.resolve("stub");
        Files.write(stub, Arrays.copyOf(images, 9));
        assertThatThrownBy(() -> IdxFile.read(stub, 3))
                .hasMessageContaining("dimension sizes: expected 16 bytes, found 9");
    }

    @Test
    void extraBytesAfterTheDataAreAnError() throws IOException {
        byte[] images = idx(new int[] {5, 2, 3}, pixels());
        Path file = dir.resolve("long");
        Files.write(file, Arrays.copyOf(images, images.length + 3));
        assertThatThrownBy(() -> IdxFile.read(file, 3))
                .isInstanceOf(MalformedDatasetException.class)
                .hasMessageContaining("3 unexpected bytes after the 46 bytes");
    }

    @Test
    void labelAndImageCountsMustAgree() throws IOException {
        writeSplit(Split.TEST, true, idx(new int[] {5, 2, 3}, pixels()),
                idx(new int[] {4}, Arrays.copyOf(LABELS, 4)));
        assertThatThrownBy(() -> IdxDataset.open(dir, Split.TEST))
                .isInstanceOf(MalformedDatasetException.class)
                .hasMessageContaining("t10k-images-idx3-ubyte.gz holds 5 images")
                .hasMessageContaining("t10k-labels-idx1-ubyte.gz holds 4 labels");
    }

    @Test
    void idxFileExposesDimensions() throws IOException {
        IdxFile file = IdxFile.read(new ByteArrayInputStream(idx(new int[] {5, 2, 3}, pixels())), "mem", 3);
        assertThat(file.dimensionCount()).isEqualTo(3);
        assertThat(new int[] {file.dimension(0), file.dimension(1), file.dimension(2)})
                .containsExactly(5, 2, 3);
        assertThat(file.data()).isEqualTo(pixels());
        assertThatThrownBy(() -> IdxFile.write(new ByteArrayOutputStream(), new int[] {2, 2}, new byte[3]))
                .hasMessageContaining("need 4 bytes, got 3");
    }

    @Test
    void indexOutOfRangeIsRejected() throws IOException {
        writeSplit(Split.TRAIN, false, idx(new int[] {5, 2, 3}, pixels()), idx(new int[] {5}, LABELS));
        IdxDataset data = IdxDataset.open(dir, Split.TRAIN);
        assertThatThrownBy(() -> data.readImage(5, new float[6], 0)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> data.readImage(0, new float[5], 0)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> data.label(-1)).isInstanceOf(IndexOutOfBoundsException.class);
    }
}
