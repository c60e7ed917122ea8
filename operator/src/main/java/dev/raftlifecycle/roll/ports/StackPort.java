package dev.raftlifecycle.roll.ports;

import java.util.LinkedHashMap;
import java.util.Map;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;

/** CloudFormation DescribeStacks: a stack's outputs, key to value. */
public final class StackPort {
    private final CloudFormationClient client;

    public StackPort(CloudFormationClient client) {
        this.client = client;
    }

    /** @throws software.amazon.awssdk.core.exception.SdkException no such stack (a ValidationError) or a failed call */
    public Map<String, String> outputs(String stackName) {
        Map<String, String> outputs = new LinkedHashMap<>();
        client.describeStacks(r -> r.stackName(stackName)).stacks().stream().findFirst()
                .ifPresent(s -> s.outputs().forEach(o -> outputs.put(o.outputKey(), o.outputValue())));
        return outputs;
    }
}
