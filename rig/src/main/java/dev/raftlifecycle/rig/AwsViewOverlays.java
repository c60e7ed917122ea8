package dev.raftlifecycle.rig;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What AWS would show that moto does not: Auto Scaling lifecycle states and desired capacities, instances EC2 does
 * not list yet, Spot request status codes. Kept here, set by the tests and the lab, and written over moto's answers
 * as they pass through the front.
 */
final class AwsViewOverlays {
    /** Auto Scaling lifecycle states moto does not model (Terminating:Wait, Pending:Wait, Terminating:Retained...). */
    private final Map<String, String> lifecycleStates = new ConcurrentHashMap<>();
    /**
     * Per group, what to add to moto's desired capacity to show Auto Scaling's: a retained instance does not count
     * toward desired capacity and AWS launches a replacement for it; moto counts it, so the lab raises moto's desired
     * capacity by one for the replacement and shows one less here.
     */
    private final Map<String, Integer> desiredCapacityOffsets = new ConcurrentHashMap<>();
    /** Instances DescribeInstances does not list (EC2's eventual consistency: a new instance not visible yet). */
    private final Set<String> hiddenFromEc2 = ConcurrentHashMap.newKeySet();
    /**
     * Spot request status codes EC2 would show (marked-for-termination when it schedules an interruption); moto keeps
     * every request "fulfilled" and has no way to change it.
     */
    private final Map<String, String> spotStatuses = new ConcurrentHashMap<>();
    /**
     * Per group, what DescribeAutoScalingGroups shows as InstanceLifecyclePolicy.RetentionTriggers.TerminateHookAbandon
     * (moto models no instance lifecycle policy): a group not named here shows {@link #RETAIN}, as our CDK app sets it;
     * an empty value shows no InstanceLifecyclePolicy element at all.
     */
    private final Map<String, Optional<String>> terminateHookAbandon = new ConcurrentHashMap<>();
    /** What a group shows unless told otherwise (the CDK app sets it on every group it builds). */
    static final String RETAIN = "retain";
    /** UpdateAutoScalingGroup's form parameter that sets it (the Query protocol's flattening of the request's shape). */
    static final String TERMINATE_HOOK_ABANDON_PARAM = "InstanceLifecyclePolicy.RetentionTriggers.TerminateHookAbandon";
    /** The launch template version each instance was launched with; moto shows the template's default for all. */
    private final Map<String, String> launchTemplateVersions = new ConcurrentHashMap<>();
    /**
     * Instances EC2 shows at another instance's former private address (IP and private DNS name): EC2 gives a freed
     * address to a later instance of the subnet; moto never frees one (a terminated instance keeps its address).
     */
    private final Map<String, ShownAddress> shownAddresses = new ConcurrentHashMap<>();

    /** An instance's address as moto has it, and as EC2 is to show it. */
    record ShownAddress(String realIp, String realDnsName, String ip, String dnsName) {
    }

    void showAddress(String instanceId, ShownAddress address) {
        shownAddresses.put(instanceId, address);
    }

    void launchTemplateVersion(String instanceId, String version) {
        if (version == null) {
            launchTemplateVersions.remove(instanceId);
        } else {
            launchTemplateVersions.put(instanceId, version);
        }
    }

    Optional<String> launchTemplateVersion(String instanceId) {
        return Optional.ofNullable(launchTemplateVersions.get(instanceId));
    }

    /**
     * What DescribeAutoScalingGroups reports as InstanceLifecyclePolicy/RetentionTriggers/TerminateHookAbandon for the
     * group from now on; null: no InstanceLifecyclePolicy element at all (a group built without the policy).
     */
    void terminateHookAbandon(String groupName, String valueOrNull) {
        terminateHookAbandon.put(groupName, Optional.ofNullable(valueOrNull));
    }

    /** What the group shows: retain unless set otherwise; empty: no policy. */
    Optional<String> terminateHookAbandon(String groupName) {
        return terminateHookAbandon.getOrDefault(groupName, Optional.of(RETAIN));
    }

    /** Shows the instance in this lifecycle state (null: moto's own state again). */
    void lifecycleState(String instanceId, String state) {
        if (state == null) {
            lifecycleStates.remove(instanceId);
        } else {
            lifecycleStates.put(instanceId, state);
        }
    }

