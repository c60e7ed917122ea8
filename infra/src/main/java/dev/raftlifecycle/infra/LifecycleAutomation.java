package dev.raftlifecycle.infra;

import dev.raftlifecycle.contract.Ec2Events;
import dev.raftlifecycle.contract.LifecycleEvents;
import dev.raftlifecycle.contract.HandlerNames;
import dev.raftlifecycle.contract.LockTable;
import dev.raftlifecycle.contract.LockTableAccess;
import java.nio.file.Files;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import software.amazon.awscdk.Annotations;
import software.amazon.awscdk.ArnComponents;
import software.amazon.awscdk.ArnFormat;
import software.amazon.awscdk.CfnParameter;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.services.dynamodb.Attribute;
import software.amazon.awscdk.services.dynamodb.AttributeType;
import software.amazon.awscdk.services.dynamodb.BillingMode;
import software.amazon.awscdk.services.dynamodb.Table;
import software.amazon.awscdk.services.ec2.ISecurityGroup;
import software.amazon.awscdk.services.ec2.Peer;
import software.amazon.awscdk.services.ec2.Port;
import software.amazon.awscdk.services.ec2.SecurityGroup;
import software.amazon.awscdk.services.events.EventPattern;
import software.amazon.awscdk.services.events.Rule;
import software.amazon.awscdk.services.events.Schedule;
import software.amazon.awscdk.services.events.targets.LambdaFunction;
import software.amazon.awscdk.services.iam.IRole;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.amazon.awscdk.services.lambda.Alias;
import software.amazon.awscdk.services.lambda.Architecture;
import software.amazon.awscdk.services.lambda.Code;
import software.amazon.awscdk.services.lambda.Function;
import software.amazon.awscdk.services.lambda.Runtime;
import software.amazon.awscdk.services.lambda.SnapStartConf;
import software.amazon.awscdk.services.lambda.destinations.SqsDestination;
import software.amazon.awscdk.services.logs.LogGroup;
import software.amazon.awscdk.services.sqs.Queue;
import software.amazon.awscdk.services.sqs.QueueEncryption;
import software.constructs.Construct;

/**
 * The five Lambda handlers and what drives them: EventBridge rules for the lifecycle events of exactly this
 * cluster's groups and hooks, for EC2's final state changes (shutting-down, terminated: the reconciler, at once) and
 * Spot interruption warnings and rebalance recommendations (the interruption handler), a one-minute schedule for the
 * health publisher and the reconciler, the DynamoDB lock table that serializes cluster changes, and dead-letter
 * queues for events that could not be handled. EventBridge cannot filter EC2 events by tag, so the two EC2 rules
 * match every instance of the region; the handlers keep to this cluster's instances with one DescribeInstances.
 *
 * <p>Each handler has its own role with only what it calls: the lifecycle actions of these three groups (by ARN,
 * lifecycle handlers only), the describe calls that have no resource-level permissions, the lock table items it
 * reads and writes (DeleteItem only for the three that take the lock), and (publisher only) PutMetricData in this
 * namespace. The handlers log in to Vault with these roles: the terminating, interruption and reconciler handlers
 * with the mutating Vault role, the launching handler and the publisher with the read-only one
 * (scripts/configure-vault binds them).
 */
public final class LifecycleAutomation extends Construct {

