package dev.raftlifecycle.lab;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.raftlifecycle.contract.HandlerNames;
import dev.raftlifecycle.rig.AwsInterceptor;
import dev.raftlifecycle.rig.AwsInterceptor.Reply;
import dev.raftlifecycle.rig.AwsInterceptor.Request;
import dev.raftlifecycle.rig.VaultNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import software.amazon.awssdk.services.autoscaling.model.AutoScalingGroup;
import software.amazon.awssdk.services.ec2.model.LaunchTemplate;
import software.amazon.awssdk.services.ec2.model.ResponseLaunchTemplateData;

/**
 * The lab's AWS endpoint as Auto Scaling and Lambda for what a roll does (scripts/rolling-upgrade's RollCommand, its
 * SDK clients pointed at the lab's front): the calls moto does not play as AWS would are answered here, through the
 * lab's own lifecycle paths ({@link LifecycleDriver}), in AWS's wire format.
 *
 * <ul>
 * <li>SetDesiredCapacity raising a group's capacity: moto launches the instances (it checks the call's signature and
 * permission), and each goes through the lab's launch path in the background: Pending:Wait, its Vault process boots,
 * the launch event goes to the launching handler, InService after CONTINUE (after ABANDON the driver terminates it and
 * the group launches another, three attempts). Lowering is answered only when it terminates no instance (the group
 * has no more instances than the new value); otherwise a ValidationError: a roll lowers only after an abandoned
 * launch, and in the lab the group launches the next attempt at once, so such a lowering is refused. A group holding
 * a Terminating:Retained instance is not resized here (ValidationError).</li>
 * <li>TerminateInstanceInAutoScalingGroup: the lab's terminate path in the background (Terminating:Wait, the
 * terminate hook's event to the terminating handler, CONTINUE: the process stops and the instance terminates;
 * ABANDON: Terminating:Retained). ShouldDecrementDesiredCapacity true: no replacement and desired capacity lower;
 * false: the group's replacement goes through the launch path. Answered at once with the activity, as AWS does; a
 * second call for an instance already terminating (or still launching) is AWS's ScalingActivityInProgress.</li>
 * <li>Start/Describe/CancelInstanceRefresh, played as AWS documents it for MinHealthyPercentage 100 and
 * MaxHealthyPercentage 200 (other values are refused): Pending, then InProgress: a replacement launched for every
 * InService instance not on the group's launch template version (every instance without SkipMatching), all at once,
 * above desired capacity (which shows unchanged); once all are InService and the warm-up has passed, the old ones
 * terminate together through the terminate path; Successful. An ABANDONed launch or terminate fails it (Failed, the
 * StatusReason says which); CancelInstanceRefresh stops it before the old instances are terminated (Cancelled; the
 * replacements already launched stay). No checkpoints, rollback, bake time or alarms.</li>
 * <li>DescribeScalingActivities: moto keeps none; the lab's launches and terminations (every one the driver runs, not
 * only the roll's) are answered here, an ABANDONed lifecycle action with AWS's status message ("... Lifecycle Action
 * Completed with ABANDON Result").</li>
 * <li>Lambda Invoke of {@link LabEnvironment#statusFunctionName()} (or {@code name:alias}): the lab's publisher handler with the payload, its
 * output with 200 (a handler failure: X-Amz-Function-Error: Unhandled and Lambda's error JSON).</li>
 * <li>Each instance's launch template version: the group's (resolved to a number) when its launch starts; instances
 * running when the stand-in is installed: the version the group resolves to then (1 for a new lab).</li>
 * </ul>
 *
 * <p>What the front checks: the signature and the permission of DescribeScalingActivities, the instance refresh calls
 * and Invoke (moto sees them first and does not act on them), and of a SetDesiredCapacity raise or no-op and an allowed
 * lowering (moto performs it). TerminateInstanceInAutoScalingGroup never reaches moto (it would terminate the instance
 * at once): its permission is evaluated by the rig's front from the policy the rig gave the caller (the rig's own
 * principal: allowed; a handler role: its synthesized statements; the roll operator: its statements, on the group's
 * ARN; anyone else: refused), before this answers. Not checked: the signature of a TerminateInstanceInAutoScalingGroup
 * (only its access key is read) and a refused lowering (refused before moto sees it, with ValidationError). For the roll
 * operator's credentials the front also evaluates the resources of the mutations (the group's ARN) and of Invoke (the
 * function's ARN with its qualifier), which moto does not.
 */
