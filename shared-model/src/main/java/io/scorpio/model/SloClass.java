package io.scorpio.model;

import java.util.List;
import java.util.Objects;

/** A named SLO, as a client may ask for it with {@code slo_class}. */
public record SloClass(String name, Slo slo, String description) {

    public SloClass {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(slo, "slo");
        if (name.isBlank()) {
            throw new IllegalArgumentException("an SLO class needs a name");
        }
    }

    /**
     * The paper's Table 1 for Llama-3.1-8B: the defaults everywhere (service, load client, experiments).
     * Class 1 is code generation, 2-3 tool calls, 4-5 chat at reading speed, 6 summarisation.
     */
    public static final List<SloClass> LLAMA_3_1_8B = List.of(
            new SloClass("1", Slo.ofSeconds(0.5, 30), "code generation"),
            new SloClass("2", Slo.ofSeconds(2, 30), "tool call"),
            new SloClass("3", Slo.ofSeconds(3, 30), "tool call"),
            new SloClass("4", Slo.ofSeconds(0.5, 50), "chatbot"),
            new SloClass("5", Slo.ofSeconds(1, 50), "chatbot"),
            new SloClass("6", Slo.ofSeconds(7.5, 50), "summarisation"));

    /** The paper's Table 1 for Gemma-2-27B. */
    public static final List<SloClass> GEMMA_2_27B = List.of(
            new SloClass("1", Slo.ofSeconds(1.0, 60), "code generation"),
            new SloClass("2", Slo.ofSeconds(4, 60), "tool call"),
            new SloClass("3", Slo.ofSeconds(6, 60), "tool call"),
            new SloClass("4", Slo.ofSeconds(1.0, 100), "chatbot"),
            new SloClass("5", Slo.ofSeconds(2, 100), "chatbot"),
            new SloClass("6", Slo.ofSeconds(15, 100), "summarisation"));
}