    Optional<String> lifecycleState(String instanceId) {
        return Optional.ofNullable(lifecycleStates.get(instanceId));
    }

    void clearDesiredCapacity(String groupName) {
        desiredCapacityOffsets.remove(groupName);
    }

    /** Adds {@code delta} to the desired capacity shown for a group (see {@link #desiredCapacityOffsets}). */
    void adjustDesiredCapacity(String groupName, int delta) {
        desiredCapacityOffsets.merge(groupName, delta, (a, b) -> a + b == 0 ? null : a + b);
    }

    /** What is added to moto's desired capacity of the group to show Auto Scaling's (0: none). */
    int desiredCapacityOffset(String groupName) {
        return desiredCapacityOffsets.getOrDefault(groupName, 0);
    }

    void hideFromEc2(String instanceId, boolean hidden) {
        if (hidden) {
            hiddenFromEc2.add(instanceId);
        } else {
            hiddenFromEc2.remove(instanceId);
        }
    }

    void spotRequestStatus(String instanceId, String statusCode) {
        if (statusCode == null) {
            spotStatuses.remove(instanceId);
        } else {
            spotStatuses.put(instanceId, statusCode);
        }
    }

    /**
     * moto's answer as AWS would give it: Auto Scaling's instances in the states moto does not model and desired
     * capacities without the instances AWS would not count (DescribeAutoScalingGroups, DescribeAutoScalingInstances),
     * each described group's instance lifecycle policy ({@link #terminateHookAbandon(String, String)}),
     * EC2's Spot requests with the status EC2 would show, DescribeInstances without the instances EC2 does not list
     * yet. Any other answer, or with no overlay set, unchanged.
     */
    byte[] asAwsWouldAnswer(byte[] body) {
        if (!shownAddresses.isEmpty() && body.length > 0 && new String(body, 0, Math.min(body.length, 512),
                StandardCharsets.UTF_8).contains("<DescribeInstancesResponse")) {
            return rewrite(new String(body, StandardCharsets.UTF_8), "show reused addresses and hide instances",
                    doc -> withShownAddresses(doc) | (!hiddenFromEc2.isEmpty() && withoutHiddenInstances(doc)))
                    .getBytes(StandardCharsets.UTF_8);
        }
        if (body.length > 0 && new String(body, 0, Math.min(body.length, 512), StandardCharsets.UTF_8)
                .contains("<DescribeAutoScalingGroupsResponse")) {
            // Every group's instance lifecycle policy, whatever else is set.
            return rewrite(new String(body, StandardCharsets.UTF_8), "show lifecycle states, desired capacities and"
                    + " instance lifecycle policies", doc -> withAutoScalingView(doc) | withLifecyclePolicies(doc))
                    .getBytes(StandardCharsets.UTF_8);
        }
        if ((lifecycleStates.isEmpty() && desiredCapacityOffsets.isEmpty() && hiddenFromEc2.isEmpty()
                && spotStatuses.isEmpty() && launchTemplateVersions.isEmpty()) || body.length == 0) {
            return body;
        }
        String xml = new String(body, StandardCharsets.UTF_8);
        if (!spotStatuses.isEmpty() && xml.contains("<DescribeSpotInstanceRequestsResponse")) {
            xml = rewrite(xml, "set Spot request statuses", this::withSpotStatuses);
        } else if (!hiddenFromEc2.isEmpty() && xml.contains("<DescribeInstancesResponse")) {
            xml = rewrite(xml, "hide instances", this::withoutHiddenInstances);
        } else if (xml.contains("<LifecycleState>") || xml.contains("<DesiredCapacity>")) {
            xml = rewrite(xml, "show lifecycle states and desired capacities", this::withAutoScalingView);
        } else {
            return body;
        }
        return xml.getBytes(StandardCharsets.UTF_8);
    }

    /** Parses, edits (the edit says whether it changed anything) and serializes again; the answer as it was if not. */
    private static String rewrite(String xml, String what, java.util.function.Predicate<org.w3c.dom.Document> edit) {
        try {
            org.w3c.dom.Document doc = parse(xml);
            return edit.test(doc) ? serialize(doc) : xml;
        } catch (Exception e) {
            throw new RigException("could not " + what + " in an answer of moto's: " + e.getMessage(), e);
        }
    }

