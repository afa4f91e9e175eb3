package io.sagaline.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.test.junit.QuarkusTest;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.LogType;
import software.amazon.awssdk.services.sfn.SfnClient;
import software.amazon.awssdk.services.sfn.model.ExecutionDoesNotExistException;
import software.amazon.awssdk.services.sfn.model.ExecutionRedriveFilter;
import software.amazon.awssdk.services.sfn.model.ExecutionStatus;
import software.amazon.awssdk.services.sfn.model.InvalidArnException;

/**
 * The answers of the local Step Functions and Lambda APIs, field by field as the AWS API
 * references give them, where a caller (the aws CLI, boto3, the SDKs) relies on them.
 */
@QuarkusTest
class AwsApiDetailsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    SfnClient sfn;
    @Inject
    LocalStepFunctions engine;

    LambdaClient lambda;

    @BeforeEach
    void client() {
        lambda = io.sagaline.support.LocalAws.lambda();
    }

    @AfterEach
    void close() {
        lambda.close();
    }

    @Test
    void describeExecution_ofASucceededExecution_saysWhyItIsNotRedrivable_andEveryAnswerHasARequestId() throws Exception {
        String machine = engine.register("passes-" + UUID.randomUUID().toString().substring(0, 8),
                JSON.readTree("{\"StartAt\":\"P\",\"States\":{\"P\":{\"Type\":\"Pass\",\"End\":true}}}"));
        var started = sfn.startExecution(b -> b.stateMachineArn(machine).input("{\"a\":1}"));
        await().atMost(Duration.ofSeconds(30)).until(
                () -> sfn.describeExecution(b -> b.executionArn(started.executionArn())).status() == ExecutionStatus.SUCCEEDED);

        var described = sfn.describeExecution(b -> b.executionArn(started.executionArn()));
        assertThat(described.redriveStatusAsString()).isEqualTo("NOT_REDRIVABLE");
        assertThat(described.redriveStatusReason()).isEqualTo("Execution is SUCCEEDED and cannot be redriven");
        assertThat(started.responseMetadata().requestId()).matches("[0-9a-f-]{36}");
        assertThat(described.responseMetadata().requestId()).matches("[0-9a-f-]{36}")
                .isNotEqualTo(started.responseMetadata().requestId());
    }

    @Test
    void listExecutions_filtersByRedrive_andEachItemCountsItsRedrives() throws Exception {
        String machine = engine.register("fails-" + UUID.randomUUID().toString().substring(0, 8),
                JSON.readTree("{\"StartAt\":\"F\",\"States\":{\"F\":{\"Type\":\"Fail\",\"Error\":\"Nope\"}}}"));
        String redriven = sfn.startExecution(b -> b.stateMachineArn(machine).name("redriven")).executionArn();
        String once = sfn.startExecution(b -> b.stateMachineArn(machine).name("once")).executionArn();
        await().atMost(Duration.ofSeconds(30)).until(() -> failed(redriven) && failed(once));
        sfn.redriveExecution(b -> b.executionArn(redriven));
        await().atMost(Duration.ofSeconds(30)).until(
                () -> failed(redriven) && sfn.describeExecution(b -> b.executionArn(redriven)).redriveCount() == 1);

        var onlyRedriven = sfn.listExecutions(b -> b.stateMachineArn(machine).redriveFilter(ExecutionRedriveFilter.REDRIVEN))
                .executions();
        var notRedriven = sfn
                .listExecutions(b -> b.stateMachineArn(machine).redriveFilter(ExecutionRedriveFilter.NOT_REDRIVEN))
                .executions();

        assertThat(onlyRedriven).singleElement().satisfies(e -> {
            assertThat(e.executionArn()).isEqualTo(redriven);
            assertThat(e.redriveCount()).isEqualTo(1);
            assertThat(e.redriveDate()).isNotNull();
        });
        assertThat(notRedriven).singleElement().satisfies(e -> {
            assertThat(e.executionArn()).isEqualTo(once);
            assertThat(e.redriveCount()).isZero();
            assertThat(e.redriveDate()).isNull();
        });
    }

    @Test
    void getExecutionHistory_withoutExecutionData_leavesOutEveryInputAndOutput() throws Exception {
        String machine = engine.register("secret-" + UUID.randomUUID().toString().substring(0, 8), JSON.readTree(
                "{\"StartAt\":\"P\",\"States\":{\"P\":{\"Type\":\"Pass\",\"Result\":{\"pin\":\"4711\"},\"End\":true}}}"));
        String arn = sfn.startExecution(b -> b.stateMachineArn(machine).input("{\"card\":\"4242\"}")).executionArn();
        await().atMost(Duration.ofSeconds(30))
                .until(() -> sfn.describeExecution(b -> b.executionArn(arn)).status() == ExecutionStatus.SUCCEEDED);

        var withData = sfn.getExecutionHistory(b -> b.executionArn(arn)).events();
        var without = sfn.getExecutionHistory(b -> b.executionArn(arn).includeExecutionData(false)).events();

        assertThat(data(withData)).anyMatch(d -> d.contains("4242")).anyMatch(d -> d.contains("4711"));
        assertThat(without).hasSameSizeAs(withData);
        assertThat(data(without)).isEmpty();
        assertThat(without).extracting(e -> e.type()).containsExactlyElementsOf(withData.stream().map(e -> e.type()).toList());
    }

    @Test
    void aMalformedArn_isInvalidArn_andAWellFormedUnknownOneDoesNotExist() {
        assertThatThrownBy(() -> sfn.describeExecution(b -> b.executionArn("not-an-arn")))
                .isInstanceOf(InvalidArnException.class);
        assertThatThrownBy(() -> sfn.describeExecution(b -> b.executionArn(
                "arn:aws:states:us-east-1:000000000000:stateMachine:place-order"))).isInstanceOf(InvalidArnException.class);
        assertThatThrownBy(
                () -> sfn.getExecutionHistory(b -> b.executionArn("arn:aws:states:us-east-1:000000000000:execution")))
                .isInstanceOf(InvalidArnException.class);
        assertThatThrownBy(() -> sfn.describeExecution(
                b -> b.executionArn("arn:aws:states:us-east-1:000000000000:execution:place-order:" + UUID.randomUUID())))
                .isInstanceOf(ExecutionDoesNotExistException.class);
    }

    @Test
    void invokeWithLogTypeTail_returnsTheEndOfTheFunctionsLog() throws Exception {
        SdkBytes sample = SdkBytes.fromByteArray(
                java.nio.file.Files.readAllBytes(java.nio.file.Paths.get("events/reserve-credit.unknown-customer.json")));
        var response = lambda.invoke(b -> b.functionName("reserve-credit").logType(LogType.TAIL).payload(sample));

        String log = new String(Base64.getDecoder().decode(response.logResult()), StandardCharsets.UTF_8);
        assertThat(response.functionError()).isEqualTo("Unhandled");
        assertThat(log).startsWith("START RequestId: ").contains("step=reserve-credit").contains("END RequestId: ")
                .contains("REPORT RequestId: ").contains("Memory Size: 256 MB");
        assertThat(response.responseMetadata().requestId()).matches("[0-9a-f-]{36}");
    }

    @Test
    void aStepThatFailsTheSameWayAgain_logsOneLineForTheRetry_andItsTraceOnlyTheFirstTime() {
        String task = "{\"tenant\":\"demo\",\"orderId\":\"" + UUID.randomUUID()
                + "\",\"executionId\":\"arn:aws:states:us-east-1:000000000000:execution:place-order:x\"}";
        String first = tail(lambda.invoke(b -> b.functionName("approve-order").logType(LogType.TAIL)
                .payload(SdkBytes.fromUtf8String(task))).logResult());
        String second = tail(lambda.invoke(b -> b.functionName("approve-order").logType(LogType.TAIL)
                .payload(SdkBytes.fromUtf8String(task))).logResult());

        assertThat(first).as("the end of the first log: the trace (its line may lie before the last 4 KB)")
                .contains("\tat ").contains("REPORT RequestId: ");
        assertThat(second).contains("step=approve-order outcome=failed").contains("the same failure as before")
                .doesNotContain("\tat ");
    }

    private static String tail(String logResult) {
        return new String(Base64.getDecoder().decode(logResult), StandardCharsets.UTF_8);
    }

    @Test
    void listFunctionsAndGetFunction_describeTheCatalog_andAnUnknownFunctionIsResourceNotFound() {
        var functions = lambda.listFunctions().functions();
        var placeOrder = lambda.getFunction(b -> b.functionName("place-order")).configuration();

        assertThat(functions).extracting(f -> f.functionName()).contains("place-order", "reserve-stock", "check-order");
        assertThat(placeOrder.timeout()).isEqualTo(10);
        assertThat(placeOrder.memorySize()).isEqualTo(256);
        assertThat(placeOrder.functionArn()).isEqualTo("arn:aws:lambda:us-east-1:000000000000:function:place-order");
        assertThat(lambda.getFunctionConfiguration(b -> b.functionName("place-order")).functionName())
                .isEqualTo("place-order");
        assertThatThrownBy(() -> lambda.getFunction(b -> b.functionName("no-such-function")))
                .isInstanceOf(software.amazon.awssdk.services.lambda.model.ResourceNotFoundException.class);
    }

    /** Every input and output the events carry. */
    private static java.util.List<String> data(java.util.List<software.amazon.awssdk.services.sfn.model.HistoryEvent> events) {
        java.util.List<String> data = new java.util.ArrayList<>();
        for (var e : events) {
            java.util.stream.Stream
                    .of(e.executionStartedEventDetails() == null ? null : e.executionStartedEventDetails().input(),
                            e.stateEnteredEventDetails() == null ? null : e.stateEnteredEventDetails().input(),
                            e.stateExitedEventDetails() == null ? null : e.stateExitedEventDetails().output(),
                            e.executionSucceededEventDetails() == null ? null : e.executionSucceededEventDetails().output())
                    .filter(java.util.Objects::nonNull).forEach(data::add);
        }
        return data;
    }

    private boolean failed(String arn) {
        return sfn.describeExecution(b -> b.executionArn(arn)).status() == ExecutionStatus.FAILED;
    }
}
