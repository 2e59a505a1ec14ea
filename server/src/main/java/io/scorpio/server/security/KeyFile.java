package io.scorpio.server.security;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The keys file and the token scheme. A token is {@code sk-scorpio-<id>.<secret>}, the secret 32 random bytes
 * in base64url. The file is a JSON array of {@link ApiKey} objects (or one object per line) holding
 * SHA-256(salt || secret), never the secret.
 *
 * <p>Why salted SHA-256 and not PBKDF2: the secrets are 256-bit random values, not passwords, so key stretching
 * buys nothing against guessing, while it would put milliseconds of hashing on the event loop per request. The
 * salt keeps identical secrets from having identical hashes and defeats precomputed tables.
 */
public final class KeyFile {

    public static final String PREFIX = "sk-scorpio-";
    private static final SecureRandom RANDOM = new SecureRandom();

    private KeyFile() {
    }

    /** Reads a keys file: a JSON array, or JSON lines (one key object per non-blank line). */
    public static Map<String, ApiKey> read(Path path) {
        return parse(readText(path), path);
    }

    static String readText(Path path) {
        try {
            return Files.readString(path, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read keys file " + path + ": " + e.getMessage(), e);
        }
    }

    /** The keys in the text of a keys file read from {@code path} (named in errors). */
    static Map<String, ApiKey> parse(String text, Path path) {
        if (text.isBlank()) {
            // Most likely a file caught mid-write by a tool that does not write atomically; revoking every key is
            // said explicitly, with [].
            throw new IllegalArgumentException("keys file " + path + " is empty (to revoke every key, write [])");
        }
        List<JsonObject> objects = new ArrayList<>();
        try {
            if (text.stripLeading().startsWith("[")) {
                new JsonArray(text).forEach(o -> objects.add((JsonObject) o));
            } else {
                text.lines().filter(l -> !l.isBlank()).forEach(l -> objects.add(new JsonObject(l)));
            }
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("keys file " + path + " is not a JSON array of keys or JSON lines: "
                    + e.getMessage(), e);
        }
        Map<String, ApiKey> keys = new LinkedHashMap<>();
        for (JsonObject o : objects) {
            ApiKey k = ApiKey.fromJson(o);
            if (keys.put(k.id(), k) != null) {
                throw new IllegalArgumentException("keys file " + path + " holds key id '" + k.id() + "' twice");
            }
        }
        return keys;
    }

    /** Writes the keys as a JSON array, atomically (a server reading it never sees half a file). */
    public static void write(Path path, Map<String, ApiKey> keys) throws IOException {
        JsonArray a = new JsonArray();
        keys.values().forEach(k -> a.add(k.toJson()));
        Path abs = path.toAbsolutePath();
        Path tmp = Files.createTempFile(abs.getParent(), ".keys", ".tmp");
        Files.writeString(tmp, a.encodePrettily() + "\n", StandardCharsets.UTF_8);
        Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** A new key: the stored record and the token, which exists only in the caller's hands from now on. */
    public record Issued(ApiKey key, String token) {
    }

    public static Issued issue(String id, Set<String> classes, double ratePerSecond, int burst) {
        byte[] secretBytes = new byte[32];
        RANDOM.nextBytes(secretBytes);
        String secret = Base64.getUrlEncoder().withoutPadding().encodeToString(secretBytes);
        byte[] salt = new byte[16];
        RANDOM.nextBytes(salt);
        ApiKey key = new ApiKey(id, Base64.getEncoder().encodeToString(salt),
                Base64.getEncoder().encodeToString(hash(salt, secret)), classes, ratePerSecond, burst);
        return new Issued(key, PREFIX + id + "." + secret);
    }

    /** The parts of a presented token, or null when it does not have the token's shape. */
    public record Presented(String id, String secret) {
    }

    public static Presented parse(String token) {
        if (token == null || !token.startsWith(PREFIX)) {
            return null;
        }
        String rest = token.substring(PREFIX.length());
        int dot = rest.indexOf('.');
        if (dot <= 0 || dot == rest.length() - 1) {
            return null;
        }
        String id = rest.substring(0, dot);
        return ApiKey.validId(id) ? new Presented(id, rest.substring(dot + 1)) : null;
    }

    /** Whether the secret matches the key's stored hash; the comparison takes the same time wherever they differ. */
    public static boolean matches(ApiKey key, String secret) {
        byte[] salt = Base64.getDecoder().decode(key.salt());
        byte[] expected = Base64.getDecoder().decode(key.hash());
        return MessageDigest.isEqual(expected, hash(salt, secret));
    }

    static byte[] hash(byte[] salt, String secret) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(salt);
            sha.update(secret.getBytes(StandardCharsets.UTF_8));
            return sha.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK always has SHA-256", e);
        }
    }
}
