package io.sagaline.asl.states;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

import io.sagaline.asl.StateMachine;

/**
 * A state of a state machine, parsed and checked once: its name, its type, its query language with that
 * language's fields, where it goes next, and what it assigns. Each type of the ASL specification is a class of its
 * own ({@link PassState}, {@link TaskState}, {@link ChoiceState}, {@link WaitState}, {@link SucceedState},
 * {@link FailState}, {@link ParallelState}, {@link MapState}); {@link #run} is its behaviour, written against
 * the {@link Step} the interpreter gives it.
 */
public abstract sealed class State permits PassState, ChoiceState, WaitState, SucceedState, FailState, Recoverable {

    private final String name;
    final Query query;
    /** Next or End; null for a Choice, Succeed or Fail state. */
    final Transition transition;
    /** The state's Assign (null without one). */
    final JsonNode assign;

    State(Definition d, Query query, Transition transition) {
        this.name = d.state;
        this.query = query;
        this.transition = transition;
        this.assign = d.assign("Assign", d.get("Assign"));
    }

    /** Parses the state {@code d} describes, checking what AWS checks at creation. */
    public static State parse(Definition d) {
        String type = d.json.path("Type").asText(null);
        if (type == null) {
            throw d.refused("Type", "'null' is not a state type");
        }
        return switch (type) {
            case "Pass" -> new PassState(d);
            case "Task" -> new TaskState(d);
            case "Choice" -> new ChoiceState(d);
            case "Wait" -> new WaitState(d);
            case "Succeed" -> new SucceedState(d);
            case "Fail" -> new FailState(d);
            case "Parallel" -> new ParallelState(d);
            case "Map" -> new MapState(d);
            default -> throw d.refused("Type", "'" + type + "' is not a state type");
        };
    }

    public String name() {
        return name;
    }

    /** The state's Type, as the history names it ({@code TaskStateEntered}). */
    public abstract String type();

    /** Runs the state: how long to wait before running it again, null once it has moved on, or Step.SUSPENDED. */
    public abstract Duration run(Step step);

    /** Whether the state may end its scope: End: true, or a Succeed or Fail state. */
    public boolean terminal() {
        return transition != null ? transition.end() : !(this instanceof ChoiceState);
    }

    /** The states it may go to next. */
    public List<String> successors() {
        List<String> next = new ArrayList<>();
        if (transition != null && transition.next() != null) {
            next.add(transition.next());
        }
        return next;
    }

    /** Every Assign of the state: its own, its choice rules', its catchers'. */
    public List<JsonNode> assigns() {
        List<JsonNode> assigns = new ArrayList<>();
        if (assign != null) {
            assigns.add(assign);
        }
        return assigns;
    }

    /** The names of the variables it assigns ({@code "name.$"} in JSONPath assigns {@code name}). */
    public Set<String> assignedVariables() {
        Set<String> names = new java.util.LinkedHashSet<>();
        for (JsonNode a : assigns()) {
            a.fieldNames().forEachRemaining(
                    key -> names.add(!jsonata() && key.endsWith(".$") ? key.substring(0, key.length() - 2) : key));
        }
        return names;
    }

    /** Its nested machines: a Parallel's branches, a Map's item processor. */
    public List<StateMachine> nested() {
        return List.of();
    }

    /** How many retriers it has. */
    public int retriers() {
        return 0;
    }

    /**
     * Whether entering it leads straight to an invocation (so that its entry is committed with the invocation's scheduling).
     */
    public boolean invokes() {
        return false;
    }

    /** Whether the state uses JSONata. */
    public boolean jsonata() {
        return query instanceof JsonataQuery;
    }
}
