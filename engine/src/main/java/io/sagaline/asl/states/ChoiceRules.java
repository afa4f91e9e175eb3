package io.sagaline.asl.states;

import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Set;
import java.util.function.IntPredicate;

import com.fasterxml.jackson.databind.JsonNode;

import io.sagaline.asl.AslDefinitionException;
import io.sagaline.asl.StatesFailure;
import io.sagaline.asl.query.JsonPaths;
import io.sagaline.asl.query.PathScope;

/** Evaluates Choice rules: every comparison operator, its Path form, type tests and And/Or/Not. */
final class ChoiceRules {

    private static final Set<String> COMPARISONS = Set.of(
            "StringEquals", "StringLessThan", "StringGreaterThan", "StringLessThanEquals", "StringGreaterThanEquals",
            "StringMatches", "NumericEquals", "NumericLessThan", "NumericGreaterThan", "NumericLessThanEquals",
            "NumericGreaterThanEquals", "BooleanEquals", "TimestampEquals", "TimestampLessThan",
            "TimestampGreaterThan", "TimestampLessThanEquals", "TimestampGreaterThanEquals");
    private static final Set<String> TYPE_TESTS = Set.of("IsNull", "IsPresent", "IsNumeric", "IsString", "IsBoolean",
            "IsTimestamp");

    private ChoiceRules() {
    }

    /** Checks a JSONPath choice rule, {@code at} its JSON pointer ({@code /States/C/Choices/0}, {@code .../And/1}). */
    static void validate(String at, JsonNode rule, boolean topLevel) {
        if (topLevel && !rule.path("Next").isTextual()) {
            throw refused(at, "These fields are required: [Next]");
        }
        if (rule.has("And") || rule.has("Or")) {
            String operator = rule.has("And") ? "And" : "Or";
            JsonNode list = rule.get(operator);
            if (!list.isArray() || list.isEmpty()) {
                throw refused(at + "/" + operator, "And/Or needs a non-empty array of rules");
            }
            for (int i = 0; i < list.size(); i++) {
                validate(at + "/" + operator + "/" + i, list.get(i), false);
            }
            return;
        }
        if (rule.has("Not")) {
            validate(at + "/Not", rule.get("Not"), false);
            return;
        }
        if (!rule.path("Variable").isTextual() || !JsonPaths.isValidPath(rule.get("Variable").asText())) {
            throw refused(at + "/Variable", "a comparison needs a Variable path");
        }
        long operators = 0;
        for (var it = rule.fieldNames(); it.hasNext();) {
            String name = it.next();
            String base = name.endsWith("Path") ? name.substring(0, name.length() - 4) : name;
            if (COMPARISONS.contains(base) || TYPE_TESTS.contains(name)) {
                operators++;
            } else if (!Set.of("Variable", "Next", "Comment", "Assign").contains(name)) {
                throw refused(at, "Field '" + name + "' is not supported");
            }
        }
        if (operators != 1) {
            throw refused(at, "a rule needs exactly one comparison operator");
        }
    }

    private static AslDefinitionException refused(String at, String problem) {
        return new AslDefinitionException(AslDefinitionException.SCHEMA_VALIDATION_FAILED, at, problem);
    }

