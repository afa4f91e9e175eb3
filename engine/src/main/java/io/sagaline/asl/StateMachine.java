package io.sagaline.asl;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A parsed and checked ASL definition. What AWS would refuse (unknown fields, missing targets,
 * unreachable states, bad paths, bad Retry/Catch, a branch that leaves its scope, a state name
 * used twice) is refused here, naming the state and field. The branches of a Parallel and the
 * item processor of a Map are state machines of their own, nested in this one; only inline Map
 * is supported (a distributed Map needs S3 and child executions).
 */
public final class StateMachine {

    private static final Set<String> ROOT_FIELDS = Set.of("Comment", "StartAt", "States", "TimeoutSeconds", "Version",
            "QueryLanguage");
    private static final Set<String> BRANCH_FIELDS = Set.of("Comment", "StartAt", "States", "ProcessorConfig");
    private static final Set<String> COMMON = Set.of("Type", "Comment", "QueryLanguage");
    private static final java.util.regex.Pattern VARIABLE_NAME = java.util.regex.Pattern
            .compile("[\\p{L}_][\\p{L}\\p{N}_]{0,79}");
    /** Fields whose values may be JSONata expressions (or hold them, nested) in a JSONata state. */
    private static final List<String> JSONATA_VALUED = List.of("Arguments", "Output", "Items", "ItemSelector", "Seconds",
            "Timestamp", "Error", "Cause", "TimeoutSeconds", "HeartbeatSeconds", "MaxConcurrency", "ToleratedFailureCount",
            "ToleratedFailurePercentage");
    private static final Map<String, Set<String>> JSONATA_FIELDS = Map.of(
            "Pass", Set.of("Next", "End", "Output", "Assign"),
            "Task", Set.of("Next", "End", "Resource", "Arguments", "Output", "Assign", "Retry", "Catch", "TimeoutSeconds",
                    "HeartbeatSeconds", "Credentials"),
            "Choice", Set.of("Choices", "Default", "Output", "Assign"),
            "Wait", Set.of("Next", "End", "Seconds", "Timestamp", "Output", "Assign"),
            "Succeed", Set.of("Output"),
            "Fail", Set.of("Error", "Cause"),
            "Parallel", Set.of("Next", "End", "Branches", "Arguments", "Output", "Assign", "Retry", "Catch"),
            "Map", Set.of("Next", "End", "ItemProcessor", "Iterator", "Items", "ItemSelector", "MaxConcurrency",
                    "ToleratedFailureCount", "ToleratedFailurePercentage", "ItemReader", "ItemBatcher", "ResultWriter",
                    "Label", "Output", "Assign", "Retry", "Catch"));
    private static final Set<String> RETRY_CATCH = Set.of("Retry", "Catch");
    private static final Map<String, Set<String>> FIELDS = Map.of(
            "Pass", Set.of("Next", "End", "InputPath", "OutputPath", "ResultPath", "Parameters", "Result", "Assign"),
            "Task", Set.of("Next", "End", "InputPath", "OutputPath", "ResultPath", "Parameters", "ResultSelector",
                    "Resource", "Retry", "Catch", "TimeoutSeconds", "TimeoutSecondsPath", "HeartbeatSeconds",
                    "HeartbeatSecondsPath", "Credentials", "Assign"),
            "Choice", Set.of("InputPath", "OutputPath", "Choices", "Default", "Assign"),
            "Wait", Set.of("Next", "End", "InputPath", "OutputPath", "Seconds", "Timestamp", "SecondsPath",
                    "TimestampPath", "Assign"),
            "Succeed", Set.of("InputPath", "OutputPath"),
            "Fail", Set.of("Error", "Cause", "ErrorPath", "CausePath"),
            "Parallel", Set.of("Next", "End", "InputPath", "OutputPath", "ResultPath", "Parameters", "ResultSelector",
                    "Branches", "Retry", "Catch", "Assign"),
            "Map", Set.of("Next", "End", "InputPath", "OutputPath", "ResultPath", "Parameters", "ResultSelector",
                    "ItemsPath", "ItemSelector", "ItemProcessor", "Iterator", "MaxConcurrency", "MaxConcurrencyPath",
                    "ToleratedFailureCount", "ToleratedFailureCountPath", "ToleratedFailurePercentage",
                    "ToleratedFailurePercentagePath", "ItemReader", "ItemBatcher", "ResultWriter", "Label", "Retry",
                    "Catch", "Assign"));

