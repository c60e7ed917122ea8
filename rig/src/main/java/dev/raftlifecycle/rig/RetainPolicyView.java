package dev.raftlifecycle.rig;

/**
 * The one place the rig says what a group's instance lifecycle policy is for a foreign cluster: none (moto does not
 * model the policy; the rig's front reports it, see helper adopt-shadow's {@code terminateHookAbandon}).
 */
final class RetainPolicyView {
    private RetainPolicyView() {
    }

    /** The group reports no InstanceLifecyclePolicy at all (a group built without the retain policy). */
    static void none(Rig rig, String group) {
        // Until the front reports the policy, a group shows none: nothing to do here. Once it does, this becomes
        // rig.recorder().terminateHookAbandon(group, null).
    }
}