final class AutoScalingStandIn implements LifecycleDriver.Activities {
    private static final String NS = "http://autoscaling.amazonaws.com/doc/2011-01-01/";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration REFRESH_POLL = Duration.ofMillis(500);

    /** A scaling activity, as DescribeScalingActivities shows it. */
    private static final class Activity {
        final String id = UUID.randomUUID().toString();
        final String group;
        final String instanceId;
        final String description;
        final String cause;
        final Instant start = now();
        volatile Instant end;
        volatile String statusCode;
        volatile String statusMessage;
        volatile int progress;

        Activity(String group, String instanceId, String description, String cause, String statusCode, int progress) {
            this.group = group;
            this.instanceId = instanceId;
            this.description = description;
            this.cause = cause;
            this.statusCode = statusCode;
            this.progress = progress;
        }

        boolean inProgress() {
            return end == null;
        }

        void end(String code, String message) {
            statusCode = code;
            statusMessage = message;
            progress = 100;
            end = now();
        }
    }

    /** An instance refresh, as DescribeInstanceRefreshes shows it. */
    private static final class Refresh {
        final String id = UUID.randomUUID().toString();
        final String group;
        final int minHealthy;
        final int maxHealthy;
        final boolean skipMatching;
        final int warmupSeconds;
        final Instant start = now();
        volatile Instant end;
        volatile String status = "Pending";
        volatile String reason;
        volatile int percentage;
        volatile Integer toUpdate;
        volatile boolean cancel;
        volatile String failure;

        Refresh(String group, int minHealthy, int maxHealthy, boolean skipMatching, int warmupSeconds) {
            this.group = group;
            this.minHealthy = minHealthy;
            this.maxHealthy = maxHealthy;
            this.skipMatching = skipMatching;
            this.warmupSeconds = warmupSeconds;
        }

        boolean active() {
            return Set.of("Pending", "InProgress", "Cancelling").contains(status);
        }

        void finish(String finalStatus, String why) {
            reason = why;
            end = now();
            status = finalStatus;
        }
    }

    private final LabEnvironment lab;
    private final List<Activity> activities = new CopyOnWriteArrayList<>();
    private final Map<String, Activity> openByInstance = new ConcurrentHashMap<>();
    /** Why each instance the stand-in launched was launched (its launch activity's cause). */
    private final Map<String, String> launchCauses = new ConcurrentHashMap<>();
    private final List<Refresh> refreshes = new CopyOnWriteArrayList<>();
    /** Instances a TerminateInstanceInAutoScalingGroup call is terminating (a second call is refused). */
    private final Set<String> terminating = ConcurrentHashMap.newKeySet();
    /** One change of a group's capacity at a time (moto's new instances are told apart by their ids before and after). */
    private final Object scaling = new Object();

    AutoScalingStandIn(LabEnvironment lab) {
        this.lab = lab;
    }

    /** Registers the answers with the lab's AWS front and records the running instances' versions. */
    void install() {
        for (String group : lab.cluster.groupNames()) {
            String version = groupVersion(group);
            for (String id : lab.cluster.groupInstanceIds(group)) {
                lab.rig.recorder().launchTemplateVersion(id, version);
            }
        }
        lab.driver.activities(this);
        var recorder = lab.rig.recorder();
        recorder.intercept("autoscaling", "SetDesiredCapacity"::equals, AwsInterceptor.Check.BY_INTERCEPTOR,
                this::setDesiredCapacity);
        recorder.intercept("autoscaling", "TerminateInstanceInAutoScalingGroup"::equals,
                AwsInterceptor.Check.BY_INTERCEPTOR, this::terminateInstance);
        recorder.intercept("autoscaling", "StartInstanceRefresh"::equals, this::startInstanceRefresh);
        recorder.intercept("autoscaling", "DescribeInstanceRefreshes"::equals, this::describeInstanceRefreshes);
        recorder.intercept("autoscaling", "CancelInstanceRefresh"::equals, this::cancelInstanceRefresh);
        recorder.intercept("autoscaling", "DescribeScalingActivities"::equals, this::describeScalingActivities);
        // The function by its name, or name:alias (the operator's policy allows the live alias only; the front refuses
        // what it does not allow before this answers).
        String prefix = "POST /2015-03-31/functions/" + lab.statusFunctionName();
        recorder.intercept("lambda", action -> action.equals(prefix + "/invocations")
                || action.startsWith(prefix + ":") && action.endsWith("/invocations")
                && action.indexOf('/', prefix.length()) == action.length() - "/invocations".length(),
                this::invokePublisher);
    }

