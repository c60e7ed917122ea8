package dev.raftlifecycle.ports;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.utils.http.SdkHttpUtils;

/**
 * One AWS service spoken in the Query protocol (EC2, Auto Scaling, CloudWatch): an action and its parameters as a
 * form POST ({@link AwsSignedPost}: signing, retries), the XML answer as a tree. Errors come in two shapes, both
 * read: {@code <ErrorResponse><Error><Code>} and EC2's {@code <Response><Errors><Error><Code>}.
 */
public final class AwsQuery {
    private static final Map<String, String> HEADERS = Map.of("Content-Type", "application/x-www-form-urlencoded; charset=utf-8");

    private final AwsSignedPost post;
    private final String version;

    /** @param version the API version every request names */
    public AwsQuery(AwsSignedPost post, String version) {
        this.post = post;
        this.version = version;
    }

    /** Calls {@code action} with these parameters (names as the API documents them, values unencoded). */
    public XmlElement call(String action, Map<String, String> parameters) {
        byte[] answer = post.post(action, form(action, parameters).getBytes(StandardCharsets.UTF_8), HEADERS, AwsQuery::error);
        try {
            return XmlElement.parse(new ByteArrayInputStream(answer));
        } catch (IllegalArgumentException e) {
            throw new AwsCallException(post.service(), action, 200, "MalformedResponse", e.getMessage(), null);
        }
    }

    /**
     * Every page of {@code action}: called again with {@code NextToken} while an answer has a token at {@code tokenPath}
     * (below its root element).
     */
    public List<XmlElement> pages(String action, Map<String, String> parameters, String... tokenPath) {
        List<XmlElement> pages = new java.util.ArrayList<>();
        Map<String, String> page = new java.util.LinkedHashMap<>(parameters);
        while (true) {
            XmlElement answer = call(action, page);
            pages.add(answer);
            java.util.Optional<String> next = answer.text(tokenPath);
            if (next.isEmpty()) {
                return pages;
            }
            page.put("NextToken", next.get());
        }
    }

    /** The form body: Action, Version, then the parameters, each name and value percent-encoded (RFC 3986). */
    String form(String action, Map<String, String> parameters) {
        StringBuilder form = new StringBuilder("Action=").append(SdkHttpUtils.urlEncode(action))
                .append("&Version=").append(SdkHttpUtils.urlEncode(version));
        parameters.forEach((name, value) -> form.append('&').append(SdkHttpUtils.urlEncode(name)).append('=')
                .append(SdkHttpUtils.urlEncode(value)));
        return form.toString();
    }

    private static AwsSignedPost.ErrorDetails error(int status, byte[] body) {
        XmlElement document;
        try {
            document = XmlElement.parse(new ByteArrayInputStream(body));
        } catch (IllegalArgumentException e) {
            // An error page that is not XML (a proxy's, a load balancer's): its status decides.
            return new AwsSignedPost.ErrorDetails("HTTP" + status,
                    new String(body, 0, Math.min(body.length, 200), StandardCharsets.UTF_8).strip(), null);
        }
        XmlElement error = document.find("Error").orElse(new XmlElement("Error", "", List.of()));
        return new AwsSignedPost.ErrorDetails(error.text("Code").orElse("HTTP" + status), error.text("Message").orElse(""),
                document.text("RequestID").or(() -> document.text("RequestId")).orElse(null));
    }
}
