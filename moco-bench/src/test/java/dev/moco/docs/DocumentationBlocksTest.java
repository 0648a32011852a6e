package dev.moco.docs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.moco.bench.cli.MocoCommand;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.StandardLocation;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Every command and Java block in the user documentation ({@code README.md}, {@code docs/*.md},
 * {@code results/README.md}) is checked against the code:
 *
 * <ul>
 *   <li><b>Commands.</b> Every {@code ./moco …} command, in a fenced block or an inline code
 *       span, must parse against the real command tree ({@link MocoCommand#commandLine()},
 *       {@code parseArgs}, nothing runs): the subcommand exists and takes every option given,
 *       with a value of the right type. Lines ending in {@code \} continue; {@code #} starts a
 *       comment; a pipe, {@code ;}, {@code &&} or a redirection ends the command; leading
 *       {@code NAME=value} assignments and {@code time} are dropped. A <b>placeholder</b> is
 *       {@code <…>} (e.g. {@code <dir>}, {@code <random|runs/moco>}) and stands for the value
 *       {@code 1}, which every option type accepts; {@code [ ]} around optional parts are
 *       dropped, and so is a token {@code ...}. In a table, {@code a\|b} lists alternatives:
 *       the command is checked with {@code a}. A command without any option is a reference to
 *       the command ("see {@code ./moco eval linear}"): only its subcommand path is checked.</li>
 *   <li><b>Java blocks.</b> A {@code ```java} block right after a marker
 *       {@code <!-- example: FILE SECTION -->} is the example project's code (checked by
 *       {@code ReadmeExampleTest}, compiled and run by CI). Every other one is compiled with the
 *       system Java compiler against the test class path and the example project's sources
 *       ({@code examples/src/main/java}). A block that declares a type ({@code package},
 *       {@code import}, {@code class}, {@code interface}, {@code record}, {@code enum}) is a
 *       compilation unit; any other is a <b>snippet</b>, compiled as the body of a method that
 *       may throw. Both get wildcard imports of moco's public packages (those of them on the
 *       class path), {@code java.nio.file}, ND4J's {@code INDArray} package and Guice, and
 *       {@code java.util}'s {@code List}, {@code Map}, {@code Set}, {@code Iterator},
 *       {@code ArrayList} and {@code Optional}. A snippet's context (its variables, further imports) is an HTML comment right
 *       before the block, {@code <!-- context: import a.B; Encoder encoder = null; -->}: its
 *       {@code package} and {@code import} statements are added to the file, the rest goes
 *       before the snippet.</li>
 * </ul>
 */
class DocumentationBlocksTest {

    private static final Path ROOT = repositoryRoot();
    private static final Pattern FENCE = Pattern.compile("^(\\s*)```\\s*([A-Za-z0-9_+-]*)\\s*$");
    private static final Pattern INLINE_COMMAND = Pattern.compile("`(\\./moco(?: [^`]*)?)`");
    private static final Pattern PLACEHOLDER = Pattern.compile("<[^<>\\s]+>");
    private static final Pattern ALTERNATIVES = Pattern.compile("([^\\s|\\\\]*)(?:\\\\\\|[^\\s|\\\\]*)+");
    private static final Pattern TYPE_DECLARATION = Pattern.compile(
            "^(package|import)\\s.*|^((public|final|abstract|sealed|non-sealed)\\s+)*(class|interface|record|enum)\\s.*");
    private static final Pattern PUBLIC_TYPE = Pattern.compile(
            "(?m)^public\\s+(?:(?:final|abstract|sealed|non-sealed)\\s+)*(?:class|interface|record|enum)\\s+(\\w+)");
    private static final Set<String> SHELL_LANGUAGES = Set.of("", "bash", "sh", "shell", "console", "text");
    /** Packages every Java block may use by simple name, where the class path has them. */
    private static final List<String> DEFAULT_IMPORTS = List.of("dev.moco.api", "dev.moco.api.kit", "dev.moco.core",
            "dev.moco.core.run", "dev.moco.core.wiring", "dev.moco.core.config", "dev.moco.encoders", "dev.moco.tensorfile",
            "dev.moco.downstream", "java.nio.file", "org.nd4j.linalg.api.ndarray", "com.google.inject", "com.google.inject.util", "com.example.moco");

    /** Single types, not java.util.*, whose Dictionary would make moco's ambiguous. */
    private static final List<String> DEFAULT_TYPES = List.of("java.util.List", "java.util.Map", "java.util.Set",
            "java.util.Iterator", "java.util.ArrayList", "java.util.Optional");

    @TempDir
    Path classes;

    /** One checked thing: where it is in which file, and what it says. */
    record Block(Path file, int line, String text, String context) {
        String where() {
            return ROOT.relativize(file) + ":" + line;
        }
    }

    @Test
    void everyMocoCommandInTheDocumentationParses() throws IOException {
        List<Block> commands = new ArrayList<>();
        for (Path file : documentationFiles()) {
            commands.addAll(commands(file));
        }
        List<String> problems = new ArrayList<>();
        for (Block command : commands) {
            String problem = parseProblem(command.text());
            if (problem != null) {
                problems.add(command.where() + ": `" + command.text() + "`: " + problem);
            }
        }
        assertThat(problems).as("./moco commands in the documentation that the command line refuses").isEmpty();
        assertThat(commands).as("./moco commands found (README, docs/, results/README.md)").hasSizeGreaterThan(30);
    }

    @Test
    void aMisspeltOptionOrSubcommandIsRefused() {
        assertThat(parseProblem("./moco pretrain --preset moco-v2 --data <dir> --epochs 3")).isNull();
        assertThat(parseProblem("JAVA_OPTS=-Xmx8g ./moco pretrain --data <dir> --epochs 3 2>&1 | tail -1  # last line")).isNull();
        assertThat(parseProblem("./moco pretrain --preset moco-v2 --data <dir> --epoch 3"))
                .as("--epoch for --epochs").contains("--epoch");
        assertThat(parseProblem("./moco pretrian --data <dir>")).as("a misspelt subcommand").contains("pretrian");
        assertThat(parseProblem("./moco bench throughput --steps ten")).as("a value of the wrong type").contains("ten");
        assertThat(parseProblem("./moco pretrain --epochs")).as("an option without its value").isNotNull();
        assertThat(parseProblem("./moco export-features --checkpoint <file> --split train\\|test --data <dir>"))
                .as("a required option left out").contains("--out");
        assertThat(parseProblem("./moco export-features")).as("a reference to the command").isNull();
        assertThat(parseProblem("./moco eval knn --checkpoint <random\\|file> --data <dir> --k 200\\|20")).isNull();
    }

    @Test
    void everyJavaBlockInTheDocumentationCompiles() throws IOException {
        List<Block> blocks = new ArrayList<>();
        for (Path file : documentationFiles()) {
            blocks.addAll(javaBlocks(file));
        }
        assertThat(blocks).as("Java blocks to compile in the documentation").hasSizeGreaterThanOrEqualTo(3);
        assertThat(compileProblems(blocks)).as("Java blocks of the documentation that do not compile").isEmpty();
    }

    @Test
    void aJavaBlockThatDoesNotCompileIsReported() {
        Path here = ROOT.resolve("README.md");
        Block good = new Block(here, 1, "INDArray x = Nd4j.zeros(2, 3);\nEncoder.Mode mode = Encoder.Mode.TRAINING;",
                "import org.nd4j.linalg.factory.Nd4j;");
        Block misspelt = new Block(here, 2, "Encoder.Mode mode = Encoder.Mode.TRAINNG;", "");
        Block undeclared = new Block(here, 3, "INDArray y = features.dup();", "");
        assertThat(compileProblems(List.of(good))).isEmpty();
        assertThat(compileProblems(List.of(good, misspelt, undeclared))).hasSize(2)
                .anySatisfy(p -> assertThat(p).startsWith("README.md:2").contains("TRAINNG"))
                .anySatisfy(p -> assertThat(p).startsWith("README.md:3").contains("features"));
    }

    @Test
    void commandsAreFoundInFencesAndInlineSpansWithContinuationsPlaceholdersAndAlternatives() {
        List<String> lines = List.of(
                "Run `./moco quickstart` first, then `./moco eval knn --checkpoint <file\\|dir\\|random> --data <dir>`.",
                "```bash",
                "JAVA_OPTS=\"-Xmx3g -Dx=1\" ./moco bench throughput \\",
                "    --steps 10 --warmup 3   # the reference row",
                "/usr/bin/python3 torch_moco_step.py --groups 8",
                "```",
                "```java",
                "String notACommand = \"./moco pretrain --nonsense\";",
                "```");
        List<Block> found = commands(ROOT.resolve("README.md"), lines);
        assertThat(found).extracting(Block::text).containsExactly("./moco quickstart",
                "./moco eval knn --checkpoint <file\\|dir\\|random> --data <dir>",
                "JAVA_OPTS=\"-Xmx3g -Dx=1\" ./moco bench throughput --steps 10 --warmup 3 # the reference row");
        assertThat(found).extracting(Block::line).containsExactly(1, 1, 3);
        assertThat(found).allSatisfy(b -> assertThat(parseProblem(b.text())).as(b.text()).isNull());
    }

    // ---- commands

    /** The problem picocli finds with this command line, or null when it parses. */
    static String parseProblem(String commandLine) {
        List<String> arguments = arguments(commandLine);
        if (arguments == null) {
            return "no ./moco command in it";
        }
        CommandLine cli = MocoCommand.commandLine();
        cli.setErr(new java.io.PrintWriter(new StringWriter()));
        try {
            CommandLine.ParseResult parsed = cli.parseArgs(arguments.toArray(String[]::new));
            if (!arguments.isEmpty() && !parsed.hasSubcommand() && !parsed.isUsageHelpRequested()
                    && !parsed.isVersionHelpRequested()) {
                return "names no subcommand";
            }
            return null;
        } catch (CommandLine.MissingParameterException e) {
            boolean reference = arguments.stream().noneMatch(a -> a.startsWith("-"));
            return reference ? null : e.getMessage();
        } catch (CommandLine.ParameterException e) {
            return e.getMessage();
        }
    }

    /** The arguments after {@code ./moco}, or null if the line runs something else. */
    static List<String> arguments(String commandLine) {
        String line = ALTERNATIVES.matcher(PLACEHOLDER.matcher(commandLine).replaceAll("1")).replaceAll("$1");
        List<String> tokens = tokens(line);
        int i = 0;
        while (i < tokens.size() && (tokens.get(i).matches("[A-Za-z_][A-Za-z0-9_]*=.*") || tokens.get(i).equals("time"))) {
            i++;
        }
        if (i >= tokens.size() || !tokens.get(i).equals("./moco")) {
            return null;
        }
        List<String> arguments = new ArrayList<>();
        for (String token : tokens.subList(i + 1, tokens.size())) {
            String t = token.replace("[", "").replace("]", "");
            if (!t.isEmpty() && !t.equals("...") && !t.equals("…")) {
                arguments.add(t);
            }
        }
        return arguments;
    }

    /**
     * Shell words of the first command of a line, quotes removed: up to a comment, pipe,
     * {@code ;}, {@code &&} or redirection.
     */
    private static List<String> tokens(String line) {
        List<String> tokens = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean inWord = false;
        char quote = 0;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                } else {
                    word.append(c);
                }
                continue;
            }
            if (c == '"' || c == '\'') {
                quote = c;
                inWord = true;
            } else if (Character.isWhitespace(c)) {
                if (inWord) {
                    tokens.add(word.toString());
                    word.setLength(0);
                    inWord = false;
                }
            } else if ((c == '#' && !inWord) || c == '|' || c == ';' || c == '&' || c == '>' || c == '<') {
                if (inWord && (c == '>' || c == '<') && word.toString().matches("[0-9]")) {
                    word.setLength(0);   // 2>&1: the descriptor is no argument
                    inWord = false;
                }
                break;
            } else {
                word.append(c);
                inWord = true;
            }
        }
        if (inWord) {
            tokens.add(word.toString());
        }
        return tokens;
    }

    private static List<Block> commands(Path file) {
        return commands(file, lines(file));
    }

    /** The {@code ./moco} commands of a Markdown file: lines of shell fences and inline code spans. */
    static List<Block> commands(Path file, List<String> lines) {
        List<Block> commands = new ArrayList<>();
        String fence = null;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            Matcher f = FENCE.matcher(line);
            if (f.matches()) {
                fence = fence == null ? f.group(2).toLowerCase(Locale.ROOT) : null;
                continue;
            }
            if (fence == null) {
                Matcher inline = INLINE_COMMAND.matcher(line);
                while (inline.find()) {
                    commands.add(new Block(file, i + 1, inline.group(1), ""));
                }
            } else if (SHELL_LANGUAGES.contains(fence)) {
                int first = i;
                StringBuilder joined = new StringBuilder(line.strip());
                while (joined.toString().endsWith("\\") && i + 1 < lines.size()) {
                    joined.setLength(joined.length() - 1);
                    joined.append(' ').append(lines.get(++i).strip());
                }
                String text = joined.toString().replaceAll("\\s+", " ");
                if (arguments(text) != null) {
                    commands.add(new Block(file, first + 1, text, ""));
                }
            }
        }
        return commands;
    }

    // ---- Java blocks

    /** The ```java blocks of a Markdown file not marked as the example project's code, with their context. */
    static List<Block> javaBlocks(Path file) {
        List<String> lines = lines(file);
        List<Block> blocks = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            Matcher f = FENCE.matcher(lines.get(i));
            if (!f.matches()) {
                continue;
            }
            int start = i;
            StringBuilder text = new StringBuilder();
            for (i++; i < lines.size() && !FENCE.matcher(lines.get(i)).matches(); i++) {
                text.append(lines.get(i)).append('\n');
            }
            if (!f.group(2).equals("java")) {
                continue;
            }
            String before = commentBefore(lines, start);
            if (before.startsWith("example:")) {
                continue;
            }
            String context = before.startsWith("context:") ? before.substring("context:".length()).strip() : "";
            blocks.add(new Block(file, start + 1, text.toString(), context));
        }
        return blocks;
    }

    /** The HTML comment ending on the line before {@code fence}, without its delimiters; "" if none. */
    private static String commentBefore(List<String> lines, int fence) {
        if (fence == 0 || !lines.get(fence - 1).strip().endsWith("-->")) {
            return "";
        }
        StringBuilder comment = new StringBuilder();
        for (int i = fence - 1; i >= 0; i--) {
            comment.insert(0, lines.get(i).strip() + "\n");
            if (lines.get(i).strip().startsWith("<!--")) {
                String text = comment.toString().strip();
                return text.substring(4, text.length() - 3).strip();
            }
        }
        return "";
    }

    /** Compiles the blocks; one message per block that fails, naming its file and line. */
    List<String> compileProblems(List<Block> blocks) {
        JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
        assertThat(compiler).as("a JDK's compiler (javax.tools)").isNotNull();
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> options = List.of("-classpath", classPath, "-sourcepath", ROOT.resolve("examples/src/main/java").toString(),
                "-implicit:none", "-proc:none", "-d", classes.toString(), "-Xlint:none", "-nowarn");
        List<String> imports = availableImports(compiler, classPath);
        List<String> problems = new ArrayList<>();
        for (int b = 0; b < blocks.size(); b++) {
            Block block = blocks.get(b);
            String source = source(block, "DocBlock" + b, imports);
            DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
            URI name = URI.create("string:///" + fileName(block, "DocBlock" + b) + ".java");
            JavaFileObject unit = new SimpleJavaFileObject(name, JavaFileObject.Kind.SOURCE) {
                @Override
                public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                    return source;
                }
            };
            boolean compiled = compiler.getTask(null, null, diagnostics, options, null, List.of(unit)).call();
            if (!compiled) {
                StringBuilder message = new StringBuilder(block.where() + ": does not compile:");
                diagnostics.getDiagnostics().stream().filter(d -> d.getKind() == Diagnostic.Kind.ERROR)
                        .forEach(d -> message.append("\n    ").append(d.getMessage(Locale.ROOT))
                                .append(" [").append(lineOf(source, d.getLineNumber())).append(']'));
                problems.add(message.toString());
            }
        }
        return problems;
    }

    private static String lineOf(String source, long number) {
        String[] lines = source.split("\n", -1);
        return number >= 1 && number <= lines.length ? lines[(int) number - 1].strip() : "";
    }

    /** The block as a compilation unit: its own, or a snippet wrapped in a class and a method. */
    static String source(Block block, String className, List<String> defaultImports) {
        StringBuilder packageLine = new StringBuilder();
        StringBuilder imports = new StringBuilder();
        defaultImports.forEach(p -> imports.append("import ").append(p).append(".*;\n"));
        DEFAULT_TYPES.forEach(t -> imports.append("import ").append(t).append(";\n"));
        StringBuilder declarations = new StringBuilder();
        for (String statement : block.context().split("(?<=;)")) {
            String s = statement.strip();
            if (s.startsWith("package ")) {
                packageLine.append(s).append('\n');
            } else if (s.startsWith("import ")) {
                imports.append(s).append('\n');
            } else if (!s.isEmpty()) {
                declarations.append("        ").append(s).append('\n');
            }
        }
        if (isCompilationUnit(block)) {
            StringBuilder own = new StringBuilder();
            StringBuilder body = new StringBuilder();
            for (String l : block.text().split("\n")) {
                (l.startsWith("package ") ? packageLine : l.startsWith("import ") ? own : body).append(l).append('\n');
            }
            return packageLine.toString() + imports + own + body;
        }
        return packageLine.toString() + imports + "@SuppressWarnings(\"unused\")\nclass " + className
                + " {\n    void snippet() throws Exception {\n" + declarations + block.text() + "    }\n}\n";
    }

    private static boolean isCompilationUnit(Block block) {
        return block.text().lines().map(String::strip).anyMatch(l -> TYPE_DECLARATION.matcher(l).matches());
    }

    /** The file name javac wants: the block's public type's, else the wrapper's. */
    private static String fileName(Block block, String className) {
        Matcher publicType = PUBLIC_TYPE.matcher(block.text());
        return isCompilationUnit(block) && publicType.find() ? publicType.group(1) : className;
    }

    /** The default imports whose package has classes on the class path (moco's packages move between versions). */
    private static List<String> availableImports(JavaCompiler compiler, String classPath) {
        try (StandardJavaFileManager files = compiler.getStandardFileManager(null, Locale.ROOT, StandardCharsets.UTF_8)) {
            List<Path> path = Stream.of(classPath.split(java.io.File.pathSeparator)).filter(s -> !s.isEmpty()).map(Path::of).toList();
            files.setLocationFromPaths(StandardLocation.CLASS_PATH, path);
            files.setLocationFromPaths(StandardLocation.SOURCE_PATH, List.of(ROOT.resolve("examples/src/main/java")));
            List<String> available = new ArrayList<>();
            for (String p : DEFAULT_IMPORTS) {
                boolean found = p.startsWith("java.")
                        || files.list(StandardLocation.CLASS_PATH, p, Set.of(JavaFileObject.Kind.CLASS), false).iterator().hasNext()
                        || files.list(StandardLocation.SOURCE_PATH, p, Set.of(JavaFileObject.Kind.SOURCE), false).iterator().hasNext();
                if (found) {
                    available.add(p);
                }
            }
            return available;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---- files

    /** README.md, every Markdown file under docs/, and results/README.md. */
    static List<Path> documentationFiles() throws IOException {
        List<Path> files = new ArrayList<>();
        files.add(ROOT.resolve("README.md"));
        Path docs = ROOT.resolve("docs");
        if (Files.isDirectory(docs)) {
            try (Stream<Path> s = Files.walk(docs)) {
                s.filter(p -> p.toString().endsWith(".md")).sorted().forEach(files::add);
            }
        }
        Path results = ROOT.resolve("results/README.md");
        if (Files.isRegularFile(results)) {
            files.add(results);
        }
        return files;
    }

    private static List<String> lines(Path file) {
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The checkout's root: the nearest directory up from here holding the ./moco launcher. */
    private static Path repositoryRoot() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("moco")) && Files.isRegularFile(p.resolve("README.md"))) {
                return p;
            }
        }
        throw new IllegalStateException("no ./moco launcher above " + Path.of("").toAbsolutePath());
    }
}
