package io.sagaline.asl.states;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.sagaline.asl.StatesFailure;
import io.sagaline.asl.query.JsonPaths;
import io.sagaline.asl.query.PayloadTemplate;

/**
 * The JSONPath query language: InputPath, Parameters, ResultSelector, ResultPath and OutputPath, each applied in
 * the order the ASL specification gives, with intrinsic functions in the templates.
 */
record JsonPathQuery(Path inputPath, JsonNode parameters, JsonNode resultSelector, Path resultPath, Path outputPath)
        implements
            Query {

    static JsonPathQuery parse(Definition d, boolean payload, boolean resultSelector, boolean resultPath) {
        return new JsonPathQuery(d.path("InputPath"), payload ? d.template("Parameters") : null,
                resultSelector ? d.template("ResultSelector") : null, resultPath ? d.referencePath("ResultPath") : null,
                d.path("OutputPath"));
    }

    @Override
    public JsonNode effectiveInput(Step s) {
        JsonNode effective = select(s, s.input(), inputPath);
        s.inspect("afterInputPath", effective);
        return effective;
    }

    @Override
    public JsonNode payload(Step s, JsonNode effective) {
        JsonNode payload = parameters == null ? effective : PayloadTemplate.apply(parameters, s.paths().withInput(effective));
        s.inspect("afterParameters", payload);
        return payload;
    }

    @Override
    public JsonNode output(Step s, JsonNode effective) {
        return select(s, effective, outputPath);
    }

    @Override
    public JsonNode result(Step s, JsonNode result, JsonNode assign) {
        s.inspect("result", result);
        JsonNode selected = resultSelector == null ? result
                : PayloadTemplate.apply(resultSelector, s.paths().withInput(result));
        s.inspect("afterResultSelector", selected);
        s.assign(assign(s, assign, result, null, null, "Assign"));
        JsonNode written = write(s.input(), resultPath, selected);
        s.inspect("afterResultPath", written);
        return select(s, written, outputPath);
    }

    @Override
    public JsonNode pass(Step s, JsonNode result, JsonNode assign) {
        return result(s, result != null ? result : payload(s, effectiveInput(s)), assign);
    }

    @Override
    public ObjectNode assign(Step s, JsonNode assign, JsonNode dollar, JsonNode result, JsonNode errorOutput, String field) {
        return assign == null ? null : (ObjectNode) PayloadTemplate.apply(assign, s.paths().withInput(dollar));
    }

    @Override
    public JsonNode setting(Step s, JsonNode value, Path path, JsonNode effective, String field) {
        return path != null ? read(s, effective, path) : value;
    }

    @Override
    public JsonNode caught(Step s, Catcher catcher, ObjectNode errorOutput, String field) {
        return catcher.resultPath() == null ? errorOutput : write(s.input(), catcher.resultPath(), errorOutput);
    }

    @Override
    public boolean recoverable(StatesFailure failure) {
        return StatesFailure.RESULT_PATH_MATCH_FAILURE.equals(failure.error());
    }

    @Override
    public StatesFailure wrong(String message) {
        return StatesFailure.runtime(message);
    }

    /** InputPath or OutputPath: absent keeps the value, null gives {@code {}}, a path selects from it. */
    private static JsonNode select(Step s, JsonNode value, Path path) {
        if (path == null) {
            return value;
        }
        return path.isNull() ? JsonPaths.MAPPER.createObjectNode() : read(s, value, path);
    }

    /** A path of the state (InputPath, OutputPath, ItemsPath, SecondsPath...): selecting nothing is AWS's "Invalid path". */
    private static JsonNode read(Step s, JsonNode value, Path path) {
        try {
            return JsonPaths.read(value, path.value(), s.paths().variables());
        } catch (JsonPaths.NotFound e) {
            throw StatesFailure.runtime("Invalid path '" + path.value() + "' : " + e.detail());
        }
    }

    /** ResultPath: absent gives the result, null the input, a reference path the input with the result placed. */
    private static JsonNode write(JsonNode input, Path resultPath, JsonNode result) {
        if (resultPath == null) {
            return result;
        }
        return resultPath.isNull() ? input : JsonPaths.write(input, resultPath.value(), result);
    }
}
