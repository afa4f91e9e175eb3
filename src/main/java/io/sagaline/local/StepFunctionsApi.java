package io.sagaline.local;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.quarkus.arc.profile.IfBuildProfile;
import io.sagaline.asl.Execution;
import io.sagaline.asl.HistoryEvent;
import io.sagaline.asl.jdbc.PostgresExecutionStore;
import io.sagaline.local.LocalStepFunctions.Refused;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

/**
 * The Step Functions API on the local port, in the AWS JSON 1.0 protocol ({@code POST /},
 * {@code X-Amz-Target: AWSStepFunctions.<Operation>}), so that the AWS SDK's {@code SfnClient} and
 * {@code aws stepfunctions --endpoint-url} work against the local engine unchanged. Signatures
 * are checked as {@link LocalAwsAuth} says: always beyond loopback.
 */
@ApplicationScoped
@IfBuildProfile(anyOf = { "dev", "test" })
public class StepFunctionsApi {

    private static final Logger LOG = Logger.getLogger(StepFunctionsApi.class);
    private static final String TARGET = "AWSStepFunctions.";
    private static final String CONTENT_TYPE = "application/x-amz-json-1.0";

    private final LocalStepFunctions engine;
    private final StateMachinesApi machines;
    private final LocalAwsAuth auth;
    private final ObjectMapper json;

    StepFunctionsApi(LocalStepFunctions engine, LocalAwsAuth auth, ObjectMapper json) {
        this.engine = engine;
        this.machines = new StateMachinesApi(engine, json);
        this.auth = auth;
        this.json = json;
    }

    void install(@Observes Router router) {
        // An execution's input is at most 256 KB; no request of this API needs more than 1 MB.
        router.post("/").order(-100).handler(BodyHandler.create().setBodyLimit(1024 * 1024)).handler(ctx -> {
            String target = ctx.request().getHeader("x-amz-target");
            if (target == null || !target.startsWith(TARGET)) {
                ctx.next();
                return;
            }
            Buffer body = ctx.body().buffer();
            ctx.response().putHeader("x-amzn-RequestId", java.util.UUID.randomUUID().toString());
            try {
                auth.check(ctx.request(), body);
            } catch (SigV4Verifier.Refusal r) {
                ctx.response().setStatusCode(400).putHeader("content-type", CONTENT_TYPE)
                        .putHeader("x-amzn-errortype", r.code())
                        .end(json.createObjectNode().put("__type", r.code()).put("message", r.getMessage()).toString());
                return;
            }
            serve(ctx, target.substring(TARGET.length()), body == null ? Buffer.buffer() : body);
        });
    }

