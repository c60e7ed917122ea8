package dev.raftlifecycle.decisions;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The roll's rules as data: every directory under src/test/resources/roll-cases holds an {@code input.json} (the
 * groups as Auto Scaling describes them, the status, the promise, the abandon evidence, the settle clock; its
 * {@code note} says what the case is about) and an {@code expected.json}: the step ({@code Wait}, {@code Launch},
 * {@code Terminate}, {@code Done}, {@code Stop}) and the fields it must carry; {@code reasonContains} is a phrase of
 * the reason, {@code warningsCount} the number of warnings of a Done. Lists the status leaves out are empty.
 */
class RollStepCasesTest {
    static final ObjectMapper JSON = new ObjectMapper();

    static {
        JSON.configOverride(java.util.List.class).setSetterInfo(JsonSetter.Value.forValueNulls(Nulls.AS_EMPTY));
        JSON.configOverride(Map.class).setSetterInfo(JsonSetter.Value.forValueNulls(Nulls.AS_EMPTY));
    }

    static Stream<String> cases() throws IOException, URISyntaxException {
        Path root = Path.of(RollStepCasesTest.class.getResource("/roll-cases").toURI());
        try (Stream<Path> dirs = Files.list(root)) {
            return dirs.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted().toList().stream();
        }
    }

    static JsonNode read(String name, String file) {
        try {
            return JSON.readTree(RollStepCasesTest.class.getResourceAsStream("/roll-cases/" + name + "/" + file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static RollStep.Input input(String name) throws IOException {
        ObjectNode node = (ObjectNode) read(name, "input.json");
        node.remove("note");
        return JSON.treeToValue(node, RollStep.Input.class);
    }

    /** The step as the fixtures spell it. */
    static Map<String, Object> asData(RollStep step) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("step", step.getClass().getSimpleName());
        switch (step) {
            case RollStep.Wait w -> data.put("kind", w.kind().name());
            case RollStep.Launch l -> {
                data.put("group", l.group());
                data.put("newDesired", l.newDesired());
                data.put("victim", l.victim());
            }
            case RollStep.Terminate t -> {
                data.put("instanceId", t.instanceId());
                data.put("group", t.group());
            }
            case RollStep.Done d -> {
                data.put("warnings", d.warnings());
                data.put("warningsCount", d.warnings().size());
            }
            case RollStep.Stop s -> {
                data.put("exitCode", s.exitCode());
                data.put("setDesiredBack", s.setDesiredBack()
                        .map(b -> Map.<String, Object>of("group", b.group(), "desired", b.desired())).orElse(null));
            }
        }
        return data;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void decidesAsTheCaseSays(String name) throws IOException {
        RollStep step = RollStep.decide(input(name));
        JsonNode expected = read(name, "expected.json");
        JsonNode actual = JSON.valueToTree(asData(step));
        expected.fieldNames().forEachRemaining(field -> {
            if (field.equals("reasonContains")) {
                assertThat(step.reason()).as(name + ": reason").contains(expected.get(field).asText());
            } else {
                assertThat(actual.get(field)).as(name + ": " + field + " of " + step).isEqualTo(expected.get(field));
            }
        });
    }
}
