package io.sagaline.local;

import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Map;
import java.util.UUID;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.sagaline.asl.StatesFailure;
import io.sagaline.asl.states.TaskState;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueDoesNotExistException;
import software.amazon.awssdk.services.sqs.model.SendMessageResponse;
import software.amazon.awssdk.services.sqs.model.SqsException;

/**
 * What a Task's Resource does here: a Lambda function's ARN (the catalog's functions), the optimised
 * Lambda integration ({@code arn:aws:states:::lambda:invoke}), SQS's {@code sendMessage} on the local
 * queues and nested executions ({@code states:startExecution}, also {@code .sync} and {@code .sync:2}), each also as
 * {@code .waitForTaskToken}, the {@code aws-sdk:} form of SQS, Step Functions and Lambda ({@link AwsSdkIntegrations}),
 * and activities' ARNs (their tasks queued for workers, {@link LocalActivities}), with the request
 * and result shapes of the AWS
 * documentation. A resource this engine cannot perform is refused when the machine is created, in
 * AWS's words ({@link #refusal}), never at run time.
 */
final class LocalIntegrations implements io.sagaline.asl.Interpreter.TaskInvoker {

    private static final Logger LOG = Logger.getLogger(LocalIntegrations.class);
    private static final String INTEGRATION = "arn:aws:states:::";
    private static final String LAMBDA_INVOKE = INTEGRATION + "lambda:invoke";
    private static final String SQS_SEND = INTEGRATION + "sqs:sendMessage";
    private static final String START_EXECUTION = INTEGRATION + "states:startExecution";
    private static final String FUNCTION = ":function:";

    private final LocalFunctions functions;
    private final SqsClient sqs;
    private final ObjectMapper json;
    private final java.util.function.Function<Call, java.util.Optional<LocalMocks.Response>> mocks;
    private final java.util.function.BiConsumer<String, JsonNode> answer;
    private final Nested nested;
    private final LocalActivities activities;
    private final AwsSdkIntegrations sdk;

    /** What starts the nested execution of a {@code states:startExecution} Task: the engine ({@link LocalStepFunctions}). */
    interface Nested {
        /**
         * Starts execution {@code name} of {@code stateMachineArn} (a machine, version or alias) with {@code input},
         * for the Task of {@code parentArn} (null for TestState's); when the Task waits for its end ({@code pattern}
         * {@code sync} or {@code sync:2}), linked to {@code parentToken} first, which the child's end answers.
         * Refused as StartExecution refuses.
         */
        io.sagaline.asl.Execution start(String parentArn, String parentToken, String pattern, String stateMachineArn,
                String name, String input);
    }

    /**
     * Integrations performed with {@code functions} and {@code sqs}, unless {@code mocks} has a response for the call;
     * a mocked callback Task's result is sent to its token through {@code answer}, as its worker would send it; nested
     * executions are started by {@code nested}.
     */
    LocalIntegrations(LocalFunctions functions, SqsClient sqs, ObjectMapper json,
            java.util.function.Function<Call, java.util.Optional<LocalMocks.Response>> mocks,
            java.util.function.BiConsumer<String, JsonNode> answer, Nested nested, LocalActivities activities,
            AwsSdkIntegrations sdk) {
        this.functions = functions;
        this.sqs = sqs;
        this.json = json;
        this.mocks = mocks;
        this.answer = answer;
        this.nested = nested;
        this.activities = activities;
        this.sdk = sdk;
    }

    /** A call its execution's mock test case answers (Step Functions Local's mock configuration), or performed. */
    @Override
    public JsonNode invoke(Call call) {
        java.util.Optional<LocalMocks.Response> mocked = mocks.apply(call);
        if (mocked.isEmpty()) {
            return perform(call);
        }
        LocalMocks.Response response = mocked.get();
        if (response.error() != null || response.returned() == null) {
            throw new StatesFailure(response.error(), response.cause());
        }
        if (call.taskToken() != null) {
            answer.accept(call.taskToken(), response.returned()); // the task's result, as its worker would send it
            return json.createObjectNode().put("mocked", true);
        }
        return response.returned();
    }

