package io.sagaline.asl.query;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.sagaline.asl.StatesFailure;

/**
 * The intrinsic functions of the JSONPath query language ({@code "x.$": "States.Format('...', $.a)"}):
 * a small parser for their call syntax (string literals in single quotes with {@code \'},
 * {@code \{}, {@code \}} and {@code \\} escapes, numbers, booleans, null, paths and nested
 * calls) and every function the AWS specification lists. A failure is {@code States.IntrinsicFailure}.
 */
final class Intrinsics {

    public static final String FAILURE = "States.IntrinsicFailure";
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final Set<String> NAMES = Set.of("States.Format", "States.StringToJson", "States.JsonToString",
            "States.Array", "States.ArrayPartition", "States.ArrayContains", "States.ArrayRange", "States.ArrayGetItem",
            "States.ArrayLength", "States.ArrayUnique", "States.Base64Encode", "States.Base64Decode", "States.Hash",
            "States.JsonMerge", "States.MathRandom", "States.MathAdd", "States.StringSplit", "States.UUID");

    /** An escaped brace in a string literal: literal text, never a States.Format placeholder. */
    private static final char OPEN = '\uE000';
    private static final char CLOSE = '\uE001';

    private Intrinsics() {
    }

    private static String braces(String text) {
        return text.replace(OPEN, '{').replace(CLOSE, '}');
    }

    /** A parsed call: its function and arguments (literal nodes, paths, or nested calls). */
    public record Call(String name, List<Object> arguments) {
    }

    record Path(String path) {
    }

    public static boolean isCall(String expression) {
        return expression.startsWith("States.");
    }

    /** Parses at load time, so that a malformed call is refused with the definition. */
    public static Call parse(String expression) {
        Parser parser = new Parser(expression);
        Call call = parser.call();
        parser.skipSpaces();
        if (!parser.atEnd()) {
            throw new IllegalArgumentException("unexpected '" + expression.substring(parser.at) + "' after the call");
        }
        return call;
    }

    static JsonNode evaluate(String expression, PathScope scope) {
        Call call;
        try {
            call = parse(expression);
        } catch (IllegalArgumentException e) {
            throw new StatesFailure(FAILURE, "'" + expression + "': " + e.getMessage());
        }
        return evaluate(call, scope);
    }

    private static JsonNode evaluate(Call call, PathScope scope) {
        List<JsonNode> args = new ArrayList<>();
        for (int i = 0; i < call.arguments().size(); i++) {
            Object argument = call.arguments().get(i);
            if (argument instanceof Path p) {
                args.add(scope.resolve(p.path()));
            } else if (argument instanceof Call nested) {
                args.add(evaluate(nested, scope));
            } else {
                JsonNode literal = (JsonNode) argument;
                boolean template = i == 0 && call.name().equals("States.Format");
                args.add(literal.isTextual() && !template ? NODES.textNode(braces(literal.asText())) : literal);
            }
        }
        try {
            return apply(call.name(), args);
        } catch (StatesFailure e) {
            throw e;
        } catch (RuntimeException e) {
            throw new StatesFailure(FAILURE, call.name() + ": " + e.getMessage());
        }
    }

