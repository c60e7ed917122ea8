package dev.raftlifecycle.infra;

import java.util.ArrayList;
import java.util.List;
import software.amazon.awscdk.services.autoscaling.CfnLifecycleHook;
import software.constructs.Construct;

/**
 * The cluster's launch and terminate hooks ({@link ServerGroups#HOOKS}) on Auto Scaling groups the stack does not own:
 * one AWS::AutoScaling::LifecycleHook per group and hook, which CloudFormation creates on (and deletes from) a group
 * named by its name. Nothing else of the groups is touched; whatever hooks of their own they have stay as they are.
 * The hooks send their events to EventBridge (no notification target), where the handlers' rules pick them up by
 * group and hook name. Their default result follows the mode ({@link ServerGroups.Hook#defaultResult}): a deploy that
 * turns shadow off turns it to ABANDON.
 */
public final class AdoptedGroupHooks extends Construct {

    private final List<CfnLifecycleHook> hooks = new ArrayList<>();

    public AdoptedGroupHooks(Construct scope, String id, ClusterConfig config) {
        super(scope, id);
        List<String> groupNames = config.groupNames();
        for (int g = 0; g < groupNames.size(); g++) {
            for (ServerGroups.Hook hook : ServerGroups.HOOKS) {
                String which = hook.name().equals(ServerGroups.LAUNCH_HOOK_NAME) ? "Launch" : "Terminate";
                hooks.add(CfnLifecycleHook.Builder.create(this, which + "Hook" + (g + 1))
                        .autoScalingGroupName(groupNames.get(g))
                        .lifecycleHookName(hook.name())
                        .lifecycleTransition(hook.transition())
                        .defaultResult(ServerGroups.Hook.defaultResult(config))
                        .heartbeatTimeout(hook.heartbeatSeconds())
                        .build());
            }
        }
    }

    /** Every hook, per group: launch then terminate. */
    public List<CfnLifecycleHook> hooks() {
        return List.copyOf(hooks);
    }
}