    /**
     * Why a machine of {@code type} cannot have a Task of {@code resource} here: AWS's text for the
     * diagnostic (without its location), or null when the engine can perform it.
     */
    static String refusal(String resource, String type) {
        boolean callback = resource.endsWith(TaskState.WAIT_FOR_TASK_TOKEN);
        String base = callback ? resource.substring(0, resource.length() - TaskState.WAIT_FOR_TASK_TOKEN.length()) : resource;
        if (callback && "EXPRESS".equals(type)) {
            // AWS's text, two spaces before "at" included (LocalStack's recording, test_sfn_api_express)
            return "Express state machine does not support '.waitForTaskToken' service integration ";
        }
        if ("EXPRESS".equals(type) && TaskState.sync(base)) {
            return "Express state machine does not support '.sync' service integration";
        }
        boolean activity = !callback && LocalActivities.ARN.matcher(resource).matches();
        if (activity && "EXPRESS".equals(type)) {
            return "Express state machine does not support Activity ARN"; // AWS's text (LocalStack's recording)
        }
        boolean known = activity || AwsSdkIntegrations.performs(base) || base.equals(LAMBDA_INVOKE) || base.equals(SQS_SEND)
                || base.equals(START_EXECUTION)
                || !callback && (resource.equals(START_EXECUTION + ".sync") || resource.equals(START_EXECUTION + ".sync:2"))
                || !callback && resource.startsWith("arn:aws:lambda:") && resource.contains(FUNCTION);
        return known ? null
                : "The resource provided " + resource + " is not recognized. The value is not a valid resource ARN, or the"
                        + " resource is not available in this region.";
    }

    /** A call without its context (TestState's): performed as an execution's would be, with no task token. */
    @Override
    public JsonNode invoke(String resource, JsonNode payload, Integer timeoutSeconds) {
        return perform(new Call(null, null, 0, resource, payload, timeoutSeconds, null));
    }

    /** Performs a Task's resource with its payload: its result, or its failure as AWS names it. */
    private JsonNode perform(Call call) {
        String resource = call.resource();
        JsonNode payload = call.payload();
        Integer timeoutSeconds = call.timeoutSeconds();
        boolean callback = resource.endsWith(TaskState.WAIT_FOR_TASK_TOKEN);
        String base = callback ? resource.substring(0, resource.length() - TaskState.WAIT_FOR_TASK_TOKEN.length()) : resource;
        if (base.equals(LAMBDA_INVOKE)) {
            return lambdaInvoke(payload, timeoutSeconds, callback);
        }
        if (base.equals(SQS_SEND)) {
            return sendMessage(payload);
        }
        if (resource.startsWith(START_EXECUTION)) {
            return startExecution(call);
        }
        if (base.startsWith(AwsSdkIntegrations.PREFIX)) {
            return sdk.invoke(base, payload);
        }
        if (TaskState.activity(resource)) {
            activities.schedule(resource, call.taskToken(), payload.toString()); // without a token: refused
            return json.createObjectNode();
        }
        int at = resource.indexOf(FUNCTION);
        if (!resource.startsWith("arn:aws:lambda:") || at < 0) {
            throw new StatesFailure(StatesFailure.RUNTIME, "unsupported Task resource " + resource);
        }
        return call(resource.substring(at + FUNCTION.length()), bytes(payload), timeoutSeconds);
    }

    /**
     * lambda:invoke, as the AWS documentation has it: {@code FunctionName} (a name or an ARN) and {@code Payload}
     * in, {@code {ExecutedVersion, Payload, SdkHttpMetadata, SdkResponseMetadata, StatusCode}} out; a function's error
     * is the task's error with AWS's cause. With a task token, the function is invoked asynchronously (it may send
     * the token's answer itself while it runs) and the task waits for that answer.
     */
    private JsonNode lambdaInvoke(JsonNode payload, Integer timeoutSeconds, boolean callback) {
        String name = payload.path("FunctionName").asText("");
        int at = name.indexOf(FUNCTION);
        String function = at < 0 ? name : name.substring(at + FUNCTION.length());
        int qualifier = function.indexOf(':');
        if (qualifier >= 0) {
            function = function.substring(0, qualifier); // $LATEST is the only version here
        }
        if (functions.catalog().function(function).isEmpty()) {
            String requestId = UUID.randomUUID().toString();
            throw new StatesFailure("Lambda.ResourceNotFoundException", "Function not found: "
                    + LocalStepFunctions.lambdaArn(function) + " (Service: AWSLambda; Status Code: 404; Error Code:"
                    + " ResourceNotFoundException; Request ID: " + requestId + "; Proxy: null)");
        }
        JsonNode input = payload.has("Payload") ? payload.get("Payload") : json.createObjectNode();
        byte[] body = input.isTextual() ? input.asText().getBytes(StandardCharsets.UTF_8) : bytes(input);
        if (callback || "Event".equals(payload.path("InvocationType").asText())) {
            String invoked = function;
            functions.invokeAsync(function, body, null).whenComplete((r, failure) -> {
                if (failure != null) {
                    LOG.warnf("the asynchronous invocation of %s failed: %s", invoked, failure.getMessage());
                }
            });
            return response(202).put("Payload", "");
        }
        JsonNode output = call(function, body, timeoutSeconds);
        ObjectNode result = json.createObjectNode().put("ExecutedVersion", "$LATEST");
        result.set("Payload", output);
        result.setAll(response(200));
        return result;
    }