    private static JsonNode apply(String name, List<JsonNode> a) {
        return switch (name) {
            case "States.Format" -> format(a);
            case "States.StringToJson" -> {
                arity(name, a, 1);
                try {
                    yield JsonPaths.MAPPER.readTree(text(name, a.get(0)));
                } catch (JsonProcessingException e) {
                    throw new IllegalArgumentException("the argument is not JSON text");
                }
            }
            case "States.JsonToString" -> {
                arity(name, a, 1);
                yield NODES.textNode(a.get(0).toString());
            }
            case "States.Array" -> {
                ArrayNode array = NODES.arrayNode();
                a.forEach(array::add);
                yield array;
            }
            case "States.ArrayPartition" -> {
                arity(name, a, 2);
                ArrayNode source = array(name, a.get(0));
                int size = integer(name, a.get(1));
                if (size <= 0) {
                    throw new IllegalArgumentException("the chunk size must be positive");
                }
                ArrayNode chunks = NODES.arrayNode();
                for (int i = 0; i < source.size(); i += size) {
                    ArrayNode chunk = chunks.addArray();
                    for (int j = i; j < Math.min(i + size, source.size()); j++) {
                        chunk.add(source.get(j));
                    }
                }
                yield chunks;
            }
            case "States.ArrayContains" -> {
                arity(name, a, 2);
                for (JsonNode element : array(name, a.get(0))) {
                    if (element.equals(a.get(1))) {
                        yield NODES.booleanNode(true);
                    }
                }
                yield NODES.booleanNode(false);
            }
            case "States.ArrayRange" -> {
                arity(name, a, 3);
                int start = integer(name, a.get(0));
                int end = integer(name, a.get(1));
                int step = integer(name, a.get(2));
                if (step == 0) {
                    throw new IllegalArgumentException("the step must not be 0");
                }
                ArrayNode range = NODES.arrayNode();
                for (int i = start; step > 0 ? i <= end : i >= end; i += step) {
                    if (range.size() == 1000) {
                        throw new IllegalArgumentException("a range holds at most 1000 items");
                    }
                    range.add(i);
                }
                yield range;
            }
            case "States.ArrayGetItem" -> {
                arity(name, a, 2);
                ArrayNode array = array(name, a.get(0));
                int index = integer(name, a.get(1));
                if (index < 0 || index >= array.size()) {
                    throw new IllegalArgumentException("index " + index + " is outside the array of " + array.size());
                }
                yield array.get(index);
            }
            case "States.ArrayLength" -> {
                arity(name, a, 1);
                yield NODES.numberNode(array(name, a.get(0)).size());
            }
            case "States.ArrayUnique" -> {
                arity(name, a, 1);
                Set<JsonNode> seen = new LinkedHashSet<>();
                array(name, a.get(0)).forEach(seen::add);
                ArrayNode unique = NODES.arrayNode();
                seen.forEach(unique::add);
                yield unique;
            }
            case "States.Base64Encode" -> {
                arity(name, a, 1);
                yield NODES
                        .textNode(Base64.getEncoder().encodeToString(limited(name, a.get(0)).getBytes(StandardCharsets.UTF_8)));
            }
            case "States.Base64Decode" -> {
                arity(name, a, 1);
                yield NODES.textNode(new String(Base64.getDecoder().decode(limited(name, a.get(0))), StandardCharsets.UTF_8));
            }
            case "States.Hash" -> {
                arity(name, a, 2);
                String algorithm = text(name, a.get(1));
                Map<String, String> java = Map.of("MD5", "MD5", "SHA-1", "SHA-1", "SHA-256", "SHA-256", "SHA-384", "SHA-384",
                        "SHA-512", "SHA-512");
                if (!java.containsKey(algorithm)) {
                    throw new IllegalArgumentException("the algorithm must be one of MD5, SHA-1, SHA-256, SHA-384, SHA-512");
                }
                String data = a.get(0).isTextual() ? a.get(0).asText() : a.get(0).toString();
                try {
                    yield NODES.textNode(HexFormat.of().formatHex(
                            MessageDigest.getInstance(java.get(algorithm)).digest(data.getBytes(StandardCharsets.UTF_8))));
                } catch (NoSuchAlgorithmException e) {
                    throw new IllegalStateException(e);
                }
            }
            case "States.JsonMerge" -> {
                arity(name, a, 3);
                if (!a.get(0).isObject() || !a.get(1).isObject()) {
                    throw new IllegalArgumentException("both arguments to merge must be JSON objects");
                }
                if (!a.get(2).isBoolean() || a.get(2).asBoolean()) {
                    throw new IllegalArgumentException("only the shallow merge (false) is supported, as in AWS");
                }
                ObjectNode merged = ((ObjectNode) a.get(0)).deepCopy();
                merged.setAll((ObjectNode) a.get(1));
                yield merged;
            }
            case "States.MathRandom" -> {
                if (a.size() != 2 && a.size() != 3) {
                    throw new IllegalArgumentException("takes a start, an end and an optional seed");
                }
                int start = integer(name, a.get(0));
                int end = integer(name, a.get(1));
                if (end <= start) {
                    throw new IllegalArgumentException("the end must be greater than the start");
                }
                Random random = a.size() == 3 ? new Random(integer(name, a.get(2))) : new Random();
                yield NODES.numberNode(start + random.nextInt(end - start));
            }
            case "States.MathAdd" -> {
                arity(name, a, 2);
                yield NODES.numberNode(Math.addExact(integer(name, a.get(0)), integer(name, a.get(1))));
            }
            case "States.StringSplit" -> {
                arity(name, a, 2);
                String text = text(name, a.get(0));
                String delimiters = text(name, a.get(1));
                ArrayNode parts = NODES.arrayNode();
                StringBuilder part = new StringBuilder();
                for (char c : text.toCharArray()) {
                    if (delimiters.indexOf(c) >= 0) {
                        if (!part.isEmpty()) {
                            parts.add(part.toString());
                        }
                        part.setLength(0);
                    } else {
                        part.append(c);
                    }
                }
                if (!part.isEmpty()) {
                    parts.add(part.toString());
                }
                yield parts;
            }
            case "States.UUID" -> {
                arity(name, a, 0);
                yield NODES.textNode(UUID.randomUUID().toString());
            }
            default -> throw new IllegalArgumentException("unknown intrinsic function " + name);
        };
    }

