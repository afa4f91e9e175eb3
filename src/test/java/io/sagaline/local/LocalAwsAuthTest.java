package io.sagaline.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.sagaline.support.Api;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.LambdaException;
import software.amazon.awssdk.services.sfn.SfnClient;
import software.amazon.awssdk.services.sfn.model.SfnException;

/**
 * The tests run the local runtime as it runs beyond loopback: its Lambda and Step Functions APIs
 * take only calls signed with the configured key. Whatever else comes is refused with AWS's
 * error, and nothing runs.
 */
@QuarkusTest
class LocalAwsAuthTest {

    private static final String RESERVE_CREDIT = """
            {"tenant":"demo","orderId":"%s","executionId":"x","customerId":"%s","amountCents":500}""";

    @Test
    void anUnsignedInvocation_isRefusedAndTheFunctionDoesNotRun() throws Exception {
        String customer = Api.newCustomer(1_000);
        HttpResponse<String> answer = HttpClient.newHttpClient().send(HttpRequest
                .newBuilder(URI.create(LocalAwsClients.endpoint() + "/2015-03-31/functions/reserve-credit/invocations"))
                .POST(HttpRequest.BodyPublishers.ofString(RESERVE_CREDIT.formatted(java.util.UUID.randomUUID(), customer)))
                .build(), HttpResponse.BodyHandlers.ofString());

        assertThat(answer.statusCode()).isEqualTo(403);
        assertThat(answer.headers().firstValue("x-amzn-errortype")).hasValue("MissingAuthenticationTokenException");
        assertThat(Api.availableCredit(customer)).as("the function never ran").isEqualTo(1_000);
    }

    @Test
    void anInvocationSignedWithAnotherSecret_isInvalidSignatureAndTheFunctionDoesNotRun() {
        String customer = Api.newCustomer(1_000);
        try (LambdaClient lambda = io.sagaline.support.LocalAws.lambda("local", "guessed")) {
            assertThatThrownBy(() -> lambda.invoke(b -> b.functionName("reserve-credit")
                    .payload(SdkBytes.fromUtf8String(RESERVE_CREDIT.formatted(java.util.UUID.randomUUID(), customer)))))
                    .isInstanceOfSatisfying(LambdaException.class, e -> {
                        assertThat(e.statusCode()).isEqualTo(403);
                        assertThat(e.awsErrorDetails().errorCode()).isEqualTo("InvalidSignatureException");
                    });
        }
        assertThat(Api.availableCredit(customer)).isEqualTo(1_000);
    }

    @Test
    void stepFunctionsCallsWithAnUnknownKeyOrNoSignature_areRefused() throws Exception {
        try (SfnClient sfn = io.sagaline.support.LocalAws.sfn("intruder", "local")) {
            assertThatThrownBy(() -> sfn.listStateMachines()).isInstanceOfSatisfying(SfnException.class,
                    e -> assertThat(e.awsErrorDetails().errorCode()).isEqualTo("UnrecognizedClientException"));
        }
        HttpResponse<String> unsigned = HttpClient.newHttpClient().send(HttpRequest.newBuilder(LocalAwsClients.endpoint())
                .header("x-amz-target", "AWSStepFunctions.ListExecutions")
                .header("content-type", "application/x-amz-json-1.0")
                .POST(HttpRequest.BodyPublishers.ofString("{\"stateMachineArn\":\"arn:aws:states:us-east-1:000000000000:"
                        + "stateMachine:place-order\"}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(unsigned.statusCode()).isEqualTo(400);
        assertThat(unsigned.body()).contains("MissingAuthenticationTokenException").doesNotContain("executions");
    }
}
