package io.scorpio.server.security;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Manages a keys file from the command line:
 *
 * <pre>
 * java -cp scorpio-server.jar io.scorpio.server.security.KeyTool add --file keys.json --classes 1,4 --rate 10 [--burst 20] [--id team-a]
 * java -cp scorpio-server.jar io.scorpio.server.security.KeyTool list --file keys.json
 * java -cp scorpio-server.jar io.scorpio.server.security.KeyTool remove --file keys.json --id team-a
 * </pre>
 *
 * {@code add} prints the new token once, on standard output; only its salted hash is written to the file.
 */
public final class KeyTool {

    private KeyTool() {
    }

    public static void main(String[] args) {
        int rc = run(args, System.out, System.err);
        if (rc != 0) {
            System.exit(rc);
        }
    }

    /** Runs one command; returns the exit status. */
    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0 || !Set.of("add", "list", "remove").contains(args[0])) {
            err.println(usage());
            return 2;
        }
        try {
            Map<String, String> opts = options(Arrays.asList(args).subList(1, args.length));
            Path file = Path.of(required(opts, "file"));
            Map<String, ApiKey> keys = Files.exists(file) && Files.size(file) > 0 ? new LinkedHashMap<>(KeyFile.read(file))
                    : new LinkedHashMap<>();
            switch (args[0]) {
                case "add" -> {
                    String id = opts.getOrDefault("id", "key-" + UUID.randomUUID().toString().substring(0, 8));
                    if (keys.containsKey(id)) {
                        throw new IllegalArgumentException("the file already holds a key '" + id + "'");
                    }
                    Set<String> classes = new LinkedHashSet<>(List.of(opts.getOrDefault("classes", ApiKey.ANY_CLASS)
                            .split("\\s*,\\s*")));
                    double rate = Double.parseDouble(opts.getOrDefault("rate", "0"));
                    int burst = Integer.parseInt(opts.getOrDefault("burst", Integer.toString(Math.max(1, (int) Math.ceil(rate)))));
                    KeyFile.Issued issued = KeyFile.issue(id, classes, rate, burst);
                    keys.put(id, issued.key());
                    KeyFile.write(file, keys);
                    err.println("added key '" + id + "' to " + file + " (classes " + classes + ", " + (rate > 0
                            ? rate + " requests/s, burst " + burst : "no rate limit") + "); the token is shown only now:");
                    out.println(issued.token());
                }
                case "list" -> keys.values().forEach(k -> out.println(k.id() + "\tclasses=" + String.join(",", k.classes())
                        + "\trate_per_s=" + k.ratePerSecond() + "\tburst=" + k.burst()));
                case "remove" -> {
                    String id = required(opts, "id");
                    if (keys.remove(id) == null) {
                        throw new IllegalArgumentException("no key '" + id + "' in " + file);
                    }
                    KeyFile.write(file, keys);
                    err.println("removed key '" + id + "'");
                }
                default -> throw new IllegalStateException();
            }
            return 0;
        } catch (IllegalArgumentException | IOException e) {
            err.println("keytool: " + e.getMessage());
            return 1;
        }
    }

    private static Map<String, String> options(List<String> args) {
        Map<String, String> opts = new LinkedHashMap<>();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (!a.startsWith("--") || i + 1 >= args.size()) {
                throw new IllegalArgumentException("options take the form --name value, got '" + a + "'\n" + usage());
            }
            opts.put(a.substring(2), args.get(++i));
        }
        return opts;
    }

    private static String required(Map<String, String> opts, String name) {
        String v = opts.get(name);
        if (v == null) {
            throw new IllegalArgumentException("--" + name + " is required\n" + usage());
        }
        return v;
    }

    static String usage() {
        return """
                usage: KeyTool add --file FILE [--id ID] [--classes 1,4|*] [--rate REQ_PER_S] [--burst N]
                       KeyTool list --file FILE
                       KeyTool remove --file FILE --id ID
                  add prints the new token (sk-scorpio-ID.SECRET) once; the file keeps only its salted hash.
                  --classes: SLO class names the key may use (default *: any class and explicit slo figures).
                  --rate: requests per second (default 0: unlimited); --burst: bucket size (default ceil(rate), at least 1).""";
    }
}
