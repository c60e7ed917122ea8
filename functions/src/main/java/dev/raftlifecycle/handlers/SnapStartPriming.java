package dev.raftlifecycle.handlers;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.raftlifecycle.ports.ClusterCallException;
import dev.raftlifecycle.ports.ClusterPort;
import dev.raftlifecycle.contract.LifecycleEvents;
import dev.raftlifecycle.events.LifecycleEvent;
import dev.raftlifecycle.events.LifecycleEventParser;
import dev.raftlifecycle.ports.IamLoginRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLEngine;
import dev.raftlifecycle.ports.AutoScalingPort;
import dev.raftlifecycle.ports.CannedAwsHttp;
import dev.raftlifecycle.ports.CannedVaultHttp;
import dev.raftlifecycle.ports.VaultClient;
import dev.raftlifecycle.ports.CloudWatchPort;
import dev.raftlifecycle.ports.ClusterRecords;
import dev.raftlifecycle.ports.Ec2Port;
import dev.raftlifecycle.ports.MutationLock;
import dev.raftlifecycle.ports.AwsClients;
import org.crac.Context;
import org.crac.Core;
import org.crac.Resource;
import software.amazon.awssdk.services.autoscaling.AutoScalingClient;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.ec2.Ec2Client;

/**
 * SnapStart priming: before Lambda takes the snapshot of an initialized function ({@code beforeCheckpoint}, through
 * the {@code org.crac} API Lambda implements), run the request path's class loading and first-use work that needs
 * no network, so the restored function has it done: the AWS SDK clients this handler calls (their service models
 * and endpoint rules), parsing a lifecycle event and writing an outcome (the JSON mappers), signing a Vault login
 * with throwaway credentials (the SigV4 signer), and a TLS engine from the cluster's TLS context. Nothing is sent,
 * no credential is resolved, no token exists, no random number is drawn: the snapshot holds no secret, no connection
 * and no seeded generator. Without SnapStart (a plain cold start, the lab, the tests) the hook never runs and costs nothing.
 *
 * <p>The registered resource must stay strongly reachable (org.crac keeps it weakly): the handler holds it.
 */
public final class SnapStartPriming implements Resource {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** A made-up but well-formed terminate event: parsed, never acted on. */
    private static final String SAMPLE_EVENT = "{\"version\":\"0\",\"id\":\"00000000-0000-0000-0000-000000000000\","
            + "\"detail-type\":\"" + LifecycleEvents.TERMINATE_DETAIL_TYPE + "\",\"source\":\"" + LifecycleEvents.SOURCE + "\","
            + "\"account\":\"000000000000\",\"time\":\"2026-01-01T00:00:00Z\",\"region\":\"us-east-1\",\"resources\":[],"
            + "\"detail\":{\"LifecycleActionToken\":\"00000000-0000-0000-0000-000000000000\","
            + "\"AutoScalingGroupName\":\"priming\",\"LifecycleHookName\":\"priming\","
            + "\"EC2InstanceId\":\"" + CannedAwsHttp.INSTANCE + "\",\"LifecycleTransition\":\"" + LifecycleEvents.TERMINATING_TRANSITION + "\"}}";

    private final HandlerRuntime runtime;
    private final boolean cloudWatch;
    private final List<String> done = new ArrayList<>();

    private SnapStartPriming(HandlerRuntime runtime, boolean cloudWatch) {
        this.runtime = runtime;
        this.cloudWatch = cloudWatch;
    }

    /** Registers the hook for a handler; keep the returned object in a field. */
    static SnapStartPriming register(HandlerRuntime runtime, boolean cloudWatch) {
        SnapStartPriming priming = new SnapStartPriming(runtime, cloudWatch);
        Core.getGlobalContext().register(priming);
        return priming;
    }

    @Override
    public void beforeCheckpoint(Context<? extends Resource> context) {
        Instant started = runtime.clock().instant();
        try {
            List<String> steps = prime();
            runtime.log().line("runtime", "primed").field("steps", String.join(",", steps))
                    .field("primeMs", Duration.between(started, runtime.clock().instant()).toMillis())
                    .emit(runtime.clock().instant());
        } catch (RuntimeException e) {
            // A priming bug must not fail the version's publication: the function is merely not primed.
            runtime.log().line("runtime", "priming-failed").field("error", e.getClass().getSimpleName() + ": "
                    + e.getMessage()).emit(runtime.clock().instant());
        }
    }

    @Override
    public void afterRestore(Context<? extends Resource> context) {
        // Nothing to renew: no connection, credential or token was made before the snapshot.
    }

