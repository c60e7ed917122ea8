package dev.raftlifecycle.infra;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import software.amazon.awscdk.Acknowledgment;
import software.amazon.awscdk.Annotations;
import software.amazon.awscdk.Fn;
import software.amazon.awscdk.Validations;
import software.amazon.awscdk.services.ec2.CfnSubnet;
import software.amazon.awscdk.services.ec2.FlowLogDestination;
import software.amazon.awscdk.services.ec2.FlowLogOptions;
import software.amazon.awscdk.services.ec2.FlowLogTrafficType;
import software.amazon.awscdk.services.ec2.GatewayVpcEndpointAwsService;
import software.amazon.awscdk.services.ec2.GatewayVpcEndpointOptions;
import software.amazon.awscdk.services.ec2.IVpc;
import software.amazon.awscdk.services.ec2.IpAddresses;
import software.amazon.awscdk.services.ec2.ISubnet;
import software.amazon.awscdk.services.ec2.Subnet;
import software.amazon.awscdk.services.ec2.SubnetConfiguration;
import software.amazon.awscdk.services.ec2.SubnetSelection;
import software.amazon.awscdk.services.ec2.SubnetType;
import software.amazon.awscdk.services.ec2.Vpc;
import software.amazon.awscdk.services.ec2.VpcAttributes;
import software.amazon.awscdk.services.logs.LogGroup;
import software.constructs.Construct;

/**
 * Where the cluster lives: an existing VPC imported from explicit ids (no lookups, so synth stays offline), or a new
 * VPC over three availability zones with private subnets whose egress goes through one NAT gateway per zone.
 *
 * <p>Egress is needed in any case: the servers call KMS, Secrets Manager, EC2, CloudWatch and (through Vault's AWS
 * auth method) the global STS and IAM endpoints, which have no VPC endpoints; the Lambdas call Auto Scaling, EC2 and
 * CloudWatch. DynamoDB (the lock table) gets a free gateway endpoint so locking does not depend on the NAT path, and
 * S3 one so the snapshots' uploads do not go through (and pay for) the NAT gateways.
 */
public final class ClusterNetwork extends Construct {

    /** What the network needs from the configuration. */
    public record Props(ClusterConfig config) {
    }

    private final IVpc vpc;
    private final List<ISubnet> privateSubnets;
    private final String vpcCidr;
    private final boolean existing;