    // ---- the new image ------------------------------------------------------------------------------

    /**
     * A new "image": a new version of the groups' launch template (the latest version's data with a new AMI id), and
     * every group pointed at it by number (UpdateAutoScalingGroup LaunchTemplate Version "N"). Returns N.
     */
    String newImage() {
        List<String> groups = lab.cluster.groupNames();
        AutoScalingGroup first = describeGroup(groups.get(0));
        String templateId = first.launchTemplate().launchTemplateId();
        ResponseLaunchTemplateData data = lab.rig.ec2().describeLaunchTemplateVersions(r -> r.launchTemplateId(templateId)
                .versions("$Latest")).launchTemplateVersions().get(0).launchTemplateData();
        String ami = "ami-" + UUID.randomUUID().toString().replace("-", "").substring(0, 17);
        long version = lab.rig.ec2().createLaunchTemplateVersion(r -> r.launchTemplateId(templateId)
                .versionDescription("lab roll: new image " + ami)
                .launchTemplateData(d -> {
                    d.imageId(ami).instanceType(data.instanceType());
                    if (data.metadataOptions() != null) {
                        d.metadataOptions(m -> m.httpTokens(data.metadataOptions().httpTokensAsString())
                                .httpPutResponseHopLimit(data.metadataOptions().httpPutResponseHopLimit()));
                    }
                })).launchTemplateVersion().versionNumber();
        for (String group : groups) {
            lab.rig.autoScaling().updateAutoScalingGroup(r -> r.autoScalingGroupName(group)
                    .launchTemplate(t -> t.launchTemplateId(templateId).version(Long.toString(version))));
        }
        lab.timeline.mark("new image: launch template version " + version + " (" + ami + ") on every group");
        return Long.toString(version);
    }

    /** The group's launch template version as a number ($Latest and $Default resolved as Auto Scaling does). */
    String groupVersion(String group) {
        var spec = describeGroup(group).launchTemplate();
        String version = spec.version() == null ? "$Default" : spec.version();
        if (!version.startsWith("$")) {
            return version;
        }
        LaunchTemplate template = lab.rig.ec2().describeLaunchTemplates(r -> r.launchTemplateIds(spec.launchTemplateId()))
                .launchTemplates().get(0);
        return Long.toString("$Latest".equals(version) ? template.latestVersionNumber() : template.defaultVersionNumber());
    }

    private boolean hasNode(String instanceId) {
        return lab.cluster.nodes().stream().anyMatch(n -> n.instanceId().equals(instanceId));
    }

    private AutoScalingGroup describeGroup(String group) {
        return lab.rig.autoScaling().describeAutoScalingGroups(r -> r.autoScalingGroupNames(group))
                .autoScalingGroups().get(0);
    }

    /** The desired capacity AWS would show (moto's, less the instances AWS would not count). */
    private int shownDesired(AutoScalingGroup group) {
        return group.desiredCapacity() + lab.rig.recorder().desiredCapacityOffset(group.autoScalingGroupName());
    }

    // ---- activities (the driver tells of every launch and termination) ------------------------------

    @Override
    public void started(String instanceId, String group, boolean launch) {
        if (launch) {
            if (lab.rig.recorder().launchTemplateVersion(instanceId).isEmpty()) {
                lab.rig.recorder().launchTemplateVersion(instanceId, groupVersion(group));
            }
            String cause = launchCauses.remove(instanceId);
            open(new Activity(group, instanceId, "Launching a new EC2 instance: " + instanceId, cause != null ? cause
                    : "At " + now() + " an instance was started in response to a difference between desired and"
                    + " actual capacity.", "MidLifecycleAction", 30));
        } else if (!openByInstance.containsKey(instanceId)) {
            open(new Activity(group, instanceId, "Terminating EC2 instance: " + instanceId, "At " + now()
                    + " instance " + instanceId + " was taken out of service.", "MidLifecycleAction", 50));
        }
    }

