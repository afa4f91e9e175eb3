package io.sagaline.asl;

import java.time.Instant;
import java.util.Arrays;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.sagaline.asl.query.JsonPaths;

/**
 * Where an execution, or one branch of a Parallel or iteration of a Map, stands: the state it is in, that
 * state's raw input and when it was entered, the retries made in it, when a wait or back-off is due, and while
 * the state fans out, how its branches stand. A value: each transition replaces it
 * ({@link Execution#moveTo(Position)}), nothing changes it in place.
 *
 * @param state the state being run
 * @param input the state's raw input (before its InputPath)
 * @param enteredTime when the state was entered ({@code $$.State.EnteredTime})
 * @param retryAttempts the attempts each of the state's retriers has made, in the order of its Retry field
 * @param retryCount the retries made in the state so far ({@code $$.State.RetryCount})
 * @param resumeAt when a Wait or a retry's back-off is due; null when the state runs now
 * @param branches the branches of the Parallel or Map state being run; null otherwise
 * @param enteredEventId the id of the history event that entered the state (named in AWS's causes)
 * @param callback the task token a {@code .waitForTaskToken} Task waits on; null otherwise
 */
record Position(String state, JsonNode input, Instant enteredTime, int[] retryAttempts, int retryCount,
        Instant resumeAt, Branches branches, long enteredEventId, Callback callback) {

    /**
     * What a Task of the callback pattern waits for: the answer to its token (SendTaskSuccess, SendTaskFailure),
     * by its deadlines (TimeoutSeconds from its start, HeartbeatSeconds from its start or last heartbeat).
     *
     * @param token the task token ({@code $$.Task.Token})
     * @param timeoutDue when TimeoutSeconds runs out (States.Timeout)
     * @param heartbeatSeconds HeartbeatSeconds, or null
     * @param heartbeatDue when the next heartbeat is due (States.HeartbeatTimeout), or null
     * @param submitted whether the integration took the token (TaskSubmitted): until then a crash sends it again
     * @param outcome the answer once it came: {"output": ...} or {"error", "cause"}; null until then
     */
    record Callback(String token, Instant timeoutDue, Integer heartbeatSeconds, Instant heartbeatDue, boolean submitted,
            JsonNode outcome) {

        /** The first deadline. */
        Instant due() {
            return heartbeatDue != null && heartbeatDue.isBefore(timeoutDue) ? heartbeatDue : timeoutDue;
        }

        Callback beating(Instant now) {
            return new Callback(token, timeoutDue, heartbeatSeconds,
                    heartbeatSeconds == null ? null : now.plusSeconds(heartbeatSeconds), submitted, outcome);
        }

        Callback answered(JsonNode answer) {
            return new Callback(token, timeoutDue, heartbeatSeconds, heartbeatDue, submitted, answer);
        }

        /** The integration took the token. */
        Callback asSubmitted() {
            return new Callback(token, timeoutDue, heartbeatSeconds, heartbeatDue, true, outcome);
        }

        ObjectNode toJson() {
            ObjectNode json = JsonPaths.MAPPER.createObjectNode().put("token", token).put("timeoutDue", timeoutDue.toString());
            if (heartbeatSeconds != null) {
                json.put("heartbeatSeconds", heartbeatSeconds).put("heartbeatDue", heartbeatDue.toString());
            }
            json.put("submitted", submitted);
            if (outcome != null) {
                json.set("outcome", outcome);
            }
            return json;
        }

        static Callback fromJson(JsonNode json) {
            if (json == null || json.isNull() || json.isMissingNode()) {
                return null;
            }
            return new Callback(json.get("token").asText(), Instant.parse(json.get("timeoutDue").asText()),
                    json.hasNonNull("heartbeatSeconds") ? json.get("heartbeatSeconds").asInt() : null,
                    json.hasNonNull("heartbeatDue") ? Instant.parse(json.get("heartbeatDue").asText()) : null,
                    json.path("submitted").asBoolean(false), json.hasNonNull("outcome") ? json.get("outcome") : null);
        }
    }

    Position {
        retryAttempts = retryAttempts.clone();
    }

    /**
     * A state just entered with {@code input} at {@code at}: no retries yet, nothing due, no branches; its event's id
     * comes with its entry ({@link #enteredBy}).
     */
    static Position entered(String state, JsonNode input, Instant at, int retriers) {
        return new Position(state, input, at, new int[retriers], 0, null, null, 0, null);
    }

    /** The retries each of the state's retriers made, in the order of its Retry field (a copy). */
    @Override
    public int[] retryAttempts() {
        return retryAttempts.clone();
    }

    int attempts(int retrier) {
        return retryAttempts[retrier];
    }

    /** Retrier {@code retrier} takes one more attempt: a Parallel or Map retried runs every branch again. */
    Position retried(int retrier) {
        int[] attempts = retryAttempts.clone();
        attempts[retrier]++;
        return new Position(state, input, enteredTime, attempts, retryCount + 1, resumeAt, null, enteredEventId, null);
    }

    /** Waits (a Wait state, a back-off) until {@code at}, or runs now when null. */
    Position resumingAt(Instant at) {
        return new Position(state, input, enteredTime, retryAttempts, retryCount, at, branches, enteredEventId, callback);
    }

    /**
     * RedriveExecution: the state runs again from {@code at} with its retries counted afresh, and only those of its
     * branches that succeeded keep their ends.
     */
    Position redriven(Instant at) {
        return new Position(state, input, at, new int[retryAttempts.length], 0, null,
                branches == null ? null : branches.redriven(), enteredEventId, null);
    }

    /** The state as entered by history event {@code eventId}. */
    Position enteredBy(long eventId) {
        return new Position(state, input, enteredTime, retryAttempts, retryCount, resumeAt, branches, eventId, callback);
    }

    Position withBranches(Branches fanOut) {
        return new Position(state, input, enteredTime, retryAttempts, retryCount, resumeAt, fanOut, enteredEventId,
                callback);
    }

    /** Waits on {@code waiting} (a new token, a heartbeat, an answer), or on nothing when null. */
    Position withCallback(Callback waiting) {
        return new Position(state, input, enteredTime, retryAttempts, retryCount, resumeAt, branches, enteredEventId,
                waiting);
    }

    /** The position as the store keeps a branch's: a JSON object {@link #fromJson} reads back. */
    ObjectNode toJson() {
        ObjectNode json = JsonPaths.MAPPER.createObjectNode().put("state", state);
        json.set("input", input);
        json.put("enteredTime", enteredTime.toString());
        ArrayNode attempts = json.putArray("retryAttempts");
        Arrays.stream(retryAttempts).forEach(attempts::add);
        json.put("retryCount", retryCount);
        json.put("enteredEventId", enteredEventId);
        if (resumeAt != null) {
            json.put("resumeAt", resumeAt.toString());
        }
        if (branches != null) {
            json.set("branches", branches.toJson());
        }
        if (callback != null) {
            json.set("callback", callback.toJson());
        }
        return json;
    }

    static Position fromJson(JsonNode json) {
        JsonNode attempts = json.path("retryAttempts");
        int[] retries = new int[attempts.size()];
        for (int i = 0; i < retries.length; i++) {
            retries[i] = attempts.get(i).asInt();
        }
        return new Position(json.get("state").asText(), json.get("input"), Instant.parse(json.get("enteredTime").asText()),
                retries, json.path("retryCount").asInt(),
                json.hasNonNull("resumeAt") ? Instant.parse(json.get("resumeAt").asText()) : null,
                Branches.fromJson(json.get("branches")), json.path("enteredEventId").asLong(),
                Callback.fromJson(json.get("callback")));
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Position p && state.equals(p.state) && input.equals(p.input)
                && enteredTime.equals(p.enteredTime) && Arrays.equals(retryAttempts, p.retryAttempts)
                && retryCount == p.retryCount && java.util.Objects.equals(resumeAt, p.resumeAt)
                && java.util.Objects.equals(branches, p.branches) && enteredEventId == p.enteredEventId
                && java.util.Objects.equals(callback, p.callback);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(state, input, enteredTime, Arrays.hashCode(retryAttempts), retryCount, resumeAt,
                branches, enteredEventId, callback);
    }

    @Override
    public String toString() {
        return "Position[" + state + ", retries " + Arrays.toString(retryAttempts) + ", resumeAt " + resumeAt + "]";
    }
}
