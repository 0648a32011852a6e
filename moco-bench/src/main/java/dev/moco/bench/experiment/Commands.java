package dev.moco.bench.experiment;

import dev.moco.bench.cli.MocoCommand;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
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
     * @return the groups of {@code lastLine} matched against the command's last line of output
     * @throws IllegalStateException naming the command if it fails or its last line does not match
     */
    static String[] run(List<String> args, Pattern lastLine, PrintStream log) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        var cli = MocoCommand.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        log.println("  ./moco " + String.join(" ", args));
        int code = cli.execute(args.toArray(String[]::new));
        List<String> lines = out.toString().lines().toList();
        lines.forEach(l -> log.println("    " + l));
        log.flush();
        if (code != 0) {
            throw new IllegalStateException("./moco " + String.join(" ", args) + " failed (exit " + code + "): " + err.toString().strip());
        }
        String last = lines.isEmpty() ? "" : lines.get(lines.size() - 1);
        Matcher m = lastLine.matcher(last);
        if (!m.matches()) {
            throw new IllegalStateException("./moco " + String.join(" ", args) + " ended with '" + last + "', not " + lastLine);
        }
        String[] groups = new String[m.groupCount()];
        for (int g = 0; g < groups.length; g++) {
            groups[g] = m.group(g + 1);
        }
        return groups;
    }
}
