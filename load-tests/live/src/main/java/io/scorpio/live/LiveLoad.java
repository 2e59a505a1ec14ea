package io.scorpio.live;

import io.scorpio.experiments.runner.Workloads;
import io.scorpio.experiments.trace.TraceException;
import io.scorpio.experiments.trace.TraceOptions;
import io.scorpio.experiments.trace.TraceReplay;
import io.scorpio.experiments.workload.WorkloadRequest;
import io.scorpio.model.DataFiles;
import io.scorpio.standin.AnswerLengths;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The live load client's command line: replays a workload against a running node and writes the report.
 *
 * <pre>
 * java -jar load-tests/live/target/scorpio-live.jar --url http://127.0.0.1:8080 --workload sharegpt --qps 8 \
 *     --requests 512 --transport sse --max-seconds 300 --out target/live
 * </pre>
 */
public final class LiveLoad {

    static final String USAGE = """
            usage: LiveLoad [--url http://127.0.0.1:8080[,http://127.0.0.1:8081...]] [--workload sharegpt|arena-hard|azure-conv|azure-code | --trace FILE]
                            [--qps 8] [--requests 512] [--transport sse|ws] [--max-seconds 300] [--out target/live]
                            [--model llama-3.1-8b] [--seed 42] [--ws-sockets 4] [--stock] [--prompts synthetic|text]
                            [--write-answer-lengths FILE]
              --qps is the Poisson rate; for the Azure traces it is a speed-up of the trace's own arrivals.
              Several comma-separated --url values (a cluster's nodes) get the requests round robin.
              --stock: the URLs are stock vLLM servers (or stand-ins), not Scorpio nodes: requests carry no SLO
              fields (each is still judged by its SLO at the client); use it with --transport sse.
              --prompts text (arena-hard, castillo-chat): the real prompt text with max_tokens 2,048 and no ignore_eos, as
              a user sends it; the server stops where its model stops and a Scorpio node predicts the length. Against
              vLLM stand-ins, start them with the workload's answer lengths (vllm-standin --answer-lengths FILE, or
              load-tests/stock-vllm.sh --answer-lengths=FILE) so that each answer ends where Llama-3.1-8B's did.
              --write-answer-lengths FILE: write that file for --workload (every prompt of its pool) and exit.
              Only loopback targets are accepted; the run stops after --requests requests or --max-seconds.
              --trace FILE replays a request trace of your own (CSV or JSON Lines, see docs/workloads.md) instead of
              --workload, read as the experiments' `replay FILE` reads it, with the same options:
            """ + TraceOptions.USAGE + """

              With --trace, --qps (if given) replaces the trace's times with Poisson arrivals, and --requests or
              --max-requests caps the requests (default: the whole window, at most 100000).""";