    static boolean matches(JsonNode rule, PathScope scope) {
        if (rule.has("And")) {
            for (JsonNode r : rule.get("And")) {
                if (!matches(r, scope)) {
                    return false;
                }
            }
            return true;
        }
        if (rule.has("Or")) {
            for (JsonNode r : rule.get("Or")) {
                if (matches(r, scope)) {
                    return true;
                }
            }
            return false;
        }
        if (rule.has("Not")) {
            return !matches(rule.get("Not"), scope);
        }
        String variablePath = rule.get("Variable").asText();
        if (rule.has("IsPresent")) {
            return scope.present(variablePath) == rule.get("IsPresent").asBoolean();
        }
        JsonNode variable;
        try {
            variable = scope.resolve(variablePath);
        } catch (JsonPaths.NotFound e) {
            throw StatesFailure.runtime(
                    "Invalid path '" + variablePath + "': The choice state's condition path references an invalid value.");
        }
        for (var it = rule.fields(); it.hasNext();) {
            var field = it.next();
            String op = field.getKey();
            if (TYPE_TESTS.contains(op)) {
                return typeTest(op, variable) == field.getValue().asBoolean();
            }
            if (op.equals("Variable") || op.equals("Next") || op.equals("Comment") || op.equals("Assign")) {
                continue;
            }
            JsonNode operand = field.getValue();
            if (op.endsWith("Path")) {
                op = op.substring(0, op.length() - 4);
                operand = scope.resolve(operand.asText());
            }
            return compare(op, variable, operand);
        }
        throw StatesFailure.runtime("choice rule without an operator: " + rule);
    }

    private static boolean typeTest(String op, JsonNode v) {
        return switch (op) {
            case "IsNull" -> v.isNull();
            case "IsNumeric" -> v.isNumber();
            case "IsString" -> v.isTextual();
            case "IsBoolean" -> v.isBoolean();
            case "IsTimestamp" -> v.isTextual() && timestamp(v.asText()) != null;
            default -> throw new IllegalArgumentException(op);
        };
    }

    private static boolean compare(String op, JsonNode v, JsonNode operand) {
        if (op.startsWith("String")) {
            if (!v.isTextual() || !operand.isTextual()) {
                return false;
            }
            if (op.equals("StringMatches")) {
                return wildcard(operand.asText(), v.asText());
            }
            return ordered(op.substring(6), v.asText().compareTo(operand.asText()));
        }
        if (op.startsWith("Numeric")) {
            if (!v.isNumber() || !operand.isNumber()) {
                return false;
            }
            return ordered(op.substring(7), v.decimalValue().compareTo(operand.decimalValue()));
        }
        if (op.equals("BooleanEquals")) {
            return v.isBoolean() && operand.isBoolean() && v.asBoolean() == operand.asBoolean();
        }
        if (op.startsWith("Timestamp")) {
            OffsetDateTime a = v.isTextual() ? timestamp(v.asText()) : null;
            OffsetDateTime b = operand.isTextual() ? timestamp(operand.asText()) : null;
            if (a == null || b == null) {
                return false;
            }
            return ordered(op.substring(9), a.toInstant().compareTo(b.toInstant()));
        }
        throw StatesFailure.runtime("unknown comparison operator " + op);
    }

    private static boolean ordered(String relation, int cmp) {
        IntPredicate test = switch (relation) {
            case "Equals" -> c -> c == 0;
            case "LessThan" -> c -> c < 0;
            case "GreaterThan" -> c -> c > 0;
            case "LessThanEquals" -> c -> c <= 0;
            case "GreaterThanEquals" -> c -> c >= 0;
            default -> throw StatesFailure.runtime("unknown comparison " + relation);
        };
        return test.test(cmp);
    }

    private static OffsetDateTime timestamp(String text) {
        try {
            return OffsetDateTime.parse(text);
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    /** StringMatches: {@code *} matches any run of characters; {@code \*} and {@code \\} are literal. */
    static boolean wildcard(String pattern, String value) {
        StringBuilder regex = new StringBuilder();
        for (int i = 0; i < pattern.length(); i++) {
            char c = pattern.charAt(i);
            if (c == '\\' && i + 1 < pattern.length()) {
                regex.append(java.util.regex.Pattern.quote(String.valueOf(pattern.charAt(++i))));
            } else if (c == '*') {
                regex.append(".*");
            } else {
                regex.append(java.util.regex.Pattern.quote(String.valueOf(c)));
            }
        }
        return java.util.regex.Pattern.compile(regex.toString(), java.util.regex.Pattern.DOTALL).matcher(value).matches();
    }

}
