package io.sagaline.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import software.amazon.awssdk.services.sfn.SfnClient;
import software.amazon.awssdk.services.sfn.model.SfnException;
import software.amazon.awssdk.services.sfn.model.SfnRequest;

/**
 * The README's table of Step Functions operations is true: it lists every operation of the AWS
 * SDK's SfnClient (this build's SDK: an SDK that adds one fails this test until the table has it),
 * each once, and the local API answers an operation exactly when the table says it is done or partly
 * done. Each is called through the SDK with an empty request, which changes nothing: a List operation
 * answers it, any other that is there refuses it with its own validation error, one that is not there
 * with UnknownOperationException.
 */
@QuarkusTest
class StepFunctionsOperationsTest {

    /** The SDK's client as the functions use it (LocalAwsClients: the local endpoint, no host prefix). */
    @Inject
    SfnClient sfn;

    @Test
    void theReadmesTable_listsEverySdkOperation_andSaysWhichTheApiAnswers() throws IOException {
        Map<String, String> table = table();
        assertThat(table.keySet()).as("the README's table lists the SDK's operations, in order")
                .containsExactlyElementsOf(new TreeSet<>(sdkOperations()));
        assertThat(table.values()).allSatisfy(status -> assertThat(status).isIn("done", "partly", "not"));

        for (Map.Entry<String, String> operation : table.entrySet()) {
            String answer = call(operation.getKey());
            if (operation.getValue().equals("not")) {
                assertThat(answer).as(operation.getKey() + " is not done, as the table says")
                        .isEqualTo("UnknownOperationException");
            } else {
                assertThat(answer).as(operation.getKey() + " is " + operation.getValue() + ", as the table says")
                        .isNotEqualTo("UnknownOperationException").isNotEqualTo("InternalFailure");
            }
        }
    }

    /** Calls the operation through the SDK with an empty request: "answered", or the error code of its refusal. */
    private String call(String operation) {
        Method method = Arrays.stream(SfnClient.class.getMethods())
                .filter(m -> m.getParameterCount() == 1
                        && m.getParameterTypes()[0].getSimpleName().equals(operation + "Request"))
                .findFirst().orElseThrow();
        try {
            Object request = method.getParameterTypes()[0].getMethod("builder").invoke(null);
            method.invoke(sfn, ((software.amazon.awssdk.utils.builder.SdkBuilder<?, ?>) request).build());
            return "answered";
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof SfnException refused && refused.awsErrorDetails() != null) {
                return refused.awsErrorDetails().errorCode();
            }
            throw new AssertionError(operation + " failed", e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    /** The operations of the SDK's synchronous client: each method taking the request of its name. */
    private static List<String> sdkOperations() {
        return Arrays.stream(SfnClient.class.getMethods()).filter(m -> m.getParameterCount() == 1)
                .filter(m -> SfnRequest.class.isAssignableFrom(m.getParameterTypes()[0]))
                .map(Method::getParameterTypes).map(p -> p[0].getSimpleName().replaceFirst("Request$", "")).distinct()
                .toList();
    }

    /** Operation and status of each row between the README's operations markers. */
    private static Map<String, String> table() throws IOException {
        String readme = Files.readString(Path.of("README.md"));
        String rows = readme.substring(readme.indexOf("<!-- operations:start -->"), readme.indexOf("<!-- operations:end -->"));
        Map<String, String> table = new LinkedHashMap<>();
        for (String line : rows.lines().toList()) {
            String[] cells = line.split("\\|");
            if (cells.length >= 3 && !cells[1].isBlank() && !cells[1].contains("Operation") && !cells[1].contains("---")) {
                String previous = table.put(cells[1].trim(), cells[2].trim());
                assertThat(previous).as(cells[1].trim() + " is listed once").isNull();
            }
        }
        return table;
    }
}
