package dev.raftlifecycle.ports;

import dev.raftlifecycle.decisions.UnsealKeyReading;
import java.util.Optional;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.kms.model.KmsException;
import software.amazon.awssdk.services.kms.model.NotFoundException;

/** The unseal key's state: KMS DescribeKey (metadata only; the key is never used here). */
public final class KmsPort {
    private final Lazy<KmsClient> client;

    public KmsPort(Lazy<KmsClient> client) {
        this.client = client;
    }

    /** Never throws: every outcome is a reading. */
    public UnsealKeyReading unsealKey(String keyId) {
        try {
            String state = client.get().describeKey(r -> r.keyId(keyId)).keyMetadata().keyStateAsString();
            return new UnsealKeyReading(Optional.ofNullable(state), "KMS says the key is " + state);
        } catch (NotFoundException e) {
            return new UnsealKeyReading(Optional.of(UnsealKeyReading.NOT_FOUND), "KMS does not know the key");
        } catch (KmsException e) {
            String code = e.awsErrorDetails() == null ? "" : e.awsErrorDetails().errorCode();
            if ("AccessDeniedException".equals(code)) { // KMS answers it with HTTP 400
                return new UnsealKeyReading(Optional.of(UnsealKeyReading.ACCESS_DENIED),
                        "KMS refused DescribeKey on the key (" + code + ")");
            }
            return new UnsealKeyReading(Optional.empty(), "DescribeKey failed: " + code);
        } catch (SdkException e) {
            return new UnsealKeyReading(Optional.empty(), "DescribeKey failed: " + e.getClass().getSimpleName());
        }
    }
}
