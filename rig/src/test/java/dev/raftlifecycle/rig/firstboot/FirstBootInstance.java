package dev.raftlifecycle.rig.firstboot;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.raftlifecycle.rig.Rig;
import dev.raftlifecycle.rig.TlsMaterial;
import java.io.IOException;
import java.util.Map;
import java.util.function.Function;
import software.amazon.awssdk.services.ec2.model.Instance;

/**
 * A new instance of a rig cluster as its first boot sees it, for the Vault and the Consul first-boot tests alike:
 * its identity as the emulator's EC2 reports it, an IMDSv2 stub serving that identity, and its TLS bundle in the
 * emulator's Secrets Manager (JSON {"ca", "cert", "key"}, the format ansible/README.md documents).
 */
record FirstBootInstance(String id, String ip, String zone, String tlsSecretId, TlsMaterial.NodeCertPem tls,
                         ImdsStub imds) implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * @param issue a certificate for the instance's private IP, from the cluster's CA
     */
    static FirstBootInstance create(Rig rig, String instanceId, Function<String, TlsMaterial.NodeCertPem> issue,
                                    String tlsSecretId) {
        Instance described = rig.ec2().describeInstances(r -> r.instanceIds(instanceId)).reservations().get(0)
                .instances().get(0);
        String ip = described.privateIpAddress();
        String zone = described.placement().availabilityZone();
        TlsMaterial.NodeCertPem tls = issue.apply(ip);
        String bundle;
        try {
            bundle = JSON.writeValueAsString(Map.of("ca", tls.caPem(), "cert", tls.certificateChainPem(),
                    "key", tls.privateKeyPem()));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        putSecret(rig, tlsSecretId, bundle);
        return new FirstBootInstance(instanceId, ip, zone, tlsSecretId, tls,
                ImdsStub.forInstance(instanceId, zone, Rig.REGION.id(), ip));
    }

    /** Creates a secret in the emulator's Secrets Manager (what the operator does before the first deploy). */
    static void putSecret(Rig rig, String name, String value) {
        rig.secretsManager().createSecret(r -> r.name(name).secretString(value));
    }

    /** A line from the middle of the private key's PEM: if it shows up in any output, the key leaked. */
    String privateKeyLine() {
        return tls.privateKeyPem().lines().filter(l -> !l.startsWith("-----")).findFirst().orElseThrow();
    }

    @Override
    public void close() {
        imds.close();
    }
}
