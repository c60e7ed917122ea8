package dev.raftlifecycle.infra;

import java.util.List;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.services.ec2.Peer;
import software.amazon.awscdk.services.ec2.Port;
import software.amazon.awscdk.services.ec2.SecurityGroup;
import software.amazon.awscdk.services.elasticloadbalancingv2.BaseNetworkListenerProps;
import software.amazon.awscdk.services.elasticloadbalancingv2.HealthCheck;
import software.amazon.awscdk.services.elasticloadbalancingv2.NetworkListener;
import software.amazon.awscdk.services.elasticloadbalancingv2.NetworkLoadBalancer;
import software.amazon.awscdk.services.elasticloadbalancingv2.NetworkTargetGroup;
import software.amazon.awscdk.services.elasticloadbalancingv2.Protocol;
import software.amazon.awscdk.services.elasticloadbalancingv2.TargetType;
import software.constructs.Construct;

/**
 * The clients' entry point: an internal Network Load Balancer passing TCP 8200 (Consul: 8501) through to the servers,
 * so TLS ends at the servers (clients verify their own certificate). For Consul the health check is HTTPS
 * {@code status/leader} (see {@link dev.raftlifecycle.contract.TargetHealth#CONSUL_PATH}). For Vault Its health check asks {@code sys/health} over HTTPS in a way
 * that makes an unsealed active or standby node healthy (200) and a sealed (503), uninitialized (501), removed
 * (530) or standby node that cannot reach the active node (474) unhealthy.
 */
public final class VaultLoadBalancer extends Construct {

    /**
     * standbyok/perfstandbyok turn the standby codes (429, 473) into 200; every other non-200 status is unhealthy.
     * (A DR secondary answers 472 and stays out of rotation, which is what a DR secondary should do.)
     */
    public static final String HEALTH_CHECK_PATH = dev.raftlifecycle.contract.TargetHealth.PATH;

    /** What the load balancer fronts. */
    public record Props(ClusterConfig config, ClusterNetwork network, ServerGroups servers) {
    }

    private final NetworkLoadBalancer loadBalancer;
    private final NetworkTargetGroup targetGroup;
    private final SecurityGroup securityGroup;

    public VaultLoadBalancer(Construct scope, String id, Props props) {
        super(scope, id);
        ClusterConfig config = props.config();
        ServerGroups servers = props.servers();
        int port = servers.apiPort();
        String system = servers.systemName();
        this.securityGroup = SecurityGroup.Builder.create(this, "SecurityGroup")
                .vpc(props.network().vpc())
                .description(system + " load balancer of " + config.clusterName() + ": " + port + " from clients to the servers")
                .allowAllOutbound(false)
                .build();
        // While initCidrs is set (the first initialization), only those ranges: whoever reaches an uninitialized
        // Vault can initialize it and hold its root token.
        for (String cidr : config.apiCidrs()) {
            securityGroup.addIngressRule(Peer.ipv4(cidr), Port.tcp(port), config.initWindow()
                    ? system + " API from initCidrs only, until the first initialization"
                    : system + " API from clients");
        }
        // Traffic and health checks to the servers; the servers admit the load balancer's group.
        securityGroup.addEgressRule(servers.securityGroup(), Port.tcp(port), "to the " + system + " servers");
        servers.securityGroup().addIngressRule(securityGroup, Port.tcp(port),
                system + " API and health checks from the load balancer");

        this.loadBalancer = NetworkLoadBalancer.Builder.create(this, "LoadBalancer")
                .vpc(props.network().vpc())
                .vpcSubnets(props.network().privateSubnetSelection())
                .internetFacing(false)
                .crossZoneEnabled(true)
                .securityGroups(List.of(securityGroup))
                .build();
        Suppressions.accept(loadBalancer, "AwsSolutions-ELB2", "A Network Load Balancer writes access logs only for "
                + "TLS listeners; this one passes TCP through so that TLS ends at the servers. Requests are recorded "
                + "by the servers instead (" + (config.consul()
                        ? "Consul's journal, shipped to the encrypted log group "
                                + ServerLogs.groupName(config.clusterName(), ServerLogs.JOURNAL)
                        : "Vault's audit device, shipped by the first boot's CloudWatch agent configuration to the "
                                + "encrypted log group " + ServerLogs.groupName(config.clusterName(), ServerLogs.AUDIT))
                + ", both created by this stack), and connections by the VPC flow logs.");
        this.targetGroup = NetworkTargetGroup.Builder.create(this, "Servers")
                .vpc(props.network().vpc())
                .port(port)
                .protocol(Protocol.TCP)
                .targetType(TargetType.INSTANCE)
                // A terminating node is already out of Raft when the hook completes; 30 s lets requests drain.
                .deregistrationDelay(Duration.seconds(30))
                .connectionTermination(true)
                .healthCheck(HealthCheck.builder()
                        .enabled(true)
                        .protocol(Protocol.HTTPS)
                        .port(String.valueOf(port))
                        .path(config.consul() ? dev.raftlifecycle.contract.TargetHealth.CONSUL_PATH : HEALTH_CHECK_PATH)
                        .healthyHttpCodes("200")
                        .interval(Duration.seconds(dev.raftlifecycle.contract.TargetHealth.INTERVAL_SECONDS))
                        .timeout(Duration.seconds(5))
                        .healthyThresholdCount(dev.raftlifecycle.contract.TargetHealth.HEALTHY_THRESHOLD)
                        .unhealthyThresholdCount(dev.raftlifecycle.contract.TargetHealth.UNHEALTHY_THRESHOLD)
                        .build())
                .build();
        NetworkListener listener = loadBalancer.addListener("Api", BaseNetworkListenerProps.builder()
                .port(port)
                .protocol(Protocol.TCP)
                .build());
        listener.addTargetGroups("Servers", targetGroup);
        servers.groups().forEach(group -> group.attachToNetworkTargetGroup(targetGroup));
    }

    public NetworkLoadBalancer loadBalancer() {
        return loadBalancer;
    }

    public NetworkTargetGroup targetGroup() {
        return targetGroup;
    }

    public SecurityGroup securityGroup() {
        return securityGroup;
    }
}
