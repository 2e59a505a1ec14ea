package io.scorpio.live;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * One configuration of the cluster scale experiment: {@code workers} simulated workers (engines) spread over
 * {@code nodes} node JVMs, as evenly as possible with the larger shares first (4 workers on 3 nodes: 2+1+1).
 *
 * @param workers engines in the whole cluster
 * @param nodes   node JVMs
 */
public record ScaleConfig(int workers, int nodes) {

    /** The experiment's matrix: 1, 2, 4 workers on 1, 2, 3 nodes wherever every node has a worker. */
    public static final String DEFAULT_MATRIX = "1/1,2/1,2/2,4/1,4/2,4/3";

    public ScaleConfig {
        if (nodes < 1 || workers < nodes) {
            throw new IllegalArgumentException("need workers >= nodes >= 1 (a node without a worker serves nothing), got "
                    + workers + " workers on " + nodes + " nodes");
        }
    }

    /** {@code "4/3"}: 4 workers on 3 nodes. */
    public static ScaleConfig parse(String text) {
        String[] parts = text.strip().split("/");
        if (parts.length != 2) {
            throw new IllegalArgumentException("a configuration is workers/nodes, e.g. 4/3; got '" + text + "'");
        }
        return new ScaleConfig(Integer.parseInt(parts[0].strip()), Integer.parseInt(parts[1].strip()));
    }

    /** A comma-separated list of configurations, in the given order. */
    public static List<ScaleConfig> parseAll(String text) {
        return CommaList.parse(text, ScaleConfig::parse, "no configuration given");
    }

    /** Engines per node: the even share, plus one for each of the first {@code workers % nodes} nodes. */
    public List<Integer> enginesPerNode() {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < nodes; i++) {
            out.add(workers / nodes + (i < workers % nodes ? 1 : 0));
        }
        return List.copyOf(out);
    }

    /** {@code "2+1+1"}. */
    public String split() {
        return enginesPerNode().stream().map(String::valueOf).collect(Collectors.joining("+"));
    }

    /** {@code "4w/3n"}, as the tables show it. */
    public String label() {
        return workers + "w/" + nodes + "n";
    }

    /** {@code "4w3n"}, safe in a file name. */
    public String slug() {
        return workers + "w" + nodes + "n";
    }
}
