package io.sagaline.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.test.junit.QuarkusTest;
import software.amazon.awssdk.services.sfn.SfnClient;
import software.amazon.awssdk.services.sfn.model.InspectionData;
import software.amazon.awssdk.services.sfn.model.InspectionLevel;
import software.amazon.awssdk.services.sfn.model.InvalidDefinitionException;
import software.amazon.awssdk.services.sfn.model.TestExecutionStatus;
import software.amazon.awssdk.services.sfn.model.TestStateRequest;
import software.amazon.awssdk.services.sfn.model.TestStateResponse;
import software.amazon.awssdk.services.sfn.model.ValidationException;

/**
 * TestState through the AWS SDK's SfnClient, each case one AWS answered as LocalStack recorded it
 * (tests/aws/services/stepfunctions/v2/test_state/*.snapshot.json, their templates under
 * templates/test_state/statemachines): the status, output, next state and, at DEBUG, the data after
 * each processing step; a mocked error caught or retriable; AWS's refusals.
 */
@QuarkusTest
class TestStateTest {

    /** TestState goes to host "sync-<endpoint>" in AWS, as StartSyncExecution: the client the functions use turns that off. */
    private static SfnClient SFN;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ROLE = "arn:aws:iam::000000000000:role/team";
    private static final String HELLO = "{\"Value\": \"HelloWorld\"}";

    @Inject
    void client(SfnClient sfn) {
        SFN = sfn;
    }

    private static TestStateResponse test(String definition, String input, InspectionLevel level) {
        return SFN.testState(r -> r.definition(definition).input(input).roleArn(ROLE).inspectionLevel(level));
    }

    private static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void aPass_atInfoAndDebug_asAwsAnswers() {
        String pass = "{\"Type\": \"Pass\", \"End\": true}";
        TestStateResponse info = test(pass, HELLO, InspectionLevel.INFO);
        assertThat(info.status()).isEqualTo(TestExecutionStatus.SUCCEEDED);
        assertThat(json(info.output())).isEqualTo(json(HELLO));
        assertThat(info.inspectionData()).as("INFO has no inspection data").isNull();
        assertThat(info.nextState()).isNull();

        InspectionData debug = test(pass, HELLO, InspectionLevel.DEBUG).inspectionData();
        assertThat(json(debug.input())).isEqualTo(json(HELLO));
        assertThat(json(debug.afterInputPath())).isEqualTo(json(HELLO));
        assertThat(json(debug.afterParameters())).isEqualTo(json(HELLO));
        assertThat(json(debug.afterResultSelector())).isEqualTo(json(HELLO));
        assertThat(json(debug.afterResultPath())).isEqualTo(json(HELLO));
        assertThat(debug.result()).as("no result for a Pass without one").isNull();
    }

    @Test
    void aPassWithPathsAndParameters_showsTheDataAfterEachStep() {
        String input = "{\"initialData\": {\"fieldFromInput\": \"value from input\", \"otherField\": \"other\"},"
                + " \"unrelatedData\": {\"someOtherField\": 1234}}";
        TestStateResponse r = test("""
                {"Type": "Pass", "InputPath": "$.initialData",
                 "Parameters": {"staticValue": "some value", "inputValue.$": "$.fieldFromInput"},
                 "ResultPath": "$.modifiedData", "End": true}""", input, InspectionLevel.DEBUG);

        JsonNode modified = json("{\"staticValue\": \"some value\", \"inputValue\": \"value from input\"}");
        InspectionData d = r.inspectionData();
        assertThat(json(d.afterInputPath()))
                .isEqualTo(json("{\"fieldFromInput\": \"value from input\", \"otherField\": \"other\"}"));
        assertThat(json(d.afterParameters())).isEqualTo(modified);
        assertThat(json(d.afterResultSelector())).isEqualTo(modified);
        assertThat(json(d.afterResultPath()).path("modifiedData")).isEqualTo(modified);
        assertThat(json(r.output()).path("unrelatedData").path("someOtherField").asInt()).isEqualTo(1234);

        InspectionData withResult = test("""
                {"Type": "Pass", "InputPath": "$.initialData", "Result": {"resultKey": "result value"},
                 "Parameters": {"staticValue": "some value", "inputValue.$": "$.fieldFromInput"},
                 "ResultPath": "$.modifiedData", "End": true}""", input, InspectionLevel.DEBUG).inspectionData();
        assertThat(json(withResult.result())).isEqualTo(json("{\"resultKey\": \"result value\"}"));
        assertThat(withResult.afterInputPath()).as("as AWS shows a Pass with a Result").isNull();
        assertThat(withResult.afterParameters()).isNull();
    }

