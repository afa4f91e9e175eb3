package io.sagaline.asl.query.intrinsics;

import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * {@code States.Format}: a template whose {@code {}} are replaced by the arguments after it, in order (strings,
 * numbers, booleans and null; an escaped brace of the template is literal).
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
}
