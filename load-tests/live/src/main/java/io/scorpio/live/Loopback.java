package io.scorpio.live;

import java.net.URI;
import java.util.List;
import java.util.Locale;

/**
 * The only targets the live client accepts: loopback addresses. A load generator pointed at someone else's
 * service by mistake is a denial-of-service attack, so anything else is refused before a socket opens.
 * Host names other than {@code localhost} are refused without a DNS lookup (a lookup could itself leave the box).
 *
 * @param host the loopback host as given (127.x.y.z, ::1 or localhost)
 * @param port its port
 */
public record Loopback(String host, int port) {

    public static Loopback parse(String url) {
        URI uri = URI.create(url.trim());
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("ws")) {
            throw new IllegalArgumentException("only plain http:// or ws:// URLs are supported, got '" + url + "'");
        }
        String host = uri.getHost();
        if (host == null || !isLoopback(host)) {
            throw new IllegalArgumentException("refusing non-loopback target '" + url
                    + "': the live client only drives services on 127.0.0.0/8, ::1 or localhost");
        }
        int port = uri.getPort() > 0 ? uri.getPort() : 80;
        return new Loopback(host.startsWith("[") ? host.substring(1, host.length() - 1) : host, port);
    }

    /** Several comma-separated URLs (a cluster's nodes), each checked as {@link #parse} does. */
    public static List<Loopback> parseAll(String urls) {
        return CommaList.parse(urls, Loopback::parse, "no URL given");
    }

    static boolean isLoopback(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        if (h.startsWith("[") && h.endsWith("]")) {
            h = h.substring(1, h.length() - 1);
        }
        if (h.equals("localhost") || h.equals("::1") || h.equals("0:0:0:0:0:0:0:1")) {
            return true;
        }
        String[] parts = h.split("\\.");
        if (parts.length != 4 || !parts[0].equals("127")) {
            return false;
        }
        for (String p : parts) {
            if (!p.matches("\\d{1,3}") || Integer.parseInt(p) > 255) {
                return false;
            }
        }
        return true;
    }
}
