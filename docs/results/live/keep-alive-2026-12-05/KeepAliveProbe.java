import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Rounds of 12 concurrent streamed completions through one JDK HttpClient (its pool keeps idle connections 1,200 s),
 * each round GAP_MS (+-30 ms) after the previous one ended: the pooled connections are reused right when a node
 * that closes idle kept-alive connections after GAP_MS does so. Counts the requests that failed on such a connection.
 *
 *   java KeepAliveProbe.java BASE_URL GAP_MS ROUNDS
 */
public class KeepAliveProbe {
    public static void main(String[] args) throws Exception {
        String base = args[0];
        long gapMs = Long.parseLong(args[1]);
        int rounds = Integer.parseInt(args[2]);
        ExecutorService pool = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r);
            t.setDaemon(true);
            return t;
        });
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).executor(pool).build();
        Random rnd = new Random(1);
        int ok = 0;
        int failed = 0;
        int hung = 0;
        for (int round = 0; round < rounds; round++) {
            List<CompletableFuture<String>> fs = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                HttpRequest req = HttpRequest.newBuilder(URI.create(base + "/v1/completions"))
                        .header("content-type", "application/json").timeout(Duration.ofSeconds(20))
                        .POST(HttpRequest.BodyPublishers.ofString(
                                "{\"model\":\"llama-3.1-8b\",\"prompt\":\"hi\",\"max_tokens\":3,\"stream\":true}"))
                        .build();
                fs.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        http.send(req, HttpResponse.BodyHandlers.ofLines()).body().forEach(l -> { });
                        return "ok";
                    } catch (HttpTimeoutException e) {
                        return "hung";
                    } catch (Exception e) {
                        return "failed: " + e.getMessage();
                    }
                }, pool));
            }
            for (CompletableFuture<String> f : fs) {
                String s = f.get();
                if (s.equals("ok")) {
                    ok++;
                } else if (s.equals("hung")) {
                    hung++;
                } else {
                    failed++;
                    System.out.println("round " + round + ": " + s);
                }
            }
            Thread.sleep(gapMs - 30 + rnd.nextInt(60));
        }
        System.out.println("ok " + ok + " failed " + failed + " hung " + hung);
    }
}
