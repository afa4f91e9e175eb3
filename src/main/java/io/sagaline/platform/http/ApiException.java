package io.sagaline.platform.http;

import java.util.List;

/** An error answer a caller can act on; the HTTP adapter turns it into problem+json. */
public class ApiException extends RuntimeException {

    private final int status;
    private final String slug;
    private final String title;
    private final List<Problem.FieldError> errors;
    private final java.util.Map<String, String> headers;

    public ApiException(int status, String slug, String title, String detail, List<Problem.FieldError> errors) {
        this(status, slug, title, detail, errors, java.util.Map.of());
    }

    /** With headers the answer carries besides problem+json's ({@code Retry-After}, the rate limit's). */
    public ApiException(int status, String slug, String title, String detail, List<Problem.FieldError> errors,
            java.util.Map<String, String> headers) {
        super(detail, null, false, false);
        this.status = status;
        this.slug = slug;
        this.title = title;
        this.errors = errors;
        this.headers = java.util.Map.copyOf(headers);
    }

    public java.util.Map<String, String> headers() {
        return headers;
    }

    public ApiException(int status, String slug, String title, String detail) {
        this(status, slug, title, detail, null);
    }

    public static ApiException invalid(String detail, List<Problem.FieldError> errors) {
        return new ApiException(400, "invalid-request", "Invalid request", detail, errors);
    }

    public static ApiException badRequest(String field, String message) {
        return invalid(field + ": " + message, List.of(new Problem.FieldError(field, message)));
    }

    public static ApiException notFound(String what, String id) {
        return new ApiException(404, "not-found", "Not found", what + " '" + id + "' does not exist");
    }

    public static ApiException conflict(String detail) {
        return new ApiException(409, "conflict", "Conflict", detail);
    }

    /** The problem document, naming the request it answers ({@code requestId}: null if there is none). */
    public Problem problem(String requestId) {
        return new Problem("https://sagaline.dev/problems/" + slug, title, status, getMessage(), errors, requestId);
    }

    public int status() {
        return status;
    }
}
