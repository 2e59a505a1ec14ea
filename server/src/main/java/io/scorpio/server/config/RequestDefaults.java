package io.scorpio.server.config;

import io.scorpio.model.Slo;
import io.scorpio.model.SloClass;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a request may ask for and what it gets when it names nothing: the model served, {@code max_tokens}'
 * default and limit, the SLO of a request that names none, and the named SLO classes.
 */
public record RequestDefaults(String modelName, int defaultMaxTokens, int maxTokensLimit, Slo defaultSlo,
                              Map<String, Slo> sloClasses) {

    public RequestDefaults {
        if (defaultMaxTokens < 1 || maxTokensLimit < 1 || defaultMaxTokens > maxTokensLimit) {
            throw new IllegalArgumentException("need 1 <= max-tokens.default <= max-tokens.limit, got " + defaultMaxTokens
                    + " and " + maxTokensLimit);
        }
        sloClasses = Collections.unmodifiableMap(new LinkedHashMap<>(sloClasses)); // in configured order: a key's first class
    }

    static RequestDefaults from(ServerConfig c) {
        return new RequestDefaults(c.get("model.name").trim(), c.getInt("max-tokens.default"), c.getInt("max-tokens.limit"),
                new Slo(c.getDouble("slo.default.ttft-ms"), c.getDouble("slo.default.tpot-ms")),
                parseClasses(Keys.optional(c, "slo.classes")));
    }

    static Map<String, Slo> parseClasses(String spec) {
        Map<String, Slo> out = new LinkedHashMap<>();
        if (spec.isBlank()) {
            return out;
        }
        for (String part : spec.split(",")) {
            String p = part.trim();
            int eq = p.indexOf('=');
            int slash = p.indexOf('/', eq + 1);
            if (eq <= 0 || slash < 0) {
                throw new IllegalArgumentException("slo.classes entries take the form name=ttft_ms/tpot_ms, got '" + p + "'");
            }
            try {
                out.put(p.substring(0, eq).trim(), new Slo(Double.parseDouble(p.substring(eq + 1, slash).trim()),
                        Double.parseDouble(p.substring(slash + 1).trim())));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad SLO class '" + p + "': " + e.getMessage());
            }
        }
        return out;
    }

    /** The paper's six Llama-3.1-8B classes as a {@code slo.classes} value: the key's default, from the shared model. */
    static String paperClasses() {
        StringBuilder sb = new StringBuilder();
        for (SloClass c : SloClass.LLAMA_3_1_8B) {
            if (sb.length() > 0) {
                sb.append(',');
            }
            sb.append(c.name()).append('=').append((long) c.slo().ttftMs()).append('/').append((long) c.slo().tpotMs());
        }
        return sb.toString();
    }
}
