package dev.raftlifecycle.lab;

import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Runs one handler the way the Lambda runtime does, in a fresh JVM: instantiate the class named in the
 * handler string (its no-argument constructor reads the environment: the cold start), then call
 * handleRequest once with an event file. Prints the handler's output and a timing line:
 * {@code timing jvmToMainMs=.. constructMs=.. invokeMs=..}. Used by the cold-start benchmark.
 */
public final class LocalLambda {
    private LocalLambda() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: LocalLambda <handler class> <event.json>");
            System.exit(2);
        }
        long mainAt = System.currentTimeMillis();
        long jvmStart = ManagementFactory.getRuntimeMXBean().getStartTime();
        byte[] event = Files.readAllBytes(Path.of(args[1]));
        long t0 = System.nanoTime();
        RequestStreamHandler handler = (RequestStreamHandler) Class.forName(args[0]).getDeclaredConstructor().newInstance();
        long t1 = System.nanoTime();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        handler.handleRequest(new ByteArrayInputStream(event), out,
                new LambdaContext("local", Duration.ofMinutes(5), line -> { }));
        long t2 = System.nanoTime();
        System.out.println(out.toString(StandardCharsets.UTF_8));
        System.out.printf("timing jvmToMainMs=%d constructMs=%d invokeMs=%d%n", mainAt - jvmStart,
                (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000);
        System.exit(0);
    }
}