    @Override
    public void ended(String instanceId, String group, boolean launch, String result, String reason, String token) {
        Activity activity = openByInstance.remove(instanceId);
        if (activity != null) {
            if ("CONTINUE".equals(result)) {
                activity.end("Successful", null);
            } else {
                activity.end("Cancelled", "Instance failed to complete user's Lifecycle Action: Lifecycle Action with"
                        + " token " + token + " was abandoned: Lifecycle Action Completed with "
                        + ("TIMEOUT".equals(result) ? "no result (timed out)" : "ABANDON Result")
                        + (launch ? "" : "; the instance is retained (Terminating:Retained)")
                        + (reason == null || reason.isEmpty() ? "" : " (" + reason + ")"));
            }
        }
        if (!"CONTINUE".equals(result)) {
            for (Refresh refresh : refreshes) {
                if (refresh.group.equals(group) && refresh.active() && refresh.failure == null) {
                    refresh.failure = (launch ? "The launch" : "The termination") + " of " + instanceId
                            + " was abandoned (" + result + (reason == null || reason.isEmpty() ? "" : ": " + reason) + ")";
                }
            }
        }
    }

    /** How long each launch took from its start to the launch hook's CONTINUE (an admission), in launch order. */
    List<Duration> admissions() {
        return activities.stream().filter(a -> a.description.startsWith("Launching") && a.end != null
                && "Successful".equals(a.statusCode)).map(a -> Duration.between(a.start, a.end)).toList();
    }

    private void open(Activity activity) {
        activities.add(activity);
        openByInstance.put(activity.instanceId, activity);
    }

    // ---- SetDesiredCapacity -------------------------------------------------------------------------

    private Reply setDesiredCapacity(Request request) throws Exception {
        String group = request.param("AutoScalingGroupName");
        if (!lab.cluster.groupNames().contains(group)) {
            return request.moto().send();
        }
        int wanted;
        try {
            wanted = Integer.parseInt(request.param("DesiredCapacity"));
        } catch (NumberFormatException | NullPointerException e) {
            return error(400, "ValidationError", "DesiredCapacity must be a number");
        }
        synchronized (scaling) {
            AutoScalingGroup asg = describeGroup(group);
            int desired = shownDesired(asg);
            if (wanted > asg.maxSize()) {
                return error(400, "ValidationError", "New SetDesiredCapacity value " + wanted
                        + " is above max value " + asg.maxSize() + " for the AutoScalingGroup.");
            }
            if (wanted < asg.minSize()) {
                return error(400, "ValidationError", "New SetDesiredCapacity value " + wanted
                        + " is below min value " + asg.minSize() + " for the AutoScalingGroup.");
            }
            if (wanted != desired && lab.rig.recorder().desiredCapacityOffset(group) != 0) {
                return error(400, "ValidationError", "the lab does not resize " + group
                        + " while it holds a Terminating:Retained instance (terminate it first)");
            }
            List<String> before = lab.cluster.groupInstanceIds(group);
            if (wanted < desired && before.size() > wanted) {
                return error(400, "ValidationError", "the lab lowers the desired capacity of " + group
                        + " only when no instance would be terminated: it has " + before.size() + " instances, "
                        + wanted + " wanted (terminate instances with TerminateInstanceInAutoScalingGroup"
                        + " ShouldDecrementDesiredCapacity=true instead)");
            }
            Reply moto = request.moto().send(); // moto checks the call and sets the capacity (launching, if raised)
            if (moto.status() != 200 || wanted <= desired) {
                if (moto.status() == 200 && wanted != desired) {
                    lab.timeline.mark("SetDesiredCapacity " + group + " " + desired + " -> " + wanted);
                }
                return moto;
            }
            Set<String> known = new HashSet<>(before);
            List<String> launched = lab.cluster.groupInstanceIds(group).stream().filter(id -> !known.contains(id)).toList();
            lab.timeline.mark("SetDesiredCapacity " + group + " " + desired + " -> " + wanted + ": launching "
                    + String.join(", ", launched));
            for (String id : launched) {
                launchCauses.put(id, "At " + now() + " a user request explicitly set group desired capacity changing"
                        + " the desired capacity from " + desired + " to " + wanted + ".  At " + now()
                        + " an instance was started in response to a difference between desired and actual capacity,"
                        + " increasing the capacity from " + before.size() + " to " + (before.size() + launched.size()) + ".");
                pending(id);
                lab.driver.launchInBackground(id);
            }
            return moto;
        }
    }