    @Test
    void aFail_aSucceed_andAChoice_asAwsAnswers() {
        TestStateResponse fail = test("""
                {"Type": "Fail", "Error": "SomeFailure", "Cause": "This state machines raises a 'SomeFailure' failure."}""",
                HELLO, InspectionLevel.DEBUG);
        assertThat(fail.status()).isEqualTo(TestExecutionStatus.FAILED);
        assertThat(fail.error()).isEqualTo("SomeFailure");
        assertThat(fail.cause()).isEqualTo("This state machines raises a 'SomeFailure' failure.");
        assertThat(fail.output()).isNull();
        assertThat(json(fail.inspectionData().afterInputPath())).isEqualTo(json(HELLO));

        TestStateResponse succeed = test("{\"Type\": \"Succeed\"}", HELLO, InspectionLevel.INFO);
        assertThat(succeed.status()).isEqualTo(TestExecutionStatus.SUCCEEDED);
        assertThat(json(succeed.output())).isEqualTo(json(HELLO));

        TestStateResponse choice = test("""
                {"Type": "Choice", "Choices": [
                   {"Not": {"Variable": "$.type", "StringEquals": "Private"}, "Next": "Public"},
                   {"Variable": "$.value", "NumericEquals": 0, "Next": "ValueIsZero"},
                   {"And": [{"Variable": "$.value", "NumericGreaterThanEquals": 20},
                            {"Variable": "$.value", "NumericLessThan": 30}], "Next": "ValueInTwenties"}],
                 "Default": "DefaultState"}""", "{\"type\": \"Private\", \"value\": 22}", InspectionLevel.INFO);
        assertThat(choice.status()).isEqualTo(TestExecutionStatus.SUCCEEDED);
        assertThat(choice.nextState()).isEqualTo("ValueInTwenties");
        assertThat(json(choice.output())).isEqualTo(json("{\"type\": \"Private\", \"value\": 22}"));
    }

    private static final String CATCHING_TASK = """
            {"QueryLanguage": "JSONata", "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
             "Arguments": {"FunctionName": "foo", "Payload": "bar"},
             %s
             "End": true}""";

    @Test
    void aMockedError_isCaughtByItsCatch_orRetriableWhileItsRetryLasts() {
        String catching = CATCHING_TASK.formatted(
                """
                        "Catch": [{"ErrorEquals": ["MockException"], "Output": "{% $states.errorOutput %}", "Next": "HandleMockError"},
                                  {"ErrorEquals": ["States.TaskFailed"], "Output": "{% $states.errorOutput %}", "Next": "HandleThreshold"}],""");
        TestStateResponse caught = SFN.testState(r -> r.definition(catching).input(HELLO).inspectionLevel(InspectionLevel.DEBUG)
                .mock(m -> m.errorOutput(e -> e.error("MockException").cause("Mock the cause of the error."))));
        assertThat(caught.status()).isEqualTo(TestExecutionStatus.CAUGHT_ERROR);
        assertThat(caught.error()).isEqualTo("MockException");
        assertThat(caught.cause()).isEqualTo("Mock the cause of the error.");
        assertThat(caught.nextState()).isEqualTo("HandleMockError");
        assertThat(json(caught.output())).isEqualTo(json(
                "{\"Error\": \"MockException\", \"Cause\": \"Mock the cause of the error.\"}"));
        assertThat(caught.inspectionData().errorDetails().catchIndex()).isZero();
        assertThat(json(caught.inspectionData().afterArguments()))
                .isEqualTo(json("{\"FunctionName\": \"foo\", \"Payload\": \"bar\"}"));

        TestStateResponse second = SFN.testState(r -> r.definition(catching).input(HELLO).inspectionLevel(InspectionLevel.DEBUG)
                .mock(m -> m.errorOutput(e -> e.error("States.TaskFailed").cause("The task failed."))));
        assertThat(second.nextState()).isEqualTo("HandleThreshold");
        assertThat(second.inspectionData().errorDetails().catchIndex()).isEqualTo(1);

        String retrying = CATCHING_TASK.formatted("""
                "Retry": [{"ErrorEquals": ["MockException"], "IntervalSeconds": 1, "MaxAttempts": 5, "BackoffRate": 2.0}],""");
        TestStateRequest.Builder request = TestStateRequest.builder().definition(retrying).input("{\"Values\": [\"first\"]}")
                .inspectionLevel(InspectionLevel.DEBUG)
                .mock(m -> m.errorOutput(e -> e.error("MockException").cause("Mock the cause of the error.")));
        TestStateResponse retriable = SFN.testState(request.stateConfiguration(c -> c.retrierRetryCount(4)).build());
        assertThat(retriable.status()).isEqualTo(TestExecutionStatus.RETRIABLE);
        assertThat(retriable.inspectionData().errorDetails().retryIndex()).isZero();
        assertThat(retriable.inspectionData().errorDetails().retryBackoffIntervalSeconds()).isEqualTo(16);
        assertThat(retriable.output()).isNull();

        TestStateResponse spent = SFN.testState(request.stateConfiguration(c -> c.retrierRetryCount(5)).build());
        assertThat(spent.status()).as("its MaxAttempts are spent").isEqualTo(TestExecutionStatus.FAILED);
        assertThat(spent.inspectionData().errorDetails().retryIndex()).isZero();
        assertThat(spent.inspectionData().errorDetails().retryBackoffIntervalSeconds()).isNull();
    }

