package io.sagaline.local.asl;

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
        if (expression.startsWith("$$")) {
            return JsonPaths.read(context, expression.substring(1));
        }
        if (expression.startsWith("$")) {
            return JsonPaths.read(input, expression);
        }
        throw StatesFailure.runtime("'" + expression + "' is neither a path nor a supported intrinsic function");
    }

    /** Load-time check of a template: every {@code .$} value must be a valid path. */
    static void validate(String state, String field, JsonNode template) {
        if (template.isObject()) {
            template.fields().forEachRemaining(f -> {
                if (f.getKey().endsWith(".$")) {
                    if (!f.getValue().isTextual() || !JsonPaths.isValidPath(f.getValue().asText())) {
                        throw new AslDefinitionException(state, field + "." + f.getKey(),
                                "the value of a '.$' field must be a JSONPath (intrinsic functions are not supported yet), not "
                                        + f.getValue());
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
