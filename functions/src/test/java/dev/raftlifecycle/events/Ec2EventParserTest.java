package dev.raftlifecycle.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class Ec2EventParserTest {
    private static final Set<Ec2EventParser.Kind> RECONCILER = EnumSet.of(Ec2EventParser.Kind.SCHEDULED,
            Ec2EventParser.Kind.STATE_CHANGE);
    private static final Set<Ec2EventParser.Kind> INTERRUPTION = EnumSet.of(Ec2EventParser.Kind.SPOT_INTERRUPTION,
            Ec2EventParser.Kind.REBALANCE);

    private static Ec2Event parse(String json, Set<Ec2EventParser.Kind> kinds) {
        return Ec2EventParser.parse(json.getBytes(StandardCharsets.UTF_8), kinds);
    }

    /** The documented examples' shape (EventBridge's envelope around EC2's detail). */
    private static String ec2(String detailType, String detail) {
        return "{\"version\":\"0\",\"id\":\"7bf73129-1428-4cd3-a780-95db273d1602\",\"detail-type\":\"" + detailType
                + "\",\"source\":\"aws.ec2\",\"account\":\"123456789012\",\"time\":\"2026-12-01T12:00:00Z\","
                + "\"region\":\"us-east-1\",\"resources\":[\"arn:aws:ec2:us-east-1:123456789012:instance/i-1234567890abcdef0\"],"
                + "\"detail\":" + detail + "}";
    }

    @Test
    void parsesTheThreeEc2EventsAndTheSchedule() {
        Ec2Event change = parse(ec2("EC2 Instance State-change Notification",
                "{\"instance-id\":\"i-1234567890abcdef0\",\"state\":\"shutting-down\"}"), RECONCILER);
        assertThat(change).isEqualTo(new Ec2Event.StateChange("7bf73129-1428-4cd3-a780-95db273d1602", "123456789012",
                "i-1234567890abcdef0", "shutting-down"));
        assertThat(((Ec2Event.StateChange) change).isFinal()).isTrue();

        Ec2Event spot = parse(ec2("EC2 Spot Instance Interruption Warning",
                "{\"instance-id\":\"i-1234567890abcdef0\",\"instance-action\":\"terminate\"}"), INTERRUPTION);
        assertThat(((Ec2Event.SpotInterruption) spot).terminates()).isTrue();
        assertThat(((Ec2Event.SpotInterruption) parse(ec2("EC2 Spot Instance Interruption Warning",
                "{\"instance-id\":\"i-1234567890abcdef0\",\"instance-action\":\"hibernate\"}"), INTERRUPTION)).terminates())
                .isFalse();
        assertThat(parse(ec2("EC2 Instance Rebalance Recommendation", "{\"instance-id\":\"i-1234567890abcdef0\"}"),
                INTERRUPTION)).isInstanceOf(Ec2Event.RebalanceRecommendation.class);

        assertThat(parse("{\"source\":\"aws.events\",\"detail-type\":\"Scheduled Event\",\"detail\":{}}", RECONCILER))
                .isInstanceOf(Ec2Event.Scheduled.class);
        assertThat(parse("{}", RECONCILER)).isInstanceOf(Ec2Event.Scheduled.class);
        assertThat(parse("", RECONCILER)).isInstanceOf(Ec2Event.Scheduled.class);
    }

    @Test
    void everyProblemNamesItsField() {
        assertThatThrownBy(() -> parse("", INTERRUPTION)).hasMessage("event: is empty");
        assertThatThrownBy(() -> parse("{}", INTERRUPTION)).hasMessage("source: is missing");
        assertThatThrownBy(() -> parse("[1]", RECONCILER)).hasMessage("event: must be a JSON object");
        assertThatThrownBy(() -> parse("{not json", RECONCILER)).hasMessageStartingWith("event: malformed JSON");
        assertThatThrownBy(() -> parse(ec2("EC2 Spot Instance Interruption Warning", "{\"instance-id\":\"i-1234567890abcdef0\","
                + "\"instance-action\":\"terminate\"}"), RECONCILER)).hasMessageStartingWith("detail-type: must be one of");
        assertThatThrownBy(() -> parse(ec2("EC2 Instance State-change Notification", "{\"instance-id\":\"i-1234567890abcdef0\","
                + "\"state\":\"terminated\"}").replace("aws.ec2", "my.app"), RECONCILER)).hasMessageStartingWith("source: must be 'aws.ec2'");
        assertThatThrownBy(() -> parse(ec2("EC2 Instance State-change Notification", "{\"state\":\"terminated\"}"), RECONCILER))
                .hasMessage("detail.instance-id: is missing");
        assertThatThrownBy(() -> parse(ec2("EC2 Instance State-change Notification", "{\"instance-id\":\"web-1\","
                + "\"state\":\"terminated\"}"), RECONCILER)).hasMessage("detail.instance-id: is not an EC2 instance id: 'web-1'");
        assertThatThrownBy(() -> parse(ec2("EC2 Instance State-change Notification", "{\"instance-id\":\"i-1234567890abcdef0\","
                + "\"state\":7}"), RECONCILER)).hasMessage("detail.state: must be a string, not number");
        assertThatThrownBy(() -> parse(ec2("EC2 Spot Instance Interruption Warning", "{\"instance-id\":\"i-1234567890abcdef0\"}"),
                INTERRUPTION)).hasMessage("detail.instance-action: is missing");
        assertThatThrownBy(() -> parse(ec2("EC2 Instance Rebalance Recommendation", "\"x\""), INTERRUPTION))
                .hasMessage("detail: must be an object");
        assertThatThrownBy(() -> parse(ec2("EC2 Instance Rebalance Recommendation", "{\"instance-id\":\"i-1234567890abcdef0\"}")
                .replace("123456789012\",\"time", "12345\",\"time"), INTERRUPTION)).hasMessageStartingWith("account: is not an AWS account id");
    }
}
