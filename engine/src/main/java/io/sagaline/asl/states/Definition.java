package io.sagaline.asl.states;

import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;

import io.sagaline.asl.AslDefinitionException;
import io.sagaline.asl.StateMachine;
import io.sagaline.asl.StatesFailure;
import io.sagaline.asl.query.JsonPaths;
import io.sagaline.asl.query.JsonataQueries;
import io.sagaline.asl.query.PayloadTemplate;

/**
 * One state's definition while it is parsed: its JSON, its name, the query language it uses, the states its
 * transitions may name (those of its own scope), and how a nested machine (a Parallel's branch, a Map's item
 * processor) is parsed. The checks AWS makes at creation are made through here, each naming the state and field.
 */
public final class Definition {

    private static final Pattern VARIABLE_NAME = Pattern.compile("[\\p{L}_][\\p{L}\\p{N}_]{0,79}");
    private static final Set<String> COMMON = Set.of("Type", "Comment", "QueryLanguage");

    final String state;
    /** Where the state is in the whole definition, as a JSON pointer ({@code /States/P/Branches/0/States/Work}). */
    final String pointer;
    final JsonNode json;
    final boolean jsonata;
    private final Set<String> scope;
    private final BiFunction<String, JsonNode, StateMachine> nested;

    /**
     * @param machineLanguage the QueryLanguage of the machine (JSONPath or JSONata), which a state may change
     *        from JSONPath to JSONata only
     * @param scope the names of the states of this state's scope, which its transitions may name
     * @param pointer where the state is in the whole definition, as a JSON pointer
     * @param nested parses a nested machine of this state: (where it is under the state, e.g. {@code Branches/0},
     *        definition) to the machine
     */
    public Definition(String state, String pointer, JsonNode json, String machineLanguage, Set<String> scope,
            BiFunction<String, JsonNode, StateMachine> nested) {
        this.state = state;
        this.pointer = pointer;
        this.json = json;
        this.scope = scope;
        this.nested = nested;
        String language = json.path("QueryLanguage").asText(machineLanguage);
        if (!Set.of("JSONPath", "JSONata").contains(language)) {
            throw refused("QueryLanguage", "must be JSONPath or JSONata");
        }
        if ("JSONata".equals(machineLanguage) && "JSONPath".equals(language)) {
            throw refusedState("'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine");
        }
        this.jsonata = "JSONata".equals(language);
    }

    /** {@code field} (a path under the state: {@code Retry[0].BackoffRate}) is wrong: AWS's SCHEMA_VALIDATION_FAILED there. */
    public AslDefinitionException refused(String field, String problem) {
        return new AslDefinitionException(AslDefinitionException.SCHEMA_VALIDATION_FAILED,
                AslDefinitionException.pointer(pointer, field), problem);
    }

    /** The state as a whole is wrong (a field it may not have, a query language it may not use). */
    AslDefinitionException refusedState(String problem) {
        return new AslDefinitionException(AslDefinitionException.SCHEMA_VALIDATION_FAILED, pointer, problem);
    }

    boolean has(String field) {
        return json.has(field);
    }

    JsonNode get(String field) {
        return json.get(field);
    }

    /** The nested machine at {@code where} under this state ({@code Branches/0}, {@code ItemProcessor}). */
    StateMachine nested(String where, JsonNode definition) {
        return nested.apply(where, definition);
    }

    /**
     * Every field is one of those a {@code type} state has in its query language (or Type, Comment,
     * QueryLanguage); returns this definition, for the state's constructor to go on with.
     */
    Definition only(String type, Set<String> jsonPathFields, Set<String> jsonataFields) {
        Set<String> allowed = jsonata ? jsonataFields : jsonPathFields;
        for (Iterator<String> it = json.fieldNames(); it.hasNext();) {
            String field = it.next();
            if (!allowed.contains(field) && !COMMON.contains(field)) {
                throw refusedState(jsonata || !jsonataFields.contains(field) ? "Field '" + field + "' is not supported"
                        : "The QueryLanguage is set to 'JSONPath', but field '" + field
                                + "' is only supported for the 'JSONata' QueryLanguage");
            }
        }
        return this;
    }

    /** {@code field}'s value names a state of this scope (or is absent). */
    String target(String field, JsonNode next) {
        if (next == null) {
            return null;
        }
        if (!next.isTextual() || !scope.contains(next.asText())) {
            throw new AslDefinitionException(AslDefinitionException.MISSING_TRANSITION_TARGET,
                    AslDefinitionException.pointer(pointer, field),
                    "Missing '" + lastStep(field) + "' target: " + next.asText());
        }
        return next.asText();
    }

    /** A path field (InputPath, ItemsPath, ...): absent, null or a valid path. */
    Path path(String field) {
        return path(json, field, false);
    }