    /** sqs:sendMessage on a local queue (found by the name that ends its QueueUrl), answered as AWS answers it. */
    private JsonNode sendMessage(JsonNode payload) {
        String url = payload.path("QueueUrl").asText("");
        String queue = url.substring(url.lastIndexOf('/') + 1);
        JsonNode message = payload.path("MessageBody");
        String body = message.isTextual() ? message.asText() : message.toString();
        try {
            String localUrl = sqs.getQueueUrl(r -> r.queueName(queue)).queueUrl();
            SendMessageResponse sent = sqs.sendMessage(r -> {
                r.queueUrl(localUrl).messageBody(body);
                if (payload.hasNonNull("DelaySeconds")) {
                    r.delaySeconds(payload.get("DelaySeconds").asInt());
                }
                if (payload.hasNonNull("MessageGroupId")) {
                    r.messageGroupId(payload.get("MessageGroupId").asText());
                }
                if (payload.hasNonNull("MessageDeduplicationId")) {
                    r.messageDeduplicationId(payload.get("MessageDeduplicationId").asText());
                }
                JsonNode attributes = payload.path("MessageAttributes");
                if (attributes.isObject()) {
                    Map<String, software.amazon.awssdk.services.sqs.model.MessageAttributeValue> values = new java.util.HashMap<>();
                    for (Iterator<Map.Entry<String, JsonNode>> i = attributes.fields(); i.hasNext();) {
                        Map.Entry<String, JsonNode> a = i.next();
                        values.put(a.getKey(), software.amazon.awssdk.services.sqs.model.MessageAttributeValue.builder()
                                .dataType(a.getValue().path("DataType").asText("String"))
                                .stringValue(a.getValue().path("StringValue").asText()).build());
                    }
                    r.messageAttributes(values);
                }
            });
            ObjectNode result = json.createObjectNode().put("MD5OfMessageBody", sent.md5OfMessageBody())
                    .put("MessageId", sent.messageId());
            if (sent.md5OfMessageAttributes() != null) {
                result.put("MD5OfMessageAttributes", sent.md5OfMessageAttributes());
            }
            return result.setAll(metadata(200));
        } catch (QueueDoesNotExistException e) {
            throw new StatesFailure("SQS.QueueDoesNotExistException", "The specified queue does not exist. (Service:"
                    + " AmazonSQS; Status Code: 400; Error Code: AWS.SimpleQueueService.NonExistentQueue)");
        } catch (SqsException e) {
            throw new StatesFailure("SQS." + e.awsErrorDetails().errorCode(), e.awsErrorDetails().errorMessage());
        }
    }

    /**
     * states:startExecution, as the AWS documentation has it: {@code StateMachineArn}, {@code Input} (JSON, or a string
     * of JSON; {@code {}} when absent) and {@code Name} in; {@code {ExecutionArn, StartDate, SdkHttpMetadata,
     * SdkResponseMetadata}} out (request-response, and {@code .waitForTaskToken}, whose child answers the token it was
     * given in its input). With {@code .sync} or {@code .sync:2} the task waits for the child's end, which answers it
     * ({@link #ended}). A start StartExecution refuses fails the task with AWS's {@code StepFunctions.<code>Exception}.
     * Without a Name, a waiting task's child is named after its token, so that the task invoked again after a crash
     * finds the child it started.
     */
    private JsonNode startExecution(Call call) {
        String resource = call.resource();
        String pattern = resource.endsWith(TaskState.SYNC) ? "sync"
                : resource.endsWith(TaskState.SYNC + ":2") ? "sync:2" : null;
        if (pattern != null && call.taskToken() == null) {
            throw new StatesFailure(StatesFailure.RUNTIME, resource + " waits for the child's end, which only an execution"
                    + " can: mock it in TestState");
        }
        JsonNode payload = call.payload();
        JsonNode input = payload.get("Input");
        String text = input == null || input.isNull() ? "{}" : input.isTextual() ? input.asText() : input.toString();
        String name = payload.hasNonNull("Name") ? payload.get("Name").asText()
                : call.taskToken() != null
                        ? UUID.nameUUIDFromBytes(call.taskToken().getBytes(StandardCharsets.UTF_8)).toString()
                        : UUID.randomUUID().toString();
        String stateMachineArn = payload.path("StateMachineArn").asText(null);
        io.sagaline.asl.Execution child;
        try {
            if (stateMachineArn == null) {
                throw new LocalStepFunctions.Refused("ValidationException", "1 validation error detected: Value null at"
                        + " 'stateMachineArn' failed to satisfy constraint: Member must not be null");
            }
            child = nested.start(call.executionArn(), pattern == null ? null : call.taskToken(), pattern, stateMachineArn,
                    name, text);
        } catch (LocalStepFunctions.Refused e) {
            String code = e.code().endsWith("Exception") ? e.code() : e.code() + "Exception";
            throw new StatesFailure("StepFunctions." + code, e.getMessage() + " (Service: AWSStepFunctions; Status Code: 400;"
                    + " Error Code: " + e.code() + "; Request ID: " + UUID.randomUUID() + "; Proxy: null)");
        }
        return json.createObjectNode().put("ExecutionArn", child.arn()).put("StartDate", child.startDate().toEpochMilli())
                .setAll(metadata(200));
    }

