package dev.raftlifecycle.infra;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.raftlifecycle.contract.HandlerNames;
import dev.raftlifecycle.infra.TestStacks.Scenario;
import dev.raftlifecycle.infra.TestStacks.Synthesized;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Each Lambda's handler string resolves, in the deployable jar itself (functions/target/raft-lifecycle-functions.jar),
 * to a public class with a public no-argument constructor implementing RequestStreamHandler, and its public
 * handleRequest(InputStream, OutputStream, Context) method: what the Java runtime looks for at cold start.
 */
class HandlerJarTest {

    private static final String STREAM_HANDLER = "com.amazonaws.services.lambda.runtime.RequestStreamHandler";
    private static final String CONTEXT = "com.amazonaws.services.lambda.runtime.Context";

    @Test
    void theFunctionsUseExactlyTheContractHandlerStrings() {
        Synthesized synth = TestStacks.get(Scenario.DEFAULT);
        Set<String> handlers = new HashSet<>();
        for (JsonNode function : Cfn.resources(synth.json(), "AWS::Lambda::Function").values()) {
            if (function.path("Properties").path("Runtime").asText().startsWith("java")) {
                handlers.add(function.path("Properties").path("Handler").asText());
            }
        }
        assertThat(handlers).containsExactlyInAnyOrder(HandlerNames.TERMINATING, HandlerNames.LAUNCHING,
                HandlerNames.PUBLISHER, HandlerNames.RECONCILER, HandlerNames.INTERRUPTION, HandlerNames.SNAPSHOT);
    }

    @Test
    void eachHandlerStringResolvesToAClassAndMethodInTheDeployableJar() throws Exception {
        Path jar = TestStacks.functionsJar();
        assertThat(Files.isRegularFile(jar))
                .as(jar + " is missing: build it with `mvn -pl functions -am package`").isTrue();
        // The platform loader as parent: only what the jar itself carries (plus the JDK) can be found.
        try (URLClassLoader loader = new URLClassLoader(new URL[] {jar.toUri().toURL()},
                ClassLoader.getPlatformClassLoader())) {
            Class<?> streamHandler = Class.forName(STREAM_HANDLER, false, loader);
            Class<?> context = Class.forName(CONTEXT, false, loader);
            for (String handler : List.of(HandlerNames.TERMINATING, HandlerNames.LAUNCHING, HandlerNames.PUBLISHER,
                    HandlerNames.RECONCILER, HandlerNames.INTERRUPTION, HandlerNames.SNAPSHOT)) {
                String[] parts = handler.split("::");
                assertThat(parts).as(handler).hasSize(2);
                Class<?> type;
                try {
                    type = Class.forName(parts[0], false, loader);
                } catch (ClassNotFoundException e) {
                    throw new AssertionError("handler class " + parts[0] + " (from " + handler + ") is not in " + jar,
                            e);
                }
                assertThat(Modifier.isPublic(type.getModifiers())).as(handler + ": public class").isTrue();
                assertThat(Modifier.isAbstract(type.getModifiers())).as(handler + ": concrete class").isFalse();
                assertThat(streamHandler.isAssignableFrom(type)).as(handler + " implements RequestStreamHandler")
                        .isTrue();
                assertThat(type.getConstructor()).as(handler + ": public no-argument constructor").isNotNull();
                Method method = type.getMethod(parts[1], InputStream.class, OutputStream.class, context);
                assertThat(Modifier.isStatic(method.getModifiers())).as(handler + ": instance method").isFalse();
                assertThat(method.getReturnType()).isEqualTo(void.class);
            }
        }
    }
}
