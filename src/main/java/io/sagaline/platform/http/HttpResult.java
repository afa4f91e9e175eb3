package io.sagaline.platform.http;

import java.util.Map;

/**
 * What an HTTP operation answers: status, extra headers and a body to serialise as JSON. A
 * {@code tagged} answer gets an {@code ETag} of its body, and a GET whose {@code If-None-Match}
 * names it is answered 304 with no body.
 */
public record HttpResult(int status, Map<String, String> headers, Object body, boolean tagged) {

    public HttpResult(int status, Map<String, String> headers, Object body) {
        this(status, headers, body, false);
    }

    public static HttpResult ok(Object body) {
        return new HttpResult(200, Map.of(), body);
    }

    public static HttpResult created(String location, Object body) {
        return new HttpResult(201, Map.of("location", location), body);
    }

    public static HttpResult accepted(String location, Object body) {
        return new HttpResult(202, Map.of("location", location), body);
    }

    /** 204: done, nothing to say. */
    public static HttpResult noContent() {
        return new HttpResult(204, Map.of(), null);
    }

    /** The same answer with one more header. */
    public HttpResult withHeader(String name, String value) {
        Map<String, String> all = new java.util.HashMap<>(headers);
        all.put(name, value);
        return new HttpResult(status, Map.copyOf(all), body, tagged);
    }

    /** The same answer with an {@code ETag} of its body (and 304 for a GET that has it already). */
    public HttpResult withETag() {
        return new HttpResult(status, headers, body, true);
    }
}
