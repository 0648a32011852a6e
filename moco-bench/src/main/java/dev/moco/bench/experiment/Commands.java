package dev.moco.bench.experiment;

import dev.moco.bench.benchmark.memory.ResidentMemory;
import dev.moco.bench.cli.MocoCommand;
import dev.moco.bench.cli.ProgressOption;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs another {@code moco} command in this process and reads the numbers from its last line,
 * which each command documents as its interface ({@code linear top-1: <v>}, {@code mIoU: <v>},
 * ...). The command's output is echoed, indented, to the experiment's log.
 */
final class Commands {

    private Commands() {}

    /**
     * @param progress whether the command draws its progress bars
     * @return the groups of {@code lastLine} matched against the command's last line of output
     * @throws IllegalStateException naming the command if it fails or its last line does not match
     */
    static String[] run(List<String> args, Pattern lastLine, boolean progress, PrintStream log) {
        return run(args, List.of(lastLine), progress, log);
    }

    /**
     * @param lastLines the patterns of the command's last lines, in order (e.g. {@code box AP: ...}
     *     then {@code mask AP: ...})
     * @param progress whether the command draws its progress bars ({@link ProgressOption}, which it must take)
     * @return the groups of every pattern, in order, matched against the command's last lines
     * @throws IllegalStateException naming the command if it fails or its last lines do not match
     */
    static String[] run(List<String> commandArgs, List<Pattern> lastLines, boolean progress, PrintStream log) {
        List<String> args = new ArrayList<>(commandArgs);
        if (!progress) {
            args.add(ProgressOption.NO_PROGRESS);
        }
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        var cli = MocoCommand.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        log.println("  ./moco " + String.join(" ", args));
        int code = cli.execute(args.toArray(String[]::new));
        ResidentMemory.releaseAfterRun();     // the next command's memory does not stack on this one's leftovers
        List<String> lines = out.toString().lines().toList();
        lines.forEach(l -> log.println("    " + l));
        log.flush();
        if (code != 0) {
            throw new IllegalStateException("./moco " + String.join(" ", args) + " failed (exit " + code + "): " + err.toString().strip());
        }
        List<String> groups = new ArrayList<>();
        int first = lines.size() - lastLines.size();
        for (int i = 0; i < lastLines.size(); i++) {
            String line = first + i >= 0 ? lines.get(first + i) : "";
            Matcher m = lastLines.get(i).matcher(line);
            if (!m.matches()) {
                throw new IllegalStateException("./moco " + String.join(" ", args) + " ended with '" + line + "'"
                        + (lastLines.size() > 1 ? " as its last line but " + (lastLines.size() - 1 - i) : "")
                        + ", not " + lastLines.get(i));
            }
            for (int g = 1; g <= m.groupCount(); g++) {
                groups.add(m.group(g));
            }
        }
        return groups.toArray(String[]::new);
    }
}
