package dev.raftlifecycle.infra;

import io.github.cdklabs.cdknag.AwsSolutionsChecks;
import io.github.cdklabs.cdknag.NagPackProps;
import java.nio.file.Path;
import software.amazon.awscdk.App;
import software.amazon.awscdk.Aspects;
import software.amazon.awscdk.StackProps;

/**
 * The CDK app cdk.json runs (through infra/bin/cdk-app): one stack per cluster, configured by context values,
 * checked by cdk-nag's AwsSolutions pack. Environment-agnostic: synth needs no AWS credentials and makes no lookups.
 */
public final class RaftLifecycleApp {
    private RaftLifecycleApp() {
    }

    public static void main(String[] args) {
        App app = new App();
        try {
            ClusterConfig config = ClusterConfig.fromContext(key -> app.getNode().tryGetContext(key),
                    Path.of("").toAbsolutePath());
            if (config.adopted()) {
                composeAdopted(app, config);
            } else {
                compose(app, config);
            }
        } catch (InvalidConfigurationException | IllegalStateException e) {
            System.err.println("raft-lifecycle: " + e.getMessage());
            System.exit(1);
        }
        app.synth();
    }

    /** The stack for this configuration, with the AwsSolutions checks applied to the whole app. */
    public static RaftLifecycleStack compose(App app, ClusterConfig config) {
        if (config.adopted()) {
            throw new IllegalArgumentException("an adopted cluster's configuration (" + ClusterConfig.ADOPT
                    + "): use composeAdopted");
        }
        RaftLifecycleStack stack = new RaftLifecycleStack(app, config.stackName(), StackProps.builder()
                .stackName(config.stackName())
                .description("raft-lifecycle: " + (config.consul() ? "Consul server" : "Vault Raft") + " cluster "
                        + config.clusterName()
                        + " on three AZ-pinned Auto Scaling groups, with its lifecycle automation")
                .build(), config);
        Aspects.of(app).add(new AwsSolutionsChecks(NagPackProps.builder().verbose(true).build()));
        return stack;
    }

    /**
     * The automation-only stack of an adopted cluster ({@code adopt=<group names>}), with the AwsSolutions checks
     * applied to the whole app.
     */
    public static AdoptedClusterStack composeAdopted(App app, ClusterConfig config) {
        AdoptedClusterStack stack = new AdoptedClusterStack(app, config.stackName(), StackProps.builder()
                .stackName(config.stackName())
                .description("raft-lifecycle: lifecycle automation for the existing " + (config.consul() ? "Consul server"
                        : "Vault Raft") + " cluster " + config.clusterName() + " (" + config.groupNames().size() + " Auto Scaling group(s))"
                        + (config.shadow() ? ", shadow mode" : ""))
                .build(), config);
        Aspects.of(app).add(new AwsSolutionsChecks(NagPackProps.builder().verbose(true).build()));
        return stack;
    }
}
