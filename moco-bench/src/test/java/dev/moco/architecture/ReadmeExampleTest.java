package dev.moco.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The library examples of the README and of {@code docs/*.md} are the code of the example
 * project, which CI compiles and runs against the installed artifacts: a marker
 * {@code <!-- example: FILE NAME -->} names a file and a section of it, and the lines between
 * {@code // readme:begin NAME} and {@code // readme:end NAME} there must equal the code block
 * that follows the marker.
 */
class ReadmeExampleTest {

    private static final Path ROOT = Path.of("..");
    private static final String MARKER = "<!-- example: ";

    @Test
    void everyExampleInTheReadmeAndTheDocsIsTheExampleProjectsCode() throws IOException {
        List<Path> pages = new ArrayList<>(List.of(ROOT.resolve("README.md")));
        try (var docs = Files.list(ROOT.resolve("docs"))) {
            docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(pages::add);
        }
        int inReadme = examples(ROOT.resolve("README.md"));
        int checked = inReadme;
        for (Path page : pages.subList(1, pages.size())) {
            checked += examples(page);
        }
        assertThat(inReadme).as("examples in the README").isPositive();
        assertThat(checked).as("examples in the README and docs/").isGreaterThan(inReadme);
    }

    /** Checks the page's marked examples against the example project; returns how many there are. */
    private static int examples(Path page) throws IOException {
        List<String> readme = Files.readAllLines(page);
        String name = ROOT.relativize(page).toString();
        int checked = 0;
        for (int i = 0; i < readme.size(); i++) {
            String line = readme.get(i).strip();
            if (!line.startsWith(MARKER)) {
                continue;
            }
            String[] fileAndSection = line.substring(MARKER.length(), line.indexOf(" -->")).strip().split(" ");
            Path source = ROOT.resolve(fileAndSection[0]);
            assertThat(source).as("the file the README's example names").isRegularFile();
            assertThat(readme.get(i + 1)).as("a ```java block follows the marker in " + name + " line " + (i + 1))
                    .isEqualTo("```java");
            List<String> block = new ArrayList<>();
            for (int j = i + 2; !readme.get(j).equals("```"); j++) {
                block.add(readme.get(j));
            }
            assertThat(block).as(name + "'s example at line " + (i + 1) + " against " + source)
                    .containsExactlyElementsOf(section(Files.readAllLines(source), fileAndSection[1]));
            checked++;
        }
        return checked;
    }

    /** The lines between the section's readme markers, with their common indentation removed. */
    private static List<String> section(List<String> source, String name) {
        int begin = -1;
        int end = -1;
        for (int i = 0; i < source.size(); i++) {
            if (source.get(i).strip().equals("// readme:begin " + name)) {
                begin = i + 1;
            } else if (source.get(i).strip().equals("// readme:end " + name)) {
                end = i;
            }
        }
        assertThat(begin).as("a // readme:begin " + name + " line").isPositive();
        assertThat(end).as("a // readme:end " + name + " line after it").isGreaterThan(begin);
        List<String> lines = source.subList(begin, end);
        int indent = lines.stream().filter(l -> !l.isBlank())
                .mapToInt(l -> l.length() - l.stripLeading().length()).min().orElse(0);
        return lines.stream().map(l -> l.isBlank() ? "" : l.substring(indent)).toList();
    }
}
