package dev.raftlifecycle.ports;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * The SDK's environment variables themselves, as a user sets them on the function: this class runs in a surefire
 * execution of its own whose environment has {@code AWS_USE_FIPS_ENDPOINT=true} and {@code AWS_MAX_ATTEMPTS=4}
 * (functions/pom.xml), and nowhere else. (A per-service endpoint URL is checked with its system property in
 * {@link AwsEndpointsTest}: the SDK refuses FIPS together with a custom endpoint.)
 */
class AwsEnvironmentVariablesTest {
    private final ScriptedHttp http = new ScriptedHttp().defaultBody("<DescribeAutoScalingGroupsResponse "
            + "xmlns=\"http://autoscaling.amazonaws.com/doc/2011-01-01/\"><DescribeAutoScalingGroupsResult><AutoScalingGroups/>"
            + "</DescribeAutoScalingGroupsResult></DescribeAutoScalingGroupsResponse>");

    private AwsClients clients() {
        return new AwsClients("us-east-1", Optional.empty(), StaticCredentialsProvider.create(
                AwsBasicCredentials.create("AKIATESTTESTTESTTEST", "test")), http);
    }

    @Test
    void theSdksEnvironmentVariablesReachTheHandlersCalls() {
        assertThat(System.getenv("AWS_USE_FIPS_ENDPOINT")).as("run by its own surefire execution").isEqualTo("true");
        new AutoScalingPort(clients().autoScaling()).describe(List.of("g"));
        assertThat(http.sent().get(0).request().host()).isEqualTo("autoscaling-fips.us-east-1.amazonaws.com");

        for (int i = 0; i < 4; i++) {
            http.fail(new IOException("connection reset"));
        }
        assertThatThrownBy(() -> new AutoScalingPort(clients().autoScaling()).describe(List.of("g")))
                .hasMessageContaining("connection reset");
        assertThat(http.sent()).hasSize(1 + 4);
    }
}
