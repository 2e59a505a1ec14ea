package io.scorpio.experiments.trace;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Which of a trace's columns (CSV header names, or JSON keys) holds what. Detection compares names
 * case-insensitively and ignoring spaces, '_', '-' and '.', against the spellings of the public traces; an
 * explicit mapping ({@code --columns arrival=ts,prompt=in,output=out}) wins over detection.
 */
public record TraceColumns(Map<Role, String> names) {

    /** What a column may hold. Only {@link #PROMPT} and {@link #OUTPUT} are required. */
    public enum Role {
        ARRIVAL("arrival", "timestamp", "arrivaltime", "arrivaltimestamp", "arrival", "arrivalms", "arrivaltimems",
                "timestampms", "arrivals", "arrivaltimes", "time", "ts", "starttime", "requesttime"),
        PROMPT("prompt", "contexttokens", "inputlength", "inputtokens", "numprefilltokens", "prompttokens",
                "promptlength", "promptlen", "inputlen", "requesttokens", "numprompttokens", "prefilltokens",
                "prompttokencount", "inputtokencount"),
        OUTPUT("output", "generatedtokens", "outputlength", "outputtokens", "numdecodetokens", "completiontokens",
                "responsetokens", "outputlen", "decodetokens", "numcompletiontokens", "outputtokencount",
                "completiontokencount"),
        SLO_CLASS("slo_class", "sloclass", "slo", "class"),
        TTFT("ttft", "ttftms", "ttftslo", "ttftsloms", "ttfttargetms", "ttfttarget"),
        TPOT("tpot", "tpotms", "tpotslo", "tpotsloms", "tpottargetms", "tpottarget"),
        TEXT("text", "prompttext", "prompt", "text", "input"),
        SESSION("session", "sessionid", "session", "conversationid", "conversation", "convid", "chatid");

        private final String option;
        private final Set<String> spellings;

        Role(String option, String... spellings) {
            this.option = option;
            this.spellings = Set.of(spellings);
        }

        /** The name used for this role in {@code --columns}. */
        public String option() {
            return option;
        }

        static Role byOption(String name) {
            for (Role r : values()) {
                if (r.option.equals(name.trim().toLowerCase(Locale.ROOT))) {
                    return r;
                }
            }
            throw new TraceException("--columns: unknown role '" + name + "'; roles: " + options());
        }

        static List<String> options() {
            return java.util.Arrays.stream(values()).map(Role::option).toList();
        }
    }

    public TraceColumns {
        names = Map.copyOf(names);
    }

    public String name(Role role) {
        return names.get(role);
    }

    public boolean has(Role role) {
        return names.containsKey(role);
    }

    /** Letters and digits only, lower case: "Request tokens" and "request_tokens" both become "requesttokens". */
    static String normalise(String name) {
        return name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "");
    }

    /**
     * Maps the file's columns to roles: first the explicit {@code overrides} (role option -> column name), then
     * for every other role the first column whose normalised name is one of the role's spellings. A column is given
     * to at most one role, so that, for example, a numeric "prompt" column is not also taken as the prompt text.
     *
     * @param file for error messages
     */
    public static TraceColumns detect(String file, List<String> header, Map<String, String> overrides) {
        Map<Role, String> found = new EnumMap<>(Role.class);
        Map<String, String> byNormalised = new LinkedHashMap<>();
        for (String h : header) {
            byNormalised.putIfAbsent(normalise(h), h);
        }
        List<String> used = new ArrayList<>();
        overrides.forEach((role, column) -> {
            String actual = byNormalised.get(normalise(column));
            if (actual == null) {
                throw new TraceException(file + ": --columns names '" + column + "' for " + role
                        + ", but the file's columns are " + header);
            }
            found.put(Role.byOption(role), actual);
            used.add(actual);
        });
        for (Role role : Role.values()) {
            if (found.containsKey(role)) {
                continue;
            }
            for (String h : header) {
                if (!used.contains(h) && role.spellings.contains(normalise(h))) {
                    found.put(role, h);
                    used.add(h);
                    break;
                }
            }
        }
        for (Role required : List.of(Role.PROMPT, Role.OUTPUT)) {
            if (!found.containsKey(required)) {
                throw new TraceException(file + ": no " + required.option() + "-token column among " + header
                        + "; name it with --columns " + required.option() + "=COLUMN");
            }
        }
        return new TraceColumns(found);
    }

    /** Parses {@code arrival=TIMESTAMP,prompt=ContextTokens}; an empty string gives no overrides. */
    public static Map<String, String> parseOverrides(String spec) {
        Map<String, String> out = new LinkedHashMap<>();
        if (spec == null || spec.isBlank()) {
            return out;
        }
        for (String part : spec.split(",")) {
            int eq = part.indexOf('=');
            if (eq <= 0 || eq == part.length() - 1) {
                throw new TraceException("--columns: expected ROLE=COLUMN, found '" + part + "'; roles: "
                        + Role.options());
            }
            String role = part.substring(0, eq).trim();
            Role.byOption(role); // fail early on an unknown role
            out.put(role.toLowerCase(Locale.ROOT), part.substring(eq + 1).trim());
        }
        return out;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        names.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> sb.append(sb.isEmpty() ? "" : ", ")
                .append(e.getKey().option()).append('=').append(e.getValue()));
        return sb.toString();
    }
}