    /**
     * What a nested execution's end answers to the Task that waits for it: {@code {"output": DescribeExecution}} (in
     * AWS's PascalCase, dates in epoch milliseconds; for {@code sync:2} its Input and Output as JSON, for {@code sync}
     * as strings) when it SUCCEEDED, else {@code {"error": "States.TaskFailed", "cause": that, as text}}.
     */
    ObjectNode ended(io.sagaline.asl.Execution child, String pattern) {
        boolean json2 = "sync:2".equals(pattern);
        ObjectNode described = json.createObjectNode().put("ExecutionArn", child.arn());
        if (json2) {
            described.set("Input", child.input());
        } else {
            described.put("Input", child.input().toString());
        }
        described.putObject("InputDetails").put("Included", true);
        described.put("Name", child.name());
        if (child.status() == io.sagaline.asl.Execution.Status.SUCCEEDED) {
            if (json2) {
                described.set("Output", child.output());
            } else {
                described.put("Output", child.output().toString());
            }
            described.putObject("OutputDetails").put("Included", true);
        }
        described.put("RedriveCount", child.redriveCount());
        described.put("StartDate", child.startDate().toEpochMilli()).put("StateMachineArn", child.stateMachineArn())
                .put("Status", child.status().name()).put("StopDate", child.stopDate().toEpochMilli());
        if (child.error() != null) {
            described.put("Error", child.error());
        }
        if (child.cause() != null) {
            described.put("Cause", child.cause());
        }
        ObjectNode outcome = json.createObjectNode();
        if (child.status() == io.sagaline.asl.Execution.Status.SUCCEEDED) {
            return outcome.set("output", described);
        }
        return outcome.put("error", StatesFailure.TASK_FAILED).put("cause", described.toString());
    }

    /** {@link #metadata} and the StatusCode of a Lambda invocation's answer. */
    private ObjectNode response(int status) {
        return metadata(status).put("StatusCode", status);
    }

    /** SdkHttpMetadata and SdkResponseMetadata as the AWS SDK for Java v1 (which Step Functions uses) reports them. */
    private ObjectNode metadata(int status) {
        String requestId = UUID.randomUUID().toString();
        ObjectNode result = json.createObjectNode();
        ObjectNode http = result.putObject("SdkHttpMetadata");
        http.putObject("AllHttpHeaders").putArray("x-amzn-RequestId").add(requestId);
        http.putObject("HttpHeaders").put("x-amzn-RequestId", requestId);
        http.put("HttpStatusCode", status);
        result.putObject("SdkResponseMetadata").put("RequestId", requestId);
        return result;
    }

    private byte[] bytes(JsonNode payload) {
        return payload.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Invokes a function and answers its output as JSON, or its failure as the task's: its errorType, and the cause. */
    private JsonNode call(String function, byte[] payload, Integer timeoutSeconds) {
        byte[] output;
        try {
            output = functions.invoke(function, payload, timeoutSeconds);
        } catch (LocalFunctions.FunctionFailure e) {
            String cause = json.createObjectNode().put("errorMessage", e.errorMessage()).put("errorType", e.errorType())
                    .toString();
            throw new StatesFailure(e.errorType(), cause);
        }
        try {
            return output.length == 0 ? json.nullNode() : json.readTree(output);
        } catch (java.io.IOException e) {
            throw new StatesFailure(StatesFailure.TASK_FAILED, "the function's output is not JSON: " + e.getMessage());
        }
    }
}
