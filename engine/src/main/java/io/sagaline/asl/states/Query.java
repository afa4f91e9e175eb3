package io.sagaline.asl.states;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.sagaline.asl.StatesFailure;

/**
 * A state's query language, with the fields of it the state has: how the state reads its input and shapes its
 * output. Chosen once per state when the definition is parsed (its QueryLanguage, else its machine's), so that
 * the states themselves are written once for both languages.
 */
public sealed interface Query permits JsonPathQuery, JsonataQuery {

    /** The language's fields of a state whose type has a payload (Parameters or Arguments), a ResultSelector, a ResultPath. */
    static Query parse(Definition d, boolean payload, boolean resultSelector, boolean resultPath) {
        return d.jsonata ? JsonataQuery.parse(d, payload) : JsonPathQuery.parse(d, payload, resultSelector, resultPath);
    }

    /** The input the state works on: InputPath applied (JSONPath), the raw input (JSONata). */
    JsonNode effectiveInput(Step s);

    /** What a Task is given, or each branch of a Parallel: Parameters over the effective input, or Arguments. */
    JsonNode payload(Step s, JsonNode effective);

    /** The output of a state without a result (Choice, Wait, Succeed): OutputPath, or Output. */
    JsonNode output(Step s, JsonNode effective);

    /**
     * The output of a state with a result (Task, Parallel, Map, a Pass's Result), and its Assign: ResultSelector,
     * Assign, ResultPath and OutputPath in JSONPath; Output and Assign with {@code $states.result} in JSONata.
     */
    JsonNode result(Step s, JsonNode result, JsonNode assign);

    /** A Pass state's output and Assign: its Result (or Parameters) placed by ResultPath in JSONPath; Output in JSONata. */
    JsonNode pass(Step s, JsonNode result, JsonNode assign);

    /**
     * Assign's values: a template over {@code dollar} (JSONPath), or expressions seeing {@code result} and
     * {@code errorOutput} as {@code $states.result} and {@code $states.errorOutput} (JSONata). Null without Assign.
     */
    ObjectNode assign(Step s, JsonNode assign, JsonNode dollar, JsonNode result, JsonNode errorOutput, String field);

    /**
     * A setting such as TimeoutSeconds or MaxConcurrency: in JSONata its literal or expression; in JSONPath its
     * literal, or what its {@code ...Path} form selects from {@code effective}. Null when the state has neither.
     */
    JsonNode setting(Step s, JsonNode value, Path path, JsonNode effective, String field);

    /** A catcher's output: its ResultPath over the input (JSONPath), or its Output (JSONata); else the error output. */
    JsonNode caught(Step s, Catcher catcher, ObjectNode errorOutput, String field);

    /** Whether a failure of the state's own fields is the state's (so that its Retry and Catch apply). */
    boolean recoverable(StatesFailure failure);

    /** A value of the wrong kind where a field needs a number or a string. */
    StatesFailure wrong(String message);
}
