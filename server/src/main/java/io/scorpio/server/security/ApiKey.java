package io.scorpio.server.security;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One API key as stored in the keys file: never the secret itself, only its salted hash.
 *
 * @param id public name of the key; also the part of the bearer token before the dot, so that a lookup costs
 *     one hash, not one per stored key
 * @param salt base64 of 16 random bytes
 * @param hash base64 of SHA-256(salt || secret)
 * @param classes SLO class names the key may ask for; {@link #ANY_CLASS} alone means every class and also
 *     explicit {@code slo} figures
 * @param ratePerSecond sustained requests per second (token-bucket refill); 0 = unlimited
 * @param burst bucket capacity: requests allowed at once after a quiet period
 */
public record ApiKey(String id, String salt, String hash, Set<String> classes, double ratePerSecond, int burst) {

    public static final String ANY_CLASS = "*";
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    public ApiKey {
        if (id == null || !ID.matcher(id).matches()) {
            throw new IllegalArgumentException("key id must match " + ID + ", got '" + id + "'");
        }
        if (salt == null || hash == null) {
            throw new IllegalArgumentException("key '" + id + "' needs salt and hash");
        }
        classes = Set.copyOf(classes);
        if (classes.isEmpty()) {
            throw new IllegalArgumentException("key '" + id + "' allows no SLO class; use \"*\" for all");
        }
        if (!(ratePerSecond >= 0) || Double.isInfinite(ratePerSecond)) {
            throw new IllegalArgumentException("key '" + id + "': rate_per_s must be a finite number >= 0");
        }
        if (burst < 1) {
            throw new IllegalArgumentException("key '" + id + "': burst must be >= 1");
        }
    }

    public static boolean validId(String id) {
        return id != null && ID.matcher(id).matches();
    }

    public boolean anyClass() {
        return classes.contains(ANY_CLASS);
    }

    public boolean limited() {
        return ratePerSecond > 0;
    }

    public JsonObject toJson() {
        return new JsonObject().put("id", id).put("salt", salt).put("hash", hash)
                .put("classes", new JsonArray(List.copyOf(new java.util.TreeSet<>(classes))))
                .put("rate_per_s", ratePerSecond).put("burst", burst);
    }

    public static ApiKey fromJson(JsonObject o) {
        Object cls = o.getValue("classes");
        Set<String> classes = new LinkedHashSet<>();
        if (cls instanceof String s) {
            classes.add(s);
        } else if (cls instanceof JsonArray a) {
            a.forEach(c -> classes.add(String.valueOf(c)));
        } else {
            throw new IllegalArgumentException("key '" + o.getValue("id") + "': classes must be \"*\" or an array of class names");
        }
        Number rate = o.getNumber("rate_per_s", 0);
        Number burst = o.getNumber("burst", Math.max(1, (int) Math.ceil(rate.doubleValue())));
        return new ApiKey(o.getString("id"), o.getString("salt"), o.getString("hash"), classes, rate.doubleValue(),
                burst.intValue());
    }
}
