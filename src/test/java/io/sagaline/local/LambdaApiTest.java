package io.sagaline.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Paths;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.InvocationType;
import software.amazon.awssdk.services.lambda.model.InvokeResponse;
import software.amazon.awssdk.services.lambda.model.ResourceNotFoundException;

/** The AWS SDK's LambdaClient, endpoint aside unchanged, invoking catalog functions with events/ samples. */
@QuarkusTest
class LambdaApiTest {

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
    void anHttpFunctionInvokedWithItsSample_answersItsApiGatewayResponse() throws Exception {
        SdkBytes sample = SdkBytes.fromByteArray(Files.readAllBytes(Paths.get("events/create-customer.json")));
        InvokeResponse response = lambda.invoke(b -> b.functionName("create-customer").payload(sample));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.functionError()).isNull();
        assertThat(response.payload().asUtf8String()).contains("\"statusCode\":201").contains("customerId");
    }

    @Test
    void aSagaStepThatFails_answersItsNamedErrorAsAnUnhandledFunctionError() throws Exception {
        SdkBytes sample = SdkBytes.fromByteArray(Files.readAllBytes(Paths.get("events/reserve-credit.unknown-customer.json")));
        InvokeResponse response = lambda.invoke(
                b -> b.functionName("arn:aws:lambda:us-east-1:000000000000:function:reserve-credit").payload(sample));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.functionError()).isEqualTo("Unhandled");
        assertThat(response.payload().asUtf8String()).contains("\"errorType\":\"io.sagaline.customers.UnknownCustomer\"");
    }

    @Test
    void eventAndDryRunInvocations_areAcceptedWithoutAPayload() {
        assertThat(lambda.invoke(b -> b.functionName("get-order").invocationType(InvocationType.EVENT)
                .payload(SdkBytes.fromUtf8String("{}"))).statusCode()).isEqualTo(202);
        assertThat(lambda.invoke(b -> b.functionName("get-order").invocationType(InvocationType.DRY_RUN)
                .payload(SdkBytes.fromUtf8String("{}"))).statusCode()).isEqualTo(204);
    }

    @Test
    void anUnknownFunction_isResourceNotFound() {
        assertThatThrownBy(() -> lambda.invoke(b -> b.functionName("no-such-function").payload(SdkBytes.fromUtf8String("{}"))))
                .isInstanceOf(ResourceNotFoundException.class);
    }
}