    public static final String CA_PARAMETER = "VaultCaCertificatePem";
    /**
     * Lambda's maximum: a healthy voter that would go below the voter floor waits (heartbeating) for a replacement to
     * join, which takes a boot, the first-boot playbook and autopilot's stabilization.
     */
    public static final int TERMINATING_TIMEOUT_SECONDS = 900;
    public static final int PUBLISHER_TIMEOUT_SECONDS = 60;
    /** A lock wait, a fresh snapshot and a confirmed removal per stale peer. */
    public static final int RECONCILER_TIMEOUT_SECONDS = 120;
    /**
     * Several at once: a scheduled run must not hold back a state change (throttled, it would wait for Lambda's
     * retry), and every removal is serialized by the lock and planned again under it anyway.
     */
    public static final int RECONCILER_CONCURRENCY = 3;
    /**
     * Within the two minutes' notice of a Spot interruption: a lock wait (30 s at most), a step-down, a confirmed
     * removal. Past that the instance is gone and its state change takes over.
     */
    public static final int INTERRUPTION_TIMEOUT_SECONDS = 120;
    /** A state change or warning that failed is worth two more tries; the lock makes a repeat harmless. */
    public static final int EVENT_RETRY_ATTEMPTS = 2;
    public static final int MEMORY_MB = 1024;
    /** Lambda's own retries of a failed asynchronous invocation; duplicates are harmless (already-completed). */
    public static final int LIFECYCLE_RETRY_ATTEMPTS = 2;
    /** A missed publisher tick is replaced by the next one a minute later. */
    public static final int PUBLISHER_RETRY_ATTEMPTS = 0;

    /**
     * What the automation acts on.
     *
     * @param network where the Lambdas run (their VPC and subnets)
     * @param serverSecurityGroup the servers' security group: the Lambdas' group may reach it on the API port; the
     *                            servers' group admits the Lambdas' unless it is an imported, immutable one (an adopted
     *                            cluster's, whose owner admits them)
     * @param canary where clients reach Vault (the load balancer's security group and https address): the publisher's
     *               canary goes through it; empty: no canary (Consul, an adopted cluster)
     * @param unsealKey Vault's unseal key (the publisher reads its state); empty for Consul and an adopted cluster
     */
    public record Props(ClusterConfig config, ClusterNetwork network, ISecurityGroup serverSecurityGroup,
                        java.util.Optional<Canary> canary, java.util.Optional<UnsealKey> unsealKey) {
    }

    /** The load balancer clients reach the cluster through: its security group and address (https://host:port). */
    public record Canary(ISecurityGroup securityGroup, String address) {
    }

    /** One handler: its function, the alias EventBridge invokes (SnapStart runs on published versions), its role. */
    public record Handler(Function function, Alias alias, Role role, LogGroup logGroup) {
    }

    private final ClusterConfig config;
    private final ClusterNetwork network;
    private final SecurityGroup securityGroup;
    private final Table lockTable;
    private final Queue lifecycleDeadLetters;
    private final Queue publisherDeadLetters;
    private final Code code;
    private final String caPem;
    private final Handler terminating;
    private final Handler launching;
    private final Handler publisher;
    private final Handler reconciler;
    private final Handler interruption;
    private final boolean canary;
    private final boolean unsealKeyWatched;