    private final String name;
    private final String startAt;
    private final Map<String, JsonNode> states;
    private final JsonNode definition;
    /** The machine's QueryLanguage (JSONPath unless it says JSONata); a state may say otherwise, nested ones inherit this. */
    private final String language;
    /** The nested machines of each Parallel (its branches) and Map (its item processor), by state name. */
    private final Map<String, List<StateMachine>> nested = new HashMap<>();

    private StateMachine(String name, JsonNode definition, String language) {
        this.name = name;
        this.language = language;
        this.definition = definition;
        this.startAt = definition.path("StartAt").asText(null);
        this.states = new LinkedHashMap<>();
        definition.path("States").fields().forEachRemaining(e -> states.put(e.getKey(), e.getValue()));
    }

    public static StateMachine parse(String name, JsonNode definition) {
        StateMachine machine = new StateMachine(name, definition, definition.path("QueryLanguage").asText("JSONPath"));
        machine.validate(null, new HashSet<>());
        machine.checkVariableScopes(Map.of());
        return machine;
    }

    public String name() {
        return name;
    }

    public String startAt() {
        return startAt;
    }

    public JsonNode state(String stateName) {
        return states.get(stateName);
    }

    public JsonNode definition() {
        return definition;
    }

    /** Whether state {@code stateName} uses JSONata (its own QueryLanguage, else the machine's). */
    public boolean jsonata(String stateName) {
        return "JSONata".equals(states.get(stateName).path("QueryLanguage").asText(language));
    }

    /** The branches of Parallel state {@code stateName}, or the one item processor of Map state {@code stateName}. */
    public List<StateMachine> nested(String stateName) {
        return nested.get(stateName);
    }

    /**
     * Checks this scope: the whole machine ({@code parent} null) or a branch / item processor of
     * state {@code parent}. {@code names} collects state names across the whole machine, where
     * each must be unique.
     */
    private void validate(String parent, Set<String> names) {
        if (!definition.isObject()) {
            throw new AslDefinitionException(parent, null, "a definition is a JSON object");
        }
        for (Iterator<String> it = definition.fieldNames(); it.hasNext();) {
            String field = it.next();
            if (!(parent == null ? ROOT_FIELDS : BRANCH_FIELDS).contains(field)) {
                throw new AslDefinitionException(parent, field,
                        parent == null ? "not a field of a state machine" : "not a field of a branch or item processor");
            }
        }
        if (definition.has("TimeoutSeconds") && (!definition.get("TimeoutSeconds").isIntegralNumber()
                || definition.get("TimeoutSeconds").asLong() <= 0)) {
            throw new AslDefinitionException(null, "TimeoutSeconds", "must be a positive integer");
        }
        if (definition.has("QueryLanguage")
                && !Set.of("JSONPath", "JSONata").contains(definition.get("QueryLanguage").asText())) {
            throw new AslDefinitionException(null, "QueryLanguage", "must be JSONPath or JSONata");
        }
        if (!definition.path("States").isObject() || states.isEmpty()) {
            throw new AslDefinitionException(parent, "States", "at least one state is required");
        }
        if (startAt == null || !states.containsKey(startAt)) {
            throw new AslDefinitionException(parent, "StartAt", "'" + startAt + "' is not a state");
        }
        for (String state : states.keySet()) {
            if (!names.add(state)) {
                throw new AslDefinitionException(state, null, "a state name must be unique in the whole state machine");
            }
        }
        states.forEach((state, s) -> validateState(state, s, names));
        Set<String> reachable = reachable();
        for (String state : states.keySet()) {
            if (!reachable.contains(state)) {
                throw new AslDefinitionException(state, null, "the state is not reachable from StartAt");
            }
        }
    }

