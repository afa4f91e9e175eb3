package io.sagaline.platform;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * {@code functions/catalog.json}: every function with its trigger and limits, every state
 * machine. Packaged on the classpath under {@code functions/}, read by the local runtime; the
 * same file drives Terraform.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Catalog(List<Function> functions, List<Queue> queues, List<StateMachine> stateMachines,
        Map<String, String> scopes, Authorizer authorizer, ExecutionEvents executionEvents) {

    public static final String RESOURCE = "functions/catalog.json";

    public Catalog {
        queues = queues == null ? List.of() : queues;
        scopes = scopes == null ? Map.of() : Map.copyOf(scopes);
    }

    /**
     * The HTTP API's Lambda authorizer: the function API Gateway calls once per request (REQUEST,
     * payload 2.0, simple responses) with {@code identitySource}, whose answers it keeps for
     * {@code resultTtlSeconds} per identity. The local gateway calls the same function the same way.
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Authorizer(String function, String identitySource, int resultTtlSeconds) {

        /** The request header the identity source names ({@code $request.header.x-api-key}). */
        public String header() {
            String prefix = "$request.header.";
            if (identitySource == null || !identitySource.startsWith(prefix)) {
                throw new IllegalStateException("the authorizer's identitySource must be " + prefix + "<name>");
            }
            return identitySource.substring(prefix.length());
        }
    }

    /** The HTTP routes whose requests are refused when their rate limit cannot be checked. */
    public java.util.Set<String> routesFailingClosed() {
        return functions.stream().filter(f -> f.trigger().isHttp() && f.trigger().failsClosed())
                .map(f -> f.trigger().routeKey()).collect(java.util.stream.Collectors.toUnmodifiableSet());
    }

    /**
     * The HTTP routes whose function writes to the audit log (permission {@code audit}: it handles
     * personal data or the log itself), by route key: the function's name. A refused request of such
     * a route is audited too.
     */
    public Map<String, String> auditedRoutes() {
        Map<String, String> byRoute = new java.util.HashMap<>();
        functions.stream().filter(f -> f.trigger().isHttp() && f.audit().contains(Function.AUDIT_APPEND))
                .forEach(f -> byRoute.put(f.trigger().routeKey(), f.name()));
        return Map.copyOf(byRoute);
    }

    /**
     * What each service may do with the audit log, from its functions' permission {@code audit}:
     * {@code append} (insert entries) and {@code read}. Never more: the log is append-only.
     */
    public Map<String, java.util.Set<String>> auditRights() {
        Map<String, java.util.Set<String>> rights = new java.util.TreeMap<>();
        functions.forEach(
                f -> f.audit().forEach(r -> rights.computeIfAbsent(f.service(), s -> new java.util.TreeSet<>()).add(r)));
        return rights;
    }

    /** The scope an HTTP route needs, by its route key ({@code GET /orders/{orderId}}). */
    public Map<String, String> scopeByRoute() {
        Map<String, String> byRoute = new java.util.HashMap<>();
        functions.stream().filter(f -> f.trigger().isHttp() && !f.trigger().isPublic())
                .forEach(f -> byRoute.put(f.trigger().routeKey(), f.trigger().scope()));
        return Map.copyOf(byRoute);
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Function(String name, String service, int memoryMb, int timeoutSeconds, Trigger trigger,
            Map<String, Object> permissions) {

        public static final String AUDIT_APPEND = "append";
        public static final String AUDIT_READ = "read";

        /** Its permission {@code audit}: what it does with the audit log ({@code append}, {@code read}). */
        public List<String> audit() {
            Object audit = permissions == null ? null : permissions.get("audit");
            if (audit == null) {
                return List.of();
            }
            if (!(audit instanceof List<?> rights)
                    || !rights.stream().allMatch(r -> AUDIT_APPEND.equals(r) || AUDIT_READ.equals(r))) {
                throw new IllegalStateException("function " + name + ": permission audit must be a list of append and read");
            }
            return rights.stream().map(String.class::cast).toList();
        }

        /** How ASL and Terraform's templatefile() refer to this function: {@code ${reserve_stock_arn}}. */
        public String arnPlaceholder() {
            return name.replace('-', '_') + "_arn";
        }
    }

    /**
     * What starts a function: {@code http} (an API Gateway route), {@code task} (a Task of each of
     * {@code stateMachines}), {@code queue} (an SQS event source mapping on {@code queue}),
     * {@code schedule} (an EventBridge schedule, {@code rate(...)}), {@code invoke} (called
     * by name only: operators' commands) or {@code authorizer} (API Gateway's, before every route).
     * An HTTP route names the {@code scope} a key needs for it.
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Trigger(String type, String method, String path, String scope, Boolean rateLimitFailsClosed,
            List<String> stateMachines, String queue, String schedule,
            @com.fasterxml.jackson.annotation.JsonProperty("public") Boolean keyless) {

        /**
         * An HTTP route that takes no key ({@code "public": true}): no authorizer, no scope; it authenticates what it is sent.
         */
        public boolean isPublic() {
            return Boolean.TRUE.equals(keyless);
        }

        /**
         * Whether a request is refused (503) when its rate limit cannot be checked (Redis away); otherwise it is let through.
         */
        public boolean failsClosed() {
            return Boolean.TRUE.equals(rateLimitFailsClosed);
        }

        public Trigger {
            stateMachines = stateMachines == null ? List.of() : stateMachines;
        }

        public boolean isHttp() {
            return "http".equals(type);
        }

        public boolean isQueue() {
            return "queue".equals(type);
        }

        public boolean isSchedule() {
            return "schedule".equals(type);
        }

        public String routeKey() {
            return method + " " + path;
        }

        /** The period of a {@code rate(N unit)} schedule expression. */
        public Duration rate() {
            Matcher m = RATE.matcher(schedule == null ? "" : schedule);
            if (!m.matches()) {
                throw new IllegalStateException("schedule '" + schedule + "' is not rate(<n> <unit>)");
            }
            long n = Long.parseLong(m.group(1));
            return switch (m.group(2)) {
                case "minute", "minutes" -> Duration.ofMinutes(n);
                case "hour", "hours" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            };
        }
    }

    private static final Pattern RATE = Pattern.compile("rate\\((\\d+) (minutes?|hours?|days?)\\)");

    /**
     * An SQS queue: the domain events it receives ({@code events}, published to it by every
     * outbox that announces them), how its consumer's event source mapping takes them
     * ({@code batchSize}), how long a received message stays hidden ({@code visibilityTimeoutSeconds})
     * and after how many receives it moves to {@code deadLetterQueue}; {@code maximumConcurrency}:
     * how many batches its consumer works on at once (the event source mapping's scaling limit, 2 or more).
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Queue(String name, List<String> events, int batchSize, int visibilityTimeoutSeconds,
            int maxReceiveCount, String deadLetterQueue, Integer maximumConcurrency) {

        public Queue {
            events = events == null ? List.of() : events;
            maximumConcurrency = maximumConcurrency == null ? 2 : maximumConcurrency;
        }
    }

    /**
     * The queue every status change of the state machines' executions goes to, as EventBridge's "Step Functions
     * Execution Status Change" event (an EventBridge rule's target in AWS; the local engine publishes them), with its
     * dead-letter queue; no function of the catalog consumes it.
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record ExecutionEvents(String queue, String deadLetterQueue, int visibilityTimeoutSeconds,
            int maxReceiveCount) {

        /** The queue as a catalog queue of no events and no consumer. */
        public Queue asQueue() {
            return new Queue(queue, List.of(), 10, visibilityTimeoutSeconds, maxReceiveCount, deadLetterQueue, null);
        }
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record StateMachine(String name, String definition, String type) {

        /** STANDARD (durable, the default) or EXPRESS (StartSyncExecution, not kept), as in Terraform's type. */
        public String type() {
            return type == null ? "STANDARD" : type;
        }

        public String resource() {
            return "functions/" + definition;
        }
    }

    public static Catalog load(ObjectMapper json) {
        return json.convertValue(readTree(json, RESOURCE), Catalog.class);
    }

    public static JsonNode readTree(ObjectMapper json, String resource) {
        try (InputStream in = Thread.currentThread().getContextClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException(resource + " is not on the classpath");
            }
            return json.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + resource, e);
        }
    }

    public static String readText(String resource) {
        try (InputStream in = Thread.currentThread().getContextClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException(resource + " is not on the classpath");
            }
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + resource, e);
        }
    }

    public Optional<Function> function(String name) {
        return functions.stream().filter(f -> f.name().equals(name)).findFirst();
    }

    public Optional<Queue> queue(String name) {
        return queues.stream().filter(q -> q.name().equals(name)).findFirst();
    }

    /** The queues that receive domain events of {@code type}. */
    public List<Queue> subscribers(String type) {
        return queues.stream().filter(q -> q.events().contains(type)).toList();
    }
}