    public ClusterNetwork(Construct scope, String id, Props props) {
        super(scope, id);
        ClusterConfig config = props.config();
        this.vpcCidr = config.vpcCidr();
        this.existing = config.existingVpc().isPresent();
        List<String> zones = config.availabilityZones().isEmpty()
                // No concrete zones configured: the region's first three, resolved by CloudFormation at deploy time
                // (an environment-agnostic stack has no zone list at synth time and we make no lookups).
                ? IntStream.range(0, ClusterConfig.ZONES).mapToObj(i -> Fn.select(i, Fn.getAzs())).toList()
                : config.availabilityZones();
        if (config.adopted()) {
            // An adopted cluster's VPC: only where the Lambdas run (any number of subnets, their zones unknown to the
            // synth and not needed: the functions name the subnets themselves).
            ClusterConfig.ExistingVpc existing = config.existingVpc().orElseThrow();
            this.vpc = Vpc.fromVpcAttributes(this, "Vpc", VpcAttributes.builder()
                    .vpcId(existing.vpcId())
                    .vpcCidrBlock(config.vpcCidr())
                    .availabilityZones(List.of(Fn.select(0, Fn.getAzs())))
                    .build());
            List<ISubnet> subnets = new ArrayList<>();
            for (int i = 0; i < existing.privateSubnetIds().size(); i++) {
                ISubnet subnet = Subnet.fromSubnetId(this, "LambdaSubnet" + (i + 1), existing.privateSubnetIds().get(i));
                // The existing VPC's routing is its owner's; nothing here reads or changes its route tables.
                Annotations.of(subnet).acknowledgeWarning("@aws-cdk/aws-ec2:noSubnetRouteTableId",
                        "route tables of an existing VPC are not used");
                subnets.add(subnet);
            }
            this.privateSubnets = List.copyOf(subnets);
            return;
        }
        if (config.existingVpc().isPresent()) {
            ClusterConfig.ExistingVpc existing = config.existingVpc().get();
            IVpc imported = Vpc.fromVpcAttributes(this, "Vpc", VpcAttributes.builder()
                    .vpcId(existing.vpcId())
                    .vpcCidrBlock(config.vpcCidr())
                    .availabilityZones(zones)
                    .privateSubnetIds(existing.privateSubnetIds())
                    .build());
            // The existing VPC's routing is its owner's; nothing here reads or changes its route tables.
            imported.getPrivateSubnets().forEach(subnet -> Annotations.of(subnet).acknowledgeWarning(
                    "@aws-cdk/aws-ec2:noSubnetRouteTableId", "route tables of an existing VPC are not used"));
            this.vpc = imported;
        } else {
            LogGroup flowLogs = LogGroup.Builder.create(this, "FlowLogs")
                    .retention(LogRetention.of(config.logRetentionDays()))
                    .build();
            this.vpc = Vpc.Builder.create(this, "Vpc")
                    .ipAddresses(IpAddresses.cidr(config.vpcCidr()))
                    .availabilityZones(zones)
                    .natGateways(config.natGateways())
                    .subnetConfiguration(List.of(
                            SubnetConfiguration.builder().name("public").subnetType(SubnetType.PUBLIC)
                                    .cidrMask(24).mapPublicIpOnLaunch(false).build(),
                            SubnetConfiguration.builder().name("private").subnetType(SubnetType.PRIVATE_WITH_EGRESS)
                                    .cidrMask(20).build()))
                    .gatewayEndpoints(Map.of("DynamoDb", GatewayVpcEndpointOptions.builder()
                            .service(GatewayVpcEndpointAwsService.DYNAMODB)
                            .subnets(List.of(SubnetSelection.builder().subnetType(SubnetType.PRIVATE_WITH_EGRESS).build()))
                            .build(),
                            // The snapshots' uploads: off the NAT path (and its per-GB charge).
                            "S3", GatewayVpcEndpointOptions.builder()
                            .service(GatewayVpcEndpointAwsService.S3)
                            .subnets(List.of(SubnetSelection.builder().subnetType(SubnetType.PRIVATE_WITH_EGRESS).build()))
                            .build()))
                    .flowLogs(Map.of("All", FlowLogOptions.builder()
                            .trafficType(FlowLogTrafficType.ALL)
                            .destination(FlowLogDestination.toCloudWatchLogs(flowLogs))
                            .build()))
                    .restrictDefaultSecurityGroup(true)
                    .build();
            if (!config.availabilityZones().isEmpty()) {
                // Zone names given on purpose (e.g. to avoid a zone lacking the instance type): tell cfn-lint and
                // the CDK's own template validation that the hard-coded zones are intended.
                for (ISubnet subnet : concat(vpc.getPublicSubnets(), vpc.getPrivateSubnets())) {
                    CfnSubnet cfn = (CfnSubnet) subnet.getNode().getDefaultChild();
                    cfn.addMetadata("cfn-lint", Map.of("config", Map.of("ignore_checks", List.of("W3010"))));
                    Validations.of(cfn).acknowledge(Acknowledgment.builder()
                            .id("CloudFormation-Validate::W3010")
                            .reason("availability zones configured explicitly (availabilityZones)")
                            .build());
                }
            }
        }
        this.privateSubnets = List.copyOf(vpc.getPrivateSubnets());
        if (privateSubnets.size() != ClusterConfig.ZONES) {
            throw new IllegalStateException("expected " + ClusterConfig.ZONES + " private subnets, found "
                    + privateSubnets.size());
        }
    }

    private static List<ISubnet> concat(List<ISubnet> a, List<ISubnet> b) {
        List<ISubnet> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    public IVpc vpc() {
        return vpc;
    }

    /**
     * One private subnet per availability zone, in zone order: group i lives in subnet i (an adopted cluster: the
     * subnets the Lambdas run in).
     */
    public List<ISubnet> privateSubnets() {
        return privateSubnets;
    }

    public SubnetSelection privateSubnetSelection() {
        return SubnetSelection.builder().subnets(privateSubnets).build();
    }

    /**
     * The IPv4 ranges the handlers' requests come from (the private subnets the Lambdas run in), for Vault's
     * token_bound_cidrs (scripts/configure-vault --token-bound-cidr). A new VPC's subnets are known at synth; an
     * existing VPC's are not looked up, so there it is the VPC's CIDR, which is wider.
     */
    public List<String> handlerSubnetCidrs() {
        if (existing) {
            return List.of(vpcCidr);
        }
        return privateSubnets.stream().map(ISubnet::getIpv4CidrBlock).toList();
    }

    /** Whether the VPC is an existing one, imported from ids. */
    public boolean existing() {
        return existing;
    }

    /** The VPC's IPv4 CIDR as configured (a literal, never a token), the default client range. */
    public String vpcCidr() {
        return vpcCidr;
    }
}