    private static JsonNode format(List<JsonNode> a) {
        if (a.isEmpty()) {
            throw new IllegalArgumentException("States.Format needs a template");
        }
        String template = text("States.Format", a.get(0));
        StringBuilder out = new StringBuilder();
        int next = 1;
        for (int i = 0; i < template.length(); i++) {
            char c = template.charAt(i);
            if (c == OPEN || c == CLOSE) {
                out.append(c == OPEN ? '{' : '}');
            } else if (c == '{' && i + 1 < template.length() && template.charAt(i + 1) == '}') {
                if (next >= a.size()) {
                    throw new IllegalArgumentException("more {} in the template than arguments");
                }
                JsonNode value = a.get(next++);
                if (value.isContainerNode()) {
                    throw new IllegalArgumentException("only strings, numbers, booleans and null can be formatted");
                }
                out.append(value.isTextual() ? value.asText() : value.toString());
                i++;
            } else {
                out.append(c);
            }
        }
        if (next != a.size()) {
            throw new IllegalArgumentException("more arguments than {} in the template");
        }
        return NODES.textNode(out.toString());
    }

    private static void arity(String name, List<JsonNode> a, int expected) {
        if (a.size() != expected) {
            throw new IllegalArgumentException(name + " takes " + expected + " argument(s), not " + a.size());
        }
    }

    private static String text(String name, JsonNode node) {
        if (!node.isTextual()) {
            throw new IllegalArgumentException(name + " expects a string, not " + node);
        }
        return node.asText();
    }

    private static String limited(String name, JsonNode node) {
        String text = text(name, node);
        if (text.length() > 10_000) {
            throw new IllegalArgumentException("at most 10000 characters");
        }
        return text;
    }

    private static ArrayNode array(String name, JsonNode node) {
        if (!node.isArray()) {
            throw new IllegalArgumentException(name + " expects an array, not " + node);
        }
        return (ArrayNode) node;
    }

    private static int integer(String name, JsonNode node) {
        if (!node.isIntegralNumber() || !node.canConvertToInt()) {
            throw new IllegalArgumentException(name + " expects an integer, not " + node);
        }
        return node.asInt();
    }

    /** Recursive descent over the call syntax. */
    private static final class Parser {
        private final String text;
        int at;

