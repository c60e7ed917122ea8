package dev.raftlifecycle.rig;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.model.Credentials;

/**
 * The emulator's IAM as the handlers meet it: moto runs with its access control on (every request's SigV4 signature
 * recomputed, the caller's identity policies evaluated), and every handler calls AWS with credentials of a role whose
 * policy is the one the CDK app synthesizes for that function — read from {@code infra/target/handler-policies.json},
 * which the infra module exports from the synthesized template at build time ({@code HandlerPolicies}): one source,
 * never a copy kept by hand.
 *
 * <p>What moto can enforce, and so how each statement reaches it (measured on moto 5.2.5's server; see the README):
 * it matches actions, but evaluates every call against the resource {@code "*"} (a statement scoped to a table, a
 * group or a key ARN would deny everything) and ignores every condition. So each statement goes to moto mechanically
 * reduced — the same actions, resource {@code "*"}, no condition, and CloudWatch's actions under the name moto signs
 * them with ({@code monitoring:}) — while the resource scoping of the same statements is asserted on the synthesized
 * template (infra's tests). S3 statements (only S3 actions, no condition) keep their resources: moto's S3 evaluates
 * bucket and object ARNs. One condition matters to the safety of the lock and is enforced here, from the same
 * statements: {@code dynamodb:LeadingKeys}, which the rig's AWS front checks for every item request of a handler's
 * credentials ({@link #allowsItem}).
 */
public final class RigIam {
    /** Where the infra module writes the synthesized policies. */
    public static final String POLICIES_FILE = "infra/target/handler-policies.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Whose credentials these are: the handler (by its short name) and the cluster its lock-table keys name. */
    public record Caller(String handler, String clusterName, List<JsonNode> statements) {
    }

    private final IamClient iam;
    private final StsClient sts;
    private final software.amazon.awssdk.services.autoscaling.AutoScalingClient autoScaling;
    private final String adminAccessKeyId;
    private final String trustPolicy;
    /** The operators' credentials (access key id) and the operator policy's statements bound to their cluster. */
    private final Map<String, List<JsonNode>> operators = new ConcurrentHashMap<>();
    private final String suffix = UUID.randomUUID().toString().substring(0, 8);
    private final Map<String, String> roleArns = new ConcurrentHashMap<>();
    private final Set<String> withPolicy = ConcurrentHashMap.newKeySet();
    private final Map<String, Caller> callers = new ConcurrentHashMap<>();
    private final Map<String, List<JsonNode>> defined = new ConcurrentHashMap<>();
    /** Per handler, the statements bound to each test's snapshot bucket and cluster ({@link #bindSnapshotBucket}). */
    private final Map<String, Map<String, List<JsonNode>>> bucketBindings = new ConcurrentHashMap<>();
    private volatile JsonNode documents;

    /**
     * @param autoScaling      the rig's own Auto Scaling client (group ARNs and instances' groups, read straight from moto)
     * @param adminAccessKeyId the rig's own principal (allowed everything)
     * @param trustPolicy      who may assume the roles (the rig's own principal)
     */
    RigIam(IamClient iam, StsClient sts, software.amazon.awssdk.services.autoscaling.AutoScalingClient autoScaling,
           String adminAccessKeyId, String trustPolicy) {
        this.iam = iam;
        this.sts = sts;
        this.autoScaling = autoScaling;
        this.adminAccessKeyId = adminAccessKeyId;
        this.trustPolicy = trustPolicy;
    }

    // ---- the roll operator ----------------------------------------------------------------------------

    /** What the operator policy's placeholders stand for in a rig cluster (the stack's groups, status function, name). */
    public record OperatorBinding(List<String> groups, String statusFunction, String stackName) {
    }

    /**
     * Credentials of a new IAM user in the emulator whose only policy is the stack's roll operator policy
     * ({@code RollOperatorPolicy}, exported as {@code "operator"} in {@value #POLICIES_FILE}), bound to a rig cluster.
     * moto gets the statements reduced as the handlers' are ({@link #forEmulator}: the actions, resource "*"); the
     * resources are evaluated by the front for these credentials ({@link #allows}, {@code AwsRefusals#policyRefused}):
     * a mutation of a group outside the binding, or an invoke of another function (or of the status function without
     * its alias), is AccessDenied as AWS would answer it.
     */
    public software.amazon.awssdk.auth.credentials.AwsBasicCredentials operatorCredentials(OperatorBinding binding) {
        List<JsonNode> bound = bindOperator(binding);
        String name = "raft-lifecycle-operator-" + suffix + "-" + UUID.randomUUID().toString().substring(0, 4);
        iam.createUser(r -> r.userName(name));
        iam.putUserPolicy(r -> r.userName(name).policyName("rolling-upgrade").policyDocument(forEmulator(bound, Set.of())));
        var key = iam.createAccessKey(r -> r.userName(name)).accessKey();
        operators.put(key.accessKeyId(), bound);
        return software.amazon.awssdk.auth.credentials.AwsBasicCredentials.create(key.accessKeyId(), key.secretAccessKey());
    }