    /** Shown Pending until its launch action opens (Pending:Wait): moto would show it InService at once. */
    private void pending(String instanceId) {
        lab.rig.recorder().lifecycleState(instanceId, "Pending");
    }

    // ---- TerminateInstanceInAutoScalingGroup --------------------------------------------------------

    private Reply terminateInstance(Request request) throws Exception {
        String id = request.param("InstanceId");
        boolean decrement = "true".equalsIgnoreCase(request.param("ShouldDecrementDesiredCapacity"));
        Optional<VaultNode> node = lab.cluster.nodes().stream().filter(n -> n.instanceId().equals(id)).findFirst();
        if (node.isEmpty() && lab.driver.state(id).startsWith("Terminated")) {
            return error(400, "ValidationError", "Instance Id not found - No managed instance found for instance ID: " + id);
        }
        if (node.isEmpty()) {
            return request.moto().send(); // not a lab node (none of its groups' servers): moto's own termination
        }
        String group = node.get().groupName();
        synchronized (scaling) {
            String state = lab.driver.state(id);
            if (state.startsWith("Terminated") || !lab.cluster.groupInstanceIds(group).contains(id)) {
                return error(400, "ValidationError",
                        "Instance Id not found - No managed instance found for instance ID: " + id);
            }
            boolean retained = LifecycleDriver.RETAINED.equals(state);
            if (terminating.contains(id) || (!retained && (state.startsWith("Terminating") || state.startsWith("Pending")))) {
                return error(400, "ScalingActivityInProgress", "An activity is in progress for instance " + id
                        + " (" + state + "): it cannot be terminated now.");
            }
            terminating.add(id);
            int desired = shownDesired(describeGroup(group));
            Activity activity = new Activity(group, id, "Terminating EC2 instance: " + id, "At " + now() + " instance "
                    + id + " was taken out of service in response to a user request" + (decrement
                    ? ", shrinking the capacity from " + desired + " to " + (desired - 1) + "." : "."),
                    "InProgress", 0);
            open(activity);
            lab.rig.recorder().lifecycleState(id, "Terminating");
            background("lab-terminate-" + id, () -> {
                try {
                    lab.driver.terminate(id, null, !decrement);
                } finally {
                    terminating.remove(id);
                }
            });
            return result("TerminateInstanceInAutoScalingGroup", "<Activity>" + activityXml(activity) + "</Activity>");
        }
    }

    // ---- instance refresh ---------------------------------------------------------------------------

    private Reply startInstanceRefresh(Request request) {
        String group = request.param("AutoScalingGroupName");
        if (!lab.cluster.groupNames().contains(group)) {
            return error(400, "ValidationError", "AutoScalingGroup name not found - " + group);
        }
        int minHealthy = intParam(request, "Preferences.MinHealthyPercentage", 90);
        int maxHealthy = intParam(request, "Preferences.MaxHealthyPercentage", 100);
        if (minHealthy != 100 || maxHealthy != 200) {
            return error(400, "ValidationError", "the lab plays instance refreshes with MinHealthyPercentage 100 and"
                    + " MaxHealthyPercentage 200 only (launch before terminate); asked " + minHealthy + "/" + maxHealthy);
        }
        if (request.param("DesiredConfiguration.LaunchTemplate.LaunchTemplateId") != null
                || request.param("Strategy") != null && !"Rolling".equals(request.param("Strategy"))) {
            return error(400, "ValidationError", "the lab plays Rolling instance refreshes to the group's own launch"
                    + " template only (no DesiredConfiguration)");
        }
        synchronized (refreshes) {
            if (refreshes.stream().anyMatch(r -> r.group.equals(group) && r.active())) {
                return error(400, "InstanceRefreshInProgress", "An Instance Refresh is already in progress and blocks"
                        + " the execution of this Instance Refresh.");
            }
            Refresh refresh = new Refresh(group, minHealthy, maxHealthy,
                    "true".equalsIgnoreCase(request.param("Preferences.SkipMatching")),
                    intParam(request, "Preferences.InstanceWarmup", 0));
            refreshes.add(refresh);
            lab.timeline.mark("instance refresh " + group + " started");
            background("lab-refresh-" + group, () -> run(refresh));
            return result("StartInstanceRefresh", "<InstanceRefreshId>" + refresh.id + "</InstanceRefreshId>");
        }
    }

