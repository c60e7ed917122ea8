package dev.raftlifecycle.ports;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import software.amazon.awssdk.http.AbortableInputStream;
import software.amazon.awssdk.http.ExecutableHttpRequest;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.HttpExecuteResponse;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.SdkHttpResponse;

/**
 * An SDK HTTP client that never opens a socket: it answers every request at once with a small, well-formed success
 * for the operation asked (the Query protocol's {@code Action} for Auto Scaling, EC2 and CloudWatch; the
 * {@code X-Amz-Target} of DynamoDB's JSON protocol). Only for rehearsing the request path before a SnapStart snapshot
 * (encoding the requests, signing, sending through an SDK HTTP client, parsing a group, an instance, an item), with
 * throwaway connections and throwaway credentials; the handlers' real connections never use it. It records which operations
 * it answered, so a test can tell the rehearsal ran them all.
 */
public final class CannedAwsHttp implements SdkHttpClient {
    private static final String AUTOSCALING_XMLNS = "http://autoscaling.amazonaws.com/doc/2011-01-01/";
    private static final String EC2_XMLNS = "http://ec2.amazonaws.com/doc/2016-11-15/";
    private static final String CLOUDWATCH_XMLNS = "http://monitoring.amazonaws.com/doc/2010-08-01/";
    private static final String EC2_VERSION = "2016-11-15";
    private static final String CLOUDWATCH_VERSION = "2010-08-01";

    /** The instance the canned answers (and the rehearsals) name. */
    public static final String INSTANCE = "i-00000000000000000";

    private final List<String> answered = new CopyOnWriteArrayList<>();

    /** The operations answered so far, in order ("DescribeAutoScalingGroups", "DynamoDB_20120810.PutItem", ...). */
    public List<String> answered() {
        return List.copyOf(answered);
    }

    @Override
    public ExecutableHttpRequest prepareRequest(HttpExecuteRequest request) {
        String target = request.httpRequest().firstMatchingHeader("X-Amz-Target").orElse("");
        String form = request.contentStreamProvider().map(p -> read(p.newStream())).orElse("");
        String operation = target.isEmpty() ? parameter(form, "Action") : target;
        String contentType;
        String body;
        if (!target.isEmpty()) {
            contentType = "application/x-amz-json-1.0";
            body = "{}";
        } else if (EC2_VERSION.equals(parameter(form, "Version"))) {
            contentType = "text/xml;charset=UTF-8";
            body = ec2(operation);
        } else {
            contentType = "text/xml";
            body = query(operation, CLOUDWATCH_VERSION.equals(parameter(form, "Version")) ? CLOUDWATCH_XMLNS : AUTOSCALING_XMLNS);
        }
        answered.add(operation);
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return new ExecutableHttpRequest() {
            @Override
            public HttpExecuteResponse call() {
                return HttpExecuteResponse.builder()
                        .response(SdkHttpResponse.builder().statusCode(200).putHeader("Content-Type", contentType)
                                .putHeader("Content-Length", Integer.toString(bytes.length))
                                .putHeader("x-amzn-RequestId", "priming").build())
                        .responseBody(AbortableInputStream.create(new ByteArrayInputStream(bytes)))
                        .build();
            }

            @Override
            public void abort() {
                // answered at once: nothing to abort
            }
        };
    }

    private static String ec2(String operation) {
        String inner = "DescribeInstances".equals(operation)
                ? "<reservationSet><item><reservationId>r-00000000000000000</reservationId><instancesSet><item>"
                + "<instanceId>" + INSTANCE + "</instanceId><privateIpAddress>10.0.0.1</privateIpAddress>"
                + "<instanceState><code>16</code><name>running</name></instanceState>"
                + "<placement><availabilityZone>priming-1a</availabilityZone></placement>"
                + "<tagSet><item><key>aws:autoscaling:groupName</key><value>priming</value></item></tagSet>"
                + "</item></instancesSet></item></reservationSet>"
                : "";
        return "<" + operation + "Response xmlns=\"" + EC2_XMLNS + "\"><requestId>priming</requestId>" + inner
                + "</" + operation + "Response>";
    }

    private static String query(String operation, String xmlns) {
        String result = "DescribeAutoScalingGroups".equals(operation)
                ? "<AutoScalingGroups><member><AutoScalingGroupName>priming</AutoScalingGroupName>"
                + "<DesiredCapacity>1</DesiredCapacity><CapacityRebalance>false</CapacityRebalance>"
                + "<Instances><member><InstanceId>" + INSTANCE + "</InstanceId><LifecycleState>InService</LifecycleState>"
                + "<AvailabilityZone>priming-1a</AvailabilityZone></member></Instances>"
                + "<Tags><member><Key>priming</Key><Value>priming</Value></member></Tags></member></AutoScalingGroups>"
                : "";
        return "<" + operation + "Response xmlns=\"" + xmlns + "\"><" + operation + "Result>" + result + "</" + operation
                + "Result><ResponseMetadata><RequestId>priming</RequestId></ResponseMetadata></" + operation + "Response>";
    }

    /** A form-encoded (Query protocol) request's parameter, URL-decoded; "" when absent. */
    public static String parameter(String form, String name) {
        for (String pair : form.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0 && pair.substring(0, eq).equals(name)) {
                return URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            }
        }
        return "";
    }

    private static String read(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String clientName() {
        return "canned";
    }

    @Override
    public void close() {
        // no resources
    }
}
