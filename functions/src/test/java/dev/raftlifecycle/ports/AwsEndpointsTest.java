package dev.raftlifecycle.ports;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * What a user configures through the SDK's standard settings reaches the handlers' AWS calls, because the clients are
 * the SDK's own and {@link AwsClients} leaves endpoint resolution to it: each case sends a real request through the
 * built client (over a scripted HTTP client) and looks at where it went and how often. The settings are set as the
 * SDK's system properties here, which the SDK reads exactly as it reads their environment variables;
 * {@code AwsEnvironmentVariablesTest} (its own surefire execution) sets the environment variables themselves.
 */
class AwsEndpointsTest {
    private static final List<String> PROPERTIES = List.of("aws.useFipsEndpoint", "aws.useDualstackEndpoint",
            "aws.endpointUrl", "aws.endpointUrlAutoScaling", "aws.maxAttempts", "aws.retryMode");

    private final ScriptedHttp http = new ScriptedHttp().defaultBody("<DescribeAutoScalingGroupsResponse "
            + "xmlns=\"http://autoscaling.amazonaws.com/doc/2011-01-01/\"><DescribeAutoScalingGroupsResult><AutoScalingGroups/>"
            + "</DescribeAutoScalingGroupsResult></DescribeAutoScalingGroupsResponse>");

    @AfterEach
    void clear() {
        PROPERTIES.forEach(System::clearProperty);
    }

    /** The clients a Lambda function builds: no endpoint override (the settings never carry one there). */
    private AwsClients clients(String region) {
        return new AwsClients(region, Optional.empty(), StaticCredentialsProvider.create(
                AwsBasicCredentials.create("AKIATESTTESTTESTTEST", "test")), http);
    }

    private String hostOfAutoScalingCall(String region) {
        new AutoScalingPort(clients(region).autoScaling()).describe(List.of("g"));
        return http.sent().get(http.sent().size() - 1).request().host();
    }

    @Test
    void withNoSettingTheServicesRegionalEndpointsAreUsed() {
        assertThat(hostOfAutoScalingCall("eu-west-1")).isEqualTo("autoscaling.eu-west-1.amazonaws.com");
        assertThat(hostOfAutoScalingCall("cn-north-1")).isEqualTo("autoscaling.cn-north-1.amazonaws.com.cn");
    }

    @Test
    void fipsEndpointsAreUsedWhenAsked() {
        System.setProperty("aws.useFipsEndpoint", "true");
        assertThat(hostOfAutoScalingCall("us-east-1")).isEqualTo("autoscaling-fips.us-east-1.amazonaws.com");
        new Ec2Port(clients("us-gov-west-1").ec2()).describe(List.of("i-0123456789abcdef0"));
        assertThat(http.sent().get(http.sent().size() - 1).request().host()).isEqualTo("ec2.us-gov-west-1.amazonaws.com");
    }

    @Test
    void dualStackEndpointsAreUsedWhenAsked() {
        System.setProperty("aws.useDualstackEndpoint", "true");
        assertThat(hostOfAutoScalingCall("eu-west-1")).isEqualTo("autoscaling.eu-west-1.api.aws");
    }

    @Test
    void aServiceSpecificEndpointUrlWinsOverTheGeneralOne() {
        System.setProperty("aws.endpointUrl", "https://vpce-general.example.internal");
        System.setProperty("aws.endpointUrlAutoScaling", "https://vpce-autoscaling.example.internal");
        assertThat(hostOfAutoScalingCall("eu-west-1")).isEqualTo("vpce-autoscaling.example.internal");
        new Ec2Port(clients("eu-west-1").ec2()).describe(List.of("i-0123456789abcdef0"));
        assertThat(http.sent().get(http.sent().size() - 1).request().host()).isEqualTo("vpce-general.example.internal");
    }

    @Test
    void fipsWithACustomEndpointIsRefusedByTheSdkNotQuietlyIgnored() {
        System.setProperty("aws.useFipsEndpoint", "true");
        System.setProperty("aws.endpointUrlAutoScaling", "https://vpce-autoscaling.example.internal");
        assertThatThrownBy(() -> hostOfAutoScalingCall("us-east-1")).hasMessageContaining("FIPS and custom endpoint");
        assertThat(http.sent()).isEmpty();
    }

    @Test
    void maxAttemptsIsHonoured() {
        System.setProperty("aws.maxAttempts", "5");
        for (int i = 0; i < 5; i++) {
            http.fail(new IOException("connection reset"));
        }
        assertThatThrownBy(() -> new AutoScalingPort(clients("eu-west-1").autoScaling()).describe(List.of("g")))
                .hasMessageContaining("connection reset");
        assertThat(http.sent()).hasSize(5);
    }

    @Test
    void withoutASettingThreeAttemptsAreMade() {
        for (int i = 0; i < 3; i++) {
            http.fail(new IOException("connection reset"));
        }
        assertThatThrownBy(() -> new AutoScalingPort(clients("eu-west-1").autoScaling()).describe(List.of("g")))
                .hasMessageContaining("connection reset");
        assertThat(http.sent()).hasSize(3);
    }

    @Test
    void theRigsOverrideIsUsedOnlyWhenTheSettingsCarryOne() {
        AwsClients rig = new AwsClients("eu-west-1", Optional.of(URI.create("http://127.0.0.1:4566")),
                StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIATESTTESTTESTTEST", "test")), http);
        new AutoScalingPort(rig.autoScaling()).describe(List.of("g"));
        assertThat(http.sent().get(0).request().getUri()).hasHost("127.0.0.1").hasPort(4566);
        assertThat(Map.of("signed for", http.sent().get(0).request().firstMatchingHeader("Authorization").orElse("")))
                .hasEntrySatisfying("signed for", a -> assertThat(a).contains("/eu-west-1/autoscaling/aws4_request"));
    }
}