    private Reply cancelInstanceRefresh(Request request) {
        String group = request.param("AutoScalingGroupName");
        synchronized (refreshes) {
            Optional<Refresh> active = refreshes.stream().filter(r -> r.group.equals(group)
                    && ("Pending".equals(r.status) || "InProgress".equals(r.status))).findFirst();
            if (active.isEmpty()) {
                return error(400, "ActiveInstanceRefreshNotFound", "No in progress or pending Instance Refresh found"
                        + " for Auto Scaling group " + group);
            }
            active.get().cancel = true;
            active.get().status = "Cancelling";
            return result("CancelInstanceRefresh", "<InstanceRefreshId>" + active.get().id + "</InstanceRefreshId>");
        }
    }

    private Reply describeInstanceRefreshes(Request request) {
        String group = request.param("AutoScalingGroupName");
        Set<String> ids = members(request, "InstanceRefreshIds.member.");
        StringBuilder xml = new StringBuilder("<InstanceRefreshes>");
        refreshes.stream().filter(r -> r.group.equals(group) && (ids.isEmpty() || ids.contains(r.id)))
                .sorted(Comparator.comparing((Refresh r) -> r.start).reversed())
                .limit(intParam(request, "MaxRecords", 50))
                .forEach(r -> xml.append("<member><InstanceRefreshId>").append(r.id).append("</InstanceRefreshId>")
                        .append("<AutoScalingGroupName>").append(esc(r.group)).append("</AutoScalingGroupName>")
                        .append("<Status>").append(r.status).append("</Status>")
                        .append(r.reason == null ? "" : "<StatusReason>" + esc(r.reason) + "</StatusReason>")
                        .append("<StartTime>").append(r.start).append("</StartTime>")
                        .append(r.end == null ? "" : "<EndTime>" + r.end + "</EndTime>")
                        .append("<PercentageComplete>").append(r.percentage).append("</PercentageComplete>")
                        .append(r.toUpdate == null ? "" : "<InstancesToUpdate>" + r.toUpdate + "</InstancesToUpdate>")
                        .append("<ProgressDetails><LivePoolProgress><PercentageComplete>").append(r.percentage)
                        .append("</PercentageComplete>").append(r.toUpdate == null ? ""
                                : "<InstancesToUpdate>" + r.toUpdate + "</InstancesToUpdate>")
                        .append("</LivePoolProgress></ProgressDetails>")
                        .append("<Preferences><MinHealthyPercentage>").append(r.minHealthy)
                        .append("</MinHealthyPercentage><InstanceWarmup>").append(r.warmupSeconds)
                        .append("</InstanceWarmup><SkipMatching>").append(r.skipMatching)
                        .append("</SkipMatching><MaxHealthyPercentage>").append(r.maxHealthy)
                        .append("</MaxHealthyPercentage></Preferences><Strategy>Rolling</Strategy></member>"));
        return result("DescribeInstanceRefreshes", xml.append("</InstanceRefreshes>").toString());
    }

