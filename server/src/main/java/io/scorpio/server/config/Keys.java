package io.scorpio.server.config;

/**
 * The checks the settings records share when they read {@link ServerConfig} values: each names the key in its
 * message, so a bad value fails the launch saying which key to fix.
 */
final class Keys {

    private Keys() {
    }

    static long positive(ServerConfig c, String key) {
        int v = c.getInt(key);
        if (v <= 0) {
            throw new IllegalArgumentException(key + " must be > 0, got " + v);
        }
        return v;
    }

    static int port(ServerConfig c, String key) {
        int v = c.getInt(key);
        if (v < 0 || v > 65535) {
            throw new IllegalArgumentException(key + " must be in [0, 65535], got " + v);
        }
        return v;
    }

    /** A value from a closed set, lower-cased; anything else fails naming the choices. */
    static String oneOf(ServerConfig c, String key, String... choices) {
        String v = c.get(key).trim().toLowerCase(java.util.Locale.ROOT);
        for (String choice : choices) {
            if (choice.equals(v)) {
                return v;
            }
        }
        throw new IllegalArgumentException(key + " must be one of " + String.join(", ", choices) + ", got '" + c.get(key) + "'");
    }

    /** An unset-by-default key: empty when unset or blank. */
    static String optional(ServerConfig c, String key) {
        String v = c.get(key);
        return v == null ? "" : v.trim();
    }
}
