package io.sagaline.asl.states;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

import io.sagaline.asl.AslDefinitionException;
import io.sagaline.asl.StatesFailure;
import io.sagaline.asl.query.JsonataQueries;

/**
 * A Choice: goes to the Next of the first rule that matches, else to its Default; with neither, the scope fails
 * with States.NoChoiceMatched. A rule is a JSONPath comparison tree ({@link ChoiceRules}) or a JSONata Condition.
 */
public final class ChoiceState extends State {

    private static final Set<String> JSONPATH = Set.of("InputPath", "OutputPath", "Choices", "Default", "Assign");
    private static final Set<String> JSONATA = Set.of("Choices", "Default", "Output", "Assign");
    private static final Set<String> JSONATA_RULE = Set.of("Condition", "Next", "Output", "Assign", "Comment");

    /** One rule: its JSONPath comparison or JSONata Condition, and what it does when it matches. */
    private record Rule(JsonNode comparison, JsonNode condition, String next, JsonNode output, JsonNode assign) {
    }

    private final List<Rule> rules;
    private final String defaultState;

    ChoiceState(Definition d) {
        super(d.only("Choice", JSONPATH, JSONATA), Query.parse(d, false, false, false), null);
        JsonNode choices = d.json.path("Choices");
        if (!choices.isArray() || choices.isEmpty()) {
            throw d.refused("Choices", "a Choice needs a non-empty Choices array");
        }
        List<Rule> parsed = new ArrayList<>();
        for (int i = 0; i < choices.size(); i++) {
            parsed.add(rule(d, "Choices[" + i + "]", choices.get(i)));
        }
        this.rules = List.copyOf(parsed);
        this.defaultState = d.target("Default", d.get("Default"));
    }

    private static Rule rule(Definition d, String field, JsonNode rule) {
        JsonNode condition = null;
        JsonNode output = null;
        if (d.jsonata) {
            rule.fieldNames().forEachRemaining(f -> {
                if (!JSONATA_RULE.contains(f)) {
                    throw d.refused(field + "." + f, "not a field of a JSONata choice rule");
                }
            });
            condition = rule.get("Condition");
            if (condition == null || !condition.isBoolean() && !JsonataQueries.isExpression(condition)) {
                throw d.refused(field + ".Condition",
                        "a JSONata choice rule needs a Condition: true, false or a JSONata expression");
            }
            if (!rule.path("Next").isTextual()) {
                throw d.refused(field + ".Next", "every choice rule needs a Next");
            }
            d.expression(field + ".Condition", condition);
            output = d.expression(field + ".Output", rule.get("Output"));
        } else {
            ChoiceRules.validate(AslDefinitionException.pointer(d.pointer, field), rule, true);
        }
        JsonNode assign = d.assign(field + ".Assign", rule.get("Assign"));
        String next = d.target(field + ".Next", rule.get("Next"));
        return new Rule(d.jsonata ? null : rule, condition, next, output, assign);
    }

    @Override
    public String type() {
        return "Choice";
    }

    @Override
    public Duration run(Step s) {
        JsonNode effective = query.effectiveInput(s);
        for (int i = 0; i < rules.size(); i++) {
            Rule rule = rules.get(i);
            String field = "Choices[" + i + "]";
            if (matches(s, rule, effective, field)) {
                s.assign(query.assign(s, rule.assign(), effective, null, null, field + ".Assign"));
                s.next(rule.next(), ruleOutput(s, rule, effective, field));
                return null;
            }
        }
        if (defaultState == null) {
            throw new StatesFailure("States.NoChoiceMatched",
                    "no choice rule of state '" + name() + "' matched and it has no Default");
        }
        s.assign(query.assign(s, assign, effective, null, null, "Assign"));
        s.next(defaultState, query.output(s, effective));
        return null;
    }

    /** A matched rule's output: its own Output (JSONata; the input without one), or the state's OutputPath. */
    private JsonNode ruleOutput(Step s, Rule rule, JsonNode effective, String field) {
        if (!jsonata()) {
            return query.output(s, effective);
        }
        return rule.output() == null ? s.input() : JsonataQueries.evaluate(rule.output(), s.bindings(), field + ".Output");
    }

    private boolean matches(Step s, Rule rule, JsonNode effective, String field) {
        if (rule.comparison() != null) {
            return ChoiceRules.matches(rule.comparison(), s.paths().withInput(effective));
        }
        JsonNode value = rule.condition().isBoolean() ? rule.condition()
                : JsonataQueries.evaluate(rule.condition(), s.bindings(), field + ".Condition");
        if (!value.isBoolean()) {
            throw query.wrong("the Condition " + rule.condition() + " gave " + value + ", not a boolean");
        }
        return value.asBoolean();
    }

    @Override
    public List<String> successors() {
        List<String> next = new ArrayList<>();
        rules.forEach(r -> next.add(r.next()));
        if (defaultState != null) {
            next.add(defaultState);
        }
        return next;
    }

    @Override
    public List<JsonNode> assigns() {
        List<JsonNode> assigns = super.assigns();
        rules.stream().map(Rule::assign).filter(a -> a != null).forEach(assigns::add);
        return assigns;
    }
}