    public LifecycleAutomation(Construct scope, String id, Props props) {
        super(scope, id);
        this.config = props.config();
        this.network = props.network();
        this.canary = props.canary().isPresent();
        this.unsealKeyWatched = props.unsealKey().isPresent();

        if (!Files.isRegularFile(config.functionsJar())) {
            throw new IllegalStateException("the Lambda jar " + config.functionsJar() + " does not exist: build it "
                    + "first with `mvn -pl functions -am package` (from the repository root), or point the context "
                    + "value " + ClusterConfig.FUNCTIONS_JAR + " at it");
        }
        this.code = Code.fromAsset(config.functionsJar().toString());
        this.caPem = config.caCertificatePem().map(LambdaEnvironment::escape).orElseGet(this::caParameter);

        int port = config.apiPort();
        String system = config.consul() ? "Consul" : "Vault";
        this.securityGroup = SecurityGroup.Builder.create(this, "SecurityGroup")
                .vpc(network.vpc())
                .description("raft-lifecycle Lambdas of " + config.clusterName() + ": " + system
                        + " API and AWS APIs only")
                .allowAllOutbound(false)
                .build();
        ISecurityGroup servers = props.serverSecurityGroup();
        securityGroup.addEgressRule(servers, Port.tcp(port), system + " API on the servers");
        securityGroup.addEgressRule(Peer.anyIpv4(), Port.tcp(443),
                "AWS APIs (Auto Scaling, EC2, CloudWatch, DynamoDB) through the NAT gateways or endpoints");
        // A no-op on an imported, immutable group (an adopted cluster's: its owner admits the Lambdas).
        servers.addIngressRule(securityGroup, Port.tcp(port), system + " API from the lifecycle Lambdas");
        // The publisher's canary reaches Vault as clients do, through the load balancer. Consul has no canary yet
        // (it reads and writes Vault KV paths), so its Lambdas get no path to the load balancer.
        String canaryAddress = null;
        if (props.canary().isPresent()) {
            Canary canary = props.canary().get();
            securityGroup.addEgressRule(canary.securityGroup(), Port.tcp(port),
                    "Vault API through the load balancer (the publisher's canary)");
            canary.securityGroup().addIngressRule(securityGroup, Port.tcp(port), "the publisher's canary");
            canaryAddress = canary.address();
        }

        this.lockTable = Table.Builder.create(this, "LockTable")
                .partitionKey(Attribute.builder().name(LockTable.PARTITION_KEY).type(AttributeType.STRING).build())
                .billingMode(BillingMode.PAY_PER_REQUEST)
                .timeToLiveAttribute(LockTable.TTL_ATTRIBUTE)
                // Only short-lived locks and "stale since" timestamps: nothing to keep when the cluster goes.
                .removalPolicy(RemovalPolicy.DESTROY)
                .build();
        Suppressions.accept(lockTable, "AwsSolutions-DDB3", "The table holds only locks and 'stale since' timestamps "
                + "that expire within minutes; restoring an old copy would resurrect stale locks, so there is "
                + "nothing point-in-time recovery should bring back.");

        this.lifecycleDeadLetters = deadLetterQueue("LifecycleDeadLetters", Duration.days(14));
        this.publisherDeadLetters = deadLetterQueue("PublisherDeadLetters", Duration.days(1));

        this.terminating = handler("Terminating", HandlerNames.TERMINATING,
                "Removes a terminating instance's Raft peer, then completes its lifecycle action",
                TERMINATING_TIMEOUT_SECONDS, LambdaEnvironment.terminating(config, caPem, lockTable.getTableName()),
                null, lifecycleDeadLetters, LIFECYCLE_RETRY_ATTEMPTS, Duration.minutes(15));
        this.launching = handler("Launching", HandlerNames.LAUNCHING,
                "Waits until a launching instance is unsealed, in Raft and stable, then completes its lifecycle action",
                ClusterConfig.LAUNCHING_TIMEOUT_SECONDS, LambdaEnvironment.launching(config, caPem, lockTable.getTableName()),
                null, lifecycleDeadLetters, LIFECYCLE_RETRY_ATTEMPTS, Duration.minutes(15));
        // One publisher at a time: a slow run is never overlapped by the next tick.
        this.publisher = handler("Publisher", HandlerNames.PUBLISHER,
                "Probes the cluster every minute and publishes its health metrics (reads only)",
                PUBLISHER_TIMEOUT_SECONDS, LambdaEnvironment.publisher(config, caPem, lockTable.getTableName(), canaryAddress,
                        props.unsealKey().map(key -> key.key().getKeyArn()).orElse(null)),
                1, publisherDeadLetters, PUBLISHER_RETRY_ATTEMPTS, Duration.minutes(2));
        // It takes the same lock as the terminating handler before any removal.
        this.reconciler = handler("Reconciler", HandlerNames.RECONCILER,
                "Removes Raft peers whose instance is gone: at once on EC2's state change, and every minute",
                RECONCILER_TIMEOUT_SECONDS, LambdaEnvironment.reconciler(config, caPem, lockTable.getTableName()),
                RECONCILER_CONCURRENCY, publisherDeadLetters, EVENT_RETRY_ATTEMPTS, Duration.minutes(15));
        this.interruption = handler("Interruption", HandlerNames.INTERRUPTION,
                "Removes a Spot instance's Raft peer on its interruption warning, when that is safe",
                INTERRUPTION_TIMEOUT_SECONDS, LambdaEnvironment.interruption(config, caPem, lockTable.getTableName()),
                null, lifecycleDeadLetters, EVENT_RETRY_ATTEMPTS, Duration.minutes(2));

        grantLifecycleActions(terminating.role());
        grantLifecycleActions(launching.role());
        for (Handler h : handlers()) {
            grantInventoryReads(h.role());
        }
        // Only the interruption handler asks for a Spot instance's request (its claim's status).
        interruption.role().addToPrincipalPolicy(PolicyStatement.Builder.create()
                .sid("ReadSpotRequests")
                .actions(List.of("ec2:DescribeSpotInstanceRequests"))
                .resources(List.of("*"))
                .build());
        // The lock table is not a shared whiteboard: each role reads and writes only the items of the kinds it owns
        // (dynamodb:LeadingKeys). The lock item only for the three that take it; DeleteItem only there.
        for (Handler h : handlers()) {
            grantLockTable(h.role(), handlerName(h));
        }
        // The publisher reads the unseal key's state (UnsealKeyUsable): DescribeKey on that key only.
        props.unsealKey().ifPresent(key -> key.allowDescribe(publisher.role()));
        // Only the publisher calls PutMetricData; the handlers' metrics travel as Embedded Metric Format log lines.
        publisher.role().addToPolicy(PolicyStatement.Builder.create()
                .sid("PublishClusterMetrics")
                .actions(List.of("cloudwatch:PutMetricData"))
                .resources(List.of("*"))
                .conditions(Map.of("StringEquals", Map.of("cloudwatch:namespace", config.metricsNamespace())))
                .build());

        lifecycleRule("TerminatingEvents", LifecycleEvents.TERMINATE_DETAIL_TYPE, ServerGroups.TERMINATE_HOOK_NAME, terminating);
        lifecycleRule("LaunchingEvents", LifecycleEvents.LAUNCH_DETAIL_TYPE, ServerGroups.LAUNCH_HOOK_NAME, launching);
        ec2Rule("InstanceStateChanges", "EC2 reports an instance shutting down or terminated (the reconciler keeps to "
                + "this cluster's)", List.of(Ec2Events.STATE_CHANGE_DETAIL_TYPE),
                Map.of("state", Ec2Events.FINAL_STATES), reconciler, publisherDeadLetters, Duration.minutes(15));
        ec2Rule("SpotInterruptions", "Spot interruption warnings and rebalance recommendations (the interruption "
                + "handler keeps to this cluster's instances)", List.of(Ec2Events.SPOT_INTERRUPTION_DETAIL_TYPE,
                Ec2Events.REBALANCE_DETAIL_TYPE), null, interruption, lifecycleDeadLetters, Duration.minutes(2));
        Rule.Builder.create(this, "PublisherSchedule")
                .description("raft-lifecycle " + config.clusterName() + ": health publisher and reconciler every minute")
                .schedule(Schedule.rate(Duration.minutes(1)))
                .targets(List.of(scheduled(publisher), scheduled(reconciler)))
                .build();
    }

