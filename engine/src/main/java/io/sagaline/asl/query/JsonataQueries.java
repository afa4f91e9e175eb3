package io.sagaline.asl.query;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import com.dashjoin.jsonata.Functions;
import com.dashjoin.jsonata.Jsonata;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.sagaline.asl.AslDefinitionException;
import io.sagaline.asl.StatesFailure;

/**
 * The JSONata query language of ASL ({@code QueryLanguage: JSONata}), evaluated by the dashjoin
 * port of jsonata-js: a string {@code "{% expression %}"} anywhere in a field is replaced by its
 * value, with {@code $states} ({@code input}, {@code context}, and where allowed {@code result} or
 * {@code errorOutput}) and the execution's variables bound. As in AWS, {@code $eval} is gone and
 * {@code $partition}, {@code $range}, {@code $hash}, {@code $random(seed)}, {@code $uuid} and
 * {@code $parse} are added; a failure or an undefined result is {@code States.QueryEvaluationError}.
 */
public final class JsonataQueries {

    public static final String QUERY_EVALUATION_ERROR = "States.QueryEvaluationError";
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    /** Compiled once per distinct expression; a compiled expression is shared by threads, each call with its own frame. */
    private static final Map<String, Jsonata> COMPILED = new ConcurrentHashMap<>();
    /** How long one expression may run, and how deep it may recurse, before it is an evaluation error. */
    private static final int TIMEOUT_MILLIS = 5_000;
    private static final int MAX_DEPTH = 500;

    private JsonataQueries() {
    }

    /**
     * What an expression sees: $states and the variables in scope. Their conversion to what the
     * evaluator takes is done once per bindings, not once per expression: one state evaluates many.
     */
    public static final class Bindings {
        private final JsonNode input;
        private final JsonNode context;
        private final JsonNode result;
        private final JsonNode errorOutput;
        private final Map<String, JsonNode> variables;
        private final Clock clock;
        private Map<String, Object> frame;

        public Bindings(JsonNode input, JsonNode context, JsonNode result, JsonNode errorOutput,
                Map<String, JsonNode> variables, Clock clock) {
            this.input = input;
            this.context = context;
            this.result = result;
            this.errorOutput = errorOutput;
            this.variables = variables;
            this.clock = clock;
        }

        public Bindings withResult(JsonNode result) {
            return new Bindings(input, context, result, errorOutput, variables, clock);
        }

        public Bindings withErrorOutput(JsonNode errorOutput) {
            return new Bindings(input, context, result, errorOutput, variables, clock);
        }

        public Bindings withContext(JsonNode context) {
            return new Bindings(input, context, result, errorOutput, variables, clock);
        }

        /** Every name an expression can look up, converted for the evaluator: variables, $states, the functions. */
        synchronized Map<String, Object> frame() {
            if (frame == null) {
                Map<String, Object> values = new HashMap<>(AWS_FUNCTIONS);
                variables.forEach((name, v) -> values.put(name, toJsonata(v)));
                Map<String, Object> states = new LinkedHashMap<>();
                states.put("input", toJsonata(input));
                states.put("context", toJsonata(context));
                if (result != null) {
                    states.put("result", toJsonata(result));
                }
                if (errorOutput != null) {
                    states.put("errorOutput", toJsonata(errorOutput));
                }
                values.put("states", states);
                long now = clock.millis();
                values.put("millis", Jsonata.function("millis", (Jsonata.Fn0<Long>) () -> now, "<:n>"));
                values.put("now", Jsonata.function("now",
                        (Jsonata.Fn2<String, String, String>) (picture, timezone) -> Functions.dateTimeFromMillis(now, picture,
                                timezone),
                        "<s?s?:s>"));
                frame = values;
            }
            return frame;
        }
    }

    public static boolean isExpression(JsonNode value) {
        return value != null && value.isTextual() && isExpression(value.asText());
    }

    static boolean isExpression(String text) {
        return text.startsWith("{%") && text.endsWith("%}") && text.length() >= 4;
    }