    private void serve(RoutingContext ctx, String operation, Buffer body) {
        String httpTraceHeader = ctx.request().getHeader("x-amzn-trace-id");
        // a worker that hangs up while its GetActivityTask waits takes no task (its connection closed, its poll ends)
        java.util.concurrent.atomic.AtomicBoolean gone = new java.util.concurrent.atomic.AtomicBoolean();
        if (operation.equals("GetActivityTask")) {
            ctx.response().closeHandler(v -> gone.set(true));
        }
        java.util.concurrent.Callable<JsonNode> work = () -> {
            JsonNode request = body.length() == 0 ? json.createObjectNode() : json.readTree(body.getBytes());
            if (httpTraceHeader != null && request instanceof ObjectNode o && !o.hasNonNull("traceHeader")) {
                o.put("traceHeader", httpTraceHeader); // the SDK's X-Ray header, when the body names no trace
            }
            return dispatch(operation, request, gone::get);
        };
        // GetActivityTask's long poll and StartSyncExecution wait on a thread of their own, not on one of the API's workers
        io.vertx.core.Future<JsonNode> answered = !operation.equals("GetActivityTask")
                && !operation.equals("StartSyncExecution")
                        ? ctx.vertx().executeBlocking(work, false)
                        : io.vertx.core.Future.fromCompletionStage(java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                            try {
                                return work.call();
                            } catch (RuntimeException e) {
                                throw e;
                            } catch (Exception e) {
                                throw new java.util.concurrent.CompletionException(e);
                            }
                        }, engine.waits()), ctx.vertx().getOrCreateContext());
        answered.onComplete(result -> {
            ctx.response().putHeader("content-type", CONTENT_TYPE);
            if (result.succeeded()) {
                ctx.response().setStatusCode(200).end(result.result().toString());
                return;
            }
            Throwable failure = result.cause() instanceof java.util.concurrent.CompletionException c && c.getCause() != null
                    ? c.getCause()
                    : result.cause();
            Refused error = failure instanceof Refused r ? r
                    : failure instanceof com.fasterxml.jackson.core.JsonProcessingException
                            ? new Refused("SerializationException", "the request body is not JSON")
                            : null;
            if (error == null) {
                LOG.errorf(failure, "AWSStepFunctions.%s failed", operation);
                error = new Refused("InternalFailure", String.valueOf(failure.getMessage()));
            }
            ctx.response().setStatusCode(error.code().equals("InternalFailure") ? 500 : 400)
                    .putHeader("x-amzn-errortype", error.code())
                    .end(json.createObjectNode().put("__type", error.code()).put("message", error.getMessage())
                            .toString());
        });
    }

    JsonNode dispatch(String operation, JsonNode request) {
        return dispatch(operation, request, () -> false);
    }

    /** The operation's answer; {@code gone}: whether its caller hung up (a GetActivityTask then stops waiting). */
    private JsonNode dispatch(String operation, JsonNode request, java.util.function.BooleanSupplier gone) {
        return switch (operation) {
            case "StartExecution" -> startExecution(request);
            case "StartSyncExecution" -> startSyncExecution(request);
            case "DescribeExecution" -> describeExecution(request);
            case "StopExecution" -> stopExecution(request);
            case "RedriveExecution" -> redriveExecution(request);
            case "ListExecutions" -> listExecutions(request);
            case "GetExecutionHistory" -> getExecutionHistory(request);
            case "ValidateStateMachineDefinition" -> validateStateMachineDefinition(request);
            case "TestState" -> testState(request);
            case "CreateActivity" -> {
                var activity = engine.activities().create(text(request, "name"), request.hasNonNull("tags")
                        ? StateMachineRegistry.tags(StateMachinesApi.tags(request.get("tags")), 0)
                        : java.util.Map.of());
                yield object().put("activityArn", activity.arn()).put("creationDate", seconds(activity.creationDate()));
            }
            case "DescribeActivity" -> {
                var activity = engine.activities().describe(arn(request, "activityArn", "activity"));
                yield object().put("activityArn", activity.arn()).put("name", activity.name())
                        .put("creationDate", seconds(activity.creationDate()));
            }
            case "DeleteActivity" -> {
                engine.activities().delete(arn(request, "activityArn", "activity"));
                yield object();
            }
            case "ListActivities" -> {
                int offset = offset(request);
                int size = pageSize(request, 100);
                List<io.sagaline.asl.jdbc.PostgresStateMachineStore.Activity> page = engine.activities().list(offset, size + 1);
                ObjectNode out = object();
                ArrayNode listed = out.putArray("activities");
                page.stream().limit(size).forEach(a -> listed.addObject().put("activityArn", a.arn()).put("name", a.name())
                        .put("creationDate", seconds(a.creationDate())));
                if (page.size() > size) {
                    out.put("nextToken", token(offset + size));
                }
                yield out;
            }
            case "GetActivityTask" -> {
                String worker = text(request, "workerName");
                if (worker != null && worker.length() > 80) {
                    throw new Refused("ValidationException", "1 validation error detected: Value at 'workerName' failed to"
                            + " satisfy constraint: Member must have length less than or equal to 80");
                }
                ObjectNode out = object();
                engine.activities().poll(arn(request, "activityArn", "activity"), worker, gone)
                        .ifPresent(task -> out.put("taskToken", task.token()).put("input", task.input()));
                yield out; // no task within the poll's minute: no token, as AWS answers
            }
            case "SendTaskSuccess" -> {
                JsonNode output = parseOutput(required(request, "output"));
                engine.answer(taskToken(request), object().set("output", output));
                yield object();
            }
            case "SendTaskFailure" -> {
                ObjectNode failure = object();
                failure.put("error", text(request, "error")).put("cause", text(request, "cause"));
                engine.answer(taskToken(request), failure);
                yield object();
            }
            case "SendTaskHeartbeat" -> {
                engine.heartbeat(taskToken(request));
                yield object();
            }
            default -> {
                if (!StateMachinesApi.answers(operation)) {
                    throw new Refused("UnknownOperationException",
                            "AWSStepFunctions." + operation + " is not supported here");
                }
                yield machines.dispatch(operation, request);
            }
        };
    }

    private JsonNode startExecution(JsonNode request) {
        String name = request.hasNonNull("name") ? request.get("name").asText() : java.util.UUID.randomUUID().toString();
        if (request.hasNonNull("input") && !request.get("input").isTextual()) {
            throw new Refused("ValidationException", "input must be a string holding JSON");
        }
        String input = request.hasNonNull("input") ? request.get("input").asText() : "{}";
        Execution execution = engine.start(arn(request, "stateMachineArn", "start"), name, input,
                traceHeader(request));
        return object().put("executionArn", execution.arn()).put("startDate", seconds(execution.startDate()));
    }

    /**
     * StartExecution's {@code traceHeader} (X-Ray's header, at most 256 characters): the trace the
     * execution is part of; the HTTP request's {@code X-Amzn-Trace-Id} if the body has none.
     */
    private String traceHeader(JsonNode request) {
        String header = text(request, "traceHeader");
        if (header != null && header.length() > 256) {
            throw new Refused("ValidationException", "1 validation error detected: Value at 'traceHeader' failed to satisfy "
                    + "constraint: Member must have length less than or equal to 256");
        }
        return header;
    }

    /** StartSyncExecution: the whole execution in one answer (EXPRESS state machines only, as in AWS). */
    private JsonNode startSyncExecution(JsonNode request) {
        if (request.hasNonNull("input") && !request.get("input").isTextual()) {
            throw new Refused("ValidationException", "input must be a string holding JSON");
        }
        Execution e = engine.startSync(arn(request, "stateMachineArn", "stateMachine"), text(request, "name"),
                text(request, "input"), traceHeader(request));
        ObjectNode out = object().put("executionArn", e.arn()).put("stateMachineArn", e.stateMachineArn()).put("name", e.name())
                .put("startDate", seconds(e.startDate())).put("stopDate", seconds(e.stopDate()))
                .put("status", e.status() == Execution.Status.ABORTED ? "FAILED" : e.status().name())
                .put("input", e.input().toString());
        out.putObject("inputDetails").put("included", true);
        outcome(out, e);
        long millis = java.time.Duration.between(e.startDate(), e.stopDate()).toMillis();
        out.putObject("billingDetails").put("billedMemoryUsedInMB", 64).put("billedDurationInMilliseconds",
                Math.max(100, (millis + 99) / 100 * 100));
        return out;
    }

    /** The version and alias an execution was started on, each only if it was. */
    private static void origin(ObjectNode out, String versionArn, String aliasArn) {
        if (versionArn != null) {
            out.put("stateMachineVersionArn", versionArn);
        }
        if (aliasArn != null) {
            out.put("stateMachineAliasArn", aliasArn);
        }
    }

    /** output (with outputDetails), error and cause, each only when the execution has one. */
    private static void outcome(ObjectNode out, Execution e) {
        if (e.output() != null) {
            out.put("output", e.output().toString());
            out.putObject("outputDetails").put("included", true);
        }
        if (e.error() != null) {
            out.put("error", e.error());
        }
        if (e.cause() != null) {
            out.put("cause", e.cause());
        }
    }

    private JsonNode describeExecution(JsonNode request) {
        Execution e = execution(arn(request, "executionArn", "execution"));
        ObjectNode out = object().put("executionArn", e.arn()).put("stateMachineArn", e.stateMachineArn()).put("name", e.name())
                .put("status", e.status().name()).put("startDate", seconds(e.startDate())).put("input", e.input().toString());
        out.putObject("inputDetails").put("included", true);
        if (!engine.machines().catalogued(e.stateMachineArn())) {
            engine.machines().origin(e.arn()).ifPresent(o -> origin(out, o.versionArn(), o.aliasArn()));
        }
        if (e.stopDate() != null) {
            out.put("stopDate", seconds(e.stopDate()));
        }
        outcome(out, e);
        if (e.traceHeader() != null) {
            out.put("traceHeader", e.traceHeader());
        }
        out.put("redriveCount", e.redriveCount());
        if (e.redriveDate() != null) {
            out.put("redriveDate", seconds(e.redriveDate()));
        }
        boolean redrivable = e.status() != Execution.Status.RUNNING && e.status() != Execution.Status.SUCCEEDED;
        out.put("redriveStatus", redrivable ? "REDRIVABLE" : "NOT_REDRIVABLE");
        if (!redrivable) {
            // AWS's words for why (DescribeExecution, redriveStatusReason)
            out.put("redriveStatusReason",
                    e.status() == Execution.Status.RUNNING ? "Execution is RUNNING and cannot be redriven"
                            : "Execution is SUCCEEDED and cannot be redriven");
        }
        return out;
    }

    private JsonNode stopExecution(JsonNode request) {
        Execution e = engine.stop(arn(request, "executionArn", "execution"), text(request, "error"), text(request, "cause"));
        return object().put("stopDate", seconds(e.stopDate()));
    }

    private JsonNode redriveExecution(JsonNode request) {
        Execution e = engine.redrive(arn(request, "executionArn", "execution"));
        return object().put("redriveDate", seconds(e.redriveDate()));
    }

    private JsonNode listExecutions(JsonNode request) {
        Execution.Status status = null;
        if (request.hasNonNull("statusFilter")) {
            try {
                status = Execution.Status.valueOf(request.get("statusFilter").asText());
            } catch (IllegalArgumentException e) {
                throw new Refused("ValidationException", "unknown statusFilter " + request.get("statusFilter").asText());
            }
        }
        Boolean redriven = null;
        if (request.hasNonNull("redriveFilter")) {
            redriven = switch (request.get("redriveFilter").asText()) {
                case "REDRIVEN" -> true;
                case "NOT_REDRIVEN" -> false;
                default -> throw new Refused("ValidationException", "1 validation error detected: Value '"
                        + request.get("redriveFilter").asText() + "' at 'redriveFilter' failed to satisfy constraint: "
                        + "Member must satisfy enum value set: [REDRIVEN, NOT_REDRIVEN]");
            };
        }
        int limit = pageSize(request, 100);
        String machine = arn(request, "stateMachineArn", "stateMachine");
        if ("EXPRESS".equals(engine.type(machine))) {
            // AWS keeps no EXPRESS execution to list (CloudWatch Logs has them)
            throw new Refused("StateMachineTypeNotSupported",
                    "This operation is not supported by this type of state machine: " + machine + " is EXPRESS");
        }
        List<PostgresExecutionStore.Summary> page = engine.list(machine, status,
                redriven,
                limit + 1, cursor(request));
        ObjectNode out = object();
        ArrayNode executions = out.putArray("executions");
        page.stream().limit(limit).forEach(s -> {
            ObjectNode item = executions.addObject().put("executionArn", s.arn()).put("stateMachineArn", s.stateMachineArn())
                    .put("name", s.name()).put("status", s.status().name()).put("startDate", seconds(s.startDate()));
            if (s.stopDate() != null) {
                item.put("stopDate", seconds(s.stopDate()));
            }
            origin(item, s.versionArn(), s.aliasArn());
            item.put("redriveCount", s.redriveCount());
            if (s.redriveDate() != null) {
                item.put("redriveDate", seconds(s.redriveDate()));
            }
        });
        if (page.size() > limit) {
            PostgresExecutionStore.Summary last = page.get(limit - 1);
            out.put("nextToken", Base64.getUrlEncoder().encodeToString(
                    (last.startDate() + "|" + last.arn()).getBytes(StandardCharsets.UTF_8)));
        }
        return out;
    }

    /** The ListExecutions nextToken: where the previous page ended. */
    private static PostgresExecutionStore.Cursor cursor(JsonNode request) {
        if (!request.hasNonNull("nextToken")) {
            return null;
        }
        try {
            String token = new String(Base64.getUrlDecoder().decode(request.get("nextToken").asText()),
                    StandardCharsets.UTF_8);
            int bar = token.indexOf('|');
            return new PostgresExecutionStore.Cursor(Instant.parse(token.substring(0, bar)), token.substring(bar + 1));
        } catch (RuntimeException e) {
            throw new Refused("InvalidToken", "the nextToken is not one this endpoint gave");
        }
    }

    private JsonNode getExecutionHistory(JsonNode request) {
        List<HistoryEvent> history = new java.util.ArrayList<>(execution(arn(request, "executionArn", "execution")).history());
        boolean withData = request.path("includeExecutionData").asBoolean(true);
        if (request.path("reverseOrder").asBoolean(false)) {
            java.util.Collections.reverse(history);
        }
        int limit = pageSize(request, 100);
        int offset = offset(request);
        ObjectNode out = object();
        ArrayNode events = out.putArray("events");
        history.stream().skip(offset).limit(limit).forEach(e -> {
            ObjectNode event = events.addObject().put("timestamp", seconds(e.timestamp())).put("type", e.type())
                    .put("id", e.id()).put("previousEventId", e.previousEventId());
            if (e.detailsKey() != null && e.details() != null) {
                event.set(e.detailsKey(), withData ? e.details() : withoutData(e.details()));
            }
        });
        if (history.size() > offset + limit) {
            out.put("nextToken", token(offset + limit));
        }
        return out;
    }

    /**
     * An event's details without the execution's data, as GetExecutionHistory gives them with
     * {@code includeExecutionData: false}: no input, output, parameters or result.
     */
    private static JsonNode withoutData(JsonNode details) {
        ObjectNode copy = ((ObjectNode) details).deepCopy();
        copy.remove(List.of("input", "output", "parameters", "result"));
        return copy;
    }

    /** Reads a definition as AWS does (Jackson), its location in a parse error naming the text as AWS's does. */
    private static final ObjectMapper DEFINITION_READER = new ObjectMapper(com.fasterxml.jackson.core.JsonFactory.builder()
            .enable(com.fasterxml.jackson.core.StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION).build());

    /**
     * ValidateStateMachineDefinition: the definition checked as CreateStateMachine checks it, answered with AWS's
     * diagnostics (severity, code, message, location) and result OK or FAIL. The engine reports a definition's first
     * problem; AWS may list several.
     */
    private JsonNode validateStateMachineDefinition(JsonNode request) {
        if (!request.hasNonNull("definition")) {
            throw new Refused("ValidationException", "1 validation error detected: Value null at 'definition' failed to"
                    + " satisfy constraint: Member must not be null");
        }
        String type = request.path("type").asText("STANDARD");
        if (!type.equals("STANDARD") && !type.equals("EXPRESS")) {
            throw new Refused("ValidationException", "1 validation error detected: Value '" + type + "' at 'type' failed"
                    + " to satisfy constraint: Member must satisfy enum value set: [STANDARD, EXPRESS]");
        }
        ObjectNode diagnostic = null;
        try {
            JsonNode definition = DEFINITION_READER.readTree(request.get("definition").asText());
            if (definition == null || !definition.isObject()) {
                diagnostic = object().put("code", io.sagaline.asl.AslDefinitionException.SCHEMA_VALIDATION_FAILED)
                        .put("message", "Definition must be a valid JSON object");
            } else {
                io.sagaline.asl.StateMachine.parse("validation", definition);
            }
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            // Jackson's own words, as AWS (Jackson too) gives them; AWS's older Jackson puts the column after the token.
            diagnostic = object().put("code", "INVALID_JSON_DESCRIPTION").put("message", e.getMessage());
            if (e.getLocation() != null) {
                diagnostic.put("location", e.getLocation().toString());
            }
        } catch (io.sagaline.asl.AslDefinitionException e) {
            diagnostic = object().put("code", e.code()).put("message", e.problem()).put("location", e.location());
        }
        ObjectNode out = object();
        ArrayNode diagnostics = out.putArray("diagnostics");
        if (diagnostic != null) {
            diagnostics.add(object().put("severity", "ERROR").setAll(diagnostic));
        }
        return out.put("result", diagnostic == null ? "OK" : "FAIL").put("truncated", false);
    }

    /**
     * TestState: the state (alone, or {@code stateName} of a whole definition) run on {@code input}, its task mocked
     * ({@code mock.result}, {@code mock.errorOutput}) or performed; INFO answers status, output, error, cause and next
     * state; DEBUG and TRACE also the data after each processing step and which retrier or catcher took an error.
     */
    private JsonNode testState(JsonNode request) {
        String text = required(request, "definition");
        String level = request.path("inspectionLevel").asText("INFO");
        if (!List.of("INFO", "DEBUG", "TRACE").contains(level)) {
            throw new Refused("ValidationException", "1 validation error detected: Value '" + level + "' at"
                    + " 'inspectionLevel' failed to satisfy constraint: Member must satisfy enum value set: [INFO, DEBUG,"
                    + " TRACE]");
        }
        JsonNode definition = engine.machines().definitionTree(text);
        JsonNode input = engine.parseJson(request.hasNonNull("input") ? request.get("input").asText() : "{}",
                "InvalidExecutionInput", "Invalid State Machine Execution Input");
        JsonNode state = definition.has("States") ? definition.path("States")
                .path(request.hasNonNull("stateName") ? request.get("stateName").asText() : definition.path("StartAt").asText())
                : definition;
        if (!state.isObject()) {
            throw new Refused("ValidationException", "State not found in definition");
        }
        String type = state.path("Type").asText();
        JsonNode m = request.path("mock");
        io.sagaline.asl.testing.StateTest.Mock mock = null;
        // AWS's refusals, in its words (LocalStack's recordings of AWS)
        if (m.isObject()) {
            if (m.has("result") && m.has("errorOutput")) {
                throw new Refused("ValidationException",
                        "A test mock should have only one of the following fields: [result, errorOutput].");
            }
            if (List.of("Pass", "Fail", "Succeed").contains(type)) {
                throw new Refused("ValidationException", "State type '" + type + "' is not supported when a mock is specified");
            }
            if (m.hasNonNull("result")) {
                JsonNode result;
                try {
                    result = engine.parseJson(m.get("result").asText(), "ValidationException",
                            "Mocked result must be valid JSON");
                } catch (Refused e) {
                    throw new Refused("ValidationException", "Mocked result must be valid JSON");
                }
                mock = new io.sagaline.asl.testing.StateTest.Mock(result, null, null);
            } else if (m.has("errorOutput")) {
                mock = new io.sagaline.asl.testing.StateTest.Mock(null, text(m.get("errorOutput"), "error"),
                        text(m.get("errorOutput"), "cause"));
            }
        }
        if (type.equals("Map") || type.equals("Parallel")) {
            throw new Refused("InvalidDefinition", "TestState API does not support Map or Parallel states. Supported state"
                    + " types include: [Task, Wait, Pass, Succeed, Fail, Choice]");
        }
        if (type.equals("Task") && mock == null && !request.hasNonNull("roleArn")) {
            throw new Refused("ValidationException", "RoleArn must be specified when testing a Task state");
        }
        if (mock == null && state.path("Resource").asText().endsWith(io.sagaline.asl.states.TaskState.WAIT_FOR_TASK_TOKEN)) {
            throw new Refused("ValidationException", "TestState does not wait for a task token here: give the Task a mock");
        }
        if (request.hasNonNull("variables") || request.hasNonNull("context")) {
            throw new Refused("ValidationException", "TestState's variables and context are not supported here yet");
        }
        int retries = request.path("stateConfiguration").path("retrierRetryCount").asInt(0);
        io.sagaline.asl.testing.StateTest.Result r;
        try {
            r = engine.testState(definition, text(request, "stateName"), input, mock, retries);
        } catch (io.sagaline.asl.AslDefinitionException e) {
            throw StateMachineRegistry.invalidDefinition(e);
        }
        ObjectNode out = object().put("status", r.status().name());
        if (r.output() != null) {
            out.put("output", r.output().toString());
        }
        if (r.error() != null) {
            out.put("error", r.error());
        }
        if (r.cause() != null) {
            out.put("cause", r.cause());
        }
        if (r.nextState() != null) {
            out.put("nextState", r.nextState());
        }
        if (!level.equals("INFO")) {
            ObjectNode inspection = out.putObject("inspectionData");
            r.inspection().forEach((step, data) -> inspection.put(step, data.toString()));
            if (r.errorDetails() != null) {
                ObjectNode details = inspection.putObject("errorDetails");
                if (r.errorDetails().retryIndex() != null && r.errorDetails().retryIndex() >= 0) {
                    details.put("retryIndex", r.errorDetails().retryIndex());
                }
                if (r.errorDetails().retryBackoffIntervalSeconds() != null) {
                    details.put("retryBackoffIntervalSeconds", r.errorDetails().retryBackoffIntervalSeconds());
                }
                if (r.errorDetails().catchIndex() != null) {
                    details.put("catchIndex", r.errorDetails().catchIndex());
                }
            }
        }
        return out;
    }

    /** A SendTask* request's taskToken: 1 to 2,048 characters, as AWS's API has it. */
    private static String taskToken(JsonNode request) {
        String token = required(request, "taskToken");
        if (token.length() > 2048) {
            throw new Refused("ValidationException", "1 validation error detected: Value at 'taskToken' failed to satisfy"
                    + " constraint: Member must have length less than or equal to 2048");
        }
        return token;
    }

    /** SendTaskSuccess's output: JSON, within the payload quota. */
    private JsonNode parseOutput(String output) {
        JsonNode parsed = engine.parseJson(output, "InvalidOutput", "Invalid Output");
        try {
            io.sagaline.asl.StatesFailure.withinLimit(parsed.toString(), "output");
        } catch (io.sagaline.asl.StatesFailure e) {
            throw new Refused("InvalidOutput", "Invalid Output: it exceeds the maximum size of 262144 bytes");
        }
        return parsed;
    }

    /** ARNs as Step Functions writes them: a state machine (maybe qualified), an execution. */
    private static final java.util.regex.Pattern STATE_MACHINE_ARN = java.util.regex.Pattern
            .compile("arn:aws[a-z-]*:states:[a-z0-9-]+:\\d{12}:stateMachine:[^\\s:/]{1,80}(:[^\\s:/]{1,80})?");
    /** StartExecution's: a state machine's, maybe with a mock test case ({@code <arn>#<TestCase>}, as Step Functions Local). */
    private static final java.util.regex.Pattern START_ARN = java.util.regex.Pattern
            .compile(STATE_MACHINE_ARN.pattern() + "(#[^\\s#]{1,256})?");
    private static final java.util.regex.Pattern EXECUTION_ARN = java.util.regex.Pattern
            .compile("arn:aws[a-z-]*:states:[a-z0-9-]+:\\d{12}:(execution|express):[^\\s:/]{1,80}:[^\\s:/]{1,80}"
                    + "(:[^\\s:/]{1,80})?");

    /** The ARN in {@code field}: well formed for its kind, or InvalidArn, as AWS answers before looking anything up. */
    static String arn(JsonNode request, String field, String kind) {
        String arn = required(request, field);
        java.util.regex.Pattern pattern = switch (kind) {
            case "execution" -> EXECUTION_ARN;
            case "start" -> START_ARN;
            case "activity" -> LocalActivities.ARN;
            default -> STATE_MACHINE_ARN;
        };
        boolean valid = pattern.matcher(arn).matches() || kind.equals("resource") && LocalActivities.ARN.matcher(arn).matches();
        if (!valid) {
            throw new Refused("InvalidArn", "Invalid Arn: '" + (arn.startsWith("arn:")
                    ? "Resource type not valid in this context: " + arn
                    : "Invalid ARN prefix: " + arn) + "'");
        }
        return arn;
    }

    private Execution execution(String arn) {
        return engine.execution(arn)
                .orElseThrow(() -> new Refused("ExecutionDoesNotExist", "Execution Does Not Exist: '" + arn + "'"));
    }

    static String required(JsonNode request, String field) {
        if (!request.hasNonNull(field) || request.get(field).asText().isBlank()) {
            throw new Refused("ValidationException", "1 validation error detected: '" + field + "' must not be null");
        }
        return request.get(field).asText();
    }

    static String text(JsonNode request, String field) {
        return request.hasNonNull(field) ? request.get(field).asText() : null;
    }

    static int pageSize(JsonNode request, int fallback) {
        int size = request.path("maxResults").asInt(0);
        if (size < 0 || size > 1000) {
            throw new Refused("ValidationException", "1 validation error detected: Value '" + size + "' at 'maxResults'"
                    + " failed to satisfy constraint: Member must have value " + (size < 0 ? "greater than or equal to 0"
                            : "less than or equal to 1000"));
        }
        return size == 0 ? fallback : size;
    }

    static int offset(JsonNode request) {
        if (!request.hasNonNull("nextToken")) {
            return 0;
        }
        try {
            int offset = Integer.parseInt(new String(Base64.getUrlDecoder().decode(request.get("nextToken").asText()),
                    StandardCharsets.UTF_8));
            if (offset < 0) {
                throw new NumberFormatException("negative");
            }
            return offset;
        } catch (IllegalArgumentException e) {
            throw new Refused("InvalidToken", "the nextToken is not one this endpoint gave");
        }
    }

    static String token(int offset) {
        return Base64.getUrlEncoder().encodeToString(Integer.toString(offset).getBytes(StandardCharsets.UTF_8));
    }

    /** Timestamps travel as epoch seconds with milliseconds, written out plainly (never 1.7E9). */
    static java.math.BigDecimal seconds(Instant instant) {
        return java.math.BigDecimal.valueOf(instant.toEpochMilli()).movePointLeft(3);
    }

    private ObjectNode object() {
        return json.createObjectNode();
    }
}
