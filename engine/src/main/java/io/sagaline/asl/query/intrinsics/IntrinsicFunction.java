package io.sagaline.asl.query.intrinsics;

import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

/**
 * One intrinsic function of the JSONPath query language: its name, how many arguments it takes, and what it
 * gives for them. A wrong argument is an {@link IllegalArgumentException}, which the caller reports as
 * States.IntrinsicFailure naming the function.
 */
public abstract class IntrinsicFunction {

    static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    /**
     * An escaped brace ({@code \{}, {@code \}}) of a string literal, as the parser hands it on: literal text,
     * never a placeholder of States.Format. Every function but States.Format gets the brace itself.
     */
    public static final char ESCAPED_OPEN = '\uE000';
    public static final char ESCAPED_CLOSE = '\uE001';

    private final String name;
    private final int minArguments;
    private final int maxArguments;

    IntrinsicFunction(String name, int arguments) {
        this(name, arguments, arguments);
    }

    IntrinsicFunction(String name, int minArguments, int maxArguments) {
        this.name = name;
        this.minArguments = minArguments;
        this.maxArguments = maxArguments;
    }

    public String name() {
        return name;
    }

    /** The function's value for {@code arguments}, their number checked first. */
    public final JsonNode call(List<JsonNode> arguments) {
        if (arguments.size() < minArguments || arguments.size() > maxArguments) {
            String expected = minArguments == maxArguments ? String.valueOf(minArguments)
                    : maxArguments == Integer.MAX_VALUE ? "at least " + minArguments : minArguments + " to " + maxArguments;
            throw new IllegalArgumentException(name + " takes " + expected + " argument(s), not " + arguments.size());
        }
        return apply(arguments);
    }

    abstract JsonNode apply(List<JsonNode> a);

    String text(JsonNode node) {
        if (!node.isTextual()) {
            throw new IllegalArgumentException(name + " expects a string, not " + node);
        }
        return node.asText();
    }

    ArrayNode array(JsonNode node) {
        if (!node.isArray()) {
            throw new IllegalArgumentException(name + " expects an array, not " + node);
        }
        return (ArrayNode) node;
    }

    /**
     * A number rounded to the nearest integer, halves up ({@code Math.round}: 2.5 is 3, -2.5 is -2), as AWS rounds
     * the arguments of {@code States.MathAdd} and {@code States.MathRandom} instead of refusing them.
     */
    int rounded(JsonNode node) {
        if (!node.isNumber()) {
            throw new IllegalArgumentException(name + " expects a number, not " + node);
        }
        java.math.BigDecimal up = node.decimalValue().add(java.math.BigDecimal.valueOf(5, 1))
                .setScale(0, java.math.RoundingMode.FLOOR);
        try {
            return up.intValueExact();
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException(name + " expects a 32-bit integer, not " + node);
        }
    }

    int integer(JsonNode node) {
        if (!node.isIntegralNumber() || !node.canConvertToInt()) {
            throw new IllegalArgumentException(name + " expects an integer, not " + node);
        }
        return node.asInt();
    }
}
