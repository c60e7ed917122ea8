package dev.raftlifecycle.config;

import java.util.List;

/** The configuration is missing or invalid; the message names every offending variable. */
public final class InvalidSettingsException extends RuntimeException {
    private final List<String> problems;

    public InvalidSettingsException(List<String> problems) {
        super("invalid configuration: " + String.join("; ", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
