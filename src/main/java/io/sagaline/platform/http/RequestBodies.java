package io.sagaline.platform.http;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.Validator;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;

/**
 * Reads request bodies strictly: no unknown fields, no strings posing as numbers, no fractions
 * posing as integers, bounded size. Every refusal names the field and says what is expected.
 */
@ApplicationScoped
public class RequestBodies {

    /** API Gateway accepts 10 MB; no operation of ours needs more than this. */
    public static final int MAX_BODY_BYTES = 64 * 1024;

    private final ObjectMapper strict;
    private final Validator validator;

    RequestBodies(Validator validator) {
        this.validator = validator;
        this.strict = JsonMapper.builder()
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
                .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
                .build();
        strict.coercionConfigFor(LogicalType.Integer).setCoercion(CoercionInputShape.String, CoercionAction.Fail);
        strict.coercionConfigFor(LogicalType.Textual).setCoercion(CoercionInputShape.Integer, CoercionAction.Fail);
        strict.coercionConfigFor(LogicalType.Textual).setCoercion(CoercionInputShape.Float, CoercionAction.Fail);
        strict.coercionConfigFor(LogicalType.Textual).setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
    }

    <T> T read(APIGatewayV2HTTPEvent event, Class<T> type) {
        String contentType = HttpApi.header(event, "content-type");
        if (contentType != null && !contentType.toLowerCase().startsWith("application/json")) {
            throw new ApiException(415, "unsupported-media-type", "Unsupported media type",
                    "send the body as application/json, not " + contentType);
        }
        T value = bind(tree(event), type);
        if (value == null) {
            throw ApiException.invalid("the body must be a JSON object, not null", null);
        }
        return value;
    }

    /**
     * A JSON Merge Patch (RFC 7396) body, read as strictly as any other, sent as
     * {@code application/merge-patch+json} (or {@code application/json}); it must be an object.
     */
    MergePatch mergePatch(APIGatewayV2HTTPEvent event) {
        String contentType = HttpApi.header(event, "content-type");
        String type = contentType == null ? null : contentType.toLowerCase();
        if (type != null && !type.startsWith("application/merge-patch+json") && !type.startsWith("application/json")) {
            throw new ApiException(415, "unsupported-media-type", "Unsupported media type",
                    "send the patch as application/merge-patch+json, not " + contentType);
        }
        JsonNode patch = tree(event);
        if (!patch.isObject()) {
            throw ApiException.invalid("a merge patch must be a JSON object", null);
        }
        return new MergePatch(patch, this);
    }

    /** A merge patch read from a request: applied to the resource as it is, then read as a whole body. */
    public static final class MergePatch {
        private final JsonNode patch;
        private final RequestBodies bodies;

        MergePatch(JsonNode patch, RequestBodies bodies) {
            this.patch = patch;
            this.bodies = bodies;
        }

        /**
         * {@code current} (what a PUT would send to leave the resource as it is) with the patch
         * applied, read and checked as {@code type}: a field the patch removes ({@code null}) is
         * missing, and refused if the type requires it.
         */
        public <T> T applyTo(T current, Class<T> type) {
            JsonNode merged = merge(bodies.strict.valueToTree(current), patch);
            return bodies.bind(merged, type);
        }

        private static JsonNode merge(JsonNode target, JsonNode patch) {
            if (!patch.isObject()) {
                return patch;
            }
            com.fasterxml.jackson.databind.node.ObjectNode result = target != null && target.isObject()
                    ? ((com.fasterxml.jackson.databind.node.ObjectNode) target).deepCopy()
                    : com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
            patch.fields().forEachRemaining(f -> {
                if (f.getValue().isNull()) {
                    result.remove(f.getKey());
                } else {
                    result.set(f.getKey(), merge(result.get(f.getKey()), f.getValue()));
                }
            });
            return result;
        }
    }

    /** The body as a JSON tree: size-checked, strictly parsed, no unstorable text. */
    private JsonNode tree(APIGatewayV2HTTPEvent event) {
        byte[] raw = rawBody(event);
        if (raw.length > MAX_BODY_BYTES) {
            throw new ApiException(413, "payload-too-large", "Payload too large",
                    "the body is " + raw.length + " bytes; the limit is " + MAX_BODY_BYTES);
        }
        if (raw.length == 0 || new String(raw, StandardCharsets.UTF_8).isBlank()) {
            throw ApiException.invalid("a JSON body is required", null);
        }
        try {
            JsonNode tree = strict.readTree(raw);
            refuseUnstorableText(tree, "");
            return tree;
        } catch (JsonParseException e) {
            throw ApiException.invalid("malformed JSON at line " + e.getLocation().getLineNr()
                    + ", column " + e.getLocation().getColumnNr() + ": " + e.getOriginalMessage(), null);
        } catch (InputCoercionException e) {
            String field = e.getProcessor() == null ? "" : path(e.getProcessor().getParsingContext());
            throw ApiException.badRequest(field.isEmpty() ? "body" : field, "is out of range: at most " + Long.MAX_VALUE);
        } catch (JsonProcessingException e) {
            throw ApiException.invalid("malformed JSON: " + e.getOriginalMessage(), null);
        } catch (java.io.IOException e) {
            throw ApiException.invalid("unreadable body: " + e.getMessage(), null);
        }
    }