    private LambdaFunction scheduled(Handler handler) {
        return LambdaFunction.Builder.create(handler.alias())
                .deadLetterQueue(publisherDeadLetters)
                .retryAttempts(0)
                .maxEventAge(Duration.minutes(1))
                .build();
    }

    private Queue deadLetterQueue(String id, Duration retention) {
        Queue queue = Queue.Builder.create(this, id)
                .encryption(QueueEncryption.SQS_MANAGED)
                .enforceSsl(true)
                .retentionPeriod(retention)
                .build();
        Suppressions.accept(queue, "AwsSolutions-SQS3", "This queue is itself a dead-letter queue (the Lambda "
                + "on-failure destination and the EventBridge target DLQ); nothing consumes it automatically.");
        return queue;
    }

    /** No CA in the context: the stack asks for it at deploy time, so synth stays possible and deploys fail closed. */
    private String caParameter() {
        return CfnParameter.Builder.create(Stack.of(this), CA_PARAMETER)
                .type("String")
                .description("PEM of the CA that signed the Vault servers' certificates (newlines may be written "
                        + "as \\n). Set the caCertificateFile context value instead to avoid this parameter.")
                .allowedPattern("[\\s\\S]*-----BEGIN CERTIFICATE-----[\\s\\S]*")
                .constraintDescription("must contain a PEM certificate")
                .maxLength(ClusterConfig.MAX_CA_PEM_CHARS)
                .build()
                .getValueAsString();
    }