    @Test
    void aMockedResult_isTheTasksOutput_andOneStateOfAWholeMachineIsTestedByName() {
        TestStateResponse mocked = SFN.testState(r -> r.definition("""
                {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                 "Parameters": {"FunctionName": "foo", "Payload.$": "$"}, "End": true}""").input(HELLO)
                .mock(m -> m.result("{\"Payload\": \"function output\", \"SdkHttpMetadata\": {\"HttpStatusCode\": 200}}")));
        assertThat(mocked.status()).isEqualTo(TestExecutionStatus.SUCCEEDED);
        assertThat(json(mocked.output())).isEqualTo(
                json("{\"Payload\": \"function output\", \"SdkHttpMetadata\": {\"HttpStatusCode\": 200}}"));

        TestStateResponse callback = SFN.testState(r -> r.definition("""
                {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                 "Parameters": {"QueueUrl": "q", "MessageBody": {"token.$": "$$.Task.Token"}}, "End": true}""").input(HELLO)
                .mock(m -> m.result("{\"confirmed\": true}")));
        assertThat(callback.status()).as("a mocked callback's result is the task's").isEqualTo(TestExecutionStatus.SUCCEEDED);
        assertThat(json(callback.output())).isEqualTo(json("{\"confirmed\": true}"));

        String machine = """
                {"QueryLanguage": "JSONata", "StartAt": "State0", "States": {
                  "State0": {"Type": "Pass", "Next": "State1"},
                  "State1": {"Type": "Fail", "Error": "SomeFailure", "Cause": "This state machines raises a 'SomeFailure' failure."}}}""";
        TestStateResponse first = SFN.testState(r -> r.definition(machine).stateName("State0").input(HELLO)
                .inspectionLevel(InspectionLevel.DEBUG));
        assertThat(first.nextState()).isEqualTo("State1");
        assertThat(json(first.output())).isEqualTo(json(HELLO));
        assertThat(json(first.inspectionData().input())).isEqualTo(json(HELLO));
        assertThat(first.inspectionData().afterInputPath()).as("JSONata: only the input").isNull();
        TestStateResponse failing = SFN.testState(r -> r.definition(machine).stateName("State1").input(HELLO));
        assertThat(failing.status()).isEqualTo(TestExecutionStatus.FAILED);
        assertThat(failing.error()).isEqualTo("SomeFailure");
        assertThatThrownBy(() -> SFN.testState(r -> r.definition(machine).stateName("dne").input(HELLO)))
                .isInstanceOf(ValidationException.class).hasMessageContaining("State not found in definition");
    }

    @Test
    void requestsAwsRefuses_areRefusedInItsWords() {
        assertThatThrownBy(() -> SFN.testState(r -> r.definition("""
                {"Type": "Pass", "End": true}""").mock(m -> m.result("{}"))))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("State type 'Pass' is not supported when a mock is specified");
        assertThatThrownBy(() -> SFN.testState(r -> r.definition("""
                {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true}""")
                .mock(m -> m.result("{}").errorOutput(e -> e.error("E")))))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("A test mock should have only one of the following fields: [result, errorOutput].");
        assertThatThrownBy(() -> SFN.testState(r -> r.definition("""
                {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true}""").mock(m -> m.result("{not"))))
                .isInstanceOf(ValidationException.class).hasMessageContaining("Mocked result must be valid JSON");
        assertThatThrownBy(() -> SFN.testState(r -> r.definition("""
                {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true}""")))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("RoleArn must be specified when testing a Task state");
        assertThatThrownBy(() -> SFN.testState(r -> r.definition(
                """
                        {"Type": "Map", "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}, "End": true}""")))
                .isInstanceOf(InvalidDefinitionException.class)
                .hasMessageContaining("TestState API does not support Map or Parallel states.");
        assertThatThrownBy(() -> SFN.testState(r -> r.definition("{\"Type\": \"Nothing\", \"End\": true}")))
                .isInstanceOf(InvalidDefinitionException.class);
    }
}