    /**
     * Load-time check: every {@code {% %}} string in {@code value} must compile; {@code $states.result}
     * and {@code $states.errorOutput} only where {@code field} may read them.
     */
    public static void validate(String state, String field, JsonNode value) {
        if (isExpression(value)) {
            String expression = body(value.asText());
            try {
                compile(expression);
            } catch (RuntimeException e) {
                throw new AslDefinitionException(AslDefinitionException.SCHEMA_VALIDATION_FAILED,
                        AslDefinitionException.pointer(state, field), "the JSONata expression '" + expression
                                + "' does not parse: " + e.getMessage());
            }
            if (field.startsWith("Arguments") && (expression.contains("$states.result")
                    || expression.contains("$states.errorOutput"))) {
                throw new AslDefinitionException(AslDefinitionException.SCHEMA_VALIDATION_FAILED,
                        AslDefinitionException.pointer(state, field),
                        "Arguments may not read $states.result or $states.errorOutput");
            }
        } else if (value != null && value.isContainerNode()) {
            Iterator<Map.Entry<String, JsonNode>> fields = value.fields();
            if (value.isObject()) {
                while (fields.hasNext()) {
                    Map.Entry<String, JsonNode> f = fields.next();
                    validate(state, field + "/" + f.getKey(), f.getValue());
                }
            } else {
                for (int i = 0; i < value.size(); i++) {
                    validate(state, field + "/" + i, value.get(i));
                }
            }
        }
    }

    /** {@code template} with every {@code {% %}} string, at any depth, replaced by its value. */
    public static JsonNode evaluate(JsonNode template, Bindings bindings, String field) {
        if (isExpression(template)) {
            return evaluate(body(template.asText()), bindings, field);
        }
        if (template.isObject()) {
            ObjectNode out = NODES.objectNode();
            template.fields()
                    .forEachRemaining(f -> out.set(f.getKey(), evaluate(f.getValue(), bindings, field + "/" + f.getKey())));
            return out;
        }
        if (template.isArray()) {
            ArrayNode out = NODES.arrayNode();
            for (int i = 0; i < template.size(); i++) {
                out.add(evaluate(template.get(i), bindings, field + "/" + i));
            }
            return out;
        }
        return template;
    }

    private static JsonNode evaluate(String expression, Bindings bindings, String field) {
        Object value;
        try {
            Jsonata compiled = compile(expression);
            Jsonata.Frame frame = compiled.createFrame();
            frame.setRuntimeBounds(TIMEOUT_MILLIS, MAX_DEPTH);
            bindings.frame().forEach(frame::bind);
            value = compiled.evaluate(null, frame);
        } catch (RuntimeException e) {
            throw StatesFailure.inState(QUERY_EVALUATION_ERROR, "The JSONata expression '" + expression
                    + "' specified for the field '" + field + "' threw an error: " + e.getMessage());
        }
        if (value == null) {
            throw StatesFailure.inState(QUERY_EVALUATION_ERROR, "The JSONata expression '" + expression
                    + "' specified for the field '" + field + "' returned nothing (undefined).");
        }
        try {
            return toJson(value);
        } catch (IllegalArgumentException e) {
            throw StatesFailure.inState(QUERY_EVALUATION_ERROR, "The JSONata expression '" + expression
                    + "' specified for the field '" + field + "' returned an unsupported result type.");
        }
    }

    private static Jsonata compile(String expression) {
        return COMPILED.computeIfAbsent(expression, e -> {
            Jsonata compiled = Jsonata.jsonata(e);
            compiled.setOutputConvertNulls(false);
            return compiled;
        });
    }

    /** The expression inside {@code {% %}}, as AWS quotes it in a cause. */
    public static String body(String text) {
        return text.substring(2, text.length() - 2).trim();
    }

    /**
     * The functions AWS adds to JSONata, and $eval removed (bound to nothing), as in AWS; $now and
     * $millis are bound per {@link Bindings}, on the engine's clock.
     */
    private static final Map<String, Object> AWS_FUNCTIONS = awsFunctions();

