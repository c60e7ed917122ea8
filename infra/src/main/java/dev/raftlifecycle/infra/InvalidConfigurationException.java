package dev.raftlifecycle.infra;

import java.util.List;

/** One or more context values are missing or invalid; the message names each context key. */
public final class InvalidConfigurationException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final List<String> problems;

    public InvalidConfigurationException(List<String> problems) {
        super("invalid raft-lifecycle configuration (CDK context, see infra/README.md):\n  - "
                + String.join("\n  - ", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
