package dev.raftlifecycle.restore;

import dev.raftlifecycle.decisions.SnapshotChoice;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;

class RestoreCommandTest {
    private static final String[] BASE = {"--system", "vault", "--cluster", "prod", "--bucket", "b", "--address",
            "10.0.0.5", "--ca-file", "/nonexistent/ca.pem"};

    private static int run(Map<String, String> env, String... args) {
        return RestoreCommand.run(args, env, Optional.empty(), AnonymousCredentialsProvider.create(),
                new PrintStream(new ByteArrayOutputStream()), new PrintStream(new ByteArrayOutputStream()));
    }

    @Test
    void parsesDefaultsAndSelectors() throws RestoreException {
        RestoreCommand.Options options = RestoreCommand.parse(BASE);
        assertThat(options.prefix()).isEqualTo("snapshots/prod/");
        assertThat(options.port()).isEqualTo(8200);
        assertThat(options.selector()).isEqualTo(new SnapshotChoice.Newest());
        String[] at = concat(BASE, "--at", "2026-12-07T12:00:00Z");
        assertThat(RestoreCommand.parse(at).selector()).isInstanceOf(SnapshotChoice.AtOrBefore.class);
    }

    @Test
    void refusesTokenOnTheCommandLineAndMissingToken() {
        assertThat(run(Map.of(), concat(BASE, "--token", "s.secret"))).isEqualTo(2);
        // No token anywhere: a usage error before anything is read or sent.
        assertThat(run(Map.of("AWS_REGION", "us-east-1"), BASE)).isEqualTo(2);
        assertThat(run(Map.of(), concat(BASE, "--at", "yesterday"))).isEqualTo(2);
        assertThat(run(Map.of(), "--system", "consul", "--cluster", "c", "--bucket", "b", "--address", "a",
                "--ca-file", "x", "--same-cluster")).isEqualTo(2);
    }

    @Test
    void helpExitsZeroAndNamesTheExitCodes() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int code = RestoreCommand.run(new String[] {"--help"}, Map.of(), Optional.empty(),
                AnonymousCredentialsProvider.create(), new PrintStream(out), System.err);
        assertThat(code).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("exit codes").contains(RestoreCommand.TOKEN_ENV);
    }

    private static String[] concat(String[] a, String... b) {
        String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
