package io.sagaline.asl.states;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.sagaline.asl.StatesFailure;
import io.sagaline.asl.query.JsonataQueries;

/** The JSONata query language: Arguments and Output, {@code {% %}} expressions over {@code $states} and the variables. */
record JsonataQuery(JsonNode arguments, JsonNode output) implements Query {

    static JsonataQuery parse(Definition d, boolean payload) {
        return new JsonataQuery(payload ? d.expression("Arguments") : null, d.expression("Output"));
    }

    @Override
    public JsonNode effectiveInput(Step s) {
        return s.input();
    }

    @Override
    public JsonNode payload(Step s, JsonNode effective) {
        JsonNode payload = arguments == null ? s.input() : JsonataQueries.evaluate(arguments, s.bindings(), "Arguments");
        s.inspect("afterArguments", payload);
        return payload;
    }

    @Override
    public JsonNode output(Step s, JsonNode effective) {
        return output == null ? s.input() : JsonataQueries.evaluate(output, s.bindings(), "Output");
    }

    @Override
    public JsonNode result(Step s, JsonNode result, JsonNode assign) {
        s.inspect("result", result);
        JsonNode out = output == null ? result : JsonataQueries.evaluate(output, s.bindings().withResult(result), "Output");
        s.assign(assign(s, assign, null, result, null, "Assign"));
        return out;
    }

    @Override
    public JsonNode pass(Step s, JsonNode result, JsonNode assign) {
        s.assign(assign(s, assign, null, null, null, "Assign"));
        return output(s, s.input());
    }

    @Override
    public ObjectNode assign(Step s, JsonNode assign, JsonNode dollar, JsonNode result, JsonNode errorOutput, String field) {
        if (assign == null) {
            return null;
        }
        JsonataQueries.Bindings b = s.bindings();
        b = result == null ? b : b.withResult(result);
        b = errorOutput == null ? b : b.withErrorOutput(errorOutput);
        return (ObjectNode) JsonataQueries.evaluate(assign, b, field);
    }

    @Override
    public JsonNode setting(Step s, JsonNode value, Path path, JsonNode effective, String field) {
        return value == null ? null : JsonataQueries.evaluate(value, s.bindings(), field);
    }

    @Override
    public JsonNode caught(Step s, Catcher catcher, ObjectNode errorOutput, String field) {
        return catcher.output() == null ? errorOutput
                : JsonataQueries.evaluate(catcher.output(), s.bindings().withErrorOutput(errorOutput), field);
    }

    @Override
    public boolean recoverable(StatesFailure failure) {
        return true;
    }

    @Override
    public StatesFailure wrong(String message) {
        return StatesFailure.inState(JsonataQueries.QUERY_EVALUATION_ERROR, message);
    }
}
