package dev.moco.bench.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.moco.bench.cli.transfer.CocoOutput;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The downstream commands' entry point over a table of bad inputs (a run in the way, an output
 * that is a file, out-of-range options, a decompression bomb, grey folders, damaged canvas
 * JSON): each ends with its exit code and a message naming the file or the option, without a
 * stack trace, and leaves every file as it was (checksums before and after).
 */
class DownstreamBadInputTest {

    @TempDir
    static Path dir;

    static Path idx;
    static Path detectRun;
    static Path supervisedRun;
    static Path canvases;
    static Path greyFolder;
    static Path bombFolder;

    /** Tiny data, two finished runs, a canvas set, damaged copies of it and image folders. */
    @BeforeAll
    static void files() throws IOException {
        idx = MocoCommandTest.writeIdx(dir.resolve("idx"), 24);
        Files.copy(idx.resolve("train-images-idx3-ubyte"), idx.resolve("t10k-images-idx3-ubyte"));
        Files.copy(idx.resolve("train-labels-idx1-ubyte"), idx.resolve("t10k-labels-idx1-ubyte"));
        detectRun = dir.resolve("detect-run");
        ok("transfer", "detect", "--init", "random", "--data", idx.toString(), "--train", "4", "--test", "2",
                "--canvas-size", "16", "--epochs", "1", "--batch-size", "4", "--head-width", "8", "--out", detectRun.toString());
        supervisedRun = dir.resolve("supervised-run");
        ok("train-supervised", "--data", idx.toString(), "--epochs", "1", "--batch-size", "8", "--image-size", "8",
                "--augmentation", "none", "--out", supervisedRun.toString());
        canvases = dir.resolve("canvases");
        ok("data", "canvases", "--fashion-mnist", idx.toString(), "--out", canvases.toString(), "--train", "4", "--test", "2",
                "--size", "16");

        Path negativeBox = copy(canvases, dir.resolve("canvases-negative-box"));
        Path instances = negativeBox.resolve("train/instances.json");
        String json = Files.readString(instances);
        Files.writeString(instances, json.replaceFirst("\"bbox\":\\[([^,\\]]+),([^,\\]]+),([^,\\]]+),", "\"bbox\":[$1,$2,-3.0,"));
        Files.writeString(copy(canvases, dir.resolve("canvases-not-json")).resolve("train/instances.json"), "{\"images\": [");
        Files.write(copy(canvases, dir.resolve("canvases-bomb")).resolve("train/images/000001.png"), bombPng(20_000, 20_000));

        greyFolder = dir.resolve("grey-folder");
        bombFolder = dir.resolve("bomb-folder");
        for (String split : List.of("train", "test")) {
            for (int c = 0; c < 2; c++) {
                for (int i = 0; i < 3; i++) {
                    BufferedImage grey = new BufferedImage(8, 8, BufferedImage.TYPE_BYTE_GRAY);
                    grey.getRaster().setSample(i, c, 0, 255);
                    Path file = greyFolder.resolve(split).resolve("class" + c).resolve(i + ".png");
                    Files.createDirectories(file.getParent());
                    ImageIO.write(grey, "png", file.toFile());
                }
            }
        }
        copy(greyFolder, bombFolder);
        Files.write(bombFolder.resolve("train/class1/bomb.png"), bombPng(20_000, 20_000));
        Files.createDirectories(dir.resolve("coco-of-a-run"));
        Files.writeString(dir.resolve("coco-of-a-run").resolve(CocoOutput.TRUTH), "[]");
        Files.writeString(dir.resolve("a-file"), "not a directory");
        Files.createDirectories(dir.resolve("empty"));
    }

    private static void ok(String... args) {
        MocoCommandTest.Outcome o = MocoCommandTest.run(args);
        assertThat(o.exitCode()).as(String.join(" ", args) + "\n" + o.err()).isZero();
    }