    private void validateState(String state, JsonNode s, Set<String> names) {
        String type = s.path("Type").asText(null);
        String queryLanguage = s.path("QueryLanguage").asText(language);
        if (!Set.of("JSONPath", "JSONata").contains(queryLanguage)) {
            throw new AslDefinitionException(state, "QueryLanguage", "must be JSONPath or JSONata");
        }
        if ("JSONata".equals(language) && "JSONPath".equals(queryLanguage)) {
            throw new AslDefinitionException(state, "QueryLanguage",
                    "a JSONata state machine cannot have JSONPath states (only the reverse mix is allowed)");
        }
        boolean jsonata = "JSONata".equals(queryLanguage);
        Set<String> allowed = (jsonata ? JSONATA_FIELDS : FIELDS).get(type);
        if (allowed == null) {
            throw new AslDefinitionException(state, "Type", "'" + type + "' is not a state type");
        }
        for (Iterator<String> it = s.fieldNames(); it.hasNext();) {
            String field = it.next();
            if (!allowed.contains(field) && !COMMON.contains(field)) {
                throw new AslDefinitionException(state, field,
                        "not a field of a " + type + " state" + (jsonata ? " that uses JSONata" : ""));
            }
        }
        if (allowed.contains("End")) {
            boolean end = s.path("End").asBoolean(false);
            if (end == s.has("Next")) {
                throw new AslDefinitionException(state, "Next", "exactly one of Next and End: true is required");
            }
            target(state, "Next", s.get("Next"));
        }
        if (jsonata) {
            for (String field : JSONATA_VALUED) {
                if (s.has(field)) {
                    JsonataQueries.validate(state, field, s.get(field));
                }
            }
        } else {
            path(state, s, "InputPath", false);
            path(state, s, "OutputPath", false);
            path(state, s, "ResultPath", true);
            if (s.has("Parameters")) {
                PayloadTemplate.validate(state, "Parameters", s.get("Parameters"));
            }
            if (s.has("ResultSelector")) {
                PayloadTemplate.validate(state, "ResultSelector", s.get("ResultSelector"));
            }
        }
        validateAssign(state, "Assign", s.get("Assign"), jsonata);
        if (s.has("Retry") || s.has("Catch")) {
            validateRetryCatch(state, s, jsonata);
        }
        switch (type) {
            case "Task" -> validateTask(state, s);
            case "Parallel" -> validateParallel(state, s, names);
            case "Map" -> validateMap(state, s, names, jsonata);
            case "Choice" -> validateChoice(state, s, jsonata);
            case "Wait" -> validateWait(state, s, jsonata);
            case "Fail" -> validateFail(state, s);
            default -> {
            }
        }
    }

    private void validateTask(String state, JsonNode s) {
        if (!s.path("Resource").isTextual()) {
            throw new AslDefinitionException(state, "Resource", "a Task needs a Resource URI");
        }
        positiveIntOrExpression(state, s, "TimeoutSeconds");
        if (s.has("TimeoutSeconds") && s.has("TimeoutSecondsPath")) {
            throw new AslDefinitionException(state, "TimeoutSecondsPath", "use either TimeoutSeconds or TimeoutSecondsPath");
        }
        path(state, s, "TimeoutSecondsPath", false);
        positiveIntOrExpression(state, s, "HeartbeatSeconds");
        if (s.has("HeartbeatSeconds") && s.has("HeartbeatSecondsPath")) {
            throw new AslDefinitionException(state, "HeartbeatSecondsPath",
                    "use either HeartbeatSeconds or HeartbeatSecondsPath");
        }
        path(state, s, "HeartbeatSecondsPath", false);
        int timeout = s.path("TimeoutSeconds").isIntegralNumber() ? s.get("TimeoutSeconds").asInt() : Integer.MAX_VALUE;
        if (s.path("HeartbeatSeconds").isIntegralNumber() && s.get("HeartbeatSeconds").asInt() >= timeout) {
            throw new AslDefinitionException(state, "HeartbeatSeconds", "must be smaller than TimeoutSeconds");
        }
    }

