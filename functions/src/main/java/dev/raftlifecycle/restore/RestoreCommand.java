package dev.raftlifecycle.restore;

import dev.raftlifecycle.decisions.RestoreTarget;
import dev.raftlifecycle.decisions.SnapshotChoice;
import dev.raftlifecycle.contract.ClusterSystem;
import dev.raftlifecycle.contract.ConsulPorts;
import dev.raftlifecycle.contract.Defaults;
import dev.raftlifecycle.contract.VaultPorts;
import dev.raftlifecycle.ports.ConsulRestoreClient;
import dev.raftlifecycle.ports.RestorePort;
import dev.raftlifecycle.ports.SnapshotObjects;
import dev.raftlifecycle.ports.VaultRestoreClient;
import dev.raftlifecycle.ports.VaultTls;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;

/**
 * scripts/restore-snapshot: restores a snapshot from the snapshot bucket into a cluster (see {@link #USAGE}). The
 * operator's token comes from a file or the environment, never from the command line (where {@code ps} shows it),
 * and is never printed. Progress goes to stderr, the one result line to stdout.
 */
public final class RestoreCommand {
    /** The environment variable the operator's token may come in (else --token-file). */
    public static final String TOKEN_ENV = "RESTORE_TOKEN";
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(15);
    static final Duration RESTORE_TIMEOUT = Duration.ofMinutes(30);
    static final Duration CONFIRM_DEFAULT = Duration.ofMinutes(5);

    static final String USAGE = """
            usage: scripts/restore-snapshot --system vault|consul --cluster NAME --bucket BUCKET --address HOST --ca-file PEM
                                            [--at TIME | --version-id ID] [--prefix P] [--port N] [--tls-server-name NAME]
                                            [--token-file FILE] [--replace-data] [--same-cluster] [--region R]
                                            [--confirm-timeout SECONDS]

            Restores a Raft snapshot written by the snapshot function into a running, initialized cluster:
              1. chooses the newest snapshot under <prefix> (default %s<cluster>/), or with --at TIME (ISO-8601, e.g.
                 2026-12-07T12:00:00Z) the newest written at or before it, or exactly --version-id ID;
              2. checks it: the object records this cluster name and system, its archive's meta.json parses and holds the
                 recorded Raft index; the target has a leader, is unsealed, and holds nothing but what a freshly
                 initialized cluster holds (else it refuses, unless --replace-data confirms the target's data is to go);
              3. streams it from S3 to the target's active node (Vault: sys/storage/raft/snapshot-force, or with
                 --same-cluster sys/storage/raft/snapshot; Consul: PUT /v1/snapshot);
              4. confirms: a leader, unsealed, applied Raft index >= the snapshot's.
            The token (Vault: a root or operator token of the target; Consul: a management token) is read from
            --token-file or the %s environment variable. TLS is verified against --ca-file (and --tls-server-name when
            the certificates carry a DNS name rather than the node's IP), as every other call of this project.
            AWS credentials and region: the SDK's defaults (AWS_PROFILE, AWS_REGION, ...), --region overrides.

            Vault: the restored cluster answers with the snapshot's tokens (its root token, its auth methods and roles);
            the new cluster's root token is gone. The unseal key must be the one the snapshot's cluster used.

            exit codes: 0 restored and confirmed; 2 usage; 3 no snapshot fits; 4 refused by the checks (nothing sent);
                        5 a call failed; 6 sent but not confirmed in time
            """.formatted(Defaults.SNAPSHOT_KEY_PREFIX, TOKEN_ENV);

    /** The parsed command line. */
    public record Options(ClusterSystem system, String cluster, String bucket, String prefix, String address, int port,
                          Path caFile, Optional<String> tlsServerName, SnapshotChoice.Selector selector,
                          Optional<Path> tokenFile, boolean replaceData, boolean sameCluster, Optional<String> region,
                          Duration confirmWithin) {
    }

    private RestoreCommand() {
    }

    public static void main(String[] args) {
        Map<String, String> env = System.getenv();
        int code = run(args, env, emulatorEndpoint(env), DefaultCredentialsProvider.builder().build(), System.out,
                System.err);
        System.exit(code);
    }

