package dev.raftlifecycle.infra;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import software.amazon.awscdk.App;
import software.amazon.awscdk.cxapi.CloudAssembly;

/**
 * The identity policies the CDK app synthesizes for each handler's role, exported at build time
 * ({@code infra/target/handler-policies.json}, the infra module's package phase) for the test rig, which gives every
 * handler in every integration test credentials of a role with exactly these statements: one source of truth, the
 * synthesized template. Each statement is kept as synthesized (actions, conditions), with its resources' intrinsics
 * flattened to strings ({@code ${GetAtt:LockTable.Arn}}) and the stack's cluster name written as {@value #CLUSTER} in
 * condition values (the rig's clusters have names of their own).
 *
 * <p>Usage: {@code HandlerPolicies <infra dir> <functions jar> <output file>} (the stack of cdk.json's context, as
 * {@code cdk synth} would build it, whatever context the CLI that runs the build passes; no CA is needed: the stack
 * then asks for it at deploy time).
 */
public final class HandlerPolicies {
    /** Stands for the cluster's name in exported condition values. */
    public static final String CLUSTER = "{cluster}";
    private static final ObjectMapper JSON = new ObjectMapper();

    private HandlerPolicies() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 3) {
            System.err.println("usage: HandlerPolicies <infra dir> <functions jar> <output file>");
            System.exit(2);
        }
        Path infraDir = Path.of(args[0]).toAbsolutePath().normalize();
        Path out = Path.of(args[2]).toAbsolutePath();
        Files.createDirectories(out.getParent());
        Path assembly = Files.createTempDirectory(out.getParent(), "synth");
        Map<String, Object> context = new LinkedHashMap<>();
        JSON.readTree(infraDir.resolve("cdk.json").toFile()).get("context").properties()
                .forEach(e -> context.put(e.getKey(), JSON.convertValue(e.getValue(), Object.class)));
        context.put(ClusterConfig.FUNCTIONS_JAR, Path.of(args[1]).toAbsolutePath().toString());
        App app = App.Builder.create().context(context).outdir(assembly.toString()).build();
        // From cdk.json's values, not the app's: an App also reads the CDK CLI's context from the environment
        // (CDK_CONTEXT_JSON), and this runs inside `cdk deploy` (bin/cdk-app builds first). The export is of cdk.json's
        // stack whatever the deploy is for; an adoption's context (adopt=...) would otherwise fail the build.
        ClusterConfig config = ClusterConfig.fromContext(context::get, infraDir);
        RaftLifecycleStack stack = RaftLifecycleApp.compose(app, config);
        CloudAssembly synthesized = app.synth();
        JsonNode template = JSON.valueToTree(synthesized.getStackByName(stack.getStackName()).getTemplate());
        JSON.writerWithDefaultPrettyPrinter().writeValue(out.toFile(), export(template, stack, config));
        System.out.println("handler policies: " + out);
    }

    /** {"clusterPlaceholder": ..., "snapshotBucketArnPlaceholder": ..., "handlers": {"terminating": [statement, ...], ...}} */
    static ObjectNode export(JsonNode template, RaftLifecycleStack stack, ClusterConfig config) {
        ObjectNode root = JSON.createObjectNode();
        root.put("clusterPlaceholder", CLUSTER);
        // How the snapshot bucket's ARN reads in the statements below, for a test that binds it to a bucket of its own.
        String bucket = (String) stack.resolve(stack.getLogicalId((software.amazon.awscdk.CfnElement)
                stack.snapshots().bucket().getNode().getDefaultChild()));
        root.put("snapshotBucketArnPlaceholder", "${GetAtt:" + bucket + ".Arn}");
        ObjectNode handlers = root.putObject("handlers");
        LifecycleAutomation automation = stack.automation();
        Map<String, LifecycleAutomation.Handler> byName = new LinkedHashMap<>();
        automation.handlers().forEach(h -> byName.put(automation.handlerName(h), h));
        byName.put(dev.raftlifecycle.contract.HandlerNames.SNAPSHOT_NAME, stack.snapshots().function());
        for (Map.Entry<String, LifecycleAutomation.Handler> entry : byName.entrySet()) {
            LifecycleAutomation.Handler handler = entry.getValue();
            String role = (String) stack.resolve(stack.getLogicalId((software.amazon.awscdk.CfnElement)
                    handler.role().getNode().getDefaultChild()));
            ArrayNode statements = handlers.putArray(entry.getKey());
            for (JsonNode statement : CfnTemplate.identityStatements(template, role)) {
                ObjectNode copy = statements.addObject();
                copy.put("Effect", statement.path("Effect").asText());
                ArrayNode actions = copy.putArray("Action");
                strings(statement.path("Action")).forEach(actions::add);
                ArrayNode resources = copy.putArray("Resource");
                JsonNode resource = statement.path("Resource");
                if (resource.isArray()) {
                    resource.forEach(r -> resources.add(replaceSnapshotPrefix(CfnTemplate.flatten(r), config)));
                } else {
                    resources.add(replaceSnapshotPrefix(CfnTemplate.flatten(resource), config));
                }
                if (statement.has("Condition")) {
                    copy.set("Condition", replaceCluster(statement.get("Condition"), config.clusterName()));
                }
            }
        }
        root.set("operator", exportOperator(template, stack, config));
        return root;
    }

    /**
     * The roll operator's managed policy ({@link RollOperatorPolicy}) as synthesized, its resources with placeholders
     * the rig binds to its own cluster: {@code {partition}}, {@code {region}}, {@code {account}}, {@code {group}} (one
     * resource per group of the cluster), {@code {statusFunction}} (the publisher's name; the alias stays
     * {@value dev.raftlifecycle.contract.HandlerNames#ALIAS_NAME}) and {@code {stack}} (the stack's name, its id a wildcard).
     */
    static ArrayNode exportOperator(JsonNode template, RaftLifecycleStack stack, ClusterConfig config) {
        String policy = logicalId(stack, stack.rollOperator().policy());
        String alias = logicalId(stack, stack.automation().publisher().alias());
        JsonNode document = template.path("Resources").path(policy).path("Properties").path("PolicyDocument");
        if (!document.path("Statement").isArray()) {
            throw new IllegalStateException("no managed policy " + policy + " in the template");
        }
        ArrayNode statements = JSON.createArrayNode();
        for (JsonNode statement : document.path("Statement")) {
            ObjectNode copy = statements.addObject();
            copy.put("Sid", statement.path("Sid").asText());
            copy.put("Effect", statement.path("Effect").asText());
            ArrayNode actions = copy.putArray("Action");
            strings(statement.path("Action")).forEach(actions::add);
            java.util.LinkedHashSet<String> resources = new java.util.LinkedHashSet<>();
            JsonNode resource = statement.path("Resource");
            (resource.isArray() ? resource : JSON.createArrayNode().add(resource)).forEach(r -> {
                String text = CfnTemplate.flatten(r)
                        .replace("${Ref:AWS::StackId}", "arn:{partition}:cloudformation:{region}:{account}:stack/{stack}/*")
                        .replace("${Ref:" + alias + "}", "arn:{partition}:lambda:{region}:{account}:function:{statusFunction}:"
                                + dev.raftlifecycle.contract.HandlerNames.ALIAS_NAME)
                        .replace("${Ref:AWS::Partition}", "{partition}")
                        .replace("${Ref:AWS::Region}", "{region}")
                        .replace("${Ref:AWS::AccountId}", "{account}");
                for (String group : config.groupNames()) {
                    text = text.replace("autoScalingGroupName/" + group, "autoScalingGroupName/{group}");
                }
                if (text.contains("${")) {
                    throw new IllegalStateException("the operator policy names a resource the rig cannot bind: " + text);
                }
                resources.add(text);
            });
            ArrayNode out = copy.putArray("Resource");
            resources.forEach(out::add);
            if (statement.has("Condition")) {
                throw new IllegalStateException("the operator policy's statements carry no condition: " + statement);
            }
        }
        return statements;
    }

    private static String logicalId(RaftLifecycleStack stack, software.constructs.IConstruct construct) {
        return (String) stack.resolve(stack.getLogicalId((software.amazon.awscdk.CfnElement)
                construct.getNode().getDefaultChild()));
    }

    /** The cluster's snapshot prefix ({@code snapshots/<cluster>/}) with the placeholder for the cluster. */
    private static String replaceSnapshotPrefix(String text, ClusterConfig config) {
        return text.replace(snapshotPrefix(config.clusterName()), snapshotPrefix(CLUSTER));
    }

    private static String snapshotPrefix(String cluster) {
        return dev.raftlifecycle.contract.Defaults.SNAPSHOT_KEY_PREFIX + cluster + "/";
    }

    private static JsonNode replaceCluster(JsonNode node, String clusterName) {
        try {
            String text = JSON.writeValueAsString(node).replace("#" + clusterName + "\"", "#" + CLUSTER + "\"")
                    .replace(snapshotPrefix(clusterName), snapshotPrefix(CLUSTER));
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static java.util.List<String> strings(JsonNode node) {
        java.util.List<String> values = new java.util.ArrayList<>();
        if (node.isArray()) {
            node.forEach(n -> values.add(n.asText()));
        } else if (!node.isMissingNode()) {
            values.add(node.asText());
        }
        return values;
    }
}
