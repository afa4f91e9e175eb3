package io.sagaline.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.sagaline.local.LocalStepFunctions.Refused;

/**
 * Mocked service responses in AWS Step Functions Local's mock configuration format, so that a team's
 * existing mock files work unchanged: {@code StateMachines.<name>.TestCases.<case>.<state>} names a
 * mocked response, and {@code MockedResponses.<response>.<attempts>} holds a {@code Return} (the task's
 * result) or a {@code Throw} ({@code Error}, {@code Cause}) for the attempts {@code "0"}, {@code "1-2"}
 * and so on (the state's retries). An execution started on {@code <stateMachineArn>#<case>} has the
 * tasks its test case names answered by their mocks and every other task performed. Several files
 * (a comma-separated list) are read as one; each is read again when it changes.
 */
final class LocalMocks {

    /** A mocked response for one attempt: a result to return, or an error and cause to throw. */
    record Response(JsonNode returned, String error, String cause) {
    }

    private final java.util.List<Path> files;
    private final ObjectMapper json;
    private JsonNode config;
    private java.util.List<FileTime> read;

    /** Mocks from {@code files}, a comma-separated list (null or blank: none; then no execution may name a test case). */
    LocalMocks(String files, ObjectMapper json) {
        this.files = files == null || files.isBlank() ? java.util.List.of()
                : java.util.Arrays.stream(files.split(",")).map(String::trim).filter(f -> !f.isEmpty()).map(Path::of)
                        .toList();
        this.json = json;
    }

    boolean configured() {
        return !files.isEmpty();
    }

    /** Refuses a test case the configuration does not have for the machine, as StartExecution does. */
    void check(String machine, String testCase) {
        if (!testCases(machine).has(testCase)) {
            throw new Refused("ValidationException", files.isEmpty()
                    ? "test case '" + testCase + "' named, but no mock configuration is set (sagaline.local.sfn.mock-config,"
                            + " or SFN_MOCK_CONFIG)"
                    : "the mock configuration " + files + " has no test case '" + testCase + "' for state machine '" + machine
                            + "'");
        }
    }

    /** The mocked response of {@code state} at attempt {@code attempt} in the test case, if the test case mocks it. */
    Optional<Response> response(String machine, String testCase, String state, int attempt) {
        JsonNode responseName = testCases(machine).path(testCase).get(state);
        if (responseName == null) {
            return Optional.empty(); // not mocked: the task is performed
        }
        JsonNode attempts = configuration().path("MockedResponses").get(responseName.asText());
        if (attempts == null) {
            throw new IllegalStateException("mocked response '" + responseName.asText() + "' of test case " + testCase
                    + " is not in MockedResponses of " + files);
        }
        for (Iterator<Map.Entry<String, JsonNode>> i = attempts.fields(); i.hasNext();) {
            Map.Entry<String, JsonNode> entry = i.next();
            String[] range = entry.getKey().split("-");
            int from = Integer.parseInt(range[0].trim());
            int to = range.length > 1 ? Integer.parseInt(range[1].trim()) : from;
            if (attempt >= from && attempt <= to) {
                JsonNode r = entry.getValue();
                if (r.has("Throw")) {
                    return Optional.of(new Response(null, r.get("Throw").path("Error").asText(null),
                            r.get("Throw").path("Cause").asText(null)));
                }
                return Optional.of(new Response(r.path("Return"), null, null));
            }
        }
        throw new IllegalStateException("mocked response '" + responseName.asText() + "' has no answer for attempt "
                + attempt + " of state " + state + " (" + files + ")");
    }

    private JsonNode testCases(String machine) {
        return configuration().path("StateMachines").path(machine).path("TestCases");
    }

    private synchronized JsonNode configuration() {
        if (files.isEmpty()) {
            return json.createObjectNode();
        }
        Path reading = null;
        try {
            java.util.List<FileTime> modified = new java.util.ArrayList<>();
            for (Path file : files) {
                modified.add(Files.getLastModifiedTime(file));
            }
            if (config == null || !modified.equals(read)) {
                com.fasterxml.jackson.databind.node.ObjectNode merged = json.createObjectNode();
                for (Path file : files) {
                    reading = file;
                    JsonNode one = json.readTree(file.toFile());
                    for (String section : new String[] { "StateMachines", "MockedResponses" }) {
                        if (one.path(section) instanceof com.fasterxml.jackson.databind.node.ObjectNode entries) {
                            merged.withObject("/" + section).setAll(entries);
                        }
                    }
                }
                config = merged;
                read = modified;
            }
            return config;
        } catch (IOException e) {
            throw new IllegalStateException("the mock configuration " + (reading == null ? files : reading)
                    + " cannot be read: " + e.getMessage(), e);
        }
    }
}
