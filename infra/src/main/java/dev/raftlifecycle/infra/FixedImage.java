package dev.raftlifecycle.infra;

import software.amazon.awscdk.services.ec2.IMachineImage;
import software.amazon.awscdk.services.ec2.MachineImageConfig;
import software.amazon.awscdk.services.ec2.OperatingSystemType;
import software.amazon.awscdk.services.ec2.UserData;
import software.constructs.Construct;

/**
 * One AMI id, whatever the region: the CDK's generic image needs a region-to-AMI map, which an environment-agnostic
 * stack cannot key. The operator who passes amiId knows which region it is for.
 */
final class FixedImage implements IMachineImage {
    private final String imageId;

    FixedImage(String imageId) {
        this.imageId = imageId;
    }

    @Override
    public MachineImageConfig getImage(Construct scope) {
        return MachineImageConfig.builder()
                .imageId(imageId)
                .osType(OperatingSystemType.LINUX)
                .userData(UserData.forLinux())
                .build();
    }
}