    private void validateParallel(String state, JsonNode s, Set<String> names) {
        JsonNode branches = s.path("Branches");
        if (!branches.isArray() || branches.isEmpty()) {
            throw new AslDefinitionException(state, "Branches", "a Parallel needs a non-empty Branches array");
        }
        List<StateMachine> machines = new ArrayList<>();
        for (JsonNode branch : branches) {
            machines.add(nestedMachine(state, branch, names));
        }
        nested.put(state, List.copyOf(machines));
    }

    private void validateMap(String state, JsonNode s, Set<String> names, boolean jsonata) {
        if (s.has("ItemProcessor") == s.has("Iterator")) {
            throw new AslDefinitionException(state, "ItemProcessor", "a Map needs exactly one of ItemProcessor and Iterator");
        }
        if (s.has("ItemSelector") && s.has("Parameters")) {
            throw new AslDefinitionException(state, "ItemSelector", "use either ItemSelector or Parameters");
        }
        JsonNode processor = s.has("ItemProcessor") ? s.get("ItemProcessor") : s.get("Iterator");
        String mode = processor.path("ProcessorConfig").path("Mode").asText("INLINE");
        if (!"INLINE".equals(mode)) {
            throw new AslDefinitionException(state, "ItemProcessor.ProcessorConfig.Mode",
                    "'" + mode + "': only INLINE Map is supported locally; DISTRIBUTED needs S3 and child executions");
        }
        for (String distributed : new String[] { "ItemReader", "ItemBatcher", "ResultWriter", "Label" }) {
            if (s.has(distributed)) {
                throw new AslDefinitionException(state, distributed, "only a DISTRIBUTED Map has " + distributed);
            }
        }
        path(state, s, "ItemsPath", false);
        path(state, s, "MaxConcurrencyPath", false);
        path(state, s, "ToleratedFailureCountPath", false);
        path(state, s, "ToleratedFailurePercentagePath", false);
        if (s.has("ItemSelector") && !jsonata) {
            PayloadTemplate.validate(state, "ItemSelector", s.get("ItemSelector"));
        }
        if (s.has("Items") && !s.get("Items").isArray() && !JsonataQueries.isExpression(s.get("Items"))) {
            throw new AslDefinitionException(state, "Items", "must be an array or a JSONata expression");
        }
        for (String field : new String[] { "MaxConcurrency", "ToleratedFailureCount" }) {
            if (s.has(field) && !JsonataQueries.isExpression(s.get(field))
                    && (!s.get(field).isIntegralNumber() || s.get(field).asLong() < 0)) {
                throw new AslDefinitionException(state, field, "must be a non-negative integer");
            }
            if (s.has(field) && s.has(field + "Path")) {
                throw new AslDefinitionException(state, field + "Path", "use either " + field + " or " + field + "Path");
            }
        }
        JsonNode percentage = s.get("ToleratedFailurePercentage");
        if (percentage != null && !JsonataQueries.isExpression(percentage)
                && (!percentage.isNumber() || percentage.asDouble() < 0 || percentage.asDouble() > 100)) {
            throw new AslDefinitionException(state, "ToleratedFailurePercentage", "must be a number from 0 to 100");
        }
        if (percentage != null && s.has("ToleratedFailurePercentagePath")) {
            throw new AslDefinitionException(state, "ToleratedFailurePercentagePath",
                    "use either ToleratedFailurePercentage or ToleratedFailurePercentagePath");
        }
        nested.put(state, List.of(nestedMachine(state, processor, names)));
    }

