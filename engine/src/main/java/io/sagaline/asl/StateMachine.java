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

import io.sagaline.asl.states.Definition;
import io.sagaline.asl.states.State;

/**
 * A state machine, parsed once into its states ({@link State} and its types) and checked as AWS checks a
 * definition at creation: unknown fields, missing targets, unreachable states, bad paths and expressions, bad
 * Retry and Catch, a state name used twice, a variable an inner scope assigns that an outer one has. Each refusal
 * names the state and field. The branches of a Parallel and the item processor of a Map are state machines of
 * their own, nested in this one. Immutable: one parsed machine serves every execution of it.
 */
public final class StateMachine {

    private static final Set<String> ROOT_FIELDS = Set.of("Comment", "StartAt", "States", "TimeoutSeconds", "Version",
            "QueryLanguage");
    private static final Set<String> BRANCH_FIELDS = Set.of("Comment", "StartAt", "States", "ProcessorConfig");

    private final String name;
    private final String startAt;
    private final Map<String, State> states;
    private final JsonNode definition;
    private final Long timeoutSeconds;
    private final String pointer;

    /**
     * @param pointer where this machine is in the whole definition: "" for the top, {@code /States/P/Branches/0} for
     *        a branch, {@code /States/M/ItemProcessor} for an item processor
     */
    private StateMachine(String name, JsonNode definition, String pointer, String language, Set<String> names) {
        this.name = name;
        this.definition = definition;
        this.pointer = pointer;
        boolean top = pointer.isEmpty();
        if (!definition.isObject()) {
            throw new AslDefinitionException(AslDefinitionException.SCHEMA_VALIDATION_FAILED, pointer,
                    "a definition is a JSON object");
        }
        for (Iterator<String> it = definition.fieldNames(); it.hasNext();) {
            String field = it.next();
            if (!(top ? ROOT_FIELDS : BRANCH_FIELDS).contains(field)) {
                throw new AslDefinitionException(AslDefinitionException.SCHEMA_VALIDATION_FAILED, pointer,
                        "Field '" + field + "' is not supported");
            }
        }
        JsonNode timeout = definition.get("TimeoutSeconds");
        if (timeout != null && (!timeout.isIntegralNumber() || timeout.asLong() <= 0)) {
            throw new AslDefinitionException(AslDefinitionException.SCHEMA_VALIDATION_FAILED, "/TimeoutSeconds",
                    "must be a positive integer");
        }
        this.timeoutSeconds = timeout == null ? null : timeout.asLong();
        if (definition.has("QueryLanguage")
                && !Set.of("JSONPath", "JSONata").contains(definition.get("QueryLanguage").asText())) {
            throw new AslDefinitionException(AslDefinitionException.SCHEMA_VALIDATION_FAILED, "/QueryLanguage",
                    "must be JSONPath or JSONata");
        }
        List<String> required = new ArrayList<>();
        for (String field : List.of("States", "StartAt")) { // in AWS's order: [States, StartAt]
            if (!definition.has(field)) {
                required.add(field);
            }
        }
        if (!required.isEmpty()) {
            throw new AslDefinitionException(AslDefinitionException.SCHEMA_VALIDATION_FAILED, pointer,
                    "These fields are required: " + required);
        }
        JsonNode json = definition.path("States");
        if (!json.isObject() || json.isEmpty()) {
            throw new AslDefinitionException(AslDefinitionException.SCHEMA_VALIDATION_FAILED, pointer + "/States",
                    "at least one state is required");
        }
        this.startAt = definition.path("StartAt").asText(null);
        if (!json.has(startAt)) {
            throw new AslDefinitionException(AslDefinitionException.MISSING_TRANSITION_TARGET, pointer + "/StartAt",
                    "Missing 'Next' target: " + startAt);
        }
        Set<String> scope = new HashSet<>();
        json.fieldNames().forEachRemaining(state -> {
            if (!names.add(state)) {
                throw new AslDefinitionException(AslDefinitionException.SCHEMA_VALIDATION_FAILED, pointer + "/States/" + state,
                        "a state name must be unique in the whole state machine");
            }
            scope.add(state);
        });
        Map<String, State> parsed = new LinkedHashMap<>();
        json.fields().forEachRemaining(e -> {
            String at = pointer + "/States/" + e.getKey();
            parsed.put(e.getKey(), State.parse(new Definition(e.getKey(), at, e.getValue(), language, scope,
                    (where, nested) -> new StateMachine(name, nested, at + "/" + where, language, names))));
        });
        this.states = Map.copyOf(parsed);
        if (parsed.values().stream().noneMatch(State::terminal)) {
            throw new AslDefinitionException(AslDefinitionException.MISSING_END_STATE, pointer,
                    "Workflow has no terminal state");
        }
        Set<String> reachable = reachable();
        for (String state : parsed.keySet()) {
            if (!reachable.contains(state)) {
                throw new AslDefinitionException(AslDefinitionException.MISSING_TRANSITION_TARGET, pointer + "/States/" + state,
                        "State \"" + state + "\" is not reachable.");
            }
        }
    }

    /** Parses and checks {@code definition}. */
    public static StateMachine parse(String name, JsonNode definition) {
        StateMachine machine = new StateMachine(name, definition, "", definition.path("QueryLanguage").asText("JSONPath"),
                new HashSet<>());
        machine.checkVariableScopes(Map.of());
        return machine;
    }

    public String name() {
        return name;
    }

    public String startAt() {
        return startAt;
    }

    /** The state named {@code stateName}, of this machine (not of its nested ones); null when it has none. */
    public State state(String stateName) {
        return states.get(stateName);
    }

    /** The definition as written (what DescribeStateMachine answers and a store keeps). */
    public JsonNode definition() {
        return definition;
    }

    /** The machine's TimeoutSeconds, or null. */
    public Long timeoutSeconds() {
        return timeoutSeconds;
    }

    private Set<String> reachable() {
        Set<String> seen = new HashSet<>();
        Deque<String> todo = new ArrayDeque<>();
        todo.push(startAt);
        while (!todo.isEmpty()) {
            String current = todo.pop();
            if (seen.add(current)) {
                states.get(current).successors().forEach(todo::push);
            }
        }
        return seen;
    }

    /**
     * A branch or iteration may read the variables of the scopes around it but not assign one of their names:
     * inner and outer variable names must differ.
     */
    private void checkVariableScopes(Map<String, String> outer) {
        Map<String, String> mine = new HashMap<>();
        states.values().forEach(state -> state.assignedVariables().forEach(variable -> mine.put(variable, state.name())));
        mine.forEach((variable, state) -> {
            if (outer.containsKey(variable)) {
                throw new AslDefinitionException(AslDefinitionException.SCHEMA_VALIDATION_FAILED,
                        pointer + "/States/" + state + "/Assign", "'" + variable
                                + "' is a variable of an enclosing scope (state '" + outer.get(variable)
                                + "'); an inner scope may read it, not assign it");
            }
        });
        Map<String, String> visible = new HashMap<>(outer);
        visible.putAll(mine);
        states.values().forEach(state -> state.nested().forEach(m -> m.checkVariableScopes(visible)));
    }

    /** Every state of this machine, by name. */
    public Map<String, State> states() {
        return states;
    }
}
