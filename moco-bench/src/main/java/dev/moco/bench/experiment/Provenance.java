package dev.moco.bench.experiment;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * What produced a result row: the git commit of the build and the CPU model it ran on, the
 * {@code commit} and {@code cpu} columns of every results file. Either is {@value #UNKNOWN}
 * when it cannot be found (a jar outside a git checkout, no {@code /proc/cpuinfo}), and rows
 * written before these columns existed read as {@value #UNKNOWN} too, never a guess.
 *
 * @param commit the full hash of the checkout's {@code HEAD}, with {@code -modified} when a
 *     pom or a main source file differs from it
 * @param cpu the first {@code model name} of {@code /proc/cpuinfo} and, in brackets, the widest
 *     vector extension its {@code flags} name ({@link #vectorExtension}): one model name is sold
 *     with and without AVX-512, and the kernels oneDNN picks, so the speed and the rounding of
 *     a run, follow the extension
 */
public record Provenance(String commit, String cpu) {

    public static final String UNKNOWN = "unknown";

    /** The columns, in the order they end every results file's header. */
    public static final List<String> COLUMNS = List.of("commit", "cpu");

    private static volatile Provenance current;

    public Provenance {
        commit = clean(commit);
        cpu = clean(cpu);
    }

    /** Neither known: what rows written before the provenance columns read as. */
    public static Provenance unknown() {
        return new Provenance(UNKNOWN, UNKNOWN);
    }

    /** This process's: the commit of the checkout its classes were loaded from and this machine's CPU; found once. */
    public static Provenance current() {
        Provenance p = current;
        if (p == null) {
            p = new Provenance(commitOf(codeLocation()), cpu(Path.of("/proc/cpuinfo")));
            current = p;
        }
        return p;
    }

    /**
     * The first {@code model name} in a {@code /proc/cpuinfo}-formatted file with the first
     * {@code flags} line's widest vector extension in brackets ("AMD EPYC (AVX2)"), the model
     * alone when no flags name one, or {@value #UNKNOWN} without a model name.
     */
    static String cpu(Path cpuinfo) {
        String model = null;
        String flags = null;
        try {
            for (String line : Files.readAllLines(cpuinfo, StandardCharsets.UTF_8)) {
                int colon = line.indexOf(':');
                String field = colon > 0 ? line.substring(0, colon).strip() : "";
                if (model == null && field.equals("model name")) {
                    model = clean(line.substring(colon + 1));
                } else if (flags == null && field.equals("flags")) {
                    flags = line.substring(colon + 1);
                }
            }
        } catch (IOException | RuntimeException e) {
            // no /proc (not Linux) or unreadable: unknown
        }
        if (model == null) {
            return UNKNOWN;
        }
        String extension = vectorExtension(flags == null ? Set.of() : Set.copyOf(Arrays.asList(flags.strip().split("\\s+"))));
        return extension.isEmpty() ? model : model + " (" + extension + ")";
    }

    /**
     * The widest vector extension among {@code /proc/cpuinfo} flags, as the fast engine's kernels
     * divide CPUs: "AMX-BF16", "AVX-512 BF16", "AVX-512", "AVX2", or "" for none of them.
     */
    static String vectorExtension(Set<String> flags) {
        if (flags.contains("amx_bf16")) {
            return "AMX-BF16";
        }
        if (flags.contains("avx512_bf16")) {
            return "AVX-512 BF16";
        }
        if (flags.contains("avx512f")) {
            return "AVX-512";
        }
        return flags.contains("avx2") ? "AVX2" : "";
    }

    /** The git commit of the checkout holding {@code directory}, or {@value #UNKNOWN} outside one. */
    static String commitOf(Path directory) {
        if (directory == null || !Files.isDirectory(directory)) {
            return UNKNOWN;
        }
        String head = git(directory, "rev-parse", "HEAD");
        if (head == null || !head.matches("[0-9a-f]{40}")) {
            return UNKNOWN;
        }
        // what the jar is built from, as ./moco judges staleness: the poms and the main sources
        String changed = git(directory, "status", "--porcelain", "--untracked-files=no", "--",
                ":(top)pom.xml", ":(top,glob)moco-*/pom.xml", ":(top,glob)moco-*/src/main/**");
        return changed == null || changed.isEmpty() ? head : head + "-modified";
    }

    /** The directory the running classes came from (the jar's, or the classes directory). */
    private static Path codeLocation() {
        try {
            Path location = Path.of(Provenance.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return Files.isDirectory(location) ? location : location.getParent();
        } catch (URISyntaxException | RuntimeException e) {
            return null;
        }
    }

    /** The command's output, trimmed; null when git is missing, fails or takes over 10 s. */
    private static String git(Path directory, String... arguments) {
        String[] command = new String[arguments.length + 3];
        command[0] = "git";
        command[1] = "-C";
        command[2] = directory.toString();
        System.arraycopy(arguments, 0, command, 3, arguments.length);
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(false)
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            byte[] output = process.getInputStream().readAllBytes();
            if (!process.waitFor(10, TimeUnit.SECONDS) || process.exitValue() != 0) {
                process.destroyForcibly();
                return null;
            }
            return new String(output, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** One CSV field: no comma, quote or line break, runs of blanks collapsed; blank is unknown. */
    private static String clean(String value) {
        String v = value == null ? "" : value.replaceAll("[,\"\\s]+", " ").strip();
        return v.isEmpty() ? UNKNOWN : v;
    }
}