    private LiveLoad() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> o = parse(args);
        if (o.containsKey("help")) {
            System.out.println(USAGE);
            return;
        }
        Workloads workload = Workloads.named(o.getOrDefault("workload", "sharegpt"));
        if (o.containsKey("write-answer-lengths")) {
            Path file = Path.of(o.get("write-answer-lengths"));
            Map<String, Integer> answers = LiveWorkloads.answerLengths(workload, DataFiles.resolve());
            if (answers.isEmpty()) {
                throw new IllegalArgumentException("workload " + workload.label() + " has no prompt text to write answer "
                        + "lengths for; use arena-hard or castillo-chat");
            }
            AnswerLengths.write(file, answers);
            System.out.printf("%d prompts of %s with their answer lengths: %s%n", answers.size(), workload.label(),
                    file.toAbsolutePath());
            return;
        }
        List<Loopback> targets = Loopback.parseAll(o.getOrDefault("url", "http://127.0.0.1:8080"));
        LiveClient.Prompts prompts = LiveClient.Prompts.named(o.getOrDefault("prompts", "synthetic"));
        double qps = Double.parseDouble(o.getOrDefault("qps", "8"));
        int requests = Integer.parseInt(o.getOrDefault("requests", "512"));
        LiveClient.Transport transport = LiveClient.Transport.valueOf(o.getOrDefault("transport", "sse").toUpperCase());
        double maxSeconds = Double.parseDouble(o.getOrDefault("max-seconds", "300"));
        Path out = Path.of(o.getOrDefault("out", "target/live"));
        long seed = Long.parseLong(o.getOrDefault("seed", "42"));
        if (requests < 1 || requests > 100_000 || !(maxSeconds > 0) || maxSeconds > 24 * 3600) {
            throw new IllegalArgumentException("need 1 <= --requests <= 100000 and 0 < --max-seconds <= 86400");
        }
        if (prompts == LiveClient.Prompts.TEXT && o.containsKey("trace")) {
            throw new IllegalArgumentException("--prompts text needs --workload arena-hard or castillo-chat: a trace has "
                    + "lengths, not prompt text");
        }
        List<WorkloadRequest> wl;
        String label = workload.label() + "@" + qps;
        if (o.containsKey("trace")) {
            // A trace of the user's own: its options are the experiments' replay options; --requests caps it too.
            Path file = Path.of(o.get("trace"));
            Map<String, String> traceOptions = new LinkedHashMap<>(o);
            traceOptions.putIfAbsent("max-requests", o.containsKey("requests") ? o.get("requests") : "100000");
            TraceReplay.Selection sel;
            try {
                sel = LiveWorkloads.fromTrace(file, TraceOptions.parse(traceOptions), seed);
            } catch (TraceException e) {
                System.err.println(e.getMessage()); // says which file, line and why: no stack trace needed
                System.exit(2);
                return;
            }
            wl = sel.requests();
            if (wl.size() > 100_000) {
                throw new IllegalArgumentException("need --max-requests <= 100000");
            }
            qps = sel.offeredQps();
            label = file.getFileName() + "@" + String.format(java.util.Locale.ROOT, "%.2f", qps);
            System.err.printf("trace %s: %d rows, %d in the window, %d refused by the length filter, %d requests "
                    + "at %.2f req/s offered%n", file, sel.read(), sel.inWindow(), sel.filteredOut(), wl.size(), qps);
        } else if (prompts == LiveClient.Prompts.TEXT) {
            wl = LiveWorkloads.withText(workload, DataFiles.resolve(), qps, requests, seed);
        } else {
            wl = LiveWorkloads.build(workload, DataFiles.resolve(), qps, requests, seed);
        }
        LiveClient.Options options = new LiveClient.Options(targets, transport, o.getOrDefault("model", "llama-3.1-8b"),
                maxSeconds, Integer.parseInt(o.getOrDefault("ws-sockets", "4")), true, null, o.containsKey("stock"),
                prompts);
        if (options.stock() && transport != LiveClient.Transport.SSE) {
            throw new IllegalArgumentException("--stock needs --transport sse: vLLM has no WebSocket endpoint");
        }
        LiveClient.Run run;
        try (LiveClient client = new LiveClient(options)) {
            run = client.run(wl);
        }
        LiveReport.write(out, label, transport.name().toLowerCase(), qps, run);
        var table = LiveReport.summaryTable();
        LiveReport.addRow(table, label, transport.name().toLowerCase(), qps, run);
        System.out.print(table.toMarkdown());
        System.out.println("report: " + out.toAbsolutePath());
    }

    static Map<String, String> parse(String[] args) {
        return parse(args, Set.of("help", "stock"), USAGE);
    }

    /** {@code --name value} or {@code --name=value}; the names in {@code flags} take no value (stored as ""). */
    static Map<String, String> parse(String[] args, Set<String> flags, String usage) {
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument '" + a + "'\n" + usage);
            }
            String name = a.substring(2);
            int eq = name.indexOf('=');
            if (eq >= 0) {
                out.put(name.substring(0, eq), name.substring(eq + 1));
            } else if (flags.contains(name)) {
                out.put(name, "");
            } else if (i + 1 < args.length) {
                out.put(name, args[++i]);
            } else {
                throw new IllegalArgumentException("--" + name + " needs a value\n" + usage);
            }
        }
        return out;
    }
}