    private StateMachine nestedMachine(String state, JsonNode definition, Set<String> names) {
        StateMachine machine = new StateMachine(name, definition, language);
        machine.validate(state, names);
        return machine;
    }

    private void validateRetryCatch(String state, JsonNode s, boolean jsonata) {
        JsonNode retry = s.path("Retry");
        if (s.has("Retry")) {
            if (!retry.isArray()) {
                throw new AslDefinitionException(state, "Retry", "must be an array of retriers");
            }
            for (int i = 0; i < retry.size(); i++) {
                JsonNode r = retry.get(i);
                errorEquals(state, "Retry[" + i + "]", r, i == retry.size() - 1);
                for (Iterator<String> it = r.fieldNames(); it.hasNext();) {
                    String f = it.next();
                    if (!Set.of("ErrorEquals", "IntervalSeconds", "MaxAttempts", "BackoffRate", "MaxDelaySeconds",
                            "JitterStrategy", "Comment").contains(f)) {
                        throw new AslDefinitionException(state, "Retry[" + i + "]." + f, "not a field of a retrier");
                    }
                }
                positiveInt(state, r, "IntervalSeconds");
                positiveInt(state, r, "MaxDelaySeconds");
                if (r.has("MaxAttempts") && (!r.get("MaxAttempts").canConvertToInt() || r.get("MaxAttempts").asInt() < 0)) {
                    throw new AslDefinitionException(state, "Retry[" + i + "].MaxAttempts", "must be a non-negative integer");
                }
                if (r.has("BackoffRate") && (!r.get("BackoffRate").isNumber() || r.get("BackoffRate").asDouble() < 1.0)) {
                    throw new AslDefinitionException(state, "Retry[" + i + "].BackoffRate", "must be a number >= 1.0");
                }
                if (r.has("JitterStrategy") && !Set.of("FULL", "NONE").contains(r.get("JitterStrategy").asText())) {
                    throw new AslDefinitionException(state, "Retry[" + i + "].JitterStrategy", "must be FULL or NONE");
                }
            }
        }
        JsonNode katch = s.path("Catch");
        if (s.has("Catch")) {
            if (!katch.isArray()) {
                throw new AslDefinitionException(state, "Catch", "must be an array of catchers");
            }
            for (int i = 0; i < katch.size(); i++) {
                JsonNode c = katch.get(i);
                errorEquals(state, "Catch[" + i + "]", c, i == katch.size() - 1);
                if (!c.has("Next")) {
                    throw new AslDefinitionException(state, "Catch[" + i + "].Next", "a catcher needs a Next");
                }
                target(state, "Catch[" + i + "].Next", c.get("Next"));
                for (Iterator<String> it = c.fieldNames(); it.hasNext();) {
                    String f = it.next();
                    if (!Set.of("ErrorEquals", "Next", "Assign", "Comment", jsonata ? "Output" : "ResultPath").contains(f)) {
                        throw new AslDefinitionException(state, "Catch[" + i + "]." + f,
                                "not a field of a catcher" + (jsonata ? " in a JSONata state" : ""));
                    }
                }
                if (jsonata) {
                    if (c.has("Output")) {
                        JsonataQueries.validate(state, "Catch[" + i + "].Output", c.get("Output"));
                    }
                } else {
                    path(state, c, "ResultPath", true);
                }
                validateAssign(state, "Catch[" + i + "].Assign", c.get("Assign"), jsonata);
            }
        }
    }