    /** A reference path field (ResultPath): absent, null or a path that can also be written. */
    Path referencePath(String field) {
        return path(json, field, true);
    }

    Path path(JsonNode holder, String field, boolean reference) {
        if (!holder.has(field)) {
            return null;
        }
        JsonNode value = holder.get(field);
        if (value.isNull()) {
            return Path.NULL;
        }
        String path = value.asText();
        boolean ok = value.isTextual()
                && (reference ? JsonPaths.referenceSteps(path) != null : JsonPaths.isValidPath(path));
        if (!ok) {
            throw new AslDefinitionException(AslDefinitionException.SCHEMA_VALIDATION_FAILED,
                    AslDefinitionException.pointer(pointer, field), "Value must be a valid JSONPath.",
                    "'" + path + "' is not a valid " + (reference ? "reference path" : "path"));
        }
        return new Path(path);
    }

    /** A Parameters, ResultSelector or ItemSelector template: every {@code .$} value a path or intrinsic function. */
    JsonNode template(String field) {
        if (json.has(field)) {
            PayloadTemplate.validate(pointer, field, json.get(field));
        }
        return json.get(field);
    }

    /** A JSONata field: every {@code {% %}} in it compiles. */
    JsonNode expression(String field) {
        return expression(field, json.get(field));
    }

    /** {@code value} of {@code field}, checked as a JSONata field in a JSONata state (unchecked in JSONPath). */
    JsonNode expression(String field, JsonNode value) {
        if (value != null && jsonata) {
            JsonataQueries.validate(pointer, field, value);
        }
        return value;
    }

    boolean isExpression(String field) {
        return JsonataQueries.isExpression(json.get(field));
    }

    /** The state's {@code field}: a positive integer (or, in JSONata, an expression); null when absent. */
    JsonNode positiveIntOrExpression(String field) {
        JsonNode value = json.get(field);
        if (!(jsonata && JsonataQueries.isExpression(value))) {
            positiveInt(json, field);
        }
        return value;
    }

    /** {@code holder}'s {@code field}, when present, is a positive integer. */
    void positiveInt(JsonNode holder, String field) {
        JsonNode value = holder.get(field);
        if (value != null && (!value.canConvertToInt() || !value.isIntegralNumber() || value.asInt() <= 0)) {
            throw refused(field, "must be a positive integer");
        }
    }

    /** At most one of {@code field} and {@code field + "Path"}. */
    void eitherOr(String field) {
        if (json.has(field) && json.has(field + "Path")) {
            throw refused(field + "Path", "use either " + field + " or " + field + "Path");
        }
    }

    /** Assign: a JSON object of variables, each named as AWS allows ({@code states} is reserved). */
    JsonNode assign(String field, JsonNode assign) {
        if (assign == null) {
            return null;
        }
        if (!assign.isObject()) {
            throw refused(field, "must be a JSON object of variables");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = assign.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> variable = it.next();
            String name = variableName(variable.getKey());
            if (!VARIABLE_NAME.matcher(name).matches() || "states".equals(name)) {
                throw refused(field + "." + variable.getKey(), "'" + name
                        + "' is not a variable name (a letter or _ then letters, digits or _, at most 80; not 'states')");
            }
            if (jsonata) {
                JsonataQueries.validate(pointer, field + "/" + name, variable.getValue());
            }
        }
        if (!jsonata) {
            PayloadTemplate.validate(pointer, field, assign);
        }
        return assign;
    }

    /** The last step of a field path: {@code Catch[0].Next} is {@code Next}. */
    private static String lastStep(String field) {
        int dot = field.lastIndexOf('.');
        return dot < 0 ? field : field.substring(dot + 1);
    }

    /** A variable's name as an Assign key gives it: {@code "name.$"} in JSONPath is {@code name}. */
    String variableName(String key) {
        return !jsonata && key.endsWith(".$") ? key.substring(0, key.length() - 2) : key;
    }

    /** ErrorEquals of a retrier or catcher: non-empty strings, States.ALL alone and in the last one. */
    java.util.List<String> errorEquals(String field, JsonNode holder, boolean last) {
        JsonNode errors = holder.path("ErrorEquals");
        if (!errors.isArray() || errors.isEmpty()) {
            throw refused(field + ".ErrorEquals", "a non-empty array of error names is required");
        }
        java.util.List<String> names = new java.util.ArrayList<>();
        for (JsonNode e : errors) {
            if (!e.isTextual()) {
                throw refused(field + ".ErrorEquals", "error names are strings");
            }
            if (StatesFailure.ALL.equals(e.asText()) && (errors.size() != 1 || !last)) {
                throw refused(field + ".ErrorEquals", "States.ALL must appear alone, in the last retrier or catcher");
            }
            names.add(e.asText());
        }
        return java.util.List.copyOf(names);
    }
}
