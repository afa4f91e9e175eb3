package io.sagaline.asl.query.intrinsics;

import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * {@code States.Format}: a template whose {@code {}} are replaced by the arguments after it, in order; an escaped
 * brace of the template is literal. Strings go in as they are, other values as AWS writes them: JSON for numbers,
 * booleans and null, and objects and arrays as Java writes a map or a list ({@code {Arg1=1, Arg2=[]}}).
 */
final class Format extends IntrinsicFunction {

    Format() {
        super("States.Format", 1, Integer.MAX_VALUE);
    }

    @Override
    JsonNode apply(List<JsonNode> a) {
        String template = text(a.get(0));
        StringBuilder out = new StringBuilder();
        int next = 1;
        for (int i = 0; i < template.length(); i++) {
            char c = template.charAt(i);
            if (c == ESCAPED_OPEN || c == ESCAPED_CLOSE) {
                out.append(c == ESCAPED_OPEN ? '{' : '}');
            } else if (c == '{' && i + 1 < template.length() && template.charAt(i + 1) == '}') {
                if (next >= a.size()) {
                    throw new IllegalArgumentException("more {} in the template than arguments");
                }
                written(a.get(next++), out);
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

    private static void written(JsonNode value, StringBuilder out) {
        if (value.isObject()) {
            out.append('{');
            var fields = value.fields();
            while (fields.hasNext()) {
                var field = fields.next();
                out.append(field.getKey()).append('=');
                written(field.getValue(), out);
                out.append(fields.hasNext() ? ", " : "");
            }
            out.append('}');
        } else if (value.isArray()) {
            out.append('[');
            for (int i = 0; i < value.size(); i++) {
                written(value.get(i), out);
                out.append(i + 1 < value.size() ? ", " : "");
            }
            out.append(']');
        } else {
            out.append(value.isTextual() ? value.asText() : value.toString());
        }
    }
}