    private Handler handler(String name, String handlerString, String description, int timeoutSeconds,
            Map<String, String> environment, Integer reservedConcurrency, Queue onFailure, int retryAttempts,
            Duration maxEventAge) {
        return handler(this, name, handlerString, description, timeoutSeconds, environment, reservedConcurrency,
                onFailure, retryAttempts, maxEventAge);
    }

    /**
     * A handler with the conventions of all of them (runtime, jar, SnapStart behind the alias, the Lambdas' VPC,
     * subnets and security group, its own log group and role), created in {@code scope}: the snapshot function is
     * one too, but belongs to the Snapshots construct.
     */
    Handler handler(Construct scope, String name, String handlerString, String description, int timeoutSeconds,
            Map<String, String> environment, Integer reservedConcurrency, Queue onFailure, int retryAttempts,
            Duration maxEventAge) {
        Role role = Role.Builder.create(scope, name + "Role")
                .assumedBy(new ServicePrincipal("lambda.amazonaws.com"))
                .description("raft-lifecycle " + name.toLowerCase(Locale.ROOT) + " handler of "
                        + config.clusterName() + (config.consul()
                                ? "; given a Consul ACL role by a binding rule of the aws-iam auth method"
                                : "; bound to a Vault role by scripts/configure-vault"))
                .build();
        LogGroup logGroup = LogGroup.Builder.create(scope, name + "Logs")
                .retention(LogRetention.of(config.logRetentionDays()))
                .build();
        logGroup.grantWrite(role);
        // A function in a VPC needs these to manage its network interfaces (what AWSLambdaVPCAccessExecutionRole
        // grants). Lambda validates them on the role; EC2 supports no resource scoping that Lambda would honour.
        role.addToPolicy(PolicyStatement.Builder.create()
                .sid("LambdaVpcNetworkInterfaces")
                .actions(List.of("ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces",
                        "ec2:DescribeSubnets", "ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses",
                        "ec2:UnassignPrivateIpAddresses"))
                .resources(List.of("*"))
                .build());
        Function.Builder builder = Function.Builder.create(scope, name + "Function")
                .description("raft-lifecycle " + config.clusterName() + ": " + description)
                .runtime(Runtime.JAVA_21)
                .architecture(Architecture.ARM_64)
                .handler(handlerString)
                .code(code)
                .memorySize(MEMORY_MB)
                .timeout(Duration.seconds(timeoutSeconds))
                .role(role)
                .vpc(network.vpc())
                .vpcSubnets(network.privateSubnetSelection())
                .securityGroups(List.of(securityGroup))
                .environment(environment)
                .logGroup(logGroup)
                .snapStart(SnapStartConf.ON_PUBLISHED_VERSIONS);
        if (reservedConcurrency != null) {
            builder.reservedConcurrentExecutions(reservedConcurrency);
        }
        Function function = builder.build();
        Suppressions.accept(function, "AwsSolutions-L1", "Java 21 is the runtime this project targets (release 21 "
                + "in the build, an LTS runtime Lambda supports with SnapStart); moving to a newer Java runtime is "
                + "a deliberate upgrade of the functions module, not a deploy-time default.");
        // The alias below publishes the version SnapStart snapshots; nothing invokes $LATEST.
        Annotations.of(function).acknowledgeWarning(
                "@aws-cdk/aws-lambda:snapStartRequirePublish", "invoked only through the alias on a published version");
        Alias alias = Alias.Builder.create(scope, name + "Alias")
                .aliasName(HandlerNames.ALIAS_NAME)
                .version(function.getCurrentVersion())
                .retryAttempts(retryAttempts)
                .maxEventAge(maxEventAge)
                .onFailure(new SqsDestination(onFailure))
                .build();
        Suppressions.accept(role, "AwsSolutions-IAM5", "Resource * only for actions without resource-level "
                + "permissions: the VPC network-interface actions Lambda requires, autoscaling:DescribeAutoScalingGroups, "
                + "ec2:DescribeSpotInstanceRequests (the interruption handler) "
                + "and ec2:DescribeInstances (read-only), and cloudwatch:PutMetricData (limited by the "
                + "cloudwatch:namespace condition).", List.of("Resource::*"));
        return new Handler(function, alias, role, logGroup);
    }

