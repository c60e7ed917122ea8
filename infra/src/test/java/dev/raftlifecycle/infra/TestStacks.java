package dev.raftlifecycle.infra;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import software.amazon.awscdk.App;
import software.amazon.awscdk.assertions.Template;

/**
 * Synthesizes each test configuration once per JVM (jsii and synthesis are slow) with the same context the CDK CLI
 * would use: infra/cdk.json's context (feature flags included) plus the configuration's values.
 */
final class TestStacks {

    /** A synthesized configuration: the stack, its template as CDK assertions and as JSON. */
    record Synthesized(String name, ClusterConfig config, RaftLifecycleStack stack, Template template,
            JsonNode json, Path templateFile) {
    }

    /** The configurations the tests cover. */
    enum Scenario {
        /** cdk.json as shipped, plus the CA file a user must give. */
        DEFAULT(Map.of()),
        /** Existing VPC, Enterprise mode, own SNS topic, fixed AMI, TLS secret by ARN with its own KMS key. */
        EXISTING_VPC_ENTERPRISE(Map.ofEntries(
                Map.entry(ClusterConfig.CLUSTER_NAME, "prod-eu"),
                Map.entry(ClusterConfig.VPC_ID, "vpc-0123456789abcdef0"),
                Map.entry(ClusterConfig.VPC_CIDR, "10.20.0.0/16"),
                Map.entry(ClusterConfig.AVAILABILITY_ZONES, "eu-west-1a,eu-west-1b,eu-west-1c"),
                Map.entry(ClusterConfig.PRIVATE_SUBNET_IDS,
                        "subnet-0aaaaaaaaaaaaaaa1,subnet-0bbbbbbbbbbbbbbb2,subnet-0ccccccccccccccc3"),
                Map.entry(ClusterConfig.CLIENT_CIDRS, "10.20.0.0/16,192.168.10.0/24"),
                Map.entry(ClusterConfig.ENTERPRISE, "true"),
                Map.entry(ClusterConfig.NODES_PER_AZ, "2"),
                Map.entry(ClusterConfig.ALARM_TOPIC_ARN, "arn:aws:sns:eu-west-1:123456789012:ops-pager"),
                Map.entry(ClusterConfig.AMI_ID, "ami-0123456789abcdef0"),
                Map.entry(ClusterConfig.TLS_SECRET,
                        "arn:aws:secretsmanager:eu-west-1:123456789012:secret:vault/prod-eu/tls-AbCdEf"),
                Map.entry(ClusterConfig.TLS_SECRET_KMS_KEY_ARN,
                        "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555"),
                Map.entry(ClusterConfig.TLS_SERVER_NAME, "vault.prod-eu.example.internal"),
                Map.entry(ClusterConfig.VAULT_VERSION, "v1.21.4+ent"),
                Map.entry(ClusterConfig.ELB_HEALTH_CHECKS, "true"))),
        /**
         * Two voters per zone (an even total), an email subscription, named zones, one NAT gateway, snapshots on
         * demand only.
         */
        EVEN_VOTERS(Map.of(
                ClusterConfig.CLUSTER_NAME, "even",
                ClusterConfig.NODES_PER_AZ, 2,
                ClusterConfig.ALARM_EMAIL, "oncall@example.com",
                ClusterConfig.ELB_HEALTH_CHECKS, false,
                ClusterConfig.AVAILABILITY_ZONES, List.of("eu-west-1a", "eu-west-1b", "eu-west-1c"),
                ClusterConfig.NAT_GATEWAYS, 1,
                ClusterConfig.DECOMMISSION, true,
                // On demand only: no snapshot schedule, no snapshot-age alarm; a week's snapshots kept.
                ClusterConfig.SNAPSHOT_INTERVAL_MINUTES, 0,
                ClusterConfig.SNAPSHOT_RETENTION_DAYS, 7)),
        /**
         * Deployed for the first initialization (initCidrs), with named unseal-key administrators and break-glass
         * principals.
         */
        INIT_WINDOW(Map.of(
                ClusterConfig.CLUSTER_NAME, "fresh",
                ClusterConfig.CLIENT_CIDRS, "10.64.0.0/16,192.168.10.0/24",
                ClusterConfig.INIT_CIDRS, "203.0.113.10/32",
                ClusterConfig.KEY_ADMINS, "arn:aws:iam::123456789012:role/vault-key-admin,"
                        + "arn:aws:iam::123456789012:role/security/break-glass",
                ClusterConfig.BREAK_GLASS_PRINCIPALS, "arn:aws:iam::123456789012:role/security/break-glass",
                // A pipeline's own CloudFormation role (cdk deploy --role-arn), not the bootstrap's.
                ClusterConfig.CLOUDFORMATION_ROLE_ARN, "arn:aws:iam::123456789012:role/deploy-pipeline",
                // A snapshot every quarter of an hour, kept for a day.
                ClusterConfig.SNAPSHOT_INTERVAL_MINUTES, "15",
                ClusterConfig.SNAPSHOT_RETENTION_DAYS, "1")),
        /** No CA in the context: asked for at deploy time. */
        NO_CA(Map.of(ClusterConfig.CLUSTER_NAME, "noca")),
        /** `cdk deploy -c system=consul`: a Consul server cluster with every other value at its default. */
        CONSUL(Map.of(ClusterConfig.SYSTEM, "consul")),
        /**
         * Consul in an existing VPC, five servers, both secrets by ARN with customer managed keys, own datacenter name.
         */
        CONSUL_EXISTING_VPC(Map.ofEntries(
                Map.entry(ClusterConfig.SYSTEM, "consul"),
                Map.entry(ClusterConfig.CLUSTER_NAME, "consul-eu"),
                Map.entry(ClusterConfig.DATACENTER, "eu-prod"),
                Map.entry(ClusterConfig.VPC_ID, "vpc-0123456789abcdef0"),
                Map.entry(ClusterConfig.VPC_CIDR, "10.30.0.0/16"),
                Map.entry(ClusterConfig.AVAILABILITY_ZONES, "eu-west-1a,eu-west-1b,eu-west-1c"),
                Map.entry(ClusterConfig.PRIVATE_SUBNET_IDS,
                        "subnet-0aaaaaaaaaaaaaaa1,subnet-0bbbbbbbbbbbbbbb2,subnet-0ccccccccccccccc3"),
                Map.entry(ClusterConfig.NODES_PER_AZ, "1"),
                Map.entry(ClusterConfig.ALARM_EMAIL, "oncall@example.com"),
                Map.entry(ClusterConfig.TLS_SECRET,
                        "arn:aws:secretsmanager:eu-west-1:123456789012:secret:consul/eu-prod/tls-AbCdEf"),
                Map.entry(ClusterConfig.TLS_SECRET_KMS_KEY_ARN,
                        "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555"),
                Map.entry(ClusterConfig.GOSSIP_KEY_SECRET,
                        "arn:aws:secretsmanager:eu-west-1:123456789012:secret:consul/eu-prod/gossip-GhIjKl"),
                Map.entry(ClusterConfig.GOSSIP_KEY_SECRET_KMS_KEY_ARN,
                        "arn:aws:kms:eu-west-1:123456789012:key/66666666-7777-8888-9999-000000000000"),
                Map.entry(ClusterConfig.BREAK_GLASS_PRINCIPALS, "arn:aws:iam::123456789012:role/consul-operator")));

