package io.sagaline.asl;

import java.util.Iterator;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * {@code Parameters} and {@code ResultSelector}: a JSON template whose {@code "key.$"} fields are
 * replaced by what their path selects, from the input ({@code $}) or the context object ({@code $$}).
 */
public final class PayloadTemplate {

    private PayloadTemplate() {
    }

    public static JsonNode apply(JsonNode template, JsonNode input, JsonNode context) {
        if (template.isObject()) {
            ObjectNode out = JsonPaths.MAPPER.createObjectNode();
            Iterator<Map.Entry<String, JsonNode>> fields = template.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> field = fields.next();
                String key = field.getKey();
                if (key.endsWith(".$")) {
                    out.set(key.substring(0, key.length() - 2), resolve(field.getValue().asText(), input, context));
                } else {
                    out.set(key, apply(field.getValue(), input, context));
                }
            }
            return out;
        }
        if (template.isArray()) {
            ArrayNode out = JsonPaths.MAPPER.createArrayNode();
            template.forEach(element -> out.add(apply(element, input, context)));
            return out;
        }
        return template;
    }

    static JsonNode resolve(String expression, JsonNode input, JsonNode context) {
        if (Intrinsics.isCall(expression)) {
            return Intrinsics.evaluate(expression, input, context);
        }
        if (expression.startsWith("$$")) {
            return JsonPaths.read(context, expression.substring(1));
        }
        if (expression.startsWith("$")) {
            return JsonPaths.read(input, expression);
        }
        throw StatesFailure.runtime("'" + expression + "' is neither a path nor an intrinsic function");
    }

    /** Load-time check of a template: every {@code .$} value must be a valid path. */
    static void validate(String state, String field, JsonNode template) {
        if (template.isObject()) {
            template.fields().forEachRemaining(f -> {
                if (f.getKey().endsWith(".$")) {
                    String value = f.getValue().isTextual() ? f.getValue().asText() : null;
                    if (value != null && Intrinsics.isCall(value)) {
                        try {
                            Intrinsics.parse(value);
                        } catch (IllegalArgumentException e) {
                            throw new AslDefinitionException(state, field + "." + f.getKey(), e.getMessage());
                        }
                    } else if (value == null || !JsonPaths.isValidPath(value)) {
                        throw new AslDefinitionException(state, field + "." + f.getKey(),
                                "the value of a '.$' field must be a JSONPath or an intrinsic function, not " + f.getValue());
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
