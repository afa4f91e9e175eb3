package io.sagaline.asl.states;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.sagaline.asl.StatesFailure;
import io.sagaline.asl.query.JsonPaths;

/**
 * A state with a result that may fail and be retried or caught: Task, Parallel and Map. Retry, Catch and the
 * handling of a result (ResultSelector, ResultPath, OutputPath or Output, and Assign) are written here once.
 */
abstract sealed class Recoverable extends State permits TaskState, FanOut {

    private final List<Retrier> retry;
    private final List<Catcher> katch;

    Recoverable(Definition d, Query query) {
        super(d, query, Transition.parse(d));
        this.retry = list(d, "Retry", "retriers", (field, node, last) -> Retrier.parse(d, field, node, last));
        this.katch = list(d, "Catch", "catchers", (field, node, last) -> Catcher.parse(d, field, node, last));
    }

    private interface Element<T> {
        T parse(String field, JsonNode node, boolean last);
    }

    private static <T> List<T> list(Definition d, String field, String what, Element<T> element) {
        if (!d.has(field)) {
            return List.of();
        }
        JsonNode array = d.get(field);
        if (!array.isArray()) {
            throw d.refused(field, "must be an array of " + what);
        }
        List<T> parsed = new ArrayList<>();
        for (int i = 0; i < array.size(); i++) {
            parsed.add(element.parse(field + "[" + i + "]", array.get(i), i == array.size() - 1));
        }
        return List.copyOf(parsed);
    }

    /**
     * The state got its result: its output and Assign, then on to the next state. A failure here is the state's
     * (a ResultPath that does not match, a JSONata Output that fails), so its Retry and Catch apply.
     */
    Duration succeeded(Step s, JsonNode result) {
        JsonNode output;
        try {
            output = query.result(s, result, assign);
        } catch (StatesFailure failure) {
            if (!query.recoverable(failure)) {
                throw failure;
            }
            return recover(s, failure);
        }
        transition.exit(s, output);
        return null;
    }

    /**
     * The state failed: the first retrier that names the error retries it, if it has attempts left (the wait
     * before is returned); else the first catcher that names it moves on; else the failure is the scope's.
     */
    Duration recover(Step s, StatesFailure failed) {
        StatesFailure failure = s.located(failed);
        s.assign(null);
        for (int i = 0; i < retry.size(); i++) {
            Retrier retrier = retry.get(i);
            if (!Errors.matches(retrier.errorEquals(), failure)) {
                continue;
            }
            int attempts = s.attempts(i);
            if (attempts >= retrier.maxAttempts()) {
                break;
            }
            Duration delay = retrier.delay(attempts);
            s.retrying(i, failure.error(), delay);
            return delay;
        }
        for (int i = 0; i < katch.size(); i++) {
            Catcher catcher = katch.get(i);
            if (Errors.matches(catcher.errorEquals(), failure)) {
                ObjectNode errorOutput = JsonPaths.MAPPER.createObjectNode().put("Error", failure.error())
                        .put("Cause", failure.cause());
                JsonNode output = query.caught(s, catcher, errorOutput, "Catch[" + i + "].Output");
                s.assign(query.assign(s, catcher.assign(), errorOutput, null, errorOutput, "Catch[" + i + "].Assign"));
                s.caught(failure.error(), failure.cause(), catcher.next());
                s.next(catcher.next(), output);
                return null;
            }
        }
        throw failure;
    }

    @Override
    public List<String> successors() {
        List<String> next = super.successors();
        katch.forEach(c -> next.add(c.next()));
        return next;
    }

    @Override
    public List<JsonNode> assigns() {
        List<JsonNode> assigns = super.assigns();
        katch.stream().map(Catcher::assign).filter(a -> a != null).forEach(assigns::add);
        return assigns;
    }

    @Override
    public int retriers() {
        return retry.size();
    }
}