    /**
     * An S3 endpoint set in the environment (AWS_ENDPOINT_URL_S3, else AWS_ENDPOINT_URL: the lab's emulator, a VPC
     * endpoint) is passed on explicitly so that the bucket is addressed path-style: an emulator on a local address has
     * no bucket subdomains. Without either, the SDK resolves AWS's own endpoint.
     */
    static Optional<URI> emulatorEndpoint(Map<String, String> env) {
        return Optional.ofNullable(env.get("AWS_ENDPOINT_URL_S3")).or(() -> Optional.ofNullable(env.get("AWS_ENDPOINT_URL")))
                .filter(v -> !v.isBlank()).map(URI::create);
    }

    /**
     * The whole command: the script's entry, and the lab's and the tests' (which pass their emulator's endpoint and
     * credentials). Returns the exit code.
     */
    public static int run(String[] args, Map<String, String> env, Optional<URI> s3Endpoint,
                          AwsCredentialsProvider credentials, PrintStream out, PrintStream err) {
        try {
            if (List.of(args).contains("--help") || List.of(args).contains("-h")) {
                out.print(USAGE);
                return 0;
            }
            Options options = parse(args);
            RestoreProcedure.Outcome outcome = restore(options, env, s3Endpoint, credentials, err::println);
            out.println(resultLine(options, outcome));
            return 0;
        } catch (RestoreException e) {
            err.println("restore-snapshot: " + e.getMessage());
            if (e.kind() == RestoreException.Kind.USAGE) {
                err.println("(scripts/restore-snapshot --help)");
            }
            return e.exitCode();
        }
    }

    /** Runs the restore for parsed options; the lab's drill uses this for its timings. */
    public static RestoreProcedure.Outcome restore(Options options, Map<String, String> env, Optional<URI> s3Endpoint,
                                                   AwsCredentialsProvider credentials,
                                                   java.util.function.Consumer<String> progress) throws RestoreException {
        String token = token(options, env);
        String region = options.region().or(() -> Optional.ofNullable(env.get("AWS_REGION")))
                .or(() -> Optional.ofNullable(env.get("AWS_DEFAULT_REGION")))
                .orElseThrow(() -> new RestoreException(RestoreException.Kind.USAGE, "no region: set AWS_REGION or --region"));
        SSLContext tls;
        try {
            tls = VaultTls.context(Files.readString(options.caFile(), StandardCharsets.US_ASCII), options.tlsServerName());
        } catch (IOException e) {
            throw new RestoreException(RestoreException.Kind.USAGE, "cannot read --ca-file " + options.caFile() + " ("
                    + e.getClass().getSimpleName() + ")", e);
        } catch (IllegalArgumentException e) {
            throw new RestoreException(RestoreException.Kind.USAGE, "--ca-file " + options.caFile() + ": " + e.getMessage(), e);
        }
        RestorePort port = switch (options.system()) {
            case VAULT -> new VaultRestoreClient(tls, CONNECT_TIMEOUT, REQUEST_TIMEOUT, RESTORE_TIMEOUT, options.port());
            case CONSUL -> new ConsulRestoreClient(tls, CONNECT_TIMEOUT, REQUEST_TIMEOUT, RESTORE_TIMEOUT, options.port());
        };
        RestorePort.Mode mode = options.sameCluster() ? RestorePort.Mode.SAME_CLUSTER : RestorePort.Mode.OTHER_CLUSTER;
        try (SnapshotObjects objects = new SnapshotObjects(SnapshotObjects.client(region, s3Endpoint, credentials),
                options.bucket())) {
            RestoreProcedure procedure = new RestoreProcedure(objects, port, Clock.systemUTC(), progress);
            return procedure.run(new RestoreProcedure.Request(options.cluster(), options.system().value(),
                    options.prefix(), options.selector(), options.address(), mode, options.replaceData(),
                    options.confirmWithin()), token);
        } catch (software.amazon.awssdk.core.exception.SdkException e) {
            throw new RestoreException(RestoreException.Kind.FAILED, "S3: " + e.getMessage(), e);
        }
    }

    static String resultLine(Options options, RestoreProcedure.Outcome outcome) {
        String line = "restored s3://" + options.bucket() + "/" + outcome.object().key() + " (version "
                + outcome.object().versionId() + ", raft index " + outcome.snapshotIndex() + ", written "
                + outcome.object().lastModified() + ") into " + options.address() + ": leader, unsealed, applied index "
                + (outcome.after().appliedIndex() == RestoreTarget.UNKNOWN_INDEX ? "not readable with the new token"
                        : String.valueOf(outcome.after().appliedIndex()));
        return switch (options.system()) {
            case VAULT -> line + "; log in with the snapshot's cluster's tokens now (the new root token is gone)";
            case CONSUL -> line + "; the ACL tokens are the snapshot's cluster's now";
        };
    }