    private static byte[] rawBody(APIGatewayV2HTTPEvent event) {
        String body = event.getBody();
        if (body == null) {
            return new byte[0];
        }
        if (event.getIsBase64Encoded()) {
            try {
                return Base64.getDecoder().decode(body);
            } catch (IllegalArgumentException e) {
                throw ApiException.invalid("the body is marked base64 but is not valid base64", null);
            }
        }
        return body.getBytes(StandardCharsets.UTF_8);
    }

    /** {@code tree} as {@code type}, checked: every refusal names the field. */
    private <T> T bind(JsonNode tree, Class<T> type) {
        T value;
        try {
            value = strict.treeToValue(tree, type);
        } catch (InputCoercionException e) {
            String field = e.getProcessor() == null ? "" : path(e.getProcessor().getParsingContext());
            throw ApiException.badRequest(field.isEmpty() ? "body" : field, "is out of range: at most " + Long.MAX_VALUE);
        } catch (UnrecognizedPropertyException e) {
            String field = path(e);
            throw ApiException.badRequest(field, "unknown field; expected one of " + e.getKnownPropertyIds());
        } catch (InvalidFormatException e) {
            throw ApiException.badRequest(path(e), "'" + e.getValue() + "' is not a valid " + simpleType(e));
        } catch (MismatchedInputException e) {
            String field = path(e);
            if (field.isEmpty()) {
                throw ApiException.invalid("the body must be a JSON object", null);
            }
            throw ApiException.badRequest(field, "expected " + simpleType(e));
        } catch (JsonMappingException e) {
            throw ApiException.badRequest(path(e), e.getOriginalMessage());
        } catch (JsonProcessingException e) {
            throw ApiException.invalid("malformed JSON: " + e.getOriginalMessage(), null);
        }
        if (value != null) {
            validate(value);
        }
        return value;
    }

    /**
     * Text no field of ours may hold: control characters (PostgreSQL cannot store U+0000 at all,
     * and the others have no place in a name, an e-mail address or a sku) and unpaired UTF-16
     * surrogates ({@code "\ud800"}), which are no character at all and would be stored as '?'.
     * Refused up front, naming the field.
     */
    private static void refuseUnstorableText(JsonNode node, String path) {
        if (node.isTextual()) {
            String problem = unstorable(node.textValue());
            if (problem != null) {
                throw ApiException.badRequest(path.isEmpty() ? "body" : path, problem);
            }
        }
        if (node.isObject()) {
            node.fields().forEachRemaining(f -> {
                String field = path.isEmpty() ? f.getKey() : path + "." + f.getKey();
                if (unstorable(f.getKey()) != null) {
                    throw ApiException.badRequest("body", "a field name " + unstorable(f.getKey()));
                }
                refuseUnstorableText(f.getValue(), field);
            });
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                refuseUnstorableText(node.get(i), path + "[" + i + "]");
            }
        }
    }

    private static String unstorable(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isISOControl(c)) {
                return String.format("must not contain control characters (U+%04X at %d)", (int) c, i);
            }
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return String.format("must be valid Unicode: an unpaired surrogate (U+%04X) at %d", (int) c, i);
            }
        }
        return null;
    }

    private static String simpleType(MismatchedInputException e) {
        Class<?> target = e.getTargetType();
        if (target == null) {
            return "a different value";
        }
        if (Number.class.isAssignableFrom(target) || target.isPrimitive() && target != boolean.class) {
            return "an integer";
        }
        if (target == String.class) {
            return "a string";
        }
        if (List.class.isAssignableFrom(target) || target.isArray()) {
            return "an array";
        }
        if (target == Boolean.class || target == boolean.class) {
            return "a boolean";
        }
        return "an object";
    }

    /** {@code items[0].quantity} for where a parser is. */
    private static String path(JsonStreamContext context) {
        List<String> segments = new ArrayList<>();
        for (JsonStreamContext c = context; c != null && !c.inRoot(); c = c.getParent()) {
            segments.add(0, c.inArray() ? "[" + c.getCurrentIndex() + "]" : String.valueOf(c.getCurrentName()));
        }
        StringBuilder path = new StringBuilder();
        for (String segment : segments) {
            if (!path.isEmpty() && !segment.startsWith("[")) {
                path.append('.');
            }
            path.append(segment);
        }
        return path.toString();
    }

    private static String path(JsonMappingException e) {
        StringBuilder path = new StringBuilder();
        for (JsonMappingException.Reference ref : e.getPath()) {
            if (ref.getFieldName() != null) {
                if (!path.isEmpty()) {
                    path.append('.');
                }
                path.append(ref.getFieldName());
            } else if (ref.getIndex() >= 0) {
                path.append('[').append(ref.getIndex()).append(']');
            }
        }
        return path.toString();
    }

    private <T> void validate(T value) {
        Set<ConstraintViolation<T>> violations = validator.validate(value);
        if (violations.isEmpty()) {
            return;
        }
        List<Problem.FieldError> errors = new ArrayList<>();
        for (ConstraintViolation<T> v : violations) {
            // "items[0].<list element>" names a container element: the caller knows it as "items[0]".
            String field = v.getPropertyPath().toString().replaceAll("\\.?<[^>]+>", "");
            errors.add(new Problem.FieldError(field, v.getMessage()));
        }
        errors.sort(Comparator.comparing(Problem.FieldError::field).thenComparing(Problem.FieldError::message));
        String detail = errors.stream().map(f -> f.field() + " " + f.message())
                .reduce((a, b) -> a + "; " + b).orElse("invalid body");
        throw ApiException.invalid(detail, errors);
    }
}
