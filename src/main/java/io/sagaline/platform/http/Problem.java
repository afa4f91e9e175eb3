package io.sagaline.platform.http;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * An RFC 9457 problem document, the body of every error answer. {@code requestId} (an extension
 * member) is API Gateway's id of the request, which its {@code apigw-requestid} header and every log
 * line of the request carry too: what a caller quotes when they report a problem.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Problem(String type, String title, int status, String detail, List<FieldError> errors, String requestId) {

    /** {@code errors} is always there, empty when the problem is not about particular fields. */
    public Problem {
        errors = errors == null ? List.of() : List.copyOf(errors);
    }

    public record FieldError(String field, String message) {
    }
}
