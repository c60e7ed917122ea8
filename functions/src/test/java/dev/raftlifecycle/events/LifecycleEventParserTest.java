package dev.raftlifecycle.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LifecycleEventParserTest {
    /** A real-shaped event, as in the AWS documentation of Auto Scaling's EventBridge events. */
    static final String TERMINATE = """
            {"version":"0","id":"468fd8fd-9b9f-4d2d-b8a5-4a1e6a2c5b21","detail-type":"EC2 Instance-terminate Lifecycle Action",
             "source":"aws.autoscaling","account":"123456789012","time":"2026-11-22T10:00:00Z","region":"us-east-1",
             "resources":["arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:1a2b:autoScalingGroupName/vault-a"],
             "detail":{"LifecycleActionToken":"87654321-4321-4321-4321-210987654321","AutoScalingGroupName":"vault-a",
             "LifecycleHookName":"vault-terminate","EC2InstanceId":"i-1234567890abcdef0",
             "LifecycleTransition":"autoscaling:EC2_INSTANCE_TERMINATING","NotificationMetadata":"extra",
             "Origin":"AutoScalingGroup","Destination":"EC2"}}""";

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void parsesATerminateEvent() {
        LifecycleEvent e = LifecycleEventParser.parse(bytes(TERMINATE), LifecycleEvent.Kind.TERMINATE);
        assertThat(e.groupName()).isEqualTo("vault-a");
        assertThat(e.hookName()).isEqualTo("vault-terminate");
        assertThat(e.instanceId()).isEqualTo("i-1234567890abcdef0");
        assertThat(e.token()).isEqualTo("87654321-4321-4321-4321-210987654321");
        assertThat(e.eventId()).isEqualTo("468fd8fd-9b9f-4d2d-b8a5-4a1e6a2c5b21");
        assertThat(e.notificationMetadata()).contains("extra");
        assertThat(e.origin()).contains("AutoScalingGroup");
        assertThat(e.intoWarmPool()).isFalse();
    }

    @Test
    void parsesALaunchIntoTheWarmPool() {
        String launch = TERMINATE.replace("EC2 Instance-terminate", "EC2 Instance-launch")
                .replace("EC2_INSTANCE_TERMINATING", "EC2_INSTANCE_LAUNCHING")
                .replace("\"Origin\":\"AutoScalingGroup\",\"Destination\":\"EC2\"", "\"Origin\":\"EC2\",\"Destination\":\"WarmPool\"");
        LifecycleEvent e = LifecycleEventParser.parse(bytes(launch), LifecycleEvent.Kind.LAUNCH);
        assertThat(e.intoWarmPool()).isTrue();
    }

    @Test
    void optionalFieldsMayBeAbsent() {
        String minimal = TERMINATE.replace(",\"NotificationMetadata\":\"extra\"", "")
                .replaceAll(",\\s*\"Origin\":\"AutoScalingGroup\",\"Destination\":\"EC2\"", "");
        LifecycleEvent e = LifecycleEventParser.parse(bytes(minimal), LifecycleEvent.Kind.TERMINATE);
        assertThat(e.notificationMetadata()).isEmpty();
        assertThat(e.origin()).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "a launch event to the terminating handler | EC2 Instance-terminate Lifecycle Action | EC2 Instance-launch Lifecycle Action | detail-type",
            "another source | \"aws.autoscaling\" | \"aws.ec2\" | source",
            "blank group | \"vault-a\" | \"  \" | detail.AutoScalingGroupName",
            "numeric hook | \"vault-terminate\" | 7 | detail.LifecycleHookName",
            "null instance | \"i-1234567890abcdef0\" | null | detail.EC2InstanceId",
            "not an instance id | \"i-1234567890abcdef0\" | \"web-01\" | detail.EC2InstanceId",
            "short token | 87654321-4321-4321-4321-210987654321 | abc | detail.LifecycleActionToken",
            "array detail | \"detail\":{ | \"detail\":[],\"x\":{ | detail",
            "non-string origin | \"Origin\":\"AutoScalingGroup\" | \"Origin\":false | detail.Origin",
    })
    void rejectsNamingTheField(String name, String from, String to, String field) {
        String json = TERMINATE.replace(from.trim(), to.trim());
        assertThatThrownBy(() -> LifecycleEventParser.parse(bytes(json), LifecycleEvent.Kind.TERMINATE))
                .isInstanceOf(InvalidEventException.class)
                .satisfies(e -> assertThat(((InvalidEventException) e).field()).isEqualTo(field));
    }

    @Test
    void rejectsDuplicateKeysEmptyAndHugeInput() {
        assertThatThrownBy(() -> LifecycleEventParser.parse(new byte[0], LifecycleEvent.Kind.TERMINATE))
                .hasMessage("event: is empty");
        assertThatThrownBy(() -> LifecycleEventParser.parse(bytes("{\"source\":\"a\",\"source\":\"b\"}"),
                LifecycleEvent.Kind.TERMINATE)).hasMessageStartingWith("event: malformed JSON");
        assertThatThrownBy(() -> LifecycleEventParser.parse(new byte[300 * 1024], LifecycleEvent.Kind.TERMINATE))
                .hasMessageStartingWith("event: is larger than 256 KiB");
        assertThatThrownBy(() -> LifecycleEventParser.parse(bytes("\"just a string\""), LifecycleEvent.Kind.TERMINATE))
                .hasMessage("event: must be a JSON object");
    }
}