        private final Map<String, Object> context;

        Scenario(Map<String, Object> context) {
            this.context = context;
        }
    }

    /** A synthesized adopted cluster's automation-only stack. */
    record Adopted(String name, ClusterConfig config, AdoptedClusterStack stack, Template template, JsonNode json,
            Path templateFile) {
    }

    /** Existing groups' subnets, security group and names the adopt scenarios use. */
    static final String SERVER_SG = "sg-0123456789abcdef0";
    static final List<String> VAULT_GROUPS = List.of("tf-vault-a", "tf-vault-b", "tf-vault-c");
    static final String CONSUL_GROUP = "consul-servers";

    /** The adopted clusters the tests cover (adopt=<group names>). */
    enum AdoptScenario {
        /**
         * Three Terraform-built Vault groups in shadow mode, the Lambdas in two subnets, the adopted default auth mount
         * (a dedicated one: vaultAuthMount not given), named key administrators and break-glass role.
         */
        VAULT_SHADOW(Map.ofEntries(
                Map.entry(ClusterConfig.ADOPT, String.join(",", VAULT_GROUPS)),
                Map.entry(ClusterConfig.CLUSTER_NAME, "prod-vault"),
                Map.entry(ClusterConfig.TLS_SERVER_NAME, "vault.prod.example.internal"),
                Map.entry(ClusterConfig.VPC_ID, "vpc-0123456789abcdef0"),
                Map.entry(ClusterConfig.PRIVATE_SUBNET_IDS, "subnet-0aaaaaaaaaaaaaaa1,subnet-0bbbbbbbbbbbbbbb2"),
                Map.entry(ClusterConfig.SERVER_SECURITY_GROUP_ID, SERVER_SG),
                Map.entry(ClusterConfig.SHADOW, "true"),
                Map.entry(ClusterConfig.KEY_ADMINS, "arn:aws:iam::123456789012:role/vault-key-admin"),
                Map.entry(ClusterConfig.BREAK_GLASS_PRINCIPALS, "arn:aws:iam::123456789012:role/security/break-glass"))),
        /**
         * One Consul group (HashiCorp's validated designs use one group over three zones), active, a certificate name
         * of a custom domain (not server.dc1.consul).
         */
        CONSUL_ONE_GROUP(Map.ofEntries(
                Map.entry(ClusterConfig.SYSTEM, "consul"),
                Map.entry(ClusterConfig.ADOPT, CONSUL_GROUP),
                Map.entry(ClusterConfig.CLUSTER_NAME, "consul-prod"),
                Map.entry(ClusterConfig.DATACENTER, "dc1"),
                Map.entry(ClusterConfig.TLS_SERVER_NAME, "server.dc1.example.internal"),
                Map.entry(ClusterConfig.CONSUL_VERSION, "1.16.3"),
                Map.entry(ClusterConfig.VPC_ID, "vpc-0123456789abcdef0"),
                Map.entry(ClusterConfig.PRIVATE_SUBNET_IDS, "subnet-0aaaaaaaaaaaaaaa1"),
                Map.entry(ClusterConfig.SERVER_SECURITY_GROUP_ID, SERVER_SG),
                Map.entry(ClusterConfig.ALARM_EMAIL, "oncall@example.com"),
                // Active, said so (an adoption names its mode).
                Map.entry(ClusterConfig.SHADOW, "false"),
                Map.entry(ClusterConfig.SNAPSHOT_INTERVAL_MINUTES, "0")));

