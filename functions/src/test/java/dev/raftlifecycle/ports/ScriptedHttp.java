package dev.raftlifecycle.ports;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import software.amazon.awssdk.http.AbortableInputStream;
import software.amazon.awssdk.http.ExecutableHttpRequest;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.HttpExecuteResponse;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.SdkHttpResponse;

/**
 * An HTTP client for narrow port tests: records each request (its headers and form body) and answers with the next
 * scripted answer (a status and a body, or an I/O failure); with nothing scripted, 200 and {@link #defaultBody}.
 */
public final class ScriptedHttp implements SdkHttpClient {
    /** One recorded request. */
    public record Sent(SdkHttpRequest request, String body) {
        /** The decoded form parameters, in order. */
        public Map<String, String> form() {
            Map<String, String> out = new LinkedHashMap<>();
            for (String pair : body.split("&")) {
                int eq = pair.indexOf('=');
                if (eq > 0) {
                    out.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                            URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
                }
            }
            return out;
        }
    }

    private record Answer(int status, String body, IOException failure, boolean stall, String contentType) {
        Answer(int status, String body, IOException failure, boolean stall) {
            this(status, body, failure, stall, body != null && body.startsWith("{") ? "application/x-amz-json-1.0" : "text/xml");
        }
    }

    private final Deque<Answer> script = new ArrayDeque<>();
    private final List<Sent> sent = new CopyOnWriteArrayList<>();
    private volatile String defaultBody = "<Response/>";

    public ScriptedHttp answer(int status, String body) {
        script.add(new Answer(status, body, null, false));
        return this;
    }

    public ScriptedHttp fail(IOException failure) {
        script.add(new Answer(0, null, failure, false));
        return this;
    }

    /** The next request hangs until it is aborted (then fails as an aborted connection does). */
    public ScriptedHttp stall() {
        script.add(new Answer(0, null, null, true));
        return this;
    }

    public ScriptedHttp defaultBody(String body) {
        this.defaultBody = body;
        return this;
    }

    public List<Sent> sent() {
        return List.copyOf(sent);
    }

    @Override
    public ExecutableHttpRequest prepareRequest(HttpExecuteRequest request) {
        String body = request.contentStreamProvider().map(p -> {
            try (var in = p.newStream()) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }).orElse("");
        sent.add(new Sent(request.httpRequest(), body));
        Answer next;
        synchronized (script) {
            next = script.poll();
        }
        Answer answer = next == null ? new Answer(200, defaultBody, null, false) : next;
        java.util.concurrent.CountDownLatch aborted = new java.util.concurrent.CountDownLatch(1);
        return new ExecutableHttpRequest() {
            @Override
            public HttpExecuteResponse call() throws IOException {
                if (answer.stall) {
                    try {
                        if (!aborted.await(60, java.util.concurrent.TimeUnit.SECONDS)) {
                            throw new IOException("stalled request never aborted");
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    throw new IOException("connection aborted");
                }
                if (answer.failure != null) {
                    throw answer.failure;
                }
                byte[] bytes = answer.body.getBytes(StandardCharsets.UTF_8);
                return HttpExecuteResponse.builder()
                        .response(SdkHttpResponse.builder().statusCode(answer.status).putHeader("Content-Type", answer.contentType).build())
                        .responseBody(AbortableInputStream.create(new ByteArrayInputStream(bytes)))
                        .build();
            }

            @Override
            public void abort() {
                aborted.countDown();
            }
        };
    }

    @Override
    public String clientName() {
        return "scripted";
    }

    @Override
    public void close() {
        // nothing held
    }
}
