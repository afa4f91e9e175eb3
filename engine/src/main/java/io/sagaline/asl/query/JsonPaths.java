package io.sagaline.asl.query;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.jayway.jsonpath.Configuration;
import com.jayway.jsonpath.InvalidPathException;
import com.jayway.jsonpath.JsonPath;
import com.jayway.jsonpath.PathNotFoundException;
import com.jayway.jsonpath.spi.json.JacksonJsonNodeJsonProvider;
import com.jayway.jsonpath.spi.mapper.JacksonMappingProvider;

import io.sagaline.asl.StatesFailure;

/**
 * ASL paths: reading uses full JSONPath (Jayway, as AWS does); {@code ResultPath} is a reference
 * path (only {@code .name}, {@code ['name']} and {@code [index]} steps), which can also be written.
 */
public final class JsonPaths {

    public static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Configuration CONFIG = Configuration.builder()
            .jsonProvider(new JacksonJsonNodeJsonProvider(MAPPER))
            .mappingProvider(new JacksonMappingProvider(MAPPER))
            .build();
    private static final Pattern STEP = Pattern.compile("\\.([^.\\[\\]]+)|\\['([^']*)'\\]|\\[(\\d+)\\]");

    private JsonPaths() {
    }

    /** Whether {@code path} starts with a variable ({@code $name}) rather than {@code $} or {@code $$}. */
    public static boolean isVariablePath(String path) {
        return path.length() > 1 && path.charAt(0) == '$' && path.charAt(1) != '$' && Character.isLetter(path.charAt(1))
                || path.length() > 1 && path.charAt(0) == '$' && path.charAt(1) == '_';
    }

    private static int variableEnd(String path) {
        int end = 1;
        while (end < path.length() && path.charAt(end) != '.' && path.charAt(end) != '[') {
            end++;
        }
        return end;
    }

    /**
     * Reads {@code path} from {@code document}, or from the variable a path such as {@code $name.field} names;
     * a path that selects nothing is a States.Runtime error.
     */
    public static JsonNode read(JsonNode document, String path, java.util.function.Function<String, JsonNode> variables) {
        if ("$".equals(path)) {
            return document;
        }
        if (isVariablePath(path)) {
            int end = variableEnd(path);
            String name = path.substring(1, end);
            JsonNode value = variables.apply(name);
            if (value == null) {
                throw StatesFailure.runtime("the variable '" + name + "' is not assigned");
            }
            return read(value, "$" + path.substring(end), variables);
        }
        try {
            JsonPath compiled = JsonPath.compile(path);
            Object value = JsonPath.using(CONFIG).parse((Object) document).read(compiled);
            if (!compiled.isDefinite()) {
                return value instanceof ArrayNode ? (JsonNode) value : MAPPER.valueToTree(value);
            }
            return value == null ? NullNode.getInstance() : MAPPER.valueToTree(value);
        } catch (PathNotFoundException e) {
            throw new NotFound(path, document, e.getMessage());
        } catch (InvalidPathException e) {
            throw StatesFailure.runtime("invalid JSONPath '" + path + "': " + e.getMessage());
        }
    }

    /**
     * A path selected nothing: a States.Runtime error, whose cause the field that holds the path words as AWS does
     * ({@link #path()}, {@link #document()}, and Jayway JsonPath's own {@link #detail()}, which AWS quotes).
     */
    public static final class NotFound extends StatesFailure {
        private final String path;
        private final transient JsonNode document;
        private final String detail;

        NotFound(String path, JsonNode document, String detail) {
            super(StatesFailure.RUNTIME, "The JSONPath '" + path + "' could not be found in the input '" + document + "'",
                    false);
            this.path = path;
            this.document = document;
            this.detail = detail;
        }

        public String path() {
            return path;
        }

        public JsonNode document() {
            return document;
        }

        /** Jayway's message, e.g. {@code No results for path: $['a']}. */
        public String detail() {
            return detail;
        }
    }

    public static boolean isValidPath(String path) {
        if (path == null || !path.startsWith("$")) {
            return false;
        }
        if (isVariablePath(path)) {
            return isValidPath("$" + path.substring(variableEnd(path)));
        }
        try {
            JsonPath.compile(path.startsWith("$$") ? path.substring(1) : path);
            return true;
        } catch (InvalidPathException e) {
            return false;
        }
    }

    /** The steps of a reference path, or null when it is not one. */
    public static List<Object> referenceSteps(String path) {
        if (path == null || !path.startsWith("$")) {
            return null;
        }
        List<Object> steps = new ArrayList<>();
        Matcher m = STEP.matcher(path);
        int at = 1;
        while (at < path.length()) {
            if (!m.find(at) || m.start() != at) {
                return null;
            }
            if (m.group(1) != null) {
                steps.add(m.group(1));
            } else if (m.group(2) != null) {
                steps.add(m.group(2));
            } else {
                steps.add(Integer.parseInt(m.group(3)));
            }
            at = m.end();
        }
        return steps;
    }

    private static StatesFailure resultPathFailure(String cause) {
        return new StatesFailure(StatesFailure.RESULT_PATH_MATCH_FAILURE, cause);
    }

    /** {@code ResultPath}: a copy of {@code document} with {@code value} placed at {@code path}. */
    public static JsonNode write(JsonNode document, String path, JsonNode value) {
        List<Object> steps = referenceSteps(path);
        if (steps == null) {
            throw StatesFailure.runtime("'" + path + "' is not a reference path");
        }
        if (steps.isEmpty()) {
            return value;
        }
        if (!document.isObject()) {
            throw resultPathFailure("ResultPath '" + path + "' needs an object as the state input, not " + document);
        }
        JsonNode root = document.deepCopy();
        JsonNode cursor = root;
        for (int i = 0; i < steps.size(); i++) {
            Object step = steps.get(i);
            boolean last = i == steps.size() - 1;
            if (step instanceof String name) {
                if (!cursor.isObject()) {
                    throw resultPathFailure("ResultPath '" + path + "' runs into a non-object at '" + name + "'");
                }
                ObjectNode object = (ObjectNode) cursor;
                if (last) {
                    object.set(name, value);
                } else {
                    JsonNode next = object.get(name);
                    if (next == null || next.isNull()) {
                        next = object.putObject(name);
                    } else if (!next.isContainerNode()) {
                        throw resultPathFailure(
                                "ResultPath '" + path + "' runs into a non-object at '" + steps.get(i + 1) + "'");
                    }
                    cursor = next;
                }
            } else {
                int index = (Integer) step;
                if (!cursor.isArray() || index >= cursor.size()) {
                    throw resultPathFailure("ResultPath '" + path + "' indexes past the array");
                }
                ArrayNode array = (ArrayNode) cursor;
                if (last) {
                    array.set(index, value);
                } else {
                    cursor = array.get(index);
                }
            }
        }
        return root;
    }
}
