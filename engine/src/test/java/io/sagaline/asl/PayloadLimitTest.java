package io.sagaline.asl;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.TextNode;

import io.sagaline.asl.testing.VirtualTime;

/**
 * AWS's payload quota: a task's result or a state's output over 262,144 bytes of UTF-8 JSON fails with
 * States.DataLimitExceeded, which States.ALL does not catch (only a Catch naming it does), counted in bytes, not
 * characters.
 */
class PayloadLimitTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String F = "arn:aws:lambda:us-east-1:000000000000:function:big";

    @Test
    void aTaskResultOverTheQuota_failsTheExecution_andStatesAllDoesNotCatchIt() throws Exception {
        Execution e = run("""
                {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "%s", "End": true,
                  "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}]},
                  "Caught": {"Type": "Pass", "End": true}}}""".formatted(F), "x".repeat(300_000));
        assertThat(e.status()).isEqualTo(Execution.Status.FAILED);
        assertThat(e.error()).isEqualTo("States.DataLimitExceeded");
        assertThat(e.cause()).isEqualTo("The state/task '" + F
                + "' returned a result with a size exceeding the maximum number of bytes service limit.");
    }

    @Test
    void aCatchNamingDataLimitExceeded_takesIt() throws Exception {
        Execution e = run("""
                {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "%s", "End": true,
                  "Catch": [{"ErrorEquals": ["States.DataLimitExceeded"], "Next": "Caught"}]},
                  "Caught": {"Type": "Pass", "End": true}}}""".formatted(F), "x".repeat(300_000));
        assertThat(e.status()).isEqualTo(Execution.Status.SUCCEEDED);
        assertThat(e.output().get("Error").asText()).isEqualTo("States.DataLimitExceeded");
    }

    @Test
    void aStateOutputOverTheQuota_failsNamingTheState_countedInUtf8Bytes() throws Exception {
        String definition = """
                {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "%s", "Next": "Echo"},
                  "Echo": {"Type": "Pass", "Parameters": {"v.$": "$"}, "OutputPath": "$.v", "End": true}}}""".formatted(F);
        // 131,071 two-byte characters and the quotes: 262,144 bytes exactly, though half as many characters.
        Execution atTheLimit = run(definition, "é".repeat(131_071));
        assertThat(atTheLimit.status()).isEqualTo(Execution.Status.SUCCEEDED);

        Execution over = run(definition.replace("\"Next\": \"Echo\"", "\"ResultPath\": \"$.r\", \"Next\": \"Echo\""),
                "é".repeat(131_060));
        assertThat(over.status()).as("the task's result fits; the state that adds to it does not")
                .isEqualTo(Execution.Status.FAILED);
        assertThat(over.error()).isEqualTo("States.DataLimitExceeded");
        assertThat(over.cause()).isEqualTo(
                "The state/task 'T' returned a result with a size exceeding the maximum number of bytes service limit.");
    }

    private static Execution run(String definition, String result) throws Exception {
        VirtualTime time = new VirtualTime(Instant.parse("2026-06-01T00:00:00Z"));
        Interpreter engine = new Interpreter((resource, payload, timeout) -> TextNode.valueOf(result), time,
                time.clock());
        JsonNode input = JSON.readTree("{\"order\": \"" + "o".repeat(20) + "\"}");
        Execution execution = engine.start("arn:aws:states:us-east-1:000000000000:execution:m:e", "e",
                "arn:aws:states:us-east-1:000000000000:stateMachine:m", StateMachine.parse("m", JSON.readTree(definition)),
                input);
        time.runUntilIdle();
        return execution;
    }
}