    /**
     * Each instance's LifecycleState as set (its element's sibling InstanceId), each instance's LaunchTemplate.Version
     * as recorded (the LaunchTemplate with a sibling InstanceId: a group's own has none), and each described group's
     * DesiredCapacity plus its offset (its sibling AutoScalingGroupName).
     */
    private boolean withAutoScalingView(org.w3c.dom.Document doc) {
        boolean changed = false;
        org.w3c.dom.NodeList templates = doc.getElementsByTagNameNS("*", "LaunchTemplate");
        for (int i = 0; i < templates.getLength(); i++) {
            org.w3c.dom.Element template = (org.w3c.dom.Element) templates.item(i);
            String id = childText((org.w3c.dom.Element) template.getParentNode(), "InstanceId");
            String shown = id == null ? null : launchTemplateVersions.get(id);
            org.w3c.dom.Element version = shown == null ? null : child(template, "Version");
            if (version != null) {
                version.setTextContent(shown);
                changed = true;
            }
        }
        org.w3c.dom.NodeList states = doc.getElementsByTagNameNS("*", "LifecycleState");
        for (int i = 0; i < states.getLength(); i++) {
            org.w3c.dom.Element state = (org.w3c.dom.Element) states.item(i);
            String id = childText((org.w3c.dom.Element) state.getParentNode(), "InstanceId");
            String shown = id == null ? null : lifecycleStates.get(id);
            if (shown != null) {
                state.setTextContent(shown);
                changed = true;
            }
        }
        org.w3c.dom.NodeList desired = doc.getElementsByTagNameNS("*", "DesiredCapacity");
        for (int i = 0; i < desired.getLength(); i++) {
            org.w3c.dom.Element capacity = (org.w3c.dom.Element) desired.item(i);
            String group = childText((org.w3c.dom.Element) capacity.getParentNode(), "AutoScalingGroupName");
            Integer offset = group == null ? null : desiredCapacityOffsets.get(group);
            if (offset != null) {
                int value = Integer.parseInt(capacity.getTextContent().trim());
                capacity.setTextContent(Integer.toString(Math.max(0, value + offset)));
                changed = true;
            }
        }
        return changed;
    }

    /**
     * Each described group (a member of AutoScalingGroups) with the InstanceLifecyclePolicy it shows, in AWS's shape
     * (botocore's AutoScalingGroup → InstanceLifecyclePolicy → RetentionTriggers → TerminateHookAbandon), replacing any
     * moto gave; none where the group shows no policy.
     */
    private boolean withLifecyclePolicies(org.w3c.dom.Document doc) {
        boolean changed = false;
        org.w3c.dom.NodeList lists = doc.getElementsByTagNameNS("*", "AutoScalingGroups");
        for (int i = 0; i < lists.getLength(); i++) {
            org.w3c.dom.Element list = (org.w3c.dom.Element) lists.item(i);
            for (org.w3c.dom.Node node = list.getFirstChild(); node != null; node = node.getNextSibling()) {
                if (!(node instanceof org.w3c.dom.Element member) || !"member".equals(member.getLocalName())) {
                    continue;
                }
                String group = childText(member, "AutoScalingGroupName");
                if (group == null) {
                    continue;
                }
                org.w3c.dom.Element old = child(member, "InstanceLifecyclePolicy");
                if (old != null) {
                    member.removeChild(old);
                }
                Optional<String> shown = terminateHookAbandon(group);
                if (shown.isPresent()) {
                    String ns = member.getNamespaceURI();
                    org.w3c.dom.Element policy = doc.createElementNS(ns, "InstanceLifecyclePolicy");
                    org.w3c.dom.Element triggers = doc.createElementNS(ns, "RetentionTriggers");
                    org.w3c.dom.Element value = doc.createElementNS(ns, "TerminateHookAbandon");
                    value.setTextContent(shown.get());
                    triggers.appendChild(value);
                    policy.appendChild(triggers);
                    member.appendChild(policy);
                }
                changed = true;
            }
        }
        return changed;
    }

