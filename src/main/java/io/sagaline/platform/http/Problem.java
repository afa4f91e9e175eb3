package io.sagaline.platform.http;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;

/** An RFC 9457 problem document, the body of every error answer. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Problem(String type, String title, int status, String detail, List<FieldError> errors) {

    /** {@code errors} is always there, empty when the problem is not about particular fields. */
    public Problem {
        errors = errors == null ? List.of() : List.copyOf(errors);
    }

    public record FieldError(String field, String message) {
    }
}
