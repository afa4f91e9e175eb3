package io.sagaline.asl.query;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

import io.sagaline.asl.StatesFailure;
import io.sagaline.asl.query.intrinsics.IntrinsicFunction;
import io.sagaline.asl.query.intrinsics.IntrinsicFunctions;

/**
 * The intrinsic functions of the JSONPath query language ({@code "x.$": "States.Format('...', $.a)"}):
 * a small parser for their call syntax (string literals in single quotes with {@code \'},
 * {@code \{}, {@code \}} and {@code \\} escapes, numbers, booleans, null, paths and nested
 * calls) and its evaluation, each function of the AWS specification a class of its own
 * ({@link IntrinsicFunctions}). A failure is {@code States.IntrinsicFailure}.
 */
final class Intrinsics {

    public static final String FAILURE = "States.IntrinsicFailure";
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private static final char OPEN = IntrinsicFunction.ESCAPED_OPEN;
    private static final char CLOSE = IntrinsicFunction.ESCAPED_CLOSE;

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
            throw StatesFailure.inState(FAILURE, "'" + expression + "': " + e.getMessage());
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
            return IntrinsicFunctions.named(call.name()).orElseThrow().call(args);
        } catch (StatesFailure e) {
            throw e;
        } catch (RuntimeException e) {
            throw StatesFailure.inState(FAILURE, call.name() + ": " + e.getMessage());
        }
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
            if (IntrinsicFunctions.named(name).isEmpty()) {
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
                    if ("'{}\\".indexOf(escaped) < 0) {
                        throw new IllegalArgumentException("'\\" + escaped
                                + "' is not an escape of a string literal: only \\', \\{, \\} and \\\\ are");
                    }
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
