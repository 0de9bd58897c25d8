import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.apache.kafka.common.utils.Exit;

/**
 * Runs several of Kafka's own tools (their unchanged main methods) one after the other in one
 * JVM, so the integration tests pay for one JVM start instead of one per tool. Each run gets its
 * stdin, and its stdout, stderr and exit code (Kafka's Exit is redirected) are written to
 * {@code <out>/<name>.out|.err|.rc}. Java source-launch mode: no build step.
 *
 * <p>Args: the batch file, the output directory. Batch lines (tab-separated):
 * {@code name  stdin-file-or-"-"  main-class  arg...}
 */
public final class ToolBatch {
    private static final class Exited extends RuntimeException {
        final int code;

        Exited(int code) {
            super(null, null, false, false);
            this.code = code;
        }
    }

    public static void main(String[] args) throws Exception {
        List<String> lines = Files.readAllLines(Path.of(args[0]), StandardCharsets.UTF_8);
        Path out = Path.of(args[1]);
        Exit.setExitProcedure((code, message) -> {
            throw new Exited(code);
        });
        PrintStream realOut = System.out;
        PrintStream realErr = System.err;
        InputStream realIn = System.in;
        for (String line : lines) {
            if (line.isBlank()) {
                continue;
            }
            String[] fields = line.split("\t");
            String name = fields[0];
            byte[] stdin = fields[1].equals("-") ? new byte[0] : Files.readAllBytes(Path.of(fields[1]));
            ByteArrayOutputStream stdout = new ByteArrayOutputStream();
            ByteArrayOutputStream stderr = new ByteArrayOutputStream();
            int code = 0;
            System.setIn(new ByteArrayInputStream(stdin));
            System.setOut(new PrintStream(stdout, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(stderr, true, StandardCharsets.UTF_8));
            try {
                Class.forName(fields[2]).getMethod("main", String[].class)
                        .invoke(null, (Object) Arrays.copyOfRange(fields, 3, fields.length));
            } catch (InvocationTargetException e) {
                if (e.getCause() instanceof Exited exited) {
                    code = exited.code;
                } else {
                    e.getCause().printStackTrace();
                    code = 1;
                }
            } finally {
                System.out.flush();
                System.err.flush();
                System.setIn(realIn);
                System.setOut(realOut);
                System.setErr(realErr);
            }
            Files.write(out.resolve(name + ".out"), stdout.toByteArray());
            Files.write(out.resolve(name + ".err"), stderr.toByteArray());
            Files.writeString(out.resolve(name + ".rc"), Integer.toString(code));
        }
        Exit.resetExitProcedure();
        System.exit(0); // tools may leave non-daemon threads behind
    }
}