    private static Path copy(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path f : files.toList()) {
                Path target = to.resolve(from.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(f, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        return to;
    }

    /**
     * A PNG of a few hundred bytes whose header declares {@code width}×{@code height} 8-bit grey
     * pixels: the header is whole, the image data only a first row (a decoder that trusted the
     * header would allocate width × height bytes before finding that out).
     */
    static byte[] bombPng(int width, int height) throws IOException {
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        png.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        ByteArrayOutputStream ihdr = new ByteArrayOutputStream();
        DataOutputStream header = new DataOutputStream(ihdr);
        header.writeInt(width);
        header.writeInt(height);
        header.write(new byte[] {8, 0, 0, 0, 0});     // 8 bits, grey, deflate, adaptive filtering, no interlace
        chunk(png, "IHDR", ihdr.toByteArray());
        Deflater deflater = new Deflater(Deflater.BEST_COMPRESSION);
        deflater.setInput(new byte[width + 1]);       // one row: a filter byte and black pixels
        byte[] compressed = new byte[width];
        int length = deflater.deflate(compressed, 0, compressed.length, Deflater.SYNC_FLUSH);
        chunk(png, "IDAT", java.util.Arrays.copyOf(compressed, length));
        chunk(png, "IEND", new byte[0]);
        return png.toByteArray();
    }

    private static void chunk(ByteArrayOutputStream png, String type, byte[] data) throws IOException {
        DataOutputStream out = new DataOutputStream(png);
        out.writeInt(data.length);
        byte[] name = type.getBytes(StandardCharsets.US_ASCII);
        out.write(name);
        out.write(data);
        CRC32 crc = new CRC32();
        crc.update(name);
        crc.update(data);
        out.writeInt((int) crc.getValue());
    }

    record Case(String name, int exitCode, String message, String[] args) {
        @Override
        public String toString() {
            return name;
        }
    }

    /** {@code base} with {@code more}: an option of {@code more} replaces the same option's value in {@code base}. */
    private static String[] with(List<String> base, String... more) {
        List<String> args = new ArrayList<>(base);
        for (int i = 0; i < more.length; i++) {
            boolean hasValue = i + 1 < more.length && !more[i + 1].startsWith("--");
            int at = args.indexOf(more[i]);
            if (at >= 0 && hasValue) {
                args.set(at + 1, more[++i]);
            } else {
                args.add(more[i]);
                if (hasValue) {
                    args.add(more[++i]);
                }
            }
        }
        return args.toArray(String[]::new);
    }

    private static String[] detect(String... more) {
        return with(List.of("transfer", "detect", "--init", "random", "--data", idx.toString(), "--train", "4", "--test", "2",
                "--canvas-size", "16", "--epochs", "1", "--batch-size", "4", "--head-width", "8"), more);
    }

    private static String[] segment(Path data, String... more) {
        return with(List.of("transfer", "segment", "--init", "random", "--data", data.toString(), "--epochs", "1",
                "--batch-size", "4", "--head-width", "8"), more);
    }

    private static String[] supervised(Path data, String... more) {
        return with(List.of("train-supervised", "--data", data.toString(), "--epochs", "1", "--batch-size", "8",
                "--image-size", "8", "--augmentation", "none"), more);
    }

    private static String[] knn(Path data, String... more) {
        List<String> args = new ArrayList<>(List.of("eval", "knn", "--checkpoint", supervisedRun.toString(), "--data",
                data.toString()));
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }

    static List<Case> cases() {
        String d = dir.toString();
        String fresh = d + "/new-run";
        String bomb = "bomb.png is 20000x20000 = 400,000,000 pixels, above the limit of 25,000,000 pixels per image";
        return List.of(
                // a run in the way, an output that is a file
                new Case("detect into a finished run", 1, "--out " + detectRun + " already holds a run",
                        detect("--out", detectRun.toString())),
                new Case("segment into a finished detection run", 1, "already holds a run (metrics.csv, training.png, checkpoints/",
                        segment(idx, "--train", "4", "--test", "2", "--canvas-size", "16", "--out", detectRun.toString())),
                new Case("train-supervised into a finished run", 1, "--out " + supervisedRun + " already holds a run",
                        supervised(idx, "--out", supervisedRun.toString())),
                new Case("train-supervised into a file", 1, "--out " + d + "/a-file is a file, not a directory",
                        supervised(idx, "--out", d + "/a-file")),
                new Case("segment into a file", 1, "--out " + d + "/a-file is a file, not a directory",
                        segment(canvases, "--out", d + "/a-file")),
                new Case("segment below a file", 1, "cannot be created: " + d + "/a-file is a file, not a directory",
                        segment(canvases, "--out", d + "/a-file/run")),
                new Case("detect with COCO files into a file", 1, "--coco-out " + d + "/a-file is a file, not a directory",
                        detect("--out", fresh, "--coco-out", d + "/a-file")),
                new Case("overwrite and resume together", 2, "--overwrite and --resume exclude each other",
                        detect("--out", detectRun.toString(), "--overwrite", "--resume")),
                new Case("resume where no run is", 1, "holds no run to resume", detect("--out", d + "/empty", "--resume")),
                new Case("resume with other options", 1, "these differ: epochs 2 (the run: 1)",
                        detect("--out", detectRun.toString(), "--resume", "--epochs", "2")),
                // out-of-range options, before any work
                new Case("kNN k of 0", 2, "--k must be at least 1, got 0", knn(idx, "--k", "0")),
                new Case("kNN k of -3", 2, "--k must be at least 1, got -3", knn(idx, "--k", "-3")),
                new Case("kNN temperature 0", 2, "--temperature must be a positive number, got 0.0", knn(idx, "--temperature", "0")),
                new Case("kNN k above the bank", 2, "--k 25 is larger than the bank of 24 training images", knn(idx, "--k", "25")),
                new Case("linear probe setting unknown", 2, "unknown linear-eval setting 'epoch'",
                        new String[] {"eval", "linear", "--checkpoint", supervisedRun.toString(), "--data", idx.toString(),
                            "--set", "epoch=2"}),
                new Case("detect batch above the canvas set", 2, "--batch-size 100 is larger than the 4 training canvases",
                        new String[] {"transfer", "detect", "--init", "random", "--data", canvases.toString(), "--batch-size",
                            "100", "--out", fresh}),
                new Case("detect batch above the generated canvases", 2, "--batch-size 100 is larger than the 16 training canvases",
                        detect("--train", "16", "--batch-size", "100", "--out", fresh)),
                new Case("detect for no epochs", 2, "--epochs must be at least 1, got 0", detect("--epochs", "0", "--out", fresh)),
                new Case("train-supervised for no epochs", 2, "--epochs must be at least 1, got 0",
                        supervised(idx, "--epochs", "0", "--out", fresh)),
                new Case("canvases for no training", 2, "--train must be at least 1 canvas",
                        new String[] {"data", "canvases", "--fashion-mnist", idx.toString(), "--out", fresh, "--train", "0"}),
                new Case("canvases from missing IDX files", 1, "--fashion-mnist " + d + "/nowhere does not exist",
                        new String[] {"data", "canvases", "--fashion-mnist", d + "/nowhere", "--out", fresh}),
                // the outputs beside --out hold another run's files
                new Case("COCO files of another run", 1, "--coco-out " + d + "/coco-of-a-run already holds "
                        + CocoOutput.TRUTH + ": pass --overwrite", detect("--out", fresh, "--coco-out", d + "/coco-of-a-run")),
                new Case("masks of another run", 1, "--masks-out " + canvases.resolve("test") + " already holds masks: pass"
                        + " --overwrite", segment(canvases, "--out", fresh, "--masks-out", canvases.resolve("test").toString())),
                // class selections
                new Case("canvas classes beyond Fashion-MNIST's", 2, "--canvas-classes 3,12: garment class 12 is not a"
                        + " Fashion-MNIST label (0..9)", detect("--canvas-classes", "3,12", "--out", fresh)),
                new Case("canvas classes of a canvas set", 2, "--canvas-classes chooses the classes of generated canvases, but "
                        + canvases + " is a canvas set", segment(canvases, "--canvas-classes", "1,2", "--out", fresh)),
                new Case("canvas classes the data lacks", 1, "--canvas-classes 2,7: class 7 has no images; the classes present"
                        + " are 0, 1, 2, 3 (the training split of " + idx + ")", detect("--canvas-classes", "2,7", "--out", fresh)),
                new Case("schedule of no whole multiple", 2, "--schedule: a schedule is 1x, 2x, ... (a whole multiple of the 1x"
                        + " schedule), got '1.5x'", detect("--schedule", "1.5x", "--out", fresh)),
                new Case("supervised training on a class the data lacks", 1, "--classes 0,9: class 9 has no images; the classes"
                        + " present are 0, 1, 2, 3", supervised(idx, "--classes", "0,9", "--out", fresh)),
                new Case("supervised training on a class twice", 1, "--classes 1,1: class 1 is listed twice",
                        supervised(idx, "--classes", "1,1", "--out", fresh)),
                new Case("pretraining on some classes on Spark", 2, "--classes is not supported with --spark: the workers"
                        + " read every image of --data", new String[] {"pretrain", "--data", idx.toString(), "--classes", "0,1",
                            "--spark", "local[1]", "--workers", "1", "--epochs", "1", "--out", fresh}),
                new Case("pretraining on a class the data lacks", 1, "--classes 5: class 5 has no images",
                        new String[] {"pretrain", "--data", idx.toString(), "--classes", "5", "--epochs", "1", "--out", fresh}),
                new Case("pretraining on no class", 2, "'--classes'", new String[] {"pretrain", "--data", idx.toString(),
                    "--classes", "", "--epochs", "1", "--out", fresh}),
                new Case("channels neither 1 nor 3", 2, "--channels must be 1 (grey) or 3 (RGB), got 2",
                        knn(greyFolder, "--channels", "2")),
                // a decompression bomb
                new Case("bomb in an image folder, linear probe", 1, bomb,
                        new String[] {"eval", "linear", "--checkpoint", supervisedRun.toString(), "--data", bombFolder.toString()}),
                new Case("bomb in an image folder, supervised training", 1, bomb, supervised(bombFolder, "--out", fresh)),
                new Case("bomb in a canvas set", 1, "000001.png is 20000x20000; the set's canvases are 16x16",
                        segment(dir.resolve("canvases-bomb"), "--out", fresh)),
                new Case("bomb-sized synthetic loader images", 2, "the view of row '3x50000x50000:1' is 50000x50000 = 2,500,000,000"
                        + " pixels, above the limit", new String[] {"bench", "loader", "--rows", "3x50000x50000:1"}),
                // grey folders
                new Case("grey folder read as RGB for a grey encoder", 1, "takes 1-channel images but " + greyFolder
                        + " has 3-channel images", knn(greyFolder, "--channels", "3", "--k", "5")),
                // damaged canvas JSON
                new Case("box of negative width", 1, "instances.json: annotation 1 (image 1): a box needs finite coordinates and"
                        + " non-negative size", segment(dir.resolve("canvases-negative-box"), "--out", fresh)),
                new Case("instances file cut short", 1, "instances.json is not a COCO instances JSON object",
                        segment(dir.resolve("canvases-not-json"), "--out", fresh)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void endsWithItsExitCodeAndAMessageAndChangesNoFile(Case c) throws IOException {
        Map<String, String> before = checksums(dir);
        MocoCommandTest.Outcome o = MocoCommandTest.run(c.args());
        assertThat(o.exitCode()).as(o.err()).isEqualTo(c.exitCode());
        assertThat(o.err()).contains(c.message());
        assertThat(o.err()).doesNotContain("\tat ").doesNotContain("Exception");
        assertThat(checksums(dir)).as("files after the command").isEqualTo(before);
    }

    @Test
    void aFolderOfGreyImagesIsEvaluatedWithOneChannel() {
        MocoCommandTest.Outcome o = MocoCommandTest.run(knn(greyFolder, "--k", "5"));
        assertThat(o.exitCode()).as(o.err()).isZero();
        assertThat(o.err()).contains("images of 1x8x8");
        assertThat(o.out()).containsPattern("knn top-1: [01]\\.\\d{4}");
    }

    @Test
    void canvasesOfTwoClassesAreFineTunedByTwoClassHeadsOnTheScheduleAsked() throws IOException {
        Path segmentRun = dir.resolve("segment-two-classes");
        MocoCommandTest.Outcome segment = MocoCommandTest.run(with(List.of("transfer", "segment", "--init", "random", "--data",
                idx.toString(), "--train", "4", "--test", "2", "--canvas-size", "16", "--epochs", "1", "--batch-size", "4",
                "--head-width", "8", "--canvas-classes", "2,3", "--schedule", "2x", "--out", segmentRun.toString())));
        assertThat(segment.exitCode()).as(segment.err()).isZero();
        assertThat(segment.out()).contains("canvases: 4 train, 2 test, 16x16, seed 0, classes 2,3",
                "2 epochs (2x schedule)", "per-class IoU: background ", ", Pullover ", ", Dress ").doesNotContain("Trouser");
        // 4 canvases in one batch of 4: one step an epoch
        assertThat(Files.readAllLines(segmentRun.resolve("metrics.csv"))).hasSize(1 + 2)
                .first().asString().endsWith(",steps");
        assertThat(Files.readAllLines(segmentRun.resolve("metrics.csv")).get(2)).endsWith(",2.00000");

        MocoCommandTest.Outcome resumedAsOneX = MocoCommandTest.run(with(List.of("transfer", "segment", "--init", "random",
                "--data", idx.toString(), "--train", "4", "--test", "2", "--canvas-size", "16", "--epochs", "2", "--batch-size",
                "4", "--head-width", "8", "--out", segmentRun.toString(), "--resume")));
        assertThat(resumedAsOneX.exitCode()).isEqualTo(1);
        assertThat(resumedAsOneX.err()).contains("canvases CanvasSpec[", "(the run: CanvasSpec[", ", classes 2,3)",
                "epochs 2 (the run: 2 (2x of 1))");

        MocoCommandTest.Outcome supervised = MocoCommandTest.run(supervised(idx, "--classes", "0,1", "--out",
                dir.resolve("supervised-two-classes").toString()));
        assertThat(supervised.exitCode()).as(supervised.err()).isZero();
        assertThat(supervised.out()).contains("linear classifier of 2 classes on ", ", classes 0,1;");
    }

    @Test
    void resumingAFinishedRunScoresItAgainAndChangesNothing() throws IOException {
        Path run = copy(detectRun, dir.resolve("detect-run-copy"));
        Map<String, String> before = checksums(run);
        MocoCommandTest.Outcome o = MocoCommandTest.run(detect("--out", run.toString(), "--resume"));
        assertThat(o.exitCode()).as(o.err()).isZero();
        assertThat(o.out()).contains("is complete (1 of 1 epochs)").containsPattern("AP: [01]\\.\\d{4}");
        assertThat(checksums(run)).isEqualTo(before);
    }

    /** Every file under {@code root}, relative path to SHA-256. */
    static Map<String, String> checksums(Path root) throws IOException {
        Map<String, String> sums = new TreeMap<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                sums.put(root.relativize(f).toString(), HexFormat.of().formatHex(sha256(Files.readAllBytes(f))));
            }
        }
        return sums;
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
