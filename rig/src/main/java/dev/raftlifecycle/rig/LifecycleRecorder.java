package dev.raftlifecycle.rig;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The AWS endpoint the code under test talks to: a small HTTP front that forwards every request to moto,
 * except the two Auto Scaling lifecycle calls moto lacks (CompleteLifecycleAction and
 * RecordLifecycleActionHeartbeat), which it answers itself against the lifecycle actions the test or the
 * lab opened. It records every AWS call (caller, service and action) and every lifecycle call (token,
 * result, order), so tests can assert exactly what the handlers did.
 *
 * <p>One more gap of the emulator is closed here: moto's KMS encrypts and decrypts with a disabled key.
 * AWS refuses (DisabledException), and Vault's auto-unseal depends on that, so key-use calls whose key is
 * disabled are answered with AWS's error (the state is read from moto, never kept here).
 *
 * <p>IAM: moto checks every request's signature and the caller's permission for the action (its access control is
 * on, see {@link RigIam}). The two lifecycle calls this front answers itself are first sent to moto unchanged, which
 * checks them the same way (and, allowed, answers that it does not implement them): a refusal is passed back as
 * moto gave it, and only an allowed call is answered here. And for a handler's credentials, a DynamoDB item request
 * must be allowed by the {@code dynamodb:LeadingKeys} condition of its synthesized statements, which moto ignores
 * ({@link RigIam#allowsItem}): otherwise AWS's AccessDeniedException.
 *
 * <p>Other calls moto does not play as AWS would can be answered by an {@link AwsInterceptor} registered with
 * {@link #intercept} (the lab's Auto Scaling stand-in for a roll, its Lambda Invoke of the publisher); the
 * interceptor's registration says whether moto checks the call first.
 *
 * <p>The work is shared out: {@link FrontHttp} (the HTTP server, relaying to moto, auth errors in each service's
 * format), {@link LifecycleActionBook} (the lifecycle actions and the answers to the two calls), {@link AwsViewOverlays}
 * (what AWS would show that moto does not), {@link AwsRefusals} (LeadingKeys, disabled KMS keys) and
 * {@link CallRecord} (the recorded calls). This class is their public face.
 */
public final class LifecycleRecorder implements AutoCloseable {
    /** One lifecycle action the emulator keeps open until it is completed or expires. */
    public record LifecycleAction(String token, String groupName, String hookName, String instanceId,
                                  String transition, Instant openedAt) {
    }

    /** A lifecycle call the code under test made, accepted or refused. */
    public record LifecycleCall(String action, String groupName, String hookName, String token, String instanceId,
                                String result, boolean accepted, Instant at) {
    }

    /** Any AWS call that passed through, by caller (access key id), service (from the SigV4 scope) and action. */
    public record AwsCall(String accessKeyId, String service, String action, Instant at) {
    }

    /**
     * Runs when a heartbeat for an action arrives, before it is answered: the test's hand on the clock, to make
     * something happen at an exact point of a handler's path (a node dies after the step-down, the action times out
     * right before remove-peer). Returning true ends the action first (as a timeout would), so the heartbeat is refused.
     */
    @FunctionalInterface
    public interface HeartbeatHook {
        boolean onHeartbeat(int ordinal);
    }

    private final CallRecord calls = new CallRecord();
    private final AwsViewOverlays views = new AwsViewOverlays();
    private final LifecycleActionBook actions = new LifecycleActionBook(views, calls);
    private final FrontHttp front;

    private LifecycleRecorder(URI moto, software.amazon.awssdk.services.kms.KmsClient kms, RigIam iam) throws IOException {
        this.front = new FrontHttp(moto, calls, actions, views, new AwsRefusals(kms, iam));
    }

    /**
     * @param kms the rig's own KMS client (the key state it reads)
     * @param iam the handlers' roles (the LeadingKeys check)
     */
    public static LifecycleRecorder start(URI moto, software.amazon.awssdk.services.kms.KmsClient kms, RigIam iam) {
        try {
            return new LifecycleRecorder(moto, kms, iam);
        } catch (IOException e) {
            throw new RigException("cannot start the AWS front: " + e.getMessage(), e);
        }
    }

    /** The endpoint to give the AWS SDK (AWS_ENDPOINT_URL). */
    public URI endpoint() {
        return front.endpoint();
    }

    // ---- lifecycle actions -------------------------------------------------------------------------

    /**
     * Opens a lifecycle action as Auto Scaling would when an instance enters a Wait state; the instance shows in that
     * state (Terminating:Wait, Pending:Wait) to the code under test until the action ends.
     */
    public LifecycleAction open(String groupName, String hookName, String instanceId, String transition) {
        return open(groupName, hookName, instanceId, transition, UUID.randomUUID().toString());
    }

    /** Opens an action with a given token (a replayed event's). */
    public LifecycleAction open(String groupName, String hookName, String instanceId, String transition, String token) {
        return actions.open(groupName, hookName, instanceId, transition, token);
    }

    /** Ends an action without a result, as the heartbeat timeout would (the default result, ABANDON, applies). */
    public void expire(String token) {
        actions.expire(token);
    }

    /** Shows the instance in this lifecycle state to the code under test (null: moto's own state again). */
    public void lifecycleState(String instanceId, String state) {
        views.lifecycleState(instanceId, state);
    }

    /**
     * Shows the instance launched with this launch template version (Instances[].LaunchTemplate.Version in
     * DescribeAutoScalingGroups and DescribeAutoScalingInstances): moto reports the template's default version for
     * every instance, AWS the version the instance was launched with.
     */
    public void launchTemplateVersion(String instanceId, String version) {
        views.launchTemplateVersion(instanceId, version);
    }

    /** The launch template version shown for an instance, if one was recorded. */
    public Optional<String> launchTemplateVersion(String instanceId) {
        return views.launchTemplateVersion(instanceId);
    }

    /**
     * The front answers {@code service}'s calls whose action matches {@code actions} with {@code handler} instead of
     * relaying them to moto (see {@link AwsInterceptor}); the first registration that matches answers. The action is
     * the Query/JSON action name (e.g. {@code SetDesiredCapacity}), or "METHOD /path" for a REST service (Lambda:
     * {@code POST /2015-03-31/functions/NAME/invocations}). {@code check} says whether moto checks the signature and
     * the permission first ({@link AwsInterceptor.Check#MOTO_FIRST}, as for the lifecycle calls) or the handler
     * decides ({@link AwsInterceptor.Check#BY_INTERCEPTOR}: moto would perform the action; nothing is checked unless the
     * handler sends the call to moto itself).
     */
    public void intercept(String service, java.util.function.Predicate<String> actions, AwsInterceptor.Check check,
                          AwsInterceptor handler) {
        front.intercept(service, actions, check, handler);
    }

    /** {@link #intercept(String, java.util.function.Predicate, AwsInterceptor.Check, AwsInterceptor)} checked by moto first. */
    public void intercept(String service, java.util.function.Predicate<String> actions, AwsInterceptor handler) {
        intercept(service, actions, AwsInterceptor.Check.MOTO_FIRST, handler);
    }

    /**
     * EC2 shows the instance at {@code ip} and {@code dnsName} (another instance's former address) wherever moto shows
     * its own {@code realIp} and {@code realDnsName} (DescribeInstances through the front).
     */
    public void showAddress(String instanceId, String realIp, String realDnsName, String ip, String dnsName) {
        views.showAddress(instanceId, new AwsViewOverlays.ShownAddress(realIp, realDnsName, ip, dnsName));
    }

    /**
     * What DescribeAutoScalingGroups reports for the group as InstanceLifecyclePolicy/RetentionTriggers/
     * TerminateHookAbandon (moto models no instance lifecycle policy); null: no InstanceLifecyclePolicy element at all.
     * Every group reports "retain" until told otherwise (our CDK app sets it); an UpdateAutoScalingGroup through the
     * front that carries InstanceLifecyclePolicy.RetentionTriggers.TerminateHookAbandon sets it too.
     */
    public void terminateHookAbandon(String groupName, String valueOrNull) {
        views.terminateHookAbandon(groupName, valueOrNull);
    }

    /** What DescribeAutoScalingGroups reports as the group's TerminateHookAbandon (empty: no policy). */
    public Optional<String> terminateHookAbandon(String groupName) {
        return views.terminateHookAbandon(groupName);
    }

    /** What the front adds to moto's desired capacity of the group to show Auto Scaling's (0: nothing). */
    public int desiredCapacityOffset(String groupName) {
        return views.desiredCapacityOffset(groupName);
    }

    /** Shows the group's desired capacity as moto has it again. */
    public void clearDesiredCapacity(String groupName) {
        views.clearDesiredCapacity(groupName);
    }

    /** Adds {@code delta} to the desired capacity shown for a group (see {@link AwsViewOverlays#adjustDesiredCapacity}). */
    public void adjustDesiredCapacity(String groupName, int delta) {
        views.adjustDesiredCapacity(groupName, delta);
    }

    /**
     * Makes DescribeInstances leave the instance out (true) or list it again (false), as EC2 does for a while after an
     * instance is launched, or long after it is terminated.
     */
    public void hideFromEc2(String instanceId, boolean hidden) {
        views.hideFromEc2(instanceId, hidden);
    }

    /**
     * Shows the Spot request of an instance with this status code (null: moto's own again), as EC2 does once it has
     * scheduled the instance's interruption ({@code marked-for-termination}).
     */
    public void spotRequestStatus(String instanceId, String statusCode) {
        views.spotRequestStatus(instanceId, statusCode);
    }

    /** The lifecycle state shown for an instance, if it differs from moto's. */
    public Optional<String> lifecycleState(String instanceId) {
        return views.lifecycleState(instanceId);
    }

    /** Installs a hook for the heartbeats of one action (see {@link HeartbeatHook}). */
    public void onHeartbeat(String token, HeartbeatHook hook) {
        actions.onHeartbeat(token, hook);
    }

    /**
     * Refuses the next {@code count} heartbeats of an action with an error that says nothing about the action
     * ({@code AccessDenied}, HTTP 403, which the SDK does not retry; {@code Throttling}, HTTP 400, which it does), as
     * a policy change or a throttled account would. The action stays open.
     */
    public void refuseHeartbeats(String token, int count, String code) {
        actions.refuseHeartbeats(token, count, code);
    }

    /** Whether an action with this token was ever opened here (open or ended): tokens are unique in AWS. */
    public boolean tokenUsed(String token) {
        return actions.tokenUsed(token);
    }

    public boolean isOpen(String token) {
        return actions.isOpen(token);
    }

    public List<LifecycleAction> openActions() {
        return actions.openActions();
    }

    /** The result an action ended with (CONTINUE, ABANDON, EXPIRED), if it has ended. */
    public Optional<String> outcome(String token) {
        return actions.outcome(token);
    }

    /** Waits until the action is completed (or expires); returns its result. */
    public Optional<String> awaitOutcome(String token, Duration timeout) {
        return actions.awaitOutcome(token, timeout);
    }

    // ---- recorded calls ----------------------------------------------------------------------------

    public List<LifecycleCall> lifecycleCalls() {
        return calls.lifecycleCalls();
    }

    /** Lifecycle calls carrying the given token, in order. */
    public List<LifecycleCall> lifecycleCalls(String token) {
        return calls.lifecycleCalls(token);
    }

    public List<AwsCall> awsCalls() {
        return calls.awsCalls();
    }

    /** Calls made with the given access key (one caller), in order. */
    public List<AwsCall> awsCallsBy(String accessKeyId) {
        return calls.awsCallsBy(accessKeyId);
    }

    /** Forgets recorded calls (open actions stay open). */
    public void clearCalls() {
        calls.clear();
    }

    /** Counts of recorded AWS calls per "service:Action", for assertions and diagnostics. */
    public Map<String, Integer> awsCallCounts() {
        return calls.awsCallCounts();
    }

    @Override
    public void close() {
        front.close();
    }
}
