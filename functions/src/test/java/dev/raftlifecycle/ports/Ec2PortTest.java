package dev.raftlifecycle.ports;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/** What Ec2Port makes of DescribeInstances' answer: the private DNS name and launch time beside the IP. */
class Ec2PortTest {
    private static final String XMLNS = "http://ec2.amazonaws.com/doc/2016-11-15/";

    private final ScriptedHttp http = new ScriptedHttp();

    private Ec2Port port() {
        return new Ec2Port(new AwsClients("us-east-1", Optional.of(URI.create("http://127.0.0.1:1")),
                StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIATESTTESTTESTTEST", "test")), http).ec2());
    }

    private static String instance(String id, String state, String ip, String dns) {
        return "<item><instanceId>" + id + "</instanceId>" + (ip == null ? "" : "<privateIpAddress>" + ip + "</privateIpAddress>")
                + "<privateDnsName>" + dns + "</privateDnsName><launchTime>2026-12-07T10:15:30.000Z</launchTime>"
                + "<instanceState><code>16</code><name>" + state + "</name></instanceState>"
                + "<placement><availabilityZone>us-east-1a</availabilityZone></placement></item>";
    }

    @Test
    void readsThePrivateDnsNameAndLaunchTimeAndTakesAnEmptyNameAsNone() {
        http.answer(200, "<DescribeInstancesResponse xmlns=\"" + XMLNS + "\"><requestId>r</requestId><reservationSet><item>"
                + "<reservationId>r-1</reservationId><instancesSet>"
                + instance("i-0aaaaaaaaaaaaaaa1", "running", "10.0.1.5", "ip-10-0-1-5.ec2.internal")
                + instance("i-0bbbbbbbbbbbbbbb2", "terminated", null, "")
                + "</instancesSet></item></reservationSet></DescribeInstancesResponse>");
        Map<String, Ec2Port.Instance> described = port().describe(List.of("i-0aaaaaaaaaaaaaaa1", "i-0bbbbbbbbbbbbbbb2"));
        Ec2Port.Instance a = described.get("i-0aaaaaaaaaaaaaaa1");
        assertThat(a.privateIp()).contains("10.0.1.5");
        assertThat(a.privateDnsName()).contains("ip-10-0-1-5.ec2.internal");
        assertThat(a.launchTime()).contains(Instant.parse("2026-12-07T10:15:30Z"));
        Ec2Port.Instance b = described.get("i-0bbbbbbbbbbbbbbb2");
        assertThat(b.state()).isEqualTo("terminated");
        assertThat(b.privateIp()).isEmpty();
        assertThat(b.privateDnsName()).isEmpty();
        assertThat(http.sent().get(0).form()).containsEntry("Action", "DescribeInstances");
    }
}
