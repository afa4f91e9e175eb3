import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * PENDING-to-terminal latency of the PlaceOrder saga, orders placed one after the other against
 * a running system (./mvnw quarkus:dev). Each order's clock starts when POST /orders answers 202
 * and stops at the first GET /orders/{id} that is no longer PENDING (polled every millisecond).
 *
 *   java bench/PlaceOrderLatency.java [baseUrl] [orders]
 */
public class PlaceOrderLatency {

    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    static String base;
    static String apiKey;

    public static void main(String[] args) throws Exception {
        base = args.length > 0 ? args[0] : "http://localhost:8080";
        int orders = args.length > 1 ? Integer.parseInt(args[1]) : 200;
        // The benchmarks' own key (dev profile: tenant bench, a rate limit far above this machine's).
        apiKey = args.length > 2 ? args[2] : "local-bench-key";
        String sku = "BENCH-" + System.nanoTime();
        String customer = field(send("POST", "/customers",
                "{\"name\":\"Bench\",\"email\":\"bench@example.com\",\"creditLimitCents\":1000000000000}"), "customerId");
        send("POST", "/products", "{\"sku\":\"" + sku + "\",\"name\":\"Bench mug\",\"unitPriceCents\":100,\"stock\":1000000000}");
        String order = "{\"customerId\":\"" + customer + "\",\"items\":[{\"sku\":\"" + sku + "\",\"quantity\":1}],\"paymentToken\":\"tok_ok\"}";

        for (int i = 0; i < 20; i++) { // warm-up, not measured
            await(field(send("POST", "/orders", order), "orderId"));
        }
        List<Double> pendingToTerminal = new ArrayList<>();
        List<Double> accept = new ArrayList<>();
        int approved = 0;
        for (int i = 0; i < orders; i++) {
            long t0 = System.nanoTime();
            String id = field(send("POST", "/orders", order), "orderId");
            long t1 = System.nanoTime();
            String status = await(id);
            long t2 = System.nanoTime();
            approved += status.equals("APPROVED") ? 1 : 0;
            accept.add((t1 - t0) / 1e6);
            pendingToTerminal.add((t2 - t1) / 1e6);
        }
        System.out.printf("orders=%d approved=%d%n", orders, approved);
        report("POST /orders -> 202 (ms)", accept);
        report("PENDING -> terminal (ms)", pendingToTerminal);
    }

    static String await(String id) throws Exception {
        while (true) {
            String status = field(send("GET", "/orders/" + id, null), "status");
            if (!status.equals("PENDING")) {
                return status;
            }
            Thread.sleep(1);
        }
    }

    static void report(String what, List<Double> samples) {
        List<Double> sorted = new ArrayList<>(samples);
        Collections.sort(sorted);
        System.out.printf("%-28s median=%.1f p90=%.1f p99=%.1f max=%.1f%n", what, pct(sorted, 50), pct(sorted, 90),
                pct(sorted, 99), sorted.get(sorted.size() - 1));
    }

    static double pct(List<Double> sorted, int p) {
        int rank = (int) Math.ceil(p / 100.0 * sorted.size());
        return sorted.get(Math.max(0, rank - 1));
    }

    static String send(String method, String path, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).header("x-api-key", apiKey)
                .header("content-type", "application/json");
        request = body == null ? request.GET() : request.method(method, HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() >= 300) {
            throw new IllegalStateException(method + " " + path + " -> " + response.statusCode() + " " + response.body());
        }
        return response.body();
    }

    static String field(String json, String name) {
        Matcher m = Pattern.compile("\"" + name + "\":\"([^\"]*)\"").matcher(json);
        if (!m.find()) {
            throw new IllegalStateException(name + " not in " + json);
        }
        return m.group(1);
    }
}