    /** The lock table items the handler of this name owns (LockTableAccess), and nothing else of the table. */
    void grantLockTable(IRole role, String handlerName) {
        for (LockTableAccess.Grant grant : LockTableAccess.of(handlerName, config.clusterName())) {
            role.addToPrincipalPolicy(PolicyStatement.Builder.create()
                    .sid(grant.sid())
                    .actions(grant.actions())
                    .resources(List.of(lockTable.getTableArn()))
                    .conditions(Map.of("ForAllValues:StringEquals", Map.of("dynamodb:LeadingKeys", grant.keys())))
                    .build());
        }
    }

    /** CompleteLifecycleAction and RecordLifecycleActionHeartbeat on these three groups only. */
    private void grantLifecycleActions(Role role) {
        role.addToPrincipalPolicy(PolicyStatement.Builder.create()
                .sid("CompleteLifecycleActionsOfThisCluster")
                .actions(List.of("autoscaling:CompleteLifecycleAction", "autoscaling:RecordLifecycleActionHeartbeat"))
                .resources(groupArns())
                .build());
        acceptGroupArnWildcard(role);
    }

    private void acceptGroupArnWildcard(Role role) {
        Suppressions.accept(role, "AwsSolutions-IAM5", "An Auto Scaling group ARN contains a UUID assigned when the "
                + "group is created; the wildcard stands for that UUID only, and the group name after it pins each "
                + "ARN to one of this cluster's groups.", config.groupNames().stream()
                .map(name -> "Resource::arn:<AWS::Partition>:autoscaling:<AWS::Region>:<AWS::AccountId>:"
                        + "autoScalingGroup:*:autoScalingGroupName/" + name)
                .toList());
    }

    /**
     * DescribeAutoScalingGroups and DescribeInstances support no resource-level permissions: "*" is the only
     * resource IAM accepts for them. They are read-only.
     */
    void grantInventoryReads(IRole role) {
        role.addToPrincipalPolicy(PolicyStatement.Builder.create()
                .sid("ReadGroupsAndInstances")
                .actions(List.of("autoscaling:DescribeAutoScalingGroups", "ec2:DescribeInstances"))
                .resources(List.of("*"))
                .build());
    }

    /** A group's ARN embeds a UUID assigned at creation; the name part pins each ARN to one of our groups. */
    public List<String> groupArns() {
        Stack stack = Stack.of(this);
        return config.groupNames().stream().map(name -> stack.formatArn(ArnComponents.builder()
                .service("autoscaling")
                .resource("autoScalingGroup")
                .resourceName("*:autoScalingGroupName/" + name)
                .arnFormat(ArnFormat.COLON_RESOURCE_NAME)
                .build())).toList();
    }