    /**
     * One refresh, as AWS plays MinHealthyPercentage 100 / MaxHealthyPercentage 200: every replacement launched at
     * once above desired capacity (desired shows unchanged), all InService and warmed up, then the old instances
     * terminated together.
     */
    private void run(Refresh refresh) {
        String group = refresh.group;
        try {
            sleep(Duration.ofSeconds(1));
            if (refresh.cancel) {
                refresh.finish("Cancelled", "Cancelled before it started.");
                return;
            }
            refresh.status = "InProgress";
            String target = groupVersion(group);
            List<String> old = lab.cluster.groupInstanceIds(group).stream()
                    .filter(id -> lab.driver.state(id).equals("InService") && hasNode(id))
                    .filter(id -> !refresh.skipMatching
                            || !target.equals(lab.rig.recorder().launchTemplateVersion(id).orElse("")))
                    .toList();
            refresh.toUpdate = old.size();
            lab.timeline.mark("instance refresh " + group + ": replacing " + (old.isEmpty() ? "nothing" : String.join(", ", old)));
            if (old.isEmpty()) {
                refresh.percentage = 100;
                refresh.toUpdate = 0;
                refresh.finish("Successful", null);
                return;
            }
            List<String> replacements = new ArrayList<>();
            synchronized (scaling) {
                for (String id : old) {
                    String replacement = lab.cluster.launchInstance(group); // moto's desired capacity + 1 ...
                    lab.rig.recorder().adjustDesiredCapacity(group, -1); // ... above the desired capacity AWS shows
                    launchCauses.put(replacement, "At " + now() + " an instance was launched in response to an instance"
                            + " refresh (" + refresh.id + ") replacing " + id + ".");
                    pending(replacement);
                    replacements.add(replacement);
                }
            }
            replacements.forEach(lab.driver::launchInBackground);
            while (true) {
                long inService = replacements.stream().filter(id -> lab.driver.state(id).equals("InService")).count();
                refresh.percentage = (int) (inService * 50 / old.size());
                if (refresh.failure != null || refresh.cancel || inService == replacements.size()) {
                    break;
                }
                sleep(REFRESH_POLL);
            }
            if (stopped(refresh)) {
                return;
            }
            sleep(Duration.ofSeconds(refresh.warmupSeconds));
            if (stopped(refresh)) {
                return;
            }
            List<Thread> terminations = new ArrayList<>();
            for (String id : old) {
                terminating.add(id);
                terminations.add(background("lab-refresh-terminate-" + id, () -> {
                    try {
                        LifecycleDriver.Termination done = lab.driver.terminate(id, null, false);
                        // The old instance goes with the capacity it was launched above: desired shows unchanged.
                        lab.rig.recorder().adjustDesiredCapacity(group, 1);
                        if ("CONTINUE".equals(done.result())) {
                            refresh.percentage = Math.min(99, refresh.percentage + 50 / old.size());
                        }
                    } finally {
                        terminating.remove(id);
                    }
                }));
            }
            for (Thread t : terminations) {
                t.join();
            }
            if (refresh.failure != null) {
                refresh.finish("Failed", refresh.failure);
            } else {
                refresh.percentage = 100;
                refresh.finish("Successful", null);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            refresh.finish("Failed", "interrupted");
        } catch (RuntimeException e) {
            refresh.finish("Failed", "the lab's refresh failed: " + e.getMessage());
        } finally {
            lab.timeline.mark(refresh.status.equals("Successful") ? "continue" : "abandon", "", "instance refresh "
                    + group + ": " + refresh.status + (refresh.reason == null ? "" : " (" + refresh.reason + ")"));
        }
    }

    /** Ends a refresh that failed or was cancelled; false if it goes on. */
    private static boolean stopped(Refresh refresh) {
        if (refresh.failure != null) {
            refresh.finish("Failed", refresh.failure);
            return true;
        }
        if (refresh.cancel) {
            refresh.finish("Cancelled", "Cancelled by a user request; the instances already launched stay.");
            return true;
        }
        return false;
    }

    // ---- DescribeScalingActivities ------------------------------------------------------------------

    private Reply describeScalingActivities(Request request) {
        String group = request.param("AutoScalingGroupName");
        Set<String> ids = members(request, "ActivityIds.member.");
        StringBuilder xml = new StringBuilder("<Activities>");
        activities.stream().filter(a -> (group == null || a.group.equals(group)) && (ids.isEmpty() || ids.contains(a.id)))
                .sorted(Comparator.comparing((Activity a) -> !a.inProgress())
                        .thenComparing(Comparator.comparing((Activity a) -> a.start).reversed()))
                .limit(intParam(request, "MaxRecords", 100))
                .forEach(a -> xml.append("<member>").append(activityXml(a)).append("</member>"));
        return result("DescribeScalingActivities", xml.append("</Activities>").toString());
    }

    private static String activityXml(Activity a) {
        return "<ActivityId>" + a.id + "</ActivityId><AutoScalingGroupName>" + esc(a.group) + "</AutoScalingGroupName>"
                + "<Description>" + esc(a.description) + "</Description><Cause>" + esc(a.cause) + "</Cause>"
                + "<StartTime>" + a.start + "</StartTime>" + (a.end == null ? "" : "<EndTime>" + a.end + "</EndTime>")
                + "<StatusCode>" + a.statusCode + "</StatusCode>"
                + (a.statusMessage == null ? "" : "<StatusMessage>" + esc(a.statusMessage) + "</StatusMessage>")
                + "<Progress>" + a.progress + "</Progress>"
                + "<Details>" + esc("{\"Subnet ID\":\"\",\"Availability Zone\":\"\"}") + "</Details>";
    }

    // ---- Lambda Invoke of the publisher -------------------------------------------------------------

    /**
     * Lambda Invoke of the status function as the stack deploys it: a version behind the alias {@code live}
     * ({@link HandlerNames#ALIAS_NAME}) is what the IAM allows and SnapStart restores, so only that qualifier (in the
     * Qualifier parameter or as {@code NAME:live}) is answered; the unqualified function ($LATEST) and any other
     * qualifier get Lambda's 404 ResourceNotFoundException. The lab's roll thus proves it asks for the alias.
     */
    private Reply invokePublisher(Request request) throws Exception {
        String segment = request.path().substring("/2015-03-31/functions/".length(),
                request.path().length() - "/invocations".length());
        int colon = segment.indexOf(':');
        String qualifier = colon >= 0 ? segment.substring(colon + 1) : request.param("Qualifier");
        if (!HandlerNames.ALIAS_NAME.equals(qualifier)) {
            String arn = "arn:aws:lambda:" + dev.raftlifecycle.rig.Rig.REGION.id() + ":"
                    + dev.raftlifecycle.rig.EventBridgeEvents.ACCOUNT
                    + ":function:" + lab.statusFunctionName() + (qualifier == null ? "" : ":" + qualifier);
            Map<String, Object> notFound = new LinkedHashMap<>();
            notFound.put("Type", "User");
            notFound.put("message", "Function not found: " + arn);
            return Reply.json(404, JSON.writeValueAsBytes(notFound),
                    Map.of("x-amzn-ErrorType", "ResourceNotFoundException"));
        }
        byte[] payload = request.body().length == 0 ? "{}".getBytes(StandardCharsets.UTF_8) : request.body();
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("X-Amz-Executed-Version", "1");
        try {
            JsonNode output = lab.invoke(HandlerNames.PUBLISHER_NAME, payload);
            return Reply.json(200, JSON.writeValueAsBytes(output), headers);
        } catch (RuntimeException e) {
            headers.put("X-Amz-Function-Error", "Unhandled");
            Map<String, Object> error = new LinkedHashMap<>();
            error.put("errorMessage", String.valueOf(e.getMessage()));
            error.put("errorType", e.getClass().getName());
            return Reply.json(200, JSON.writeValueAsBytes(error), headers);
        }
    }

    // ---- wire format --------------------------------------------------------------------------------

    private static Reply result(String action, String inner) {
        return Reply.xml(200, "<" + action + "Response xmlns=\"" + NS + "\"><" + action + "Result>" + inner + "</"
                + action + "Result><ResponseMetadata><RequestId>" + UUID.randomUUID() + "</RequestId></ResponseMetadata></"
                + action + "Response>");
    }

    private static Reply error(int status, String code, String message) {
        return Reply.xml(status, "<ErrorResponse xmlns=\"" + NS + "\"><Error><Type>Sender</Type><Code>" + code
                + "</Code><Message>" + esc(message) + "</Message></Error><RequestId>" + UUID.randomUUID()
                + "</RequestId></ErrorResponse>");
    }

    private static int intParam(Request request, String name, int fallback) {
        String value = request.param(name);
        try {
            return value == null ? fallback : Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    /** The values of a Query list parameter ({@code prefix}1, {@code prefix}2, ...). */
    private static Set<String> members(Request request, String prefix) {
        Set<String> out = new HashSet<>();
        request.params().forEach((k, v) -> {
            if (k.startsWith(prefix)) {
                out.add(v);
            }
        });
        return out;
    }

    private static String esc(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    private static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MILLIS);
    }

    private static void sleep(Duration duration) throws InterruptedException {
        if (!duration.isNegative() && !duration.isZero()) {
            Thread.sleep(duration.toMillis());
        }
    }

    private Thread background(String name, Runnable work) {
        Thread t = new Thread(() -> {
            try {
                work.run();
            } catch (RuntimeException e) {
                lab.timeline.mark(name + " failed: " + e.getMessage());
            }
        }, name);
        t.setDaemon(true);
        t.start();
        return t;
    }
}