    private static String token(Options options, Map<String, String> env) throws RestoreException {
        String token;
        if (options.tokenFile().isPresent()) {
            try {
                token = Files.readString(options.tokenFile().get(), StandardCharsets.UTF_8).strip();
            } catch (IOException e) {
                throw new RestoreException(RestoreException.Kind.USAGE, "cannot read --token-file "
                        + options.tokenFile().get() + ": " + e.getClass().getSimpleName());
            }
        } else {
            token = env.getOrDefault(TOKEN_ENV, "").strip();
        }
        if (token.isEmpty()) {
            throw new RestoreException(RestoreException.Kind.USAGE, "no token: give --token-file FILE or set " + TOKEN_ENV
                    + " (Vault: a root or operator token of the target; Consul: a management token)");
        }
        return token;
    }

    public static Options parse(String[] args) throws RestoreException {
        Map<String, String> values = new HashMap<>();
        List<String> flags = new ArrayList<>();
        List<String> withValue = List.of("--system", "--cluster", "--bucket", "--prefix", "--address", "--port",
                "--ca-file", "--tls-server-name", "--at", "--version-id", "--token-file", "--region", "--confirm-timeout");
        List<String> switches = List.of("--replace-data", "--same-cluster");
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (switches.contains(arg)) {
                flags.add(arg);
            } else if (withValue.contains(arg)) {
                if (i + 1 >= args.length) {
                    throw usage(arg + " needs a value");
                }
                if (values.put(arg, args[++i]) != null) {
                    throw usage(arg + " given twice");
                }
            } else if (arg.equals("--token")) {
                throw usage("--token is not accepted (it would show in ps): use --token-file or " + TOKEN_ENV);
            } else {
                throw usage("unknown argument " + arg);
            }
        }
        ClusterSystem system = ClusterSystem.of(required(values, "--system"))
                .orElseThrow(() -> usage("--system must be vault or consul"));
        String cluster = required(values, "--cluster");
        if (values.containsKey("--at") && values.containsKey("--version-id")) {
            throw usage("give --at or --version-id, not both");
        }
        SnapshotChoice.Selector selector = new SnapshotChoice.Newest();
        if (values.containsKey("--at")) {
            try {
                selector = new SnapshotChoice.AtOrBefore(Instant.parse(values.get("--at")));
            } catch (DateTimeParseException e) {
                throw usage("--at " + values.get("--at") + " is not an ISO-8601 instant (e.g. 2026-12-07T12:00:00Z)");
            }
        } else if (values.containsKey("--version-id")) {
            selector = new SnapshotChoice.Version(values.get("--version-id"));
        }
        if (flags.contains("--same-cluster") && system != ClusterSystem.VAULT) {
            throw usage("--same-cluster is Vault's (Consul has one restore endpoint)");
        }
        int defaultPort = system == ClusterSystem.VAULT ? VaultPorts.API : ConsulPorts.HTTPS;
        return new Options(system, cluster, required(values, "--bucket"),
                values.getOrDefault("--prefix", Defaults.SNAPSHOT_KEY_PREFIX + cluster + "/"),
                required(values, "--address"), integer(values, "--port", defaultPort, 1, 65535),
                Path.of(required(values, "--ca-file")), Optional.ofNullable(values.get("--tls-server-name")), selector,
                Optional.ofNullable(values.get("--token-file")).map(Path::of), flags.contains("--replace-data"),
                flags.contains("--same-cluster"), Optional.ofNullable(values.get("--region")),
                Duration.ofSeconds(integer(values, "--confirm-timeout", (int) CONFIRM_DEFAULT.toSeconds(), 1, 86_400)));
    }

    private static String required(Map<String, String> values, String name) throws RestoreException {
        String value = values.get(name);
        if (value == null || value.isBlank()) {
            throw usage(name + " is required");
        }
        return value;
    }

    private static int integer(Map<String, String> values, String name, int fallback, int min, int max)
            throws RestoreException {
        String value = values.get(name);
        if (value == null) {
            return fallback;
        }
        try {
            int n = Integer.parseInt(value);
            if (n < min || n > max) {
                throw usage(name + " must be between " + min + " and " + max);
            }
            return n;
        } catch (NumberFormatException e) {
            throw usage(name + " is not a number: " + value);
        }
    }

    private static RestoreException usage(String message) {
        return new RestoreException(RestoreException.Kind.USAGE, message);
    }
}