    private void lifecycleRule(String id, String detailType, String hookName, Handler target) {
        Rule.Builder.create(this, id)
                .description("raft-lifecycle " + config.clusterName() + ": " + detailType + " of its groups")
                .eventPattern(EventPattern.builder()
                        .account(List.of(Stack.of(this).getAccount()))
                        .source(List.of(LifecycleEvents.SOURCE))
                        .detailType(List.of(detailType))
                        .detail(Map.of(
                                "AutoScalingGroupName", config.groupNames(),
                                "LifecycleHookName", List.of(hookName)))
                        .build())
                .targets(List.of(LambdaFunction.Builder.create(target.alias())
                        .deadLetterQueue(lifecycleDeadLetters)
                        .retryAttempts(3)
                        .maxEventAge(Duration.minutes(15))
                        .build()))
                .build();
    }

    private void ec2Rule(String id, String description, List<String> detailTypes, Map<String, ?> detail,
                         Handler target, Queue deadLetters, Duration maxEventAge) {
        EventPattern.Builder pattern = EventPattern.builder().account(List.of(Stack.of(this).getAccount()))
                .source(List.of(Ec2Events.SOURCE)).detailType(detailTypes);
        if (detail != null) {
            pattern.detail(Map.copyOf(detail));
        }
        Rule.Builder.create(this, id)
                .description("raft-lifecycle " + config.clusterName() + ": " + description)
                .eventPattern(pattern.build())
                .targets(List.of(LambdaFunction.Builder.create(target.alias())
                        .deadLetterQueue(deadLetters)
                        .retryAttempts(3)
                        .maxEventAge(maxEventAge)
                        .build()))
                .build();
    }

    public Handler interruption() {
        return interruption;
    }

    public Handler terminating() {
        return terminating;
    }

    public Handler launching() {
        return launching;
    }

    public Handler publisher() {
        return publisher;
    }

    public Handler reconciler() {
        return reconciler;
    }

    /** The handler's name as the contract knows it (LockTableAccess, the rig's roles). */
    public String handlerName(Handler h) {
        return h == terminating ? HandlerNames.TERMINATING_NAME : h == launching ? HandlerNames.LAUNCHING_NAME
                : h == publisher ? HandlerNames.PUBLISHER_NAME : h == reconciler ? HandlerNames.RECONCILER_NAME
                : HandlerNames.INTERRUPTION_NAME;
    }

    public List<Handler> handlers() {
        return List.of(terminating, launching, publisher, reconciler, interruption);
    }

    /** The handlers that log in with Vault's mutating role (remove-peer, step-down) and take the lock. */
    public List<Handler> mutatingHandlers() {
        return List.of(terminating, reconciler, interruption);
    }

    /** The handlers that log in with Vault's read-only role. */
    public List<Handler> readingHandlers() {
        return List.of(launching, publisher);
    }

    public List<IRole> roles() {
        return handlers().stream().map(h -> (IRole) h.role()).toList();
    }

    public Table lockTable() {
        return lockTable;
    }

    public Queue lifecycleDeadLetters() {
        return lifecycleDeadLetters;
    }

    /** The CA PEM the handlers verify the servers with (a deploy-time parameter's token without one in the context). */
    String caPem() {
        return caPem;
    }

    public Queue publisherDeadLetters() {
        return publisherDeadLetters;
    }

    public SecurityGroup securityGroup() {
        return securityGroup;
    }

    /** Whether the publisher runs the canary through the load balancer (CanarySuccess etc. are published). */
    public boolean hasCanary() {
        return canary;
    }

    /** Whether the publisher reads the unseal key's state (UnsealKeyUsable is published). */
    public boolean watchesUnsealKey() {
        return unsealKeyWatched;
    }

    /** Whether the CA certificate is asked for at deploy time (no CA in the context). */
    public boolean caFromParameter() {
        return config.caCertificatePem().isEmpty();
    }
}
