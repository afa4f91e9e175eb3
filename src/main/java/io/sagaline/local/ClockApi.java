package io.sagaline.local;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.quarkus.arc.profile.IfBuildProfile;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

/**
 * The local engine's clock, for tests (README, "Time you control"), called as the AWS APIs here are (signed with
 * SigV4, as {@link LocalAwsAuth} says):
 * <ul>
 * <li>{@code GET /_sagaline/clock}: its mode, its time, how many timers wait on it and when the next is due;</li>
 * <li>{@code PUT /_sagaline/clock} {@code {"mode": "controlled" | "system", "now": instant?}}: executions started
 * from then on run on the controlled clock (at {@code now}, if given) or on the system's;</li>
 * <li>{@code POST /_sagaline/clock/advance} {@code {"by": ISO-8601 duration}} or {@code {"to": instant}}: moves the
 * controlled clock, running what falls due in order, and answers once the executions' work has come to rest.</li>
 * </ul>
 */
@ApplicationScoped
@IfBuildProfile(anyOf = { "dev", "test" })
public class ClockApi {

    public static final String PATH = "/_sagaline/clock";
    /** How long an advance waits for the work it set off (a task, the next states) to come to rest. */
    private static final Duration PATIENCE = Duration.ofSeconds(30);

    private final LocalStepFunctions engine;
    private final LocalAwsAuth auth;
    private final ObjectMapper json;

    ClockApi(LocalStepFunctions engine, LocalAwsAuth auth, ObjectMapper json) {
        this.engine = engine;
        this.auth = auth;
        this.json = json;
    }

    private static final class BadRequest extends RuntimeException {
        private final int status;

        BadRequest(int status, String message) {
            super(message, null, false, false);
            this.status = status;
        }
    }

    void install(@Observes Router router) {
        router.route(PATH).order(-100).handler(BodyHandler.create().setBodyLimit(64 * 1024)).handler(this::serve);
        router.route(PATH + "/advance").order(-100).handler(BodyHandler.create().setBodyLimit(64 * 1024))
                .handler(this::serve);
    }

    private void serve(RoutingContext ctx) {
        Buffer body = ctx.body().buffer();
        try {
            auth.check(ctx.request(), body);
        } catch (SigV4Verifier.Refusal r) {
            ctx.response().setStatusCode(403).putHeader("content-type", "application/json")
                    .end(json.createObjectNode().put("__type", r.code()).put("message", r.getMessage()).toString());
            return;
        }
        String method = ctx.request().method().name();
        boolean advance = ctx.request().path().endsWith("/advance");
        String allowed = advance ? "POST" : "GET, PUT";
        if (!(advance ? Set.of("POST") : Set.of("GET", "PUT")).contains(method)) {
            ctx.response().setStatusCode(405).putHeader("allow", allowed).end();
            return;
        }
        ctx.vertx().executeBlocking(() -> {
            JsonNode request = body == null || body.length() == 0 ? json.createObjectNode() : json.readTree(body.getBytes());
            if (!request.isObject()) {
                throw new BadRequest(400, "the body is a JSON object");
            }
            return advance ? advance(request) : method.equals("PUT") ? set(request) : reading(engine.controlledClock().read());
        }, false).onComplete(result -> {
            ctx.response().putHeader("content-type", "application/json");
            if (result.succeeded()) {
                ctx.response().setStatusCode(200).end(result.result().toString());
                return;
            }
            Throwable failure = result.cause();
            int status = failure instanceof BadRequest b ? b.status
                    : failure instanceof ControlledClock.Busy || failure instanceof IllegalStateException ? 409
                            : failure instanceof JsonProcessingException ? 400 : 500;
            String message = failure instanceof JsonProcessingException ? "the body is not JSON"
                    : String.valueOf(failure.getMessage());
            ctx.response().setStatusCode(status).end(json.createObjectNode().put("message", message).toString());
        });
    }

    private JsonNode set(JsonNode request) {
        String mode = text(request, "mode");
        if (mode == null || !(mode.equals("controlled") || mode.equals("system"))) {
            throw new BadRequest(400, "mode is controlled or system");
        }
        ControlledClock.Reading reading = engine.controlledClock().read();
        String now = text(request, "now");
        if (now != null) {
            reading = engine.controlledClock().set(instant(now, "now"), PATIENCE);
        }
        engine.controlClock(mode.equals("controlled"));
        return reading(reading);
    }

    private JsonNode advance(JsonNode request) {
        String by = text(request, "by");
        String to = text(request, "to");
        if ((by == null) == (to == null)) {
            throw new BadRequest(400, "give either by (an ISO-8601 duration, such as PT1H) or to (an instant)");
        }
        ControlledClock clock = engine.controlledClock();
        Instant target;
        if (by != null) {
            Duration duration;
            try {
                duration = Duration.parse(by);
            } catch (DateTimeParseException e) {
                throw new BadRequest(400, "by is an ISO-8601 duration, such as PT1H or P1DT2S: not " + by);
            }
            if (duration.isNegative()) {
                throw new BadRequest(400, "by is not negative: time does not go back");
            }
            target = clock.read().now().plus(duration);
        } else {
            target = instant(to, "to");
            if (target.isBefore(clock.read().now())) {
                throw new BadRequest(400, "to is not before the clock's time " + clock.read().now()
                        + ": time does not go back (PUT sets it)");
            }
        }
        return reading(clock.advance(target, PATIENCE));
    }

    private static String text(JsonNode request, String field) {
        JsonNode value = request.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isTextual()) {
            throw new BadRequest(400, field + " is a string");
        }
        return value.asText();
    }

    private static Instant instant(String text, String field) {
        try {
            return OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException e) {
            throw new BadRequest(400, field + " is an ISO-8601 instant, such as 2030-01-01T00:00:00Z: not " + text);
        }
    }

    private ObjectNode reading(ControlledClock.Reading reading) {
        ObjectNode out = json.createObjectNode();
        out.put("mode", engine.clockControlled() ? "controlled" : "system");
        out.put("now", reading.now().toString());
        out.put("timers", reading.timers());
        if (reading.nextDue() != null) {
            out.put("nextDue", reading.nextDue().toString());
        } else {
            out.putNull("nextDue");
        }
        if (reading.fired() > 0) {
            out.put("fired", reading.fired());
        }
        return out;
    }
}