    private void validateChoice(String state, JsonNode s, boolean jsonata) {
        JsonNode choices = s.path("Choices");
        if (!choices.isArray() || choices.isEmpty()) {
            throw new AslDefinitionException(state, "Choices", "a Choice needs a non-empty Choices array");
        }
        for (int i = 0; i < choices.size(); i++) {
            JsonNode rule = choices.get(i);
            String field = "Choices[" + i + "]";
            if (jsonata) {
                for (Iterator<String> it = rule.fieldNames(); it.hasNext();) {
                    String f = it.next();
                    if (!Set.of("Condition", "Next", "Output", "Assign", "Comment").contains(f)) {
                        throw new AslDefinitionException(state, field + "." + f, "not a field of a JSONata choice rule");
                    }
                }
                JsonNode condition = rule.get("Condition");
                if (condition == null || !condition.isBoolean() && !JsonataQueries.isExpression(condition)) {
                    throw new AslDefinitionException(state, field + ".Condition",
                            "a JSONata choice rule needs a Condition: true, false or a JSONata expression");
                }
                if (!rule.path("Next").isTextual()) {
                    throw new AslDefinitionException(state, field + ".Next", "every choice rule needs a Next");
                }
                JsonataQueries.validate(state, field + ".Condition", condition);
                if (rule.has("Output")) {
                    JsonataQueries.validate(state, field + ".Output", rule.get("Output"));
                }
            } else {
                ChoiceRules.validate(state, rule, true);
            }
            validateAssign(state, field + ".Assign", rule.get("Assign"), jsonata);
            target(state, field + ".Next", rule.get("Next"));
        }
        if (s.has("Default")) {
            target(state, "Default", s.get("Default"));
        }
    }

    private static void validateWait(String state, JsonNode s, boolean jsonata) {
        int kinds = 0;
        for (String f : new String[] { "Seconds", "Timestamp", "SecondsPath", "TimestampPath" }) {
            kinds += s.has(f) ? 1 : 0;
        }
        if (kinds != 1) {
            throw new AslDefinitionException(state, "Seconds",
                    "a Wait needs exactly one of Seconds, Timestamp, SecondsPath, TimestampPath");
        }
        if (s.has("Seconds") && !(jsonata && JsonataQueries.isExpression(s.get("Seconds")))
                && (!s.get("Seconds").isIntegralNumber() || !s.get("Seconds").canConvertToLong()
                        || s.get("Seconds").asLong() < 0)) {
            throw new AslDefinitionException(state, "Seconds", "must be a non-negative integer");
        }
    }

    private static void validateFail(String state, JsonNode s) {
        if (s.has("Error") && s.has("ErrorPath") || s.has("Cause") && s.has("CausePath")) {
            throw new AslDefinitionException(state, "Error", "use either Error or ErrorPath, Cause or CausePath");
        }
    }

    /** Assign: a JSON object of variables, each named as AWS allows ({@code states} is reserved). */
    private static void validateAssign(String state, String field, JsonNode assign, boolean jsonata) {
        if (assign == null) {
            return;
        }
        if (!assign.isObject()) {
            throw new AslDefinitionException(state, field, "must be a JSON object of variables");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = assign.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> variable = it.next();
            String name = variableName(variable.getKey(), jsonata);
            if (!VARIABLE_NAME.matcher(name).matches() || "states".equals(name)) {
                throw new AslDefinitionException(state, field + "." + variable.getKey(),
                        "'" + name
                                + "' is not a variable name (a letter or _ then letters, digits or _, at most 80; not 'states')");
            }
            if (jsonata) {
                JsonataQueries.validate(state, field + "/" + name, variable.getValue());
            }
        }
        if (!jsonata) {
            PayloadTemplate.validate(state, field, assign);
        }
    }

    private static String variableName(String key, boolean jsonata) {
        return !jsonata && key.endsWith(".$") ? key.substring(0, key.length() - 2) : key;
    }