    /** The status codes set for the requests' instances. */
    private boolean withSpotStatuses(org.w3c.dom.Document doc) {
        boolean changed = false;
        org.w3c.dom.NodeList items = doc.getElementsByTagNameNS("*", "item");
        for (int i = 0; i < items.getLength(); i++) {
            org.w3c.dom.Element item = (org.w3c.dom.Element) items.item(i);
            String id = childText(item, "instanceId");
            String code = id == null ? null : spotStatuses.get(id);
            org.w3c.dom.Element status = code == null || childText(item, "spotInstanceRequestId") == null ? null
                    : child(item, "status");
            org.w3c.dom.Element statusCode = status == null ? null : child(status, "code");
            if (statusCode != null) {
                statusCode.setTextContent(code);
                changed = true;
            }
        }
        return changed;
    }

    /**
     * In each instance item of {@link #shownAddresses}, every element whose text is its real private IP or private DNS
     * name (the instance's own, its network interfaces', their private IP sets') shows the address it is to show.
     */
    private boolean withShownAddresses(org.w3c.dom.Document doc) {
        boolean changed = false;
        org.w3c.dom.NodeList items = doc.getElementsByTagNameNS("*", "item");
        for (int i = 0; i < items.getLength(); i++) {
            org.w3c.dom.Element item = (org.w3c.dom.Element) items.item(i);
            String id = childText(item, "instanceId");
            ShownAddress shown = id == null || child(item, "instanceState") == null ? null : shownAddresses.get(id);
            if (shown == null) {
                continue;
            }
            org.w3c.dom.NodeList all = item.getElementsByTagNameNS("*", "*");
            for (int j = 0; j < all.getLength(); j++) {
                org.w3c.dom.Element e = (org.w3c.dom.Element) all.item(j);
                if (hasElementChild(e) || e.getFirstChild() == null) {
                    continue; // only leaves carry an address
                }
                String text = e.getTextContent().trim();
                if (text.equals(shown.realIp())) {
                    e.setTextContent(shown.ip());
                    changed = true;
                } else if (text.equals(shown.realDnsName())) {
                    e.setTextContent(shown.dnsName());
                    changed = true;
                }
            }
        }
        return changed;
    }

    /** The hidden instances' items removed from each reservation's instancesSet. */
    private boolean withoutHiddenInstances(org.w3c.dom.Document doc) {
        boolean changed = false;
        org.w3c.dom.NodeList sets = doc.getElementsByTagNameNS("*", "instancesSet");
        for (int i = 0; i < sets.getLength(); i++) {
            org.w3c.dom.Node set = sets.item(i);
            for (org.w3c.dom.Node item = set.getFirstChild(); item != null; ) {
                org.w3c.dom.Node next = item.getNextSibling();
                String id = item instanceof org.w3c.dom.Element e ? childText(e, "instanceId") : null;
                if (id != null && hiddenFromEc2.contains(id)) {
                    set.removeChild(item);
                    changed = true;
                }
                item = next;
            }
        }
        return changed;
    }

    private static org.w3c.dom.Document parse(String xml) throws Exception {
        javax.xml.parsers.DocumentBuilderFactory factory = javax.xml.parsers.DocumentBuilderFactory.newInstance();
        factory.setNamespaceAware(true);
        factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        return factory.newDocumentBuilder().parse(new java.io.ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
    }

    private static String serialize(org.w3c.dom.Document doc) throws Exception {
        java.io.StringWriter out = new java.io.StringWriter();
        javax.xml.transform.TransformerFactory.newInstance().newTransformer()
                .transform(new javax.xml.transform.dom.DOMSource(doc), new javax.xml.transform.stream.StreamResult(out));
        return out.toString();
    }

    /** The first child element with this local name, or null. */
    private static org.w3c.dom.Element child(org.w3c.dom.Element parent, String localName) {
        for (org.w3c.dom.Node child = parent.getFirstChild(); child != null; child = child.getNextSibling()) {
            if (child instanceof org.w3c.dom.Element e && localName.equals(e.getLocalName())) {
                return e;
            }
        }
        return null;
    }

    private static boolean hasElementChild(org.w3c.dom.Element parent) {
        for (org.w3c.dom.Node child = parent.getFirstChild(); child != null; child = child.getNextSibling()) {
            if (child instanceof org.w3c.dom.Element) {
                return true;
            }
        }
        return false;
    }

    private static String childText(org.w3c.dom.Element parent, String localName) {
        org.w3c.dom.Element child = child(parent, localName);
        return child == null ? null : child.getTextContent().trim();
    }
}
