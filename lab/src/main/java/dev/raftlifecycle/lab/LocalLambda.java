package dev.raftlifecycle.lab;

import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Runs one handler the way the Lambda runtime does, in a fresh JVM: instantiate the class named in the
 * handler string (its no-argument constructor reads the environment: the cold start), then call
 * handleRequest once with an event file. Prints the handler's output and a timing line:
 * {@code timing jvmToMainMs=.. constructMs=.. invokeMs=.. primeMs=..}. Used by the cold-start benchmarks. With
 * {@code --prime} it runs the handler's SnapStart priming hook between construction and the invocation, as Lambda
 * does before it takes the snapshot: the invocation then shows what a first invocation after a restore costs
 * (less the restore itself, which only Lambda can measure).
 */
public final class LocalLambda {
    /** The system property the launcher sets to its launch time (epoch ms), for the JVM-start figure. */
    static final String LAUNCHED_AT = "localLambda.launchedAtMs";
    /** Set to true by the class-list training run: marks the end of priming in the class-load log. */
    static final String MARK_PRIMED = "localLambda.markPrimed";

    /** Loaded once priming is done, in a training run only. */
    static final class PrimedMarker {
    }

    private LocalLambda() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 2 && !(args.length == 3 && args[2].equals("--prime"))) {
            System.err.println("usage: LocalLambda <handler class> <event.json> [--prime]");
            System.exit(2);
        }
        long mainAt = System.currentTimeMillis();
        // When the benchmark launched this process (-DlocalLambda.launchedAtMs): JMX's start time would load classes
        // into what is measured, and the OS's process start time has a resolution of a second here.
        long jvmStart = Long.getLong(LAUNCHED_AT, -1);
        byte[] event = Files.readAllBytes(Path.of(args[1]));
        long t0 = System.nanoTime();
        RequestStreamHandler handler = (RequestStreamHandler) Class.forName(args[0]).getDeclaredConstructor().newInstance();
        long t1 = System.nanoTime();
        long primeMs = 0;
        if (args.length == 3) {
            Object priming = handler.getClass().getMethod("priming").invoke(handler);
            priming.getClass().getMethod("prime").invoke(priming);
            long primed = System.nanoTime();
            primeMs = (primed - t1) / 1_000_000;
            t1 = primed;
            if (Boolean.getBoolean(MARK_PRIMED)) {
                // A class loaded only here: in a -Xlog:class+load log, what follows it is what priming left undone.
                new PrimedMarker();
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        handler.handleRequest(new ByteArrayInputStream(event), out,
                new dev.raftlifecycle.rig.LocalLambdaContext("local", Duration.ofMinutes(5), line -> { }));
        long t2 = System.nanoTime();
        System.out.println(out.toString(StandardCharsets.UTF_8));
        System.out.printf("timing jvmToMainMs=%d constructMs=%d invokeMs=%d primeMs=%d%n", jvmStart < 0 ? -1 : mainAt - jvmStart,
                (t1 - t0) / 1_000_000 - primeMs, (t2 - t1) / 1_000_000, primeMs);
        System.exit(0);
    }
}