        private final Map<String, Object> context;

        AdoptScenario(Map<String, Object> context) {
            this.context = context;
        }

        /** The scenario's context as the CLI would pass it (cdk.json, the jar, the test CA). */
        Map<String, Object> context() {
            Map<String, Object> all = new HashMap<>(cdkJsonContext());
            all.put(ClusterConfig.FUNCTIONS_JAR, functionsJar().toString());
            all.put(ClusterConfig.CA_CERTIFICATE_FILE, testCa().toString());
            all.putAll(context);
            return all;
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<Scenario, Synthesized> CACHE = new ConcurrentHashMap<>();
    private static final Map<AdoptScenario, Adopted> ADOPTED = new ConcurrentHashMap<>();

    static Adopted get(AdoptScenario scenario) {
        return ADOPTED.computeIfAbsent(scenario, TestStacks::synthesizeAdopted);
    }

    private static Adopted synthesizeAdopted(AdoptScenario scenario) {
        try {
            Path outdir = testOut().resolve("adopt-" + scenario.name().toLowerCase(java.util.Locale.ROOT));
            Files.createDirectories(outdir);
            App app = App.Builder.create().context(scenario.context()).outdir(outdir.toString()).build();
            ClusterConfig config = ClusterConfig.fromContext(key -> app.getNode().tryGetContext(key), infraDir());
            AdoptedClusterStack stack = RaftLifecycleApp.composeAdopted(app, config);
            Template template = Template.fromStack(stack);
            JsonNode json = JSON.valueToTree(template.toJSON());
            Path file = outdir.resolve(stack.getStackName() + ".template.json");
            JSON.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), json);
            return new Adopted(scenario.name(), config, stack, template, json, file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private TestStacks() {
    }

    static Synthesized get(Scenario scenario) {
        return CACHE.computeIfAbsent(scenario, TestStacks::synthesize);
    }

    /** The infra module directory (surefire runs tests there). */
    static Path infraDir() {
        return Path.of("").toAbsolutePath();
    }

    static Path repoRoot() {
        return Path.of(System.getProperty("infra.repoRoot", "..")).toAbsolutePath().normalize();
    }

    static Path testOut() {
        return Path.of(System.getProperty("infra.testOut", "target/test-synth")).toAbsolutePath();
    }

    static Path functionsJar() {
        return Path.of(System.getProperty("infra.functionsJar", "../functions/target/raft-lifecycle-functions.jar"))
                .toAbsolutePath().normalize();
    }

    static Path testCa() {
        return infraDir().resolve("src/test/resources/test-ca.pem");
    }

    /** infra/cdk.json's context, as the CLI passes it. */
    static Map<String, Object> cdkJsonContext() {
        try {
            JsonNode context = JSON.readTree(infraDir().resolve("cdk.json").toFile()).get("context");
            Map<String, Object> values = new LinkedHashMap<>();
            for (Map.Entry<String, JsonNode> field : context.properties()) {
                values.put(field.getKey(), JSON.treeToValue(field.getValue(), Object.class));
            }
            return values;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Map<String, Object> context(Scenario scenario) {
        Map<String, Object> context = new HashMap<>(cdkJsonContext());
        context.put(ClusterConfig.FUNCTIONS_JAR, functionsJar().toString());
        if (scenario != Scenario.NO_CA) {
            context.put(ClusterConfig.CA_CERTIFICATE_FILE, testCa().toString());
        }
        context.putAll(scenario.context);
        return context;
    }

    private static Synthesized synthesize(Scenario scenario) {
        try {
            Path outdir = testOut().resolve(scenario.name().toLowerCase(java.util.Locale.ROOT));
            Files.createDirectories(outdir);
            Map<String, Object> context = context(scenario);
            App app = App.Builder.create().context(context).outdir(outdir.toString()).build();
            ClusterConfig config = ClusterConfig.fromContext(key -> app.getNode().tryGetContext(key), infraDir());
            RaftLifecycleStack stack = RaftLifecycleApp.compose(app, config);
            Template template = Template.fromStack(stack);
            JsonNode json = JSON.valueToTree(template.toJSON());
            Path file = outdir.resolve(stack.getStackName() + ".template.json");
            JSON.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), json);
            return new Synthesized(scenario.name(), config, stack, template, json, file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
