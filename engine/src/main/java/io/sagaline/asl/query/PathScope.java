package io.sagaline.asl.query;

import java.util.function.Function;

import com.fasterxml.jackson.databind.JsonNode;

import io.sagaline.asl.StatesFailure;

/**
 * What a JSONPath expression of a state reads: {@code $} its input (or, in ResultSelector, the result), {@code $$}
 * the context object, {@code $name} a variable in scope. Passed explicitly to every path, template, intrinsic
 * function and choice rule, so that nothing is read from the thread.
 */
public record PathScope(JsonNode input, JsonNode context, Function<String, JsonNode> variables) {

    /** No variables: a variable path is then an error, as an unassigned variable is. */
    public static final Function<String, JsonNode> NO_VARIABLES = name -> null;

    public PathScope withInput(JsonNode input) {
        return new PathScope(input, context, variables);
    }

    public PathScope withContext(JsonNode context) {
        return new PathScope(input, context, variables);
    }

    /** An intrinsic function's value, or what a path selects from the context object, a variable or the input. */
    public JsonNode resolve(String expression) {
        if (Intrinsics.isCall(expression)) {
            return Intrinsics.evaluate(expression, this);
        }
        if (expression.startsWith("$$")) {
            return JsonPaths.read(context, expression.substring(1), variables);
        }
        if (expression.startsWith("$")) {
            return JsonPaths.read(input, expression, variables);
        }
        throw StatesFailure.runtime("'" + expression + "' is neither a path nor an intrinsic function");
    }

    /** What {@code path} selects from the input (or the context object, or a variable). */
    public JsonNode read(String path) {
        return resolve(path);
    }

    /** Whether {@code path} selects anything (Choice's IsPresent). */
    public boolean present(String path) {
        try {
            resolve(path);
            return true;
        } catch (StatesFailure e) {
            return false;
        }
    }
}