        Parser(String text) {
            this.text = text;
        }

        boolean atEnd() {
            return at >= text.length();
        }

        void skipSpaces() {
            while (!atEnd() && Character.isWhitespace(text.charAt(at))) {
                at++;
            }
        }

        Call call() {
            skipSpaces();
            int start = at;
            while (!atEnd() && (Character.isLetterOrDigit(text.charAt(at)) || text.charAt(at) == '.')) {
                at++;
            }
            String name = text.substring(start, at);
            if (!NAMES.contains(name)) {
                throw new IllegalArgumentException("'" + name + "' is not an intrinsic function");
            }
            expect('(');
            List<Object> arguments = new ArrayList<>();
            skipSpaces();
            if (peek() == ')') {
                at++;
                return new Call(name, arguments);
            }
            while (true) {
                arguments.add(argument());
                skipSpaces();
                char c = next();
                if (c == ')') {
                    return new Call(name, arguments);
                }
                if (c != ',') {
                    throw new IllegalArgumentException("expected ',' or ')' at " + (at - 1));
                }
            }
        }

        private Object argument() {
            skipSpaces();
            char c = peek();
            if (c == '\'') {
                return NODES.textNode(string());
            }
            if (c == '$') {
                int start = at;
                int depth = 0;
                boolean quoted = false;
                while (!atEnd()) {
                    char d = text.charAt(at);
                    if (quoted) {
                        if (d == '\\') {
                            at++;
                        } else if (d == '\'') {
                            quoted = false;
                        }
                        at++;
                        continue;
                    }
                    if (d == '\'') {
                        quoted = true;
                    } else if (d == '[' || d == '(') {
                        depth++;
                    } else if (d == ']' || d == ')') {
                        if (depth == 0) {
                            break;
                        }
                        depth--;
                    } else if (d == ',' && depth == 0) {
                        break;
                    }
                    at++;
                }
                String path = text.substring(start, at).trim();
                if (!JsonPaths.isValidPath(path)) {
                    throw new IllegalArgumentException("'" + path + "' is not a valid path");
                }
                return new Path(path);
            }
            if (text.startsWith("States.", at)) {
                return call();
            }
            int start = at;
            while (!atEnd() && text.charAt(at) != ',' && text.charAt(at) != ')') {
                at++;
            }
            String literal = text.substring(start, at).trim();
            switch (literal) {
                case "true":
                    return NODES.booleanNode(true);
                case "false":
                    return NODES.booleanNode(false);
                case "null":
                    return NODES.nullNode();
                default:
                    try {
                        JsonNode number = JsonPaths.MAPPER.reader()
                                .with(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                                .readTree(literal);
                        return number != null && number.isNumber() ? number : failLiteral(literal);
                    } catch (java.io.IOException e) {
                        return failLiteral(literal);
                    }
            }
        }

        private static JsonNode failLiteral(String literal) {
            throw new IllegalArgumentException("'" + literal + "' is not a string, number, boolean, null or path");
        }

        private String string() {
            at++;
            StringBuilder out = new StringBuilder();
            while (!atEnd()) {
                char c = text.charAt(at++);
                if (c == '\\' && !atEnd()) {
                    char escaped = text.charAt(at++);
                    out.append(escaped == '{' ? OPEN : escaped == '}' ? CLOSE : escaped);
                } else if (c == '\'') {
                    return out.toString();
                } else {
                    out.append(c);
                }
            }
            throw new IllegalArgumentException("a string literal is not closed");
        }

        private char peek() {
            if (atEnd()) {
                throw new IllegalArgumentException("the call is not closed");
            }
            return text.charAt(at);
        }

        private char next() {
            char c = peek();
            at++;
            return c;
        }

        private void expect(char c) {
            skipSpaces();
            if (next() != c) {
                throw new IllegalArgumentException("expected '" + c + "' at " + (at - 1));
            }
        }
    }

}
