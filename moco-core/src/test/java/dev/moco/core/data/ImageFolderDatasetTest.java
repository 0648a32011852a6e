package dev.moco.core.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageFolderDatasetTest {

    @TempDir
    Path root;

    private static BufferedImage solid(int width, int height, int rgb) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                image.setRGB(x, y, rgb);
            }
        }
        return image;
    }

    private static void write(BufferedImage image, String format, Path file) throws IOException {
        Files.createDirectories(file.getParent());
        assertThat(ImageIO.write(image, format, file.toFile())).isTrue();
    }

    private static float[] read(ImageDataset data, int index) {
        float[] px = new float[data.shape().length()];
        data.readImage(index, px, 0);
        return px;
    }

    @Test
    void classFoldersGiveSortedLabelsAndRgbValues() throws IOException {
        write(solid(4, 4, 0xff0000), "png", root.resolve("zebra/a.png"));
        write(solid(4, 4, 0x00ff00), "png", root.resolve("ant/b.png"));
        write(solid(4, 4, 0x0000ff), "png", root.resolve("ant/nested/c.png"));
        Files.writeString(root.resolve("ant/notes.txt"), "ignored");
        ImageFolderDataset data = ImageFolderDataset.builder(root).size(4, 4).channels(3).build();
        assertThat(data.classNames()).containsExactly("ant", "zebra");
        assertThat(data.size()).isEqualTo(3);
        assertThat(data.shape()).isEqualTo(new ImageShape(3, 4, 4));
        // sorted walk: ant/b.png, ant/nested/c.png, zebra/a.png
        assertThat(data.file(0).getFileName().toString()).isEqualTo("b.png");
        assertThat(new int[] {data.label(0), data.label(1), data.label(2)}).containsExactly(0, 0, 1);
        float[] green = read(data, 0);
        assertThat(green[0]).isEqualTo(0f);
        assertThat(green[16]).isEqualTo(1f);
        assertThat(green[32]).isEqualTo(0f);
        float[] red = read(data, 2);
        assertThat(red[0]).isEqualTo(1f);
        assertThat(red[16 + 5]).isEqualTo(0f);
    }

    @Test
    void flatFolderIsUnlabelledAndJpegIsDecoded() throws IOException {
        write(solid(8, 6, 0x808080), "jpg", root.resolve("one.jpg"));
        write(solid(8, 6, 0x404040), "png", root.resolve("two.PNG"));
        ImageFolderDataset data = ImageFolderDataset.builder(root).size(3, 4).channels(3).build();
        assertThat(data.classNames()).isEmpty();
        assertThat(data.size()).isEqualTo(2);
        assertThat(data.label(0)).isEqualTo(-1);
        assertThat(data.label(1)).isEqualTo(-1);
        float[] jpeg = read(data, 0);
        for (float v : jpeg) {
            assertThat(v).isCloseTo(128 / 255f, within(3 / 255f)); // JPEG is lossy
        }
        float[] png = read(data, 1);
        for (float v : png) {
            assertThat(v).isEqualTo(64 / 255f);
        }
    }

    @Test
    void aFolderOfGreyImagesIsReadWithOneChannelAndAFolderWithAnyColourImageAsRgb() throws IOException {
        BufferedImage gray = new BufferedImage(2, 2, BufferedImage.TYPE_BYTE_GRAY);
        gray.getRaster().setSample(0, 0, 0, 100);
        write(gray, "png", root.resolve("a/gray.png"));
        write(gray, "png", root.resolve("b/gray.png"));
        assertThat(ImageFolderDataset.builder(root).size(2, 2).build().channels()).isEqualTo(1);

        write(solid(2, 2, 0xff0000), "png", root.resolve("b/red.png"));
        ImageFolderDataset mixed = ImageFolderDataset.builder(root).size(2, 2).build();
        assertThat(mixed.channels()).isEqualTo(3);
        assertThat(read(mixed, 0)).startsWith(100 / 255f).contains(100 / 255f, org.assertj.core.data.Index.atIndex(4));
    }

    @Test
    void anImageDeclaringMorePixelsThanTheLimitIsRefusedByItsHeaderNamingTheFileAndTheLimit() throws IOException {
        write(solid(2, 2, 0xff0000), "png", root.resolve("a/small.png"));
        write(solid(4, 3, 0xff0000), "png", root.resolve("a/large.png"));
        assertThatThrownBy(() -> ImageFolderDataset.builder(root).size(2, 2).maxPixels(11).build())
                .isInstanceOf(ImageFile.ImageTooLargeException.class)
                .hasMessageContaining(root.resolve("a/large.png").toString())
                .hasMessageContaining("4x3 = 12 pixels, above the limit of 11 pixels per image")
                .hasMessageContaining("-D" + ImageFile.MAX_PIXELS_PROPERTY);
        ImageFolderDataset skipping = ImageFolderDataset.builder(root).size(2, 2).maxPixels(11).skipUnreadable(true).build();
        assertThat(skipping.size()).isEqualTo(1);
        assertThat(skipping.skippedFiles().get(0).reason()).startsWith("too large");
    }

    @Test
    void convertsRgbToGrayAndGrayToRgb() throws IOException {
        write(solid(2, 2, 0xff0000), "png", root.resolve("a/red.png"));
        BufferedImage gray = new BufferedImage(2, 2, BufferedImage.TYPE_BYTE_GRAY);
        gray.getRaster().setSample(0, 0, 0, 100);
        gray.getRaster().setSample(1, 1, 0, 200);
        write(gray, "png", root.resolve("b/gray.png"));

        ImageFolderDataset oneChannel = ImageFolderDataset.builder(root).size(2, 2).channels(1).build();
        assertThat(read(oneChannel, 0)[0]).isCloseTo(0.299f, within(0.5f / 255));
        // gray samples are taken as they are (getRGB would brighten them: linear -> sRGB)
        assertThat(read(oneChannel, 1)).containsExactly(100 / 255f, 0f, 0f, 200 / 255f);

        ImageFolderDataset threeChannels = ImageFolderDataset.builder(root).size(2, 2).channels(3).build();
        float[] rgb = read(threeChannels, 1);
        for (int c = 0; c < 3; c++) {
            assertThat(rgb[c * 4]).isEqualTo(100 / 255f);
            assertThat(rgb[c * 4 + 3]).isEqualTo(200 / 255f);
        }
    }

    @Test
    void resizesBilinearly() throws IOException {
        // left half black, right half white; shrinking antialiases the edge, as Pillow does
        BufferedImage image = solid(8, 2, 0x000000);
        for (int y = 0; y < 2; y++) {
            for (int x = 4; x < 8; x++) {
                image.setRGB(x, y, 0xffffff);
            }
        }
        write(image, "png", root.resolve("halves.png"));
        ImageFolderDataset four = ImageFolderDataset.builder(root).size(2, 4).channels(1).build();
        // output column 1 (centre 3) weighs input columns 1..4 by 1/8, 3/8, 3/8, 1/8
        assertThat(read(four, 0)).containsExactly(new float[] {0f, 0.125f, 0.875f, 1f, 0f, 0.125f, 0.875f, 1f},
                within(0.6f / 255));
        ImageFolderDataset one = ImageFolderDataset.builder(root).size(1, 1).channels(1).build();
        assertThat(read(one, 0)[0]).isCloseTo(0.5f, within(1 / 255f));
        ImageFolderDataset up = ImageFolderDataset.builder(root).size(4, 16).channels(1).build();
        float[] px = read(up, 0);
        assertThat(px[0]).isEqualTo(0f);
        assertThat(px[15]).isEqualTo(1f);
        for (int x = 1; x < 16; x++) {
            assertThat(px[x]).isGreaterThanOrEqualTo(px[x - 1]); // a monotone ramp at the edge
        }
    }

    @Test
    void unreadableImageIsAnErrorNamingTheFile() throws IOException {
        write(solid(2, 2, 0), "png", root.resolve("cls/good.png"));
        Path bad = root.resolve("cls/broken.jpg");
        Files.writeString(bad, "not a jpeg at all");
        assertThatThrownBy(() -> ImageFolderDataset.builder(root).size(2, 2).build())
                .isInstanceOf(IOException.class)
                .hasMessageContaining(bad.toString())
                .hasMessageContaining("remove or convert the file").satisfies(e -> assertThat(e.getMessage()).doesNotContain("skipUnreadable"));
    }

    @Test
    void unreadableImagesCanBeSkippedAndCounted() throws IOException {
        write(solid(2, 2, 0xffffff), "png", root.resolve("cls/good.png"));
        Files.writeString(root.resolve("cls/broken.jpg"), "garbage");
        Files.write(root.resolve("cls/empty.png"), new byte[0]);
        ImageFolderDataset data = ImageFolderDataset.builder(root).size(2, 2).channels(1)
                .skipUnreadable(true).build();
        assertThat(data.size()).isEqualTo(1);
        assertThat(data.file(0).getFileName().toString()).isEqualTo("good.png");
        assertThat(read(data, 0)).containsOnly(1f);
        assertThat(data.skippedFiles()).hasSize(2);
        assertThat(data.skippedFiles()).extracting(s -> s.file().getFileName().toString())
                .containsExactly("broken.jpg", "empty.png");
        assertThat(data.toString()).contains("2 skipped");
    }

    @Test
    void rejectsBadLayouts() throws IOException {
        assertThatThrownBy(() -> ImageFolderDataset.builder(root.resolve("missing")).size(2, 2).build())
                .isInstanceOf(NoSuchFileException.class);
        assertThatThrownBy(() -> ImageFolderDataset.builder(root).size(2, 2).build())
                .hasMessageContaining("no images");
        write(solid(2, 2, 0), "png", root.resolve("cls/a.png"));
        write(solid(2, 2, 0), "png", root.resolve("loose.png"));
        assertThatThrownBy(() -> ImageFolderDataset.builder(root).size(2, 2).build())
                .hasMessageContaining("mixes class directories [cls]")
                .hasMessageContaining("loose.png");
        assertThatThrownBy(() -> ImageFolderDataset.builder(root).channels(2))
                .hasMessageContaining("1 (grayscale) or 3 (RGB)");
        assertThatThrownBy(() -> ImageFolderDataset.builder(root).build())
                .isInstanceOf(IllegalStateException.class);
    }
}