    /** The exported operator statements with the binding's values in place of the placeholders (one ARN per group). */
    List<JsonNode> bindOperator(OperatorBinding binding) {
        JsonNode exported = documents().path("operator");
        if (!exported.isArray() || exported.isEmpty()) {
            throw new RigException(POLICIES_FILE + " has no operator policy: rebuild the infra module (its package phase)");
        }
        String account = sts.getCallerIdentity().account();
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode statement : exported) {
            ObjectNode copy = statement.deepCopy();
            ArrayNode resources = copy.putArray("Resource");
            for (JsonNode r : statement.path("Resource")) {
                String text = r.asText().replace("{partition}", "aws").replace("{region}", Rig.REGION.id())
                        .replace("{account}", account).replace("{statusFunction}", binding.statusFunction())
                        .replace("{stack}", binding.stackName());
                if (text.contains("{group}")) {
                    for (String group : binding.groups()) {
                        resources.add(text.replace("{group}", group));
                    }
                } else {
                    resources.add(text);
                }
            }
            out.add(copy);
        }
        return out;
    }

    /** The bound operator statements of these credentials, if they are an operator's. */
    public Optional<List<JsonNode>> operatorStatements(String accessKeyId) {
        return Optional.ofNullable(operators.get(accessKeyId));
    }

    /** Whether these are the rig's own credentials (allowed everything). */
    boolean isAdmin(String accessKeyId) {
        return adminAccessKeyId.equals(accessKeyId);
    }

    /**
     * IAM's evaluation of identity statements without conditions (only Allow statements exist here): some statement
     * allows the action (wildcards in actions, case-insensitive) on the resource (wildcards {@code *} and {@code ?}).
     * {@code resource} null: the action alone (resources not evaluated, as moto does).
     */
    public static boolean allows(List<JsonNode> statements, String action, String resource) {
        for (JsonNode statement : statements) {
            if (!"Allow".equals(statement.path("Effect").asText()) || statement.has("Condition")) {
                continue;
            }
            boolean actionMatches = false;
            for (JsonNode a : array(statement.path("Action"))) {
                actionMatches |= glob(a.asText().toLowerCase(java.util.Locale.ROOT), action.toLowerCase(java.util.Locale.ROOT));
            }
            if (!actionMatches) {
                continue;
            }
            if (resource == null) {
                return true;
            }
            for (JsonNode r : array(statement.path("Resource"))) {
                if (glob(r.asText(), resource)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static JsonNode array(JsonNode node) {
        return node.isArray() ? node : JSON.createArrayNode().add(node);
    }

    static boolean glob(String pattern, String value) {
        StringBuilder regex = new StringBuilder();
        for (char c : pattern.toCharArray()) {
            regex.append(c == '*' ? ".*" : c == '?' ? "." : java.util.regex.Pattern.quote(String.valueOf(c)));
        }
        return value.matches(regex.toString());
    }

    /** An Auto Scaling group's ARN as moto has it (null if moto has no such group). */
    String groupArn(String group) {
        var groups = autoScaling.describeAutoScalingGroups(r -> r.autoScalingGroupNames(group)).autoScalingGroups();
        return groups.isEmpty() ? null : groups.get(0).autoScalingGroupARN();
    }

    /** The group an instance belongs to, as moto has it (null if none). */
    String groupOfInstance(String instanceId) {
        var instances = autoScaling.describeAutoScalingInstances(r -> r.instanceIds(instanceId)).autoScalingInstances();
        return instances.isEmpty() ? null : instances.get(0).autoScalingGroupName();
    }

    /** The account and region the rig's ARNs name. */
    String arnPrefix(String service) {
        String known = account;
        if (known == null) {
            account = known = sts.getCallerIdentity().account();
        }
        return "arn:aws:" + service + ":" + Rig.REGION.id() + ":" + known + ":";
    }

    private volatile String account;

    /**
     * Gives a handler's role these statements instead of the export's (a function whose policy the stack does not
     * synthesize yet, or one whose resources name what a test created: the snapshot bucket). A role that already has
     * its policy gets the new one at once.
     */
    public void define(String handler, List<JsonNode> statements) {
        defined.put(handler, List.copyOf(statements));
        synchronized (withPolicy) {
            if (withPolicy.contains(handler)) {
                attachPolicy(roleName(handler, Set.of()), handler, Set.of());
            }
        }
    }

    /**
     * The stack's own statements for the handlers that name the snapshot bucket (the snapshot function's writes, the
     * publisher's listing), with the bucket and cluster a test created in place of the template's placeholders: the
     * synthesized policy, not a copy, is what the test runs under. Only the statements that name the bucket are bound
     * (the others keep their cluster placeholder, resolved per caller). The roles are the rig's (one per handler,
     * shared by the test classes that run at the same time), so each binding adds to the others: a role may write
     * under each bound cluster's prefix of that cluster's bucket, and still nowhere else.
     */
    public void bindSnapshotBucket(String bucket, String clusterName) {
        String bucketArn = documents().path("snapshotBucketArnPlaceholder").asText();
        String cluster = documents().path("clusterPlaceholder").asText();
        if (bucketArn.isEmpty() || cluster.isEmpty()) {
            throw new RigException(POLICIES_FILE + " names no snapshot bucket or cluster placeholder");
        }
        for (String handler : List.of("snapshot", "publisher")) {
            List<JsonNode> rebound = new ArrayList<>();
            for (JsonNode statement : exported(handler)) {
                String text = statement.toString();
                if (!text.contains(bucketArn)) {
                    // Not about the bucket: kept as exported, its cluster placeholder resolved per caller (the lock
                    // table's LeadingKeys, allowsItem), so the role still serves every other test's cluster.
                    rebound.add(statement);
                    continue;
                }
                try {
                    rebound.add(JSON.readTree(text.replace(bucketArn, "arn:aws:s3:::" + bucket)
                            .replace(cluster, clusterName)));
                } catch (java.io.IOException e) {
                    throw new RigException("cannot rebind " + statement, e);
                }
            }
            synchronized (withPolicy) {
                Map<String, List<JsonNode>> byCluster = bucketBindings.computeIfAbsent(handler,
                        h -> new java.util.LinkedHashMap<>());
                byCluster.put(clusterName, rebound);
                java.util.LinkedHashMap<String, JsonNode> union = new java.util.LinkedHashMap<>();
                byCluster.values().forEach(list -> list.forEach(st -> union.putIfAbsent(st.toString(), st)));
                define(handler, List.copyOf(union.values()));
            }
        }
    }

    /** The synthesized statements of one handler's role, as exported (or as {@link #define defined}). */
    public List<JsonNode> statements(String handler) {
        List<JsonNode> given = defined.get(handler);
        if (given != null) {
            return given;
        }
        return exported(handler);
    }

    private List<JsonNode> exported(String handler) {
        JsonNode statements = documents().path("handlers").path(handler);
        if (!statements.isArray()) {
            throw new RigException("no policy for handler '" + handler + "' in " + POLICIES_FILE);
        }
        List<JsonNode> out = new ArrayList<>();
        statements.forEach(out::add);
        return out;
    }

    private JsonNode documents() {
        JsonNode loaded = documents;
        if (loaded == null) {
            Path file = Rig.repoRoot().resolve(POLICIES_FILE);
            if (!Files.isRegularFile(file)) {
                throw new RigException(file + " does not exist: the handlers' synthesized policies are exported by the"
                        + " infra module's build (mvn -pl infra -am package, or scripts/test)");
            }
            try {
                loaded = JSON.readTree(file.toFile());
            } catch (IOException e) {
                throw new RigException("cannot read " + file + ": " + e.getMessage(), e);
            }
            documents = loaded;
        }
        return loaded;
    }

    /**
     * The role of a handler (created in the emulator at first use: what Vault's and Consul's auth methods are bound
     * to). Its synthesized policy is attached when its first credentials are made, so that a rig that never runs a
     * handler does not need the infra module's export.
     */
    public String roleArn(String handler) {
        return roleArns.computeIfAbsent(handler, h -> createRole(roleName(h, Set.of())));
    }

    private String roleName(String handler, Set<String> withoutActions) {
        return "raft-lifecycle-" + handler + "-" + suffix + (withoutActions.isEmpty() ? ""
                : "-less" + Math.abs(withoutActions.hashCode() % 10000));
    }

    private String createRole(String name) {
        return iam.createRole(r -> r.roleName(name).assumeRolePolicyDocument(trustPolicy)).role().arn();
    }

    private void attachPolicy(String roleName, String handler, Set<String> withoutActions) {
        iam.putRolePolicy(r -> r.roleName(roleName).policyName("synthesized").policyDocument(
                forEmulator(statements(handler), withoutActions)));
    }

    /**
     * The statements as moto can evaluate them: actions kept (CloudWatch's under {@code monitoring:}, the name its
     * requests are signed with), resource {@code "*"}, conditions dropped (moto ignores them; only Allow statements
     * are exported; lambda:InvokeFunction also as {@code lambda:Invoke}, moto's name for it). {@code withoutActions}
     * leaves actions out (the tests that show a missing grant bites).
     */
    static String forEmulator(List<JsonNode> statements, Set<String> withoutActions) {
        ObjectNode policy = JSON.createObjectNode();
        policy.put("Version", "2012-10-17");
        ArrayNode out = policy.putArray("Statement");
        for (JsonNode statement : statements) {
            if (!"Allow".equals(statement.path("Effect").asText())) {
                throw new RigException("the rig's reduction keeps Allow statements only: " + statement);
            }
            ArrayNode actions = JSON.createArrayNode();
            statement.path("Action").forEach(a -> {
                if (!withoutActions.contains(a.asText())) {
                    actions.add(a.asText().startsWith("cloudwatch:")
                            ? "monitoring:" + a.asText().substring("cloudwatch:".length()) : a.asText());
                    if (a.asText().equals("lambda:InvokeFunction")) {
                        // moto 5.2.5 evaluates Lambda's Invoke as "lambda:Invoke" (measured: "is not authorized to
                        // perform: lambda:Invoke"); the front evaluates lambda:InvokeFunction on the function's ARN.
                        actions.add("lambda:Invoke");
                    }
                }
            });
            if (actions.isEmpty()) {
                continue;
            }
            ObjectNode reduced = out.addObject();
            reduced.put("Effect", "Allow");
            reduced.set("Action", actions);
            boolean s3Only = true;
            for (JsonNode a : actions) {
                s3Only &= a.asText().startsWith("s3:");
            }
            if (s3Only && statement.has("Resource") && !statement.has("Condition")) {
                // moto's S3 evaluates the bucket and object ARNs (measured on 5.2.5: a statement on
                // arn:aws:s3:::b/p/* allows PutObject and the multipart calls under p/ only): kept as written.
                reduced.set("Resource", statement.get("Resource"));
            } else {
                reduced.put("Resource", "*");
            }
        }
        return policy.toString();
    }

    /**
     * Fresh credentials of the handler's role (an AssumeRole session of its own, so a test can tell its calls apart),
     * known to the front as this handler's for {@code clusterName}'s lock-table keys.
     *
     * @param withoutActions actions to leave out of a role made for this (empty: the synthesized role itself)
     */
    public AwsSessionCredentials credentials(String handler, String clusterName, Set<String> withoutActions) {
        String arn;
        if (withoutActions.isEmpty()) {
            arn = roleArn(handler);
            synchronized (withPolicy) {
                if (withPolicy.add(handler)) {
                    attachPolicy(roleName(handler, Set.of()), handler, Set.of());
                }
            }
        } else {
            String name = roleName(handler, withoutActions);
            arn = createRole(name);
            attachPolicy(name, handler, withoutActions);
        }
        Credentials assumed = sts.assumeRole(r -> r.roleArn(arn).roleSessionName(handler + "-"
                + UUID.randomUUID().toString().substring(0, 8)).durationSeconds(43200)).credentials();
        callers.put(assumed.accessKeyId(), new Caller(handler, clusterName, statements(handler).stream()
                .filter(s -> withoutActions.isEmpty() || !isSubsetOf(s, withoutActions)).toList()));
        return AwsSessionCredentials.create(assumed.accessKeyId(), assumed.secretAccessKey(), assumed.sessionToken());
    }

    private static boolean isSubsetOf(JsonNode statement, Set<String> actions) {
        for (JsonNode a : statement.path("Action")) {
            if (!actions.contains(a.asText())) {
                return false;
            }
        }
        return true;
    }

    /** The handler these credentials were made for, if they are a handler's. */
    public Optional<Caller> caller(String accessKeyId) {
        return Optional.ofNullable(callers.get(accessKeyId));
    }

    /**
     * Whether the caller's synthesized statements allow {@code action} ({@code dynamodb:PutItem}) on the item whose
     * partition key is {@code key}: a statement granting the action whose {@code dynamodb:LeadingKeys} condition
     * (ForAllValues:StringEquals), if it has one, lists the key.
     */
    public boolean allowsItem(Caller caller, String action, String key) {
        String placeholder = documents().path("clusterPlaceholder").asText();
        for (JsonNode statement : caller.statements()) {
            boolean grants = false;
            for (JsonNode a : statement.path("Action")) {
                grants |= a.asText().equals(action) || a.asText().equals("dynamodb:*") || a.asText().equals("*");
            }
            if (!grants) {
                continue;
            }
            JsonNode leading = statement.path("Condition").path("ForAllValues:StringEquals").path("dynamodb:LeadingKeys");
            if (leading.isMissingNode()) {
                return true;
            }
            for (JsonNode value : leading) {
                if (value.asText().replace(placeholder, caller.clusterName()).equals(key)) {
                    return true;
                }
            }
        }
        return false;
    }
}
