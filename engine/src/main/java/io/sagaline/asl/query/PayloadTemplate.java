package io.sagaline.asl.query;

import java.util.Iterator;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.sagaline.asl.AslDefinitionException;
import io.sagaline.asl.StatesFailure;

/**
 * {@code Parameters} and {@code ResultSelector}: a JSON template whose {@code "key.$"} fields are
 * replaced by what their path selects, from the input ({@code $}) or the context object ({@code $$}).
 */
public final class PayloadTemplate {

    private PayloadTemplate() {
    }

    /** The template filled in: each {@code "key.$"} field by what its path or intrinsic function gives in {@code scope}. */
    public static JsonNode apply(JsonNode template, PathScope scope) {
        if (template.isObject()) {
            ObjectNode out = JsonPaths.MAPPER.createObjectNode();
            Iterator<Map.Entry<String, JsonNode>> fields = template.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> field = fields.next();
                String key = field.getKey();
                if (key.endsWith(".$")) {
                    String expression = field.getValue().asText();
                    try {
                        out.set(key.substring(0, key.length() - 2), scope.resolve(expression));
                    } catch (JsonPaths.NotFound e) {
                        throw StatesFailure.runtime("The JSONPath '" + expression + "' specified for the field '" + key
                                + "' could not be found in the input '" + e.document() + "'");
                    }
                } else {
                    out.set(key, apply(field.getValue(), scope));
                }
            }
            return out;
        }
        if (template.isArray()) {
            ArrayNode out = JsonPaths.MAPPER.createArrayNode();
            template.forEach(element -> out.add(apply(element, scope)));
            return out;
        }
        return template;
    }

    private static AslDefinitionException notAPath(String state, String field, String key, String detail) {
        return new AslDefinitionException(AslDefinitionException.SCHEMA_VALIDATION_FAILED,
                AslDefinitionException.pointer(state, field), "The value for the field '" + key
                        + "' must be a valid JSONPath or a valid intrinsic function call",
                field + "." + key + ": " + detail);
    }

    /**
     * Load-time check of a template: every {@code .$} value must be a valid path or intrinsic function call; a
     * refusal is located, as AWS locates it, at the template ({@code state} the state's JSON pointer).
     */
    public static void validate(String state, String field, JsonNode template) {
        if (template.isObject()) {
            template.fields().forEachRemaining(f -> {
                if (f.getKey().endsWith(".$")) {
                    String value = f.getValue().isTextual() ? f.getValue().asText() : null;
                    if (value != null && Intrinsics.isCall(value)) {
                        try {
                            Intrinsics.parse(value);
                        } catch (IllegalArgumentException e) {
                            throw notAPath(state, field, f.getKey(), e.getMessage());
                        }
                    } else if (value == null || !JsonPaths.isValidPath(value)) {
                        throw notAPath(state, field, f.getKey(), "not a JSONPath or an intrinsic function: " + f.getValue());
                    }
                } else {
                    validate(state, field + "." + f.getKey(), f.getValue());
                }
            });
        } else if (template.isArray()) {
            template.forEach(element -> validate(state, field, element));
        }
    }
}
