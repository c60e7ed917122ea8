package dev.raftlifecycle.decisions;

import java.util.Objects;

/** Whether an instance runs its group's launch template: one rule for the roll and for the publisher's metric. */
public final class LaunchTemplates {
    private LaunchTemplates() {
    }

    /**
     * The same version of the same template. Another template with the same version number is not (a stack that
     * replaced its template starts again at version 1); a template id missing on either side counts as the same; a
     * missing version on either side is never the same.
     */
    public static boolean sameAsGroups(String groupTemplateId, String groupVersion, String templateId, String version) {
        if (groupVersion == null || !Objects.equals(groupVersion, version)) {
            return false;
        }
        return groupTemplateId == null || templateId == null || groupTemplateId.equals(templateId);
    }
}