    /**
     * The calls an invocation makes, made once through twins of the real clients whose HTTP client answers at once
     * without a socket ({@link CannedAwsHttp}) and whose credentials are throwaway: the SDK's marshallers, endpoint
     * rules, signer, retry pipeline and unmarshallers, and this project's ports around them, run before the snapshot.
     * The real clients are untouched; the twins are closed.
     */
    List<String> rehearse(CannedAwsHttp canned) {
        AwsClients twins = runtime.awsClients().rehearsal(canned);
        Instant now = runtime.clock().instant();
        String token = "00000000-0000-0000-0000-000000000000";
        String instance = CannedAwsHttp.INSTANCE;
        try (AutoScalingClient autoScaling = twins.autoScaling(); Ec2Client ec2 = twins.ec2();
             DynamoDbClient dynamo = twins.dynamoDb()) {
            AutoScalingPort groups = new AutoScalingPort(autoScaling);
            groups.describe(List.of("priming"));
            groups.heartbeat("priming", "priming", token, instance);
            groups.complete("priming", "priming", token, instance, "CONTINUE");
            Ec2Port instances = new Ec2Port(ec2);
            instances.describe(List.of(instance));
            instances.spotRequestOf(instance);
            MutationLock lock = new MutationLock(dynamo, "priming", "priming", runtime.clock());
            lock.tryAcquire("priming", now, now.plusSeconds(1));
            lock.holding(new MutationLock.Lease("priming", now, now.plusSeconds(1)));
            lock.release("priming");
            ClusterRecords records = new ClusterRecords(dynamo, "priming", "priming");
            records.initializedRecorded();
            records.staleSince();
        }
        if (cloudWatch) {
            try (CloudWatchClient metrics = twins.cloudWatch()) {
                new CloudWatchPort(metrics).put("priming", "priming", now,
                        List.of(new dev.raftlifecycle.decisions.MetricValue(dev.raftlifecycle.contract.MetricName.LEADER_PRESENT, 1.0)));
            }
        }
        return canned.answered();
    }

    /**
     * The Vault calls an invocation makes (health, login, configuration, autopilot state and settings, step-down,
     * remove-peer), made once through a twin of the real Vault client whose HTTP client answers without a socket
     * ({@link CannedVaultHttp}): the driver, its JSON and this project's parsing run before the snapshot. The token
     * it gets is the canned one; no session of the real client is touched.
     */
    List<String> rehearseVault(CannedVaultHttp canned) {
        VaultClient vault = runtime.vault().rehearsal(canned);
        String ip = "10.0.0.1";
        vault.health(CannedAwsHttp.INSTANCE, ip);
        try {
            ClusterPort.Session session = vault.login(ip, runtime.settings().authMount(), "priming",
                    IamLoginRequest.sign(AwsClients.THROWAWAY,
                            runtime.settings().stsUrl(), runtime.settings().stsRegion(), runtime.settings().iamServerId(),
                            runtime.clock()), runtime.clock().instant());
            vault.raftConfiguration(ip, session);
            vault.autopilotState(ip, session);
            vault.autopilotSettings(ip, session);
            vault.stepDown(ip, session);
            vault.removePeer(ip, session, CannedAwsHttp.INSTANCE);
        } catch (ClusterCallException e) {
            throw new IllegalStateException("priming: a canned Vault call failed: " + e.getMessage(), e);
        }
        return canned.answered();
    }

    /** The priming itself (also what the benchmark calls to measure it); returns what it did. */
    public List<String> prime() {
        done.clear();
        runtime.autoScaling().warm();
        runtime.ec2().warm();
        runtime.records().warm();
        done.add("clients");
        if (cloudWatch) {
            runtime.cloudWatch().warm();
            done.add("cloudwatch");
        }
        rehearse(new CannedAwsHttp());
        rehearseVault(new CannedVaultHttp());
        done.add("requests");
        LifecycleEvent event = LifecycleEventParser.parse(SAMPLE_EVENT.getBytes(StandardCharsets.UTF_8),
                LifecycleEvent.Kind.TERMINATE);
        try {
            JSON.writeValueAsBytes(new TerminatingHandler.Outcome(event.instanceId(), "NONE", "priming", null, false,
                    false, "none", 0, ""));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("priming: writing an outcome failed", e);
        }
        done.add("json");
        IamLoginRequest.sign(AwsClients.THROWAWAY, runtime.settings().stsUrl(),
                runtime.settings().stsRegion(), runtime.settings().iamServerId(), runtime.clock());
        done.add("signing");
        // The TLS engine and its parameters, but no handshake: a client hello draws from SecureRandom, and a
        // generator seeded before the snapshot would hand every restored environment the same sequence.
        SSLEngine engine = runtime.vault().tls().createSSLEngine(runtime.settings().tlsServerName().orElse("vault"),
                runtime.settings().vaultPort());
        engine.setUseClientMode(true);
        engine.getSSLParameters();
        runtime.vault().tls().getSupportedSSLParameters();
        done.add("tls");
        int loaded = loadClassList();
        if (loaded > 0) {
            done.add("classes");
        }
        return List.copyOf(done);
    }

    /** The class list priming loads (one binary class name a line), from a training run: see {@link #loadClassList}. */
    public static final String CLASS_LIST = "priming-classes.txt";

    /**
     * Loads, without initializing (no static initializer runs, so nothing is drawn from a random generator or
     * connected), the classes that the first invocation after the rest of the priming still loaded in a training
     * run ({@code scripts/bench prime-classes}): the TLS handshake's, the HTTP client's connection classes and the
     * like, which no socketless rehearsal reaches. A name this build does not have is skipped. Returns how many loaded.
     */
    int loadClassList() {
        java.io.InputStream in = SnapStartPriming.class.getResourceAsStream(CLASS_LIST);
        if (in == null) {
            return 0;
        }
        int loaded = 0;
        ClassLoader loader = SnapStartPriming.class.getClassLoader();
        try (java.io.BufferedReader lines = new java.io.BufferedReader(new java.io.InputStreamReader(in,
                StandardCharsets.UTF_8))) {
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                String name = line.strip();
                if (name.isEmpty() || name.startsWith("#")) {
                    continue;
                }
                try {
                    Class.forName(name, false, loader);
                    loaded++;
                } catch (ClassNotFoundException | LinkageError e) {
                    // not in this build (a list from an older one): nothing to load
                }
            }
        } catch (java.io.IOException e) {
            throw new IllegalStateException("priming: reading " + CLASS_LIST + " failed", e);
        }
        return loaded;
    }
}