    /** The variables this scope's states assign, each with the state that assigns it. */
    private Map<String, String> assignedNames() {
        Map<String, String> assigned = new HashMap<>();
        states.forEach((state, s) -> {
            boolean jsonata = jsonata(state);
            List<JsonNode> assigns = new ArrayList<>();
            assigns.add(s.get("Assign"));
            s.path("Choices").forEach(rule -> assigns.add(rule.get("Assign")));
            s.path("Catch").forEach(catcher -> assigns.add(catcher.get("Assign")));
            for (JsonNode assign : assigns) {
                if (assign != null) {
                    assign.fieldNames().forEachRemaining(key -> assigned.put(variableName(key, jsonata), state));
                }
            }
        });
        return assigned;
    }

    /**
     * A branch or iteration may read the variables of the scopes around it but not assign one of
     * their names: inner and outer variable names must differ.
     */
    private void checkVariableScopes(Map<String, String> outer) {
        Map<String, String> visible = new HashMap<>(outer);
        Map<String, String> mine = assignedNames();
        mine.forEach((variable, state) -> {
            if (outer.containsKey(variable)) {
                throw new AslDefinitionException(state, "Assign", "'" + variable
                        + "' is a variable of an enclosing scope (state '" + outer.get(variable)
                        + "'); an inner scope may read it, not assign it");
            }
        });
        visible.putAll(mine);
        nested.values().forEach(machines -> machines.forEach(m -> m.checkVariableScopes(visible)));
    }

    private static void positiveIntOrExpression(String state, JsonNode s, String field) {
        if (!JsonataQueries.isExpression(s.get(field))) {
            positiveInt(state, s, field);
        }
    }

    private static void errorEquals(String state, String field, JsonNode node, boolean last) {
        JsonNode errors = node.path("ErrorEquals");
        if (!errors.isArray() || errors.isEmpty()) {
            throw new AslDefinitionException(state, field + ".ErrorEquals", "a non-empty array of error names is required");
        }
        for (JsonNode e : errors) {
            if (!e.isTextual()) {
                throw new AslDefinitionException(state, field + ".ErrorEquals", "error names are strings");
            }
            if (StatesFailure.ALL.equals(e.asText()) && (errors.size() != 1 || !last)) {
                throw new AslDefinitionException(state, field + ".ErrorEquals",
                        "States.ALL must appear alone, in the last retrier or catcher");
            }
        }
    }

    private void target(String state, String field, JsonNode next) {
        if (next != null && (!next.isTextual() || !states.containsKey(next.asText()))) {
            throw new AslDefinitionException(state, field, "'" + (next == null ? null : next.asText()) + "' is not a state");
        }
    }

    private static void path(String state, JsonNode s, String field, boolean reference) {
        if (!s.has(field) || s.get(field).isNull()) {
            return;
        }
        String path = s.get(field).asText();
        boolean ok = reference ? JsonPaths.referenceSteps(path) != null : JsonPaths.isValidPath(path);
        if (!s.get(field).isTextual() || !ok) {
            throw new AslDefinitionException(state, field,
                    "'" + path + "' is not a valid " + (reference ? "reference path" : "path"));
        }
    }

    private static void positiveInt(String state, JsonNode s, String field) {
        if (s.has(field)
                && (!s.get(field).canConvertToInt() || !s.get(field).isIntegralNumber() || s.get(field).asInt() <= 0)) {
            throw new AslDefinitionException(state, field, "must be a positive integer");
        }
    }

    private Set<String> reachable() {
        Set<String> seen = new HashSet<>();
        Deque<String> todo = new ArrayDeque<>();
        todo.push(startAt);
        while (!todo.isEmpty()) {
            String current = todo.pop();
            if (!seen.add(current)) {
                continue;
            }
            JsonNode s = states.get(current);
            if (s.has("Next")) {
                todo.push(s.get("Next").asText());
            }
            if (s.has("Default")) {
                todo.push(s.get("Default").asText());
            }
            s.path("Catch").forEach(c -> todo.push(c.path("Next").asText()));
            s.path("Choices").forEach(c -> todo.push(c.path("Next").asText()));
        }
        return seen;
    }
}
