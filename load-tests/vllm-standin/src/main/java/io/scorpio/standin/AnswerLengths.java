package io.scorpio.standin;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * Replayed answer lengths: how many tokens a real model answered known prompts with, so that the stand-in stops a
 * request without {@code ignore_eos} where the real model stopped instead of at a drawn length ({@link OutputLength}).
 * Prompts are keyed by the SHA-256 of their UTF-8 text, so a file of them carries no prompt text.
 *
 * <p>The file ({@code --answer-lengths FILE}): one prompt a line, {@code <sha256 hex> <answer tokens>} separated by
 * a tab or spaces, the hash over the exact prompt text (for {@code /v1/completions} the {@code prompt}, for
 * {@code /v1/chat/completions} the last message's {@code content}); blank lines and lines starting with {@code #}
 * are skipped. {@link #write} writes one.
 */
public final class AnswerLengths {

    /** Knows no prompt: every request keeps its drawn length. */
    public static final AnswerLengths NONE = new AnswerLengths(Map.of());

    private final Map<String, Integer> byHash;

    private AnswerLengths(Map<String, Integer> byHash) {
        this.byHash = Map.copyOf(byHash);
    }

    /** From prompt text to answer tokens (each at least 1). */
    public static AnswerLengths of(Map<String, Integer> byPrompt) {
        Map<String, Integer> byHash = new HashMap<>();
        byPrompt.forEach((prompt, tokens) -> put(byHash, key(prompt), tokens, "prompt " + abbreviate(prompt)));
        return new AnswerLengths(byHash);
    }

    /** Reads a file in the format above; a malformed line is an error naming the file and line. */
    public static AnswerLengths read(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            // A bad option value, as the command line reports it.
            throw new IllegalArgumentException("cannot read answer lengths from " + file + ": " + e, e);
        }
        Map<String, Integer> byHash = new HashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String where = file + " line " + (i + 1);
            String[] parts = line.split("\\s+");
            if (parts.length != 2 || !parts[0].matches("[0-9a-fA-F]{64}") || !parts[1].matches("\\d{1,9}")) {
                throw new IllegalArgumentException(where + ": expected '<sha256 hex> <answer tokens>', got '" + line + "'");
            }
            put(byHash, parts[0].toLowerCase(java.util.Locale.ROOT), Integer.parseInt(parts[1]), where);
        }
        return new AnswerLengths(byHash);
    }

    /** Writes {@code byPrompt} as a file {@link #read} takes. */
    public static void write(Path file, Map<String, Integer> byPrompt) {
        List<String> lines = new ArrayList<>();
        lines.add("# sha256 of the prompt's UTF-8 text, answer tokens (vllm-standin --answer-lengths)");
        of(byPrompt).byHash.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(e -> lines.add(e.getKey() + "\t" + e.getValue()));
        try {
            Files.write(file, lines, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /** The answer length of this prompt, if known. */
    public OptionalInt lookup(String prompt) {
        if (byHash.isEmpty()) {
            return OptionalInt.empty(); // the usual case: no hashing per request
        }
        Integer n = byHash.get(key(prompt));
        return n == null ? OptionalInt.empty() : OptionalInt.of(n);
    }

    public int size() {
        return byHash.size();
    }

    /** The key of a prompt: SHA-256 of its UTF-8 text, lower-case hex. */
    public static String key(String prompt) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(prompt.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    private static void put(Map<String, Integer> byHash, String key, int tokens, String where) {
        if (tokens < 1) {
            throw new IllegalArgumentException(where + ": an answer needs at least 1 token, got " + tokens);
        }
        Integer before = byHash.putIfAbsent(key, tokens);
        if (before != null && before != tokens) {
            throw new IllegalArgumentException(where + ": the same prompt with two answer lengths, " + before
                    + " and " + tokens);
        }
    }

    private static String abbreviate(String prompt) {
        return "'" + (prompt.length() > 40 ? prompt.substring(0, 40) + "..." : prompt) + "'";
    }
}