    private static Map<String, Object> awsFunctions() {
        Map<String, Object> functions = new HashMap<>();
        functions.put("eval", null);
        functions.put("uuid", Jsonata.function("uuid", (Jsonata.Fn0<String>) () -> UUID.randomUUID().toString(), "<:s>"));
        functions.put("parse", Jsonata.function("parse", (Jsonata.Fn1<String, Object>) text -> {
            try {
                return toJsonata(JsonPaths.MAPPER.readTree(text));
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException("$parse: not JSON: " + e.getOriginalMessage());
            }
        }, "<s:x>"));
        functions.put("partition", Jsonata.function("partition", (Jsonata.Fn2<List<?>, Number, Object>) (array, size) -> {
            int chunk = size.intValue();
            if (chunk <= 0) {
                throw new IllegalArgumentException("$partition: the chunk size must be positive");
            }
            List<Object> chunks = new ArrayList<>();
            for (int i = 0; i < array.size(); i += chunk) {
                chunks.add(new ArrayList<>(array.subList(i, Math.min(array.size(), i + chunk))));
            }
            return chunks;
        }, "<an:a>"));
        functions.put("range", Jsonata.function("range", (Jsonata.Fn3<Number, Number, Number, Object>) (start, end, step) -> {
            long from = start.longValue();
            long to = end.longValue();
            long by = step.longValue();
            if (by == 0 || (to - from) / by < 0) {
                throw new IllegalArgumentException("$range: the step cannot reach the end");
            }
            if ((to - from) / by >= 1000) {
                throw new IllegalArgumentException("$range: more than 1000 elements");
            }
            List<Object> values = new ArrayList<>();
            for (long v = from; by > 0 ? v <= to : v >= to; v += by) {
                values.add(v);
            }
            return values;
        }, "<nnn:a>"));
        functions.put("hash", Jsonata.function("hash", (Jsonata.Fn2<String, String, String>) (value, algorithm) -> {
            if (!List.of("MD5", "SHA-1", "SHA-256", "SHA-384", "SHA-512").contains(algorithm)) {
                throw new IllegalArgumentException("$hash: unsupported algorithm " + algorithm);
            }
            try {
                return HexFormat.of().formatHex(
                        MessageDigest.getInstance(algorithm).digest(value.getBytes(StandardCharsets.UTF_8)));
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalArgumentException(e);
            }
        }, "<ss:s>"));
        functions.put("random", Jsonata.function("random",
                (Jsonata.Fn1<Number, Double>) seed -> seed == null ? Math.random() : new Random(seed.longValue()).nextDouble(),
                "<n?:n>"));
        return functions;
    }

    /** A JSON tree as JSONata's evaluator takes it: maps, lists, strings, numbers, booleans, NULL_VALUE. */
    static Object toJsonata(JsonNode node) {
        if (node == null || node.isMissingNode()) {
            return null;
        }
        if (node.isNull()) {
            return Jsonata.NULL_VALUE;
        }
        if (node.isObject()) {
            Map<String, Object> map = new LinkedHashMap<>();
            node.fields().forEachRemaining(f -> map.put(f.getKey(), toJsonata(f.getValue())));
            return map;
        }
        if (node.isArray()) {
            List<Object> list = new ArrayList<>(node.size());
            node.forEach(e -> list.add(toJsonata(e)));
            return list;
        }
        if (node.isTextual()) {
            return node.asText();
        }
        if (node.isBoolean()) {
            return node.asBoolean();
        }
        if (node.isInt()) {
            return node.intValue();
        }
        if (node.isIntegralNumber()) {
            return node.canConvertToLong() ? (Object) node.longValue() : node.bigIntegerValue();
        }
        return node.doubleValue();
    }

    /** JSONata's result as JSON; an integral number is written as one (JSONata's numbers are JavaScript's). */
    static JsonNode toJson(Object value) {
        if (value == null || value == Jsonata.NULL_VALUE) {
            return NullNode.getInstance();
        }
        if (value instanceof Map<?, ?> map) {
            ObjectNode out = NODES.objectNode();
            map.forEach((k, v) -> out.set(String.valueOf(k), toJson(v)));
            return out;
        }
        if (value instanceof List<?> list) {
            ArrayNode out = NODES.arrayNode();
            list.forEach(v -> out.add(toJson(v)));
            return out;
        }
        if (value instanceof String s) {
            return NODES.textNode(s);
        }
        if (value instanceof Boolean b) {
            return NODES.booleanNode(b);
        }
        if (value instanceof Integer || value instanceof Long || value instanceof Short || value instanceof Byte) {
            return NODES.numberNode(((Number) value).longValue()).canConvertToInt()
                    ? NODES.numberNode(((Number) value).intValue())
                    : NODES.numberNode(((Number) value).longValue());
        }
        if (value instanceof BigInteger big) {
            return NODES.numberNode(big);
        }
        if (value instanceof Number number) {
            double d = value instanceof BigDecimal decimal ? decimal.doubleValue() : number.doubleValue();
            if (Double.isFinite(d) && d == Math.rint(d) && Math.abs(d) <= 9_007_199_254_740_992d) {
                long l = (long) d;
                return l == (int) l ? NODES.numberNode((int) l) : NODES.numberNode(l);
            }
            return NODES.numberNode(d);
        }
        throw new IllegalArgumentException("a " + value.getClass().getSimpleName());
    }
}
